import {
  ASPECT_RATIOS,
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
  rateVariantOf,
  type VideoRequest,
} from '../catalog/index.js';
import { KlingUnsupportedError, KlingValidationError, type ValidationIssue } from '../errors.js';
import { multiply } from './decimal.js';
import { hasReferenceVideo, referenceVideoIssues } from './reference-video.js';
import { didYouMean } from './suggest.js';

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
  if (!isGatewayId(gateway)) throw unknownGateway(gateway);
  const fields = readPricedFields(request);
  checkOptions(options);
  const unsupported = findUnsupported(gateway, request);
  const first = unsupported[0];
  if (first !== undefined) {
    throw new KlingUnsupportedError(gateway, first.field, unsupported.map((u) => u.message).join('; '));
  }
  return estimateServable(gateway, fields, options, rateVariantOf(gateway, request));
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
    const estimate = estimateServable(gateway, fields, options, rateVariantOf(gateway, request));
    (estimate.usd === null ? unpriced : priced).push(estimate);
  }
  // Array.prototype.sort is stable, so equal prices keep the catalog order.
  priced.sort((a, b) => (a.usd ?? 0) - (b.usd ?? 0));
  for (const estimate of unpriced) priced.push(estimate);
  return priced;
}

/**
 * The estimate for a request already validated (`parseVideoRequest`) and found servable at `gateway`,
 * with `options` already checked (a client checks its pricing once, at construction): neither check is
 * made again. Internal to the SDK; the public entries are `estimateCost` and `quote`.
 */
export function estimateChecked(
  gateway: GatewayId,
  request: VideoRequest,
  options: PricingOptions = NO_OPTIONS,
): CostEstimate {
  return estimateServable(gateway, readPricedFields(request), options, rateVariantOf(gateway, request));
}

/** The estimate for a request already known to be valid and servable at `gateway`. */
function estimateServable(
  gateway: GatewayId,
  { mode, sound, duration }: PricedFields,
  options: PricingOptions,
  variant: string | undefined,
): CostEstimate {
  const table = RATE_TABLES[gateway];
  const row = findRateRow(gateway, mode, sound, variant);
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

/** An unknown gateway id, with the nearest known one. */
export function unknownGateway(gateway: unknown): KlingValidationError {
  const guess = typeof gateway === 'string' ? didYouMean(gateway, GATEWAY_IDS) : undefined;
  const shown = typeof gateway === 'string' ? `'${gateway}'` : String(gateway);
  return new KlingValidationError(
    [
      {
        path: ['gateway'],
        message: `unknown gateway ${shown}; use one of ${GATEWAY_IDS.join(', ')}${guess === undefined ? '' : ` (did you mean '${guess}'?)`}`,
      },
    ],
    { subject: 'gateway' },
  );
}

/**
 * What pricing checks of each request field (without zod: this module must stay dependency-free): its
 * type, so a quote never prices a request that a submit would refuse for its shape. The price fields
 * (mode, sound, duration) are checked on their own below; content rules (lengths, URLs, callback
 * hosts) are the request schema's (`parseVideoRequest`, which `kling-sdk`'s `quote` runs first).
 */
const FIELDS = {
  prompt: 1,
  negativePrompt: 1,
  mode: 1,
  duration: 1,
  aspectRatio: 1,
  sound: 1,
  startImage: 1,
  endImage: 1,
  referenceImages: 1,
  referenceVideos: 1,
  multiShot: 1,
  elements: 1,
  watermark: 1,
  callbackUrl: 1,
  providerOptions: 1,
} satisfies Record<keyof VideoRequest, 1>;
/** Every field a `VideoRequest` may have. */
export const VIDEO_REQUEST_FIELDS = Object.keys(FIELDS) as readonly (keyof VideoRequest)[];

/**
 * What is wrong with `value` as the request's `key` (an unknown field included), or undefined. A
 * switch on the name, not a keyed lookup: this runs for every field of every estimate.
 */
function shapeProblem(key: string, value: unknown): string | undefined {
  switch (key) {
    case 'mode':
    case 'duration':
    case 'sound':
      return undefined; // the price fields: checked on their own
    case 'prompt':
    case 'negativePrompt':
    case 'callbackUrl':
      return value === undefined || typeof value === 'string' ? undefined : 'must be a string';
    case 'watermark':
      return value === undefined || typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'aspectRatio':
      return value === undefined || (ASPECT_RATIOS as readonly unknown[]).includes(value)
        ? undefined
        : `must be one of ${ASPECT_RATIOS.join(', ')}`;
    case 'startImage':
    case 'endImage':
      return value === undefined || typeof value === 'string' || value instanceof Uint8Array
        ? undefined
        : 'must be an http(s) URL, a local file path or the image bytes';
    case 'referenceImages':
    case 'referenceVideos':
    case 'elements':
      return value === undefined || Array.isArray(value) ? undefined : 'must be an array';
    case 'multiShot':
    case 'providerOptions':
      return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))
        ? undefined
        : 'must be an object';
    default:
      return unknownRequestFieldMessage(key);
  }
}

