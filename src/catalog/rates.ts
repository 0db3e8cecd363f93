import type { GatewayId } from '../gateways/catalog.js';
import type { Mode } from './video-request.js';

/** Per-second prices; a row with neither figure is a combination the vendor sells but does not price. */
export interface PerSecond {
  usd?: number;
  credits?: number;
}

export interface RateRow {
  /** The vendor's own name for the row, e.g. 'pro-audio' (apiframe) or '1080p+on' (EvoLink). */
  key: string;
  mode: Mode;
  sound: boolean;
  /**
   * The model the row prices where a gateway sells more than one for the same mode and sound (fal:
   * `'o3'`, Kling 3.0 Omni); the gateway's catalog picks it per request (`rateVariant`). Rows without
   * it are the default model's.
   */
  variant?: string;
  /** Null where the vendor publishes no price for this row. */
  perSecond: PerSecond | null;
  /** The vendor's public page the figure was read from (a URL). */
  source: string;
  /** When the figure was read from that page (the pages carry no date of their own). */
  asOf: string;
}

export interface RateTable {
  gateway: GatewayId;
  /** The unit the gateway bills in (and reports cost in). */
  unit: 'credits' | 'usd';
  /** The vendor bills at least this many seconds (0: none published). */
  minimumBilledSeconds: number;
  /** The vendor's published dollar value of one credit, where it publishes one. */
  usdPerCredit: { value: number; approximate: boolean; source: string; asOf: string } | null;
  rows: readonly RateRow[];
}
