/** How long a Kling 3.0 render takes at each gateway, as published: polling uses it when no hint is given. */
export interface RenderTime {
  /** The earliest a render plausibly finishes. */
  minSeconds: number;
  maxSeconds: number;
  source: string;
}