/** The message for a field a `VideoRequest` does not have (the request schema says the same). */
export function unknownRequestFieldMessage(key: string): string {
  const suggestion = didYouMean(key, VIDEO_REQUEST_FIELDS);
  return suggestion === undefined
    ? 'unknown field; pass raw gateway fields through providerOptions.<gateway>'
    : `unknown field; did you mean '${suggestion}'?`;
}

/** Checks the fields that decide the price, and the request's shape, without zod. */
function readPricedFields(request: VideoRequest): PricedFields {
  const issues: ValidationIssue[] = [];
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new KlingValidationError([{ path: [], message: 'the request must be an object' }]);
  }
  for (const key in request) {
    const problem = shapeProblem(key, request[key as keyof VideoRequest]);
    if (problem !== undefined) issues.push({ path: [key], message: problem });
  }
  const mode = request.mode ?? REQUEST_DEFAULTS.mode;
  if (!MODES.includes(mode)) issues.push({ path: ['mode'], message: `must be one of ${MODES.join(', ')}` });
  const sound = request.sound ?? REQUEST_DEFAULTS.sound;
  if (typeof sound !== 'boolean') issues.push({ path: ['sound'], message: 'must be true or false' });
  let duration: number | null = null;
  if (hasReferenceVideo(request)) {
    for (const issue of referenceVideoIssues(request)) issues.push(issue);
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
  if (options === NO_OPTIONS) return;
  // The common case, no options (`{}`), costs one look and no allocation.
  if (
    typeof options === 'object' &&
    options !== null &&
    options.usdPerCredit === undefined &&
    options.rates === undefined
  ) {
    let keys = false;
    for (const _ in options) {
      keys = true;
      break;
    }
    if (!keys) return;
  }
  const issues = pricingOptionsIssues(options);
  if (issues.length > 0) throw new KlingValidationError(issues, { subject: 'pricing options' });
}

const PRICING_OPTION_KEYS: readonly (keyof PricingOptions)[] = ['usdPerCredit', 'rates'];

/**
 * Every problem with pricing options (empty when they are valid), each path under `path`. Never
 * throws: the client lists these with its other options.
 */
export function pricingOptionsIssues(
  options: unknown,
  path: readonly (string | number)[] = [],
): ValidationIssue[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return [{ path: [...path], message: 'must be an object: { usdPerCredit?, rates? }' }];
  }
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(options)) {
    if ((PRICING_OPTION_KEYS as readonly string[]).includes(key)) continue;
    const guess = didYouMean(key, PRICING_OPTION_KEYS);
    issues.push({
      path: [...path, key],
      message: `unknown option; ${guess === undefined ? `use ${PRICING_OPTION_KEYS.join(' or ')}` : `did you mean '${guess}'?`}`,
    });
  }
  const { usdPerCredit: perCredit, rates } = options as Record<string, unknown>;
  const checkRate = (value: unknown, at: (string | number)[]) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      issues.push({ path: [...path, ...at], message: 'must be a finite number of at least 0' });
    }
  };
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (typeof perCredit === 'number') checkRate(perCredit, ['usdPerCredit']);
  else if (isRecord(perCredit)) {
    for (const [gateway, value] of Object.entries(perCredit)) {
      if (!isGatewayId(gateway)) {
        issues.push({ path: [...path, 'usdPerCredit', gateway], message: unknownGatewayKey(gateway) });
      } else if (value !== undefined) checkRate(value, ['usdPerCredit', gateway]);
    }
  } else if (perCredit !== undefined) {
    issues.push({
      path: [...path, 'usdPerCredit'],
      message: 'must be a number (dollars per credit) or a record per gateway',
    });
  }
  if (isRecord(rates)) {
    for (const [gateway, table] of Object.entries(rates)) {
      if (!isGatewayId(gateway)) {
        issues.push({ path: [...path, 'rates', gateway], message: unknownGatewayKey(gateway) });
        continue;
      }
      if (table === undefined) continue;
      if (!isRecord(table)) {
        issues.push({
          path: [...path, 'rates', gateway],
          message: 'must be a record of rate key to { usd?, credits? }',
        });
        continue;
      }
      const keys = RATE_TABLES[gateway].rows.map((r) => r.key);
      for (const [key, perSecond] of Object.entries(table)) {
        if (!keys.includes(key)) {
          issues.push({
            path: [...path, 'rates', gateway, key],
            message: `unknown rate key; ${gateway} has ${keys.join(', ')}`,
          });
          continue;
        }
        if (!isRecord(perSecond)) {
          issues.push({
            path: [...path, 'rates', gateway, key],
            message: 'must be { usd?, credits? } per second',
          });
          continue;
        }
        if (perSecond.usd !== undefined) checkRate(perSecond.usd, ['rates', gateway, key, 'usd']);
        if (perSecond.credits !== undefined) checkRate(perSecond.credits, ['rates', gateway, key, 'credits']);
      }
    }
  } else if (rates !== undefined) {
    issues.push({
      path: [...path, 'rates'],
      message: 'must be a record per gateway of rate key to { usd?, credits? }',
    });
  }
  return issues;
}

function unknownGatewayKey(gateway: string): string {
  const guess = didYouMean(gateway, GATEWAY_IDS);
  return `unknown gateway; use one of ${GATEWAY_IDS.join(', ')}${guess === undefined ? '' : ` (did you mean '${guess}'?)`}`;
}
