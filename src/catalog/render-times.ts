import type { GatewayId } from './gateways.js';

/** How long a Kling 3.0 render takes at each gateway, as published: polling uses it when no hint is given. */
export interface RenderTime {
  /** The earliest a render plausibly finishes. */
  minSeconds: number;
  maxSeconds: number;
  source: string;
}

export const RENDER_TIMES: Readonly<Record<GatewayId, RenderTime>> = {
  apiinone: { minSeconds: 60, maxSeconds: 180, source: 'apiin.one model page: "Speed 60–180 seconds"' },
  apiframe: {
    minSeconds: 120,
    maxSeconds: 180,
    source: 'apiframe model page "Avg. completion ~150s"; kling-api README "about 135 seconds"',
  },
  evolink: {
    minSeconds: 60,
    maxSeconds: 600,
    source: 'no published time; its replies carry an estimate (the create example says 300 s)',
  },
  modellix: {
    minSeconds: 60,
    maxSeconds: 180,
    source: "unpublished; assumed the same as API in One's range",
  },
};
