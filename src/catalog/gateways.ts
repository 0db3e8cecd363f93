/**
 * The shape of one gateway's catalog data (src/gateways/<id>/catalog.ts) and small helpers to write one.
 * The data itself lives beside each adapter; the registry (src/gateways/catalog.ts) lists it by id.
 */
import type { GatewayId } from '../gateways/catalog.js';
import type { FieldSupport, GatewayCapabilities, ImageType, UnsupportedUse } from './capabilities.js';
import type { PerSecond, RateRow, RateTable } from './rates.js';
import type { RenderTime } from './render-times.js';
import type { Mode, VideoRequest } from './video-request.js';

// The id type is the registry's; re-exported for files that still import it from here.
export type { GatewayId };

export interface GatewayInfo {
  id: GatewayId;
  vendor: string;
  /** The production origin; each adapter owns its paths under it. */
  baseUrl: string;
  /** The environment variable the client reads the API key from when none is given. */
  apiKeyEnv: string;
  docs: string;
}

/** Everything the SDK knows about a gateway besides its wire format: pure data, no network code. */
export interface GatewayCatalog {
  info: GatewayInfo;
  /** The upload API's production origin where it is not `info.baseUrl` (EvoLink's files host). */
  uploadBaseUrl?: string;
  capabilities: GatewayCapabilities;
  /** The published rate table, each row with the page it was read from and when. */
  rates: RateTable;
  /** How long a Kling 3.0 render takes there, as published: polling uses it when no hint is given. */
  renderTime: RenderTime;
  /**
   * Where a gateway sells Kling 3.0 as more than one model (fal: v3 and Omni o3), the rate rows'
   * `variant` a request is billed on (undefined: the default rows). Pure: pricing calls it.
   */
  rateVariant?(request: VideoRequest): string | undefined;
  /**
   * What the gateway can't do with a request beyond what `capabilities` can say (fal: what its Omni
   * endpoints lack), as `findUnsupported` reports it. Pure: pricing calls it.
   */
  unsupported?(request: VideoRequest): UnsupportedUse[];
  /**
   * Field support that differs on another wire standard a client can pick (the official Kling API's
   * `legacy` standard, `klingApi: 'legacy'`), over `capabilities.fields`. Prices and quotes use the
   * default standard; a client on the other one checks requests against these.
   */
  standards?: Readonly<Record<string, Partial<GatewayCapabilities['fields']>>>;
}

/** A field the gateway supports as the SDK maps it. */
export const yes = { support: 'yes' } as const satisfies FieldSupport;

/** A field the gateway does not support, and why (the message names it). */
export const no = (why: string): FieldSupport => ({ support: 'no', why });

/** The SDK's own ceiling where a vendor documents no image size: what the client reads into memory. */
export const UNDOCUMENTED_MAX_BYTES = 100 * 1024 * 1024;

/** The image types a gateway takes unless its vendor documents more. */
export const JPEG_PNG: readonly ImageType[] = ['image/jpeg', 'image/png'];

/**
 * A rate-row builder for rows read from one public page on one date:
 * `const row = ratesFrom(PAGE, '2026-11-22'); row('pro', 'pro', true, { usd: 0.19 })`; `variant` marks
 * the rows of a gateway's second model (fal's `'o3'`).
 */
export function ratesFrom(source: string, asOf: string, variant?: string) {
  return (key: string, mode: Mode, sound: boolean, perSecond: PerSecond | null): RateRow =>
    variant === undefined
      ? { key, mode, sound, perSecond, source, asOf }
      : { key, mode, sound, variant, perSecond, source, asOf };
}
