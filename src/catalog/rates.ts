import type { GatewayId } from './gateways.js';
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

const AS_OF = '2026-11-22';
// The vendors' public pages the rates were read from (the model page of each gateway).
const APIINONE_PAGE = 'https://apiin.one/models/kling-3';
const APIFRAME_PAGE = 'https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0';
const EVOLINK_PAGE = 'https://evolink.ai/kling-3';
const MODELLIX_PAGE = 'https://docs.modellix.ai/kling/kling-v3-omni-video';

const row = (
  key: string,
  mode: Mode,
  sound: boolean,
  perSecond: PerSecond | null,
  source: string,
): RateRow => ({
  key,
  mode,
  sound,
  perSecond,
  source,
  asOf: AS_OF,
});

/** Every published rate table, as published, each row with the page it was read from and when. */
export const RATE_TABLES: Readonly<Record<GatewayId, RateTable>> = {
  apiinone: {
    gateway: 'apiinone',
    unit: 'credits',
    minimumBilledSeconds: 0,
    // "120–1200 credits per video (~$1.20–$12.00)": the vendor's own, approximate, conversion.
    usdPerCredit: { value: 0.01, approximate: true, source: APIINONE_PAGE, asOf: AS_OF },
    rows: [
      row('std', 'std', false, { credits: 40 }, APIINONE_PAGE),
      row('std+sound', 'std', true, { credits: 60 }, APIINONE_PAGE),
      row('pro', 'pro', false, { credits: 54 }, APIINONE_PAGE),
      row('pro+sound', 'pro', true, { credits: 80 }, APIINONE_PAGE),
    ],
  },
  apiframe: {
    gateway: 'apiframe',
    unit: 'credits',
    minimumBilledSeconds: 0,
    usdPerCredit: null,
    rows: [
      row('standard', 'std', false, { credits: 3 }, APIFRAME_PAGE),
      row('standard-audio', 'std', true, { credits: 4 }, APIFRAME_PAGE),
      row('pro', 'pro', false, { credits: 5 }, APIFRAME_PAGE),
      row('pro-audio', 'pro', true, { credits: 7 }, APIFRAME_PAGE),
      // `4k` is in apiframe's schema but its price is published nowhere.
      row('4k', '4k', false, null, APIFRAME_PAGE),
      row('4k-audio', '4k', true, null, APIFRAME_PAGE),
    ],
  },
  evolink: {
    gateway: 'evolink',
    unit: 'usd',
    minimumBilledSeconds: 3,
    usdPerCredit: null,
    rows: [
      // Both columns as published, even where they disagree (7.1982 credits vs $0.10: 0.03%).
      row('720p+off', 'std', false, { usd: 0.075, credits: 5.4 }, EVOLINK_PAGE),
      row('720p+on', 'std', true, { usd: 0.1125, credits: 8.1 }, EVOLINK_PAGE),
      row('1080p+off', 'pro', false, { usd: 0.1, credits: 7.1982 }, EVOLINK_PAGE),
      row('1080p+on', 'pro', true, { usd: 0.15, credits: 10.8 }, EVOLINK_PAGE),
      // `quality: 4k` was added to EvoLink's docs in 2026-04 without a price.
      row('4k+off', '4k', false, null, EVOLINK_PAGE),
      row('4k+on', '4k', true, null, EVOLINK_PAGE),
    ],
  },
  modellix: {
    gateway: 'modellix',
    unit: 'usd',
    minimumBilledSeconds: 0,
    usdPerCredit: null,
    rows: [
      // As published: sound off costs more than sound on.
      row('std+on', 'std', true, { usd: 0.15 }, MODELLIX_PAGE),
      row('pro+on', 'pro', true, { usd: 0.19 }, MODELLIX_PAGE),
      row('std+off', 'std', false, { usd: 0.17 }, MODELLIX_PAGE),
      row('pro+off', 'pro', false, { usd: 0.23 }, MODELLIX_PAGE),
    ],
  },
};

/** The row a gateway bills for a mode and sound setting, or undefined if it sells no such thing. */
export function findRateRow(gateway: GatewayId, mode: Mode, sound: boolean): RateRow | undefined {
  return RATE_ROWS_BY_MODE[gateway][mode]?.[sound ? 1 : 0];
}

/** Each gateway's rows by mode and sound, built once: pricing looks a row up on every estimate. */
const RATE_ROWS_BY_MODE = Object.fromEntries(
  Object.entries(RATE_TABLES).map(([gateway, table]) => {
    const byMode: Partial<Record<Mode, [RateRow | undefined, RateRow | undefined]>> = {};
    for (const row of table.rows) {
      const pair = byMode[row.mode] ?? [undefined, undefined];
      byMode[row.mode] = pair;
      pair[row.sound ? 1 : 0] ??= row;
    }
    return [gateway, byMode];
  }),
) as Record<GatewayId, Partial<Record<Mode, [RateRow | undefined, RateRow | undefined]>>>;
