import {
  findRateRow,
  findUnsupported,
  GATEWAY_IDS,
  GATEWAYS,
  type GatewayId,
  isGatewayId,
  MODES,
  type Mode,
  type PerSecond,
  RATE_TABLES,
  REQUEST_DEFAULTS,
  REQUEST_LIMITS,
  type VideoRequest,
} from '../catalog/index.js';
import { KlingUnsupportedError, KlingValidationError, type ValidationIssue } from '../errors.js';
import { multiply } from './decimal.js';

/** What a request will cost at one gateway, in the gateway's own unit, before it is sent. */
export type CostEstimate = {
  gateway: GatewayId;
  /** The vendor's own row, e.g. 'pro+sound', 'pro-audio', '1080p+on'. */
  rateKey: string;
  /** The gateway's own billing unit; `perSecond` and `total` are in it. */
  unit: 'credits' | 'usd';
  /** Where the gateway publishes a conversion (or the caller gives `usdPerCredit`). */
  usd: number | null;
  /** Where the gateway publishes credits. */
  credits: number | null;
  /** True where `usd` comes from a conversion the vendor itself calls approximate (API in One's "~$0.01"). */
  usdApproximate: boolean;
  /** The seed file the rate row was copied from, or 'options.rates' for a caller's own rate. */
  source: string;
  /** When the rate was read from its source; null for a caller's own rate. */
  asOf: string | null;
} & (
  | { exact: true; billedSeconds: number; perSecond: number; total: number }
  | {
      exact: false;
      /** Null when the output length is unknown before rendering (a Modellix reference video). */
      billedSeconds: number | null;
      perSecond: number | null;
      total: number | null;
      /** Why the total is not known. */
      reason: string;
    }
);

export interface PricingOptions {
  /**
   * The dollar value of one credit. A number fills in only where the vendor publishes no conversion
   * (apiframe); a per-gateway record also overrides a published one (API in One's ~$0.01).
   */
  usdPerCredit?: number | Partial<Record<GatewayId, number>>;
  /**
   * Your own rates, overriding the published rows by rate key, per second:
   * `{ apiframe: { '4k-audio': { credits: 9 } } }`. A key the gateway does not have is an error.
   */
  rates?: Partial<Record<GatewayId, Record<string, PerSecond>>>;
}

const NO_OPTIONS: PricingOptions = Object.freeze({});

interface PricedFields {
  mode: Mode;
  sound: boolean;
  /** Null when a reference video decides the output length. */
  duration: number | null;
}

/**
 * The cost of `request` at `gateway`: pure and synchronous. Throws `KlingValidationError` for a bad
 * mode, duration or sound, and `KlingUnsupportedError` when the gateway can't serve the request.
 */
export function estimateCost(
  gateway: GatewayId,
  request: VideoRequest,
  options: PricingOptions = NO_OPTIONS,
): CostEstimate {
  if (!isGatewayId(gateway)) {
    throw new KlingValidationError([
      { path: ['gateway'], message: `unknown gateway; use one of ${GATEWAY_IDS.join(', ')}` },
    ]);
  }
  const fields = readPricedFields(request);
  checkOptions(options);
  const unsupported = findUnsupported(gateway, request);
  const first = unsupported[0];
  if (first !== undefined) {
    throw new KlingUnsupportedError(gateway, first.field, unsupported.map((u) => u.message).join('; '));
  }
  return estimateServable(gateway, fields, options);
}

/**
 * The cost at every gateway that can serve `request`: cheapest first in USD, then the gateways with
 * no USD figure in the catalog's stable order. Gateways that can't serve it are left out.
 */
export function quote(request: VideoRequest, options: PricingOptions = NO_OPTIONS): CostEstimate[] {
  const fields = readPricedFields(request);
  checkOptions(options);
  const priced: CostEstimate[] = [];
  const unpriced: CostEstimate[] = [];
  for (const gateway of GATEWAY_IDS) {
    if (findUnsupported(gateway, request).length > 0) continue;
    const estimate = estimateServable(gateway, fields, options);
    (estimate.usd === null ? unpriced : priced).push(estimate);
  }
  // Array.prototype.sort is stable, so equal prices keep the catalog order.
  priced.sort((a, b) => (a.usd ?? 0) - (b.usd ?? 0));
  for (const estimate of unpriced) priced.push(estimate);
  return priced;
}

