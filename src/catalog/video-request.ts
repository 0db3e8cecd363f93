import type { GatewayId } from '../gateways/catalog.js';

/**
 * The normalized request, one shape for every gateway. Declared with no runtime code, so the pure
 * `kling-sdk/pricing` entry can name it; `parseVideoRequest` validates it.
 */
export interface VideoRequest {
  prompt?: string;
  negativePrompt?: string;
  /** Default `'std'`. EvoLink: 720p / 1080p / 4k; apiframe: standard / pro / 4k. */
  mode?: Mode;
  /** Integer 3–15, default 5. Must be absent with `referenceVideos` (the output follows the video). */
  duration?: number;
  /** No default: omitted unless given (it does not change the price). */
  aspectRatio?: AspectRatio;
  /** Default false. */
  sound?: boolean;
  /**
   * The first frame: makes the request image-to-video. An http(s) URL; or, where the gateway has an
   * upload API (apiframe, EvoLink), a local file path or the bytes (a `Buffer` is a `Uint8Array`),
   * which the client uploads at submit time and sends as the URL the gateway returns.
   */
  startImage?: string | Uint8Array;
  /** The last frame (needs `startImage`): a URL, a local file path or bytes, as `startImage`. */
  endImage?: string | Uint8Array;
  /**
   * Reference images (Modellix `images`): http(s) URLs, base64 data, local file paths or bytes (local
   * ones are uploaded through Modellix's media API at submit time).
   */
  referenceImages?: (string | Uint8Array)[];
  /** At most one reference video (Modellix `videos`): forces sound off, duration omitted, price unknown. */
  referenceVideos?: string[];
  multiShot?: MultiShot;
  /** Pre-trained subjects by id (EvoLink): at most 3, image-to-video only. */
  elements?: { id: string }[];
  watermark?: boolean;
  /** https only, no private or loopback hosts, at most 2048 characters. */
  callbackUrl?: string;
  /**
   * Raw extra wire fields per gateway; one that collides with a mapped field is an error. One key is the
   * SDK's own, never sent: `fal.model`, `'v3'` (Kling 3.0) or `'o3'` (Kling 3.0 Omni), picks fal's
   * endpoints (default: o3 where the request has reference images, else v3) and the rates it is priced on;
   * `kling.model`, `'v3'` or `'omni'`, the same at the official Kling API (default: Omni where the request
   * has reference images, a reference video or elements without a first frame, else v3).
   */
  providerOptions?: Partial<Record<GatewayId, Record<string, unknown>>>;
}

export type Mode = 'std' | 'pro' | '4k';
export type AspectRatio = '16:9' | '9:16' | '1:1';
export type MultiShot = { type: 'customize'; shots: Shot[] } | { type: 'intelligence' };
export interface Shot {
  prompt: string;
  duration: number;
}

export const MODES = ['std', 'pro', '4k'] as const satisfies readonly Mode[];
export const ASPECT_RATIOS = ['16:9', '9:16', '1:1'] as const satisfies readonly AspectRatio[];

/** The defaults the SDK applies and always sends, so the estimate is what the gateway charges. */
export const REQUEST_DEFAULTS = { mode: 'std', duration: 5, sound: false } as const satisfies {
  mode: Mode;
  duration: number;
  sound: boolean;
};

/** Limits shared by every gateway (the strictest documented value where they differ). */
export const REQUEST_LIMITS = {
  minDuration: 3,
  maxDuration: 15,
  /**
   * The largest any gateway takes (apiframe: 4000); each gateway's own limit is
   * `CAPABILITIES[gateway].maxPromptLength` (API in One, EvoLink: 2500), checked by `findUnsupported`.
   */
  maxPromptLength: 4000,
  maxNegativePromptLength: 2500,
  minShots: 1,
  maxShots: 6,
  minShotDuration: 1,
  /** EvoLink's per-shot limit. */
  maxShotPromptLength: 512,
  maxElements: 3,
  maxReferenceVideos: 1,
  maxCallbackUrlLength: 2048,
} as const;