/** The estimate for a request already known to be valid and servable at `gateway`. */
function estimateServable(
  gateway: GatewayId,
  { mode, sound, duration }: PricedFields,
  options: PricingOptions,
): CostEstimate {
  const table = RATE_TABLES[gateway];
  const row = findRateRow(gateway, mode, sound);
  if (row === undefined) {
    throw new KlingUnsupportedError(gateway, 'mode', `${gateway} has no rate for mode '${mode}'`);
  }
  const override = options.rates?.[gateway]?.[row.key];
  const perSecond = override ?? row.perSecond;
  const source = override === undefined ? row.source : 'options.rates';
  const asOf = override === undefined ? row.asOf : null;
  const perSecondInUnit =
    (perSecond === null ? undefined : table.unit === 'usd' ? perSecond.usd : perSecond.credits) ?? null;
  const billedSeconds = duration === null ? null : Math.max(duration, table.minimumBilledSeconds);

  // Each branch returns one object literal with the same keys in the same order: on this hot path
  // (bench/pricing.ts) spreading a base object costs more than all the arithmetic.
  if (perSecondInUnit === null || billedSeconds === null) {
    const reason =
      perSecondInUnit === null
        ? `${GATEWAYS[gateway].vendor} publishes no price for '${row.key}'; pass options.rates to price it`
        : 'the output length follows the reference video, which is unknown before rendering';
    return {
      gateway,
      rateKey: row.key,
      unit: table.unit,
      usd: null,
      credits: null,
      usdApproximate: false,
      source,
      asOf,
      exact: false,
      billedSeconds,
      perSecond: perSecondInUnit,
      total: null,
      reason,
    };
  }

  const total = multiply(perSecondInUnit, billedSeconds);
  // The other unit, where the vendor publishes both (EvoLink).
  const otherRate = table.unit === 'usd' ? perSecond?.credits : perSecond?.usd;
  const otherTotal = otherRate === undefined ? null : multiply(otherRate, billedSeconds);
  const credits = table.unit === 'credits' ? total : otherTotal;
  let usd = table.unit === 'usd' ? total : otherTotal;
  let usdApproximate = false;
  if (usd === null && credits !== null) {
    const rate = usdPerCredit(gateway, options);
    if (rate !== null) {
      usd = multiply(credits, rate.value);
      usdApproximate = rate.approximate;
    }
  }
  return {
    gateway,
    rateKey: row.key,
    unit: table.unit,
    usd,
    credits,
    usdApproximate,
    source,
    asOf,
    exact: true,
    billedSeconds,
    perSecond: perSecondInUnit,
    total,
  };
}

function usdPerCredit(
  gateway: GatewayId,
  options: PricingOptions,
): { readonly value: number; readonly approximate: boolean } | null {
  const given = options.usdPerCredit;
  if (typeof given === 'object' && given[gateway] !== undefined) {
    return { value: given[gateway], approximate: false };
  }
  const published = RATE_TABLES[gateway].usdPerCredit;
  if (published !== null) return published;
  if (typeof given === 'number') return { value: given, approximate: false };
  return null;
}

/** Checks the fields that decide the price, without zod (this module must stay dependency-free). */
function readPricedFields(request: VideoRequest): PricedFields {
  const issues: ValidationIssue[] = [];
  if (typeof request !== 'object' || request === null) {
    throw new KlingValidationError([{ path: [], message: 'the request must be an object' }]);
  }
  const mode = request.mode ?? REQUEST_DEFAULTS.mode;
  if (!MODES.includes(mode)) issues.push({ path: ['mode'], message: `must be one of ${MODES.join(', ')}` });
  const sound = request.sound ?? REQUEST_DEFAULTS.sound;
  if (typeof sound !== 'boolean') issues.push({ path: ['sound'], message: 'must be true or false' });
  const hasReferenceVideo = Array.isArray(request.referenceVideos) && request.referenceVideos.length > 0;
  let duration: number | null = null;
  if (hasReferenceVideo) {
    if (request.duration !== undefined) {
      issues.push({
        path: ['duration'],
        message: 'must be left out with referenceVideos (the video sets the length)',
      });
    }
    if (sound) issues.push({ path: ['sound'], message: 'must be off with referenceVideos' });
  } else {
    duration = request.duration ?? REQUEST_DEFAULTS.duration;
    const { minDuration, maxDuration } = REQUEST_LIMITS;
    if (!Number.isInteger(duration) || duration < minDuration || duration > maxDuration) {
      issues.push({
        path: ['duration'],
        message: `must be a whole number of seconds from ${minDuration} to ${maxDuration}`,
      });
    }
  }
  if (issues.length > 0) throw new KlingValidationError(issues);
  return { mode, sound, duration };
}

function checkOptions(options: PricingOptions): void {
  if (options.usdPerCredit === undefined && options.rates === undefined) return;
  const issues: ValidationIssue[] = [];
  const { usdPerCredit: perCredit, rates } = options;
  const checkRate = (value: unknown, path: (string | number)[]) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      issues.push({ path, message: 'must be a finite number of at least 0' });
    }
  };
  if (typeof perCredit === 'number') checkRate(perCredit, ['usdPerCredit']);
  else if (perCredit !== undefined) {
    for (const [gateway, value] of Object.entries(perCredit)) {
      if (!isGatewayId(gateway)) issues.push({ path: ['usdPerCredit', gateway], message: 'unknown gateway' });
      else checkRate(value, ['usdPerCredit', gateway]);
    }
  }
  for (const [gateway, table] of Object.entries(rates ?? {})) {
    if (!isGatewayId(gateway)) {
      issues.push({ path: ['rates', gateway], message: 'unknown gateway' });
      continue;
    }
    const keys = RATE_TABLES[gateway].rows.map((r) => r.key);
    for (const [key, perSecond] of Object.entries(table ?? {})) {
      if (!keys.includes(key)) {
        issues.push({
          path: ['rates', gateway, key],
          message: `unknown rate key; ${gateway} has ${keys.join(', ')}`,
        });
        continue;
      }
      if (perSecond.usd !== undefined) checkRate(perSecond.usd, ['rates', gateway, key, 'usd']);
      if (perSecond.credits !== undefined) checkRate(perSecond.credits, ['rates', gateway, key, 'credits']);
    }
  }
  if (issues.length > 0) throw new KlingValidationError(issues);
}
