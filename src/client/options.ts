/**
 * Validation of every option the client, the router and their calls take (every public input): pure
 * functions that return the options (normalized, for the client's) or throw one `KlingValidationError`
 * listing every problem with its path. An unknown option name is an error with a "did you mean".
 *
 * Per-call validators run on hot paths (a status read per poll): when the options are valid they make
 * a few `typeof` checks and allocate nothing; only invalid options pay for the full list of problems.
 */
import type { Dispatcher } from 'undici';
import { isLoopbackHost } from '../catalog/hosts.js';
import { GATEWAY_IDS, GATEWAYS, type GatewayId, isGatewayId } from '../catalog/index.js';
import { KlingValidationError, type ValidationIssue, type ValidationSubject } from '../errors.js';
import { webhookKeysIssues } from '../gateways/fal/webhook.js';
import type { GatewayPaths, TaskStatus, WebhookKeySet } from '../gateways/index.js';
import type { KlingKeys } from '../gateways/kling/jwt.js';
import { webhookSecretProblem } from '../gateways/kling/webhook.js';
import type { Clock } from '../http/clock.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../http/retry.js';
import type { FetchFunction } from '../http/transport.js';
import { type PricingOptions, pricingOptionsIssues } from '../pricing/estimate.js';
import { didYouMean } from '../pricing/suggest.js';
import { maxCostIssues } from './budget.js';
import type { PollOptions } from './poll-delay.js';
import type { KlingRouterOptions } from './router.js';
import type {
  GenerateOptions,
  GetTaskOptions,
  KlingApi,
  KlingClientOptions,
  Logger,
  SubmitOptions,
  WaitOptions,
} from './types.js';

export { didYouMean } from '../pricing/suggest.js';

type Path = readonly (string | number)[];

/** The shared empty options: per-call validators skip it without a look. Use it as the default. */
export const NO_OPTIONS: Readonly<Record<string, never>> = Object.freeze({});

// ---------------------------------------------------------------------------------------------------
// Building blocks

/**
 * One issue per own key of `given` that is not in `known`, each with its path and a "did you mean"
 * (the nearest known name) or the list of known names.
 */
export function unknownKeys(given: object, known: readonly string[], path: Path = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(given)) {
    if (!known.includes(key))
      issues.push({ path: [...path, key], message: unknownOptionMessage(key, known) });
  }
  return issues;
}

/** "unknown option; did you mean 'timeoutMs'?", or the known names when none is close. */
function unknownOptionMessage(key: string, known: readonly string[]): string {
  const guess = didYouMean(key, known);
  return guess === undefined
    ? `unknown option (the options are ${known.join(', ')})`
    : `unknown option; did you mean '${guess}'?`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A timeout: more than 0 ms, or `Infinity` for none. Large values (2^31 ms and up) are fine. */
function isTimeout(value: unknown): boolean {
  return typeof value === 'number' && value > 0;
}
/** A count such as retries: a whole number, 0 or more. */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
/** A finite amount of milliseconds or bytes, at least `min`. */
function isFiniteAtLeast(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min;
}
/** An AbortSignal (duck-typed: polyfills and other realms count). */
function isSignal(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

const TIMEOUT = 'must be a number of milliseconds above 0, or Infinity for no deadline';
const COUNT = 'must be a whole number, 0 or more';
const FUNCTION = 'must be a function';
const SIGNAL = 'must be an AbortSignal (e.g. AbortSignal.timeout(ms) or controller.signal)';

/** A small collector: `check(ok, path, message)`. */
class Issues {
  readonly list: ValidationIssue[] = [];
  constructor(readonly base: Path = []) {}
  add(path: Path, message: string): void {
    this.list.push({ path: [...this.base, ...path], message });
  }
  /** Checks `value` when it is given (not undefined). */
  optional(value: unknown, test: (value: unknown) => boolean, path: Path, message: string): void {
    if (value !== undefined && !test(value)) this.add(path, `${message} (got ${describe(value)})`);
  }
  unknown(given: object, known: readonly string[], path: Path = []): void {
    for (const issue of unknownKeys(given, known, [...this.base, ...path])) this.list.push(issue);
  }
  throwIfAny(subject: ValidationSubject): void {
    if (this.list.length > 0) throw new KlingValidationError(this.list, { subject });
  }
}

/**
 * Why `value` can't be an HTTP header value, or undefined when it can: only printable ASCII, no line
 * breaks or control characters, no leading or trailing space (which HTTP would strip). The message
 * never quotes the value (it may be a secret), only the position.
 */
function headerValueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) continue;
    const at = `at character ${i + 1} of ${value.length}`;
    if (code === 0x0a || code === 0x0d) {
      return i === value.length - 1
        ? `ends with a line break (${at}): trim it (read from a file?)`
        : `contains a line break (${at}), which can't go in an HTTP header`;
    }
    if (code < 0x20 || code === 0x7f)
      return `contains a control character (${at}), which can't go in an HTTP header`;
    return `contains a non-ASCII character (${at}; a pasted quote or space?), which can't go in an HTTP header`;
  }
  if (value.startsWith(' ') || value.endsWith(' ')) return 'starts or ends with a space: trim it';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Client options

const CLIENT_KEYS = Object.keys({
  gateway: 1,
  apiKey: 1,
  accessKey: 1,
  secretKey: 1,
  klingApi: 1,
  baseUrl: 1,
  uploadBaseUrl: 1,
  endpoints: 1,
  timeoutMs: 1,
  maxRetries: 1,
  poll: 1,
  dispatcher: 1,
  fetch: 1,
  logger: 1,
  statusMap: 1,
  maxConcurrency: 1,
  retry: 1,
  pricing: 1,
  maxResponseBytes: 1,
  clock: 1,
  webhookSecret: 1,
  webhookKeys: 1,
} satisfies Record<keyof KlingClientOptions, 1>);
const POLL_KEYS = Object.keys({
  intervalMs: 1,
  maxIntervalMs: 1,
  firstPollAfterMs: 1,
  timeoutMs: 1,
} satisfies Record<keyof PollOptions, 1>);
type RetryTuning = Omit<RetryPolicy, 'maxRetries'>;
const RETRY_KEYS = Object.keys({ baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } satisfies Record<
  keyof RetryTuning,
  1
>);
const ENDPOINT_KEYS = Object.keys({ create: 1, status: 1 } satisfies Record<keyof GatewayPaths, 1>);
const TASK_STATUSES = Object.keys({
  queued: 1,
  running: 1,
  succeeded: 1,
  failed: 1,
  canceled: 1,
} satisfies Record<TaskStatus, 1>) as TaskStatus[];
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** The client's options after validation, with the defaults filled in. */
export interface ResolvedClientOptions {
  gateway: GatewayId;
  /** `apiKey`, or the gateway's environment variable. */
  apiKey: string;
  /** The origin requests go to (the gateway's own by default). */
  baseUrl: string;
  /** The upload origin as given (an origin), or undefined for the gateway's default. */
  uploadBaseUrl: string | undefined;
  endpoints: Partial<GatewayPaths>;
  timeoutMs: number;
  maxRetries: number;
  poll: PollOptions;
  maxConcurrency: number;
  retry: Partial<RetryTuning>;
  maxResponseBytes: number;
  /** A null-prototype copy: vendor words are looked up as own keys only. */
  statusMap: Readonly<Record<string, TaskStatus>> | undefined;
  logger: Logger;
  clock: Clock | undefined;
  fetch: FetchFunction | undefined;
  dispatcher: Dispatcher | undefined;
  pricing: PricingOptions;
  webhookSecret: string | undefined;
  webhookKeys: WebhookKeySet | undefined;
  /** Gateway kling: the wire standard, and the access/secret keys where they sign the requests (JWTs). */
  klingApi: KlingApi | undefined;
  klingKeys: KlingKeys | undefined;
}

const CLIENT_DEFAULTS = {
  timeoutMs: 60_000,
  maxRetries: DEFAULT_RETRY_POLICY.maxRetries,
  maxConcurrency: 16,
  maxResponseBytes: 4 * 1024 * 1024,
} as const;

/** Why `value` can't be an API origin, or undefined (with the origin) when it can. */
function originOf(value: unknown): { origin?: string; problem?: string } {
  if (typeof value !== 'string') return { problem: `must be a URL string (got ${describe(value)})` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'must be an absolute URL such as https://api.evolink.ai' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return { problem: 'must use https (plain http is allowed only on loopback)' };
  }
  if (
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return { problem: 'must be an origin only (no path, query or credentials); use endpoints for paths' };
  }
  return { origin: url.origin };
}

function checkApiKey(
  issues: Issues,
  given: unknown,
  envName: string | undefined,
  /** What else may stand in for the key (gateway kling: access and secret keys). */
  orElse?: string,
): string | undefined {
  const fromEnv = given === undefined && envName !== undefined;
  const apiKey: unknown = fromEnv ? process.env[envName] : given;
  if (apiKey === undefined || (typeof apiKey === 'string' && apiKey.trim() === '')) {
    issues.add(
      ['apiKey'],
      envName === undefined
        ? 'no API key: pass apiKey'
        : `no API key: pass apiKey or set ${envName}${orElse === undefined ? '' : `; or pass ${orElse}`}`,
    );
    return undefined;
  }
  if (typeof apiKey !== 'string') {
    issues.add(['apiKey'], `must be a string (got ${describe(apiKey)})`);
    return undefined;
  }
  const problem = headerValueProblem(apiKey);
  if (problem !== undefined) {
    issues.add(['apiKey'], fromEnv ? `the key in ${envName} ${problem}` : problem);
    return undefined;
  }
  return apiKey;
}

function checkEndpoints(issues: Issues, endpoints: unknown): void {
  if (endpoints === undefined) return;
  if (!isRecord(endpoints)) {
    issues.add(['endpoints'], `must be an object: { create?, status? } (got ${describe(endpoints)})`);
    return;
  }
  issues.unknown(endpoints, ENDPOINT_KEYS, ['endpoints']);
  for (const key of ENDPOINT_KEYS) {
    const path = endpoints[key];
    if (path === undefined) continue;
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || /[\s?#]/.test(path)) {
      issues.add(['endpoints', key], 'must be a path starting with / (no spaces, query or fragment)');
    } else if (key === 'status' && !path.includes('{id}')) {
      issues.add(['endpoints', key], 'must hold {id}, where the task id goes (e.g. /v1/tasks/{id})');
    }
  }
}

function checkPoll(issues: Issues, poll: unknown): void {
  if (poll === undefined) return;
  if (!isRecord(poll)) {
    issues.add(
      ['poll'],
      `must be an object: { intervalMs?, maxIntervalMs?, firstPollAfterMs?, timeoutMs? } (got ${describe(poll)})`,
    );
    return;
  }
  issues.unknown(poll, POLL_KEYS, ['poll']);
  const { intervalMs, maxIntervalMs, firstPollAfterMs, timeoutMs } = poll;
  issues.optional(
    intervalMs,
    (v) => isFiniteAtLeast(v, 1),
    ['poll', 'intervalMs'],
    'must be a finite number of milliseconds, 1 or more',
  );
  issues.optional(
    maxIntervalMs,
    (v) => isFiniteAtLeast(v, 1),
    ['poll', 'maxIntervalMs'],
    'must be a finite number of milliseconds, 1 or more',
  );
  issues.optional(
    firstPollAfterMs,
    (v) => isFiniteAtLeast(v, 0),
    ['poll', 'firstPollAfterMs'],
    'must be a finite number of milliseconds, 0 or more',
  );
  issues.optional(timeoutMs, isTimeout, ['poll', 'timeoutMs'], TIMEOUT);
  if (
    isFiniteAtLeast(intervalMs, 1) &&
    isFiniteAtLeast(maxIntervalMs, 1) &&
    (maxIntervalMs as number) < (intervalMs as number)
  ) {
    issues.add(['poll', 'maxIntervalMs'], `must be at least poll.intervalMs (${intervalMs as number} ms)`);
  }
}

function checkRetry(issues: Issues, retry: unknown): void {
  if (retry === undefined) return;
  if (!isRecord(retry)) {
    issues.add(
      ['retry'],
      `must be an object: { baseDelayMs?, maxDelayMs?, maxRetryAfterMs? } (got ${describe(retry)})`,
    );
    return;
  }
  for (const key of Object.keys(retry)) {
    if (RETRY_KEYS.includes(key)) continue;
    issues.add(
      ['retry', key],
      key === 'maxRetries'
        ? 'set maxRetries on the client options themselves, not under retry'
        : unknownOptionMessage(key, RETRY_KEYS),
    );
  }
  for (const key of RETRY_KEYS) {
    issues.optional(
      retry[key],
      (v) => isFiniteAtLeast(v, 0),
      ['retry', key],
      'must be a finite number of milliseconds, 0 or more',
    );
  }
  const { baseDelayMs, maxDelayMs } = retry;
  if (
    isFiniteAtLeast(baseDelayMs, 0) &&
    isFiniteAtLeast(maxDelayMs, 0) &&
    (maxDelayMs as number) < (baseDelayMs as number)
  ) {
    issues.add(['retry', 'maxDelayMs'], `must be at least retry.baseDelayMs (${baseDelayMs as number} ms)`);
  }
}

function checkStatusMap(issues: Issues, statusMap: unknown): Record<string, TaskStatus> | undefined {
  if (statusMap === undefined) return undefined;
  if (!isRecord(statusMap)) {
    issues.add(
      ['statusMap'],
      `must be an object of vendor word to status, e.g. { DONE: 'succeeded' } (got ${describe(statusMap)})`,
    );
    return undefined;
  }
  // Own keys only, into a null-prototype record: 'constructor' or '__proto__' is a word like any other.
  const copy = Object.create(null) as Record<string, TaskStatus>;
  for (const word of Object.keys(statusMap)) {
    const status = statusMap[word];
    if (word === '') issues.add(['statusMap', word], 'a vendor status word must not be empty');
    else if (!(TASK_STATUSES as unknown[]).includes(status)) {
      issues.add(['statusMap', word], `must be one of ${TASK_STATUSES.join(', ')} (got ${describe(status)})`);
    } else copy[word] = status as TaskStatus;
  }
  return copy;
}

function checkLogger(issues: Issues, logger: unknown): void {
  if (logger === undefined) return;
  if (typeof logger !== 'object' || logger === null) {
    issues.add(
      ['logger'],
      `must be an object with debug/info/warn/error functions, e.g. console (got ${describe(logger)})`,
    );
    return;
  }
  for (const method of LOGGER_METHODS) {
    const fn = (logger as Record<string, unknown>)[method];
    if (fn !== undefined && typeof fn !== 'function') issues.add(['logger', method], FUNCTION);
  }
}

function checkClock(issues: Issues, clock: unknown): void {
  if (clock === undefined) return;
  if (typeof clock !== 'object' || clock === null) {
    issues.add(['clock'], `must be an object with now() and sleep(ms, signal) (got ${describe(clock)})`);
    return;
  }
  for (const method of ['now', 'sleep'] as const) {
    if (typeof (clock as Record<string, unknown>)[method] !== 'function')
      issues.add(['clock', method], FUNCTION);
  }
}

/**
 * Validates the client's options and fills in the defaults (the API key from the gateway's variable
 * when not given). Throws one `KlingValidationError` (subject 'client options') listing every problem.
 */
export function validateClientOptions(options: unknown): ResolvedClientOptions {
  const issues = new Issues();
  if (!isRecord(options)) {
    issues.add([], `must be an object such as { gateway: 'evolink', apiKey } (got ${describe(options)})`);
    issues.throwIfAny('client options');
  }
  const o = options as Record<string, unknown>;
  issues.unknown(o, CLIENT_KEYS);

  const gateway = o.gateway;
  const knownGateway = isGatewayId(gateway);
  if (!knownGateway) {
    const guess = typeof gateway === 'string' ? didYouMean(gateway, GATEWAY_IDS) : undefined;
    issues.add(
      ['gateway'],
      gateway === undefined
        ? `is required: one of ${GATEWAY_IDS.join(', ')}`
        : `must be one of ${GATEWAY_IDS.join(', ')}${guess === undefined ? '' : ` (did you mean '${guess}'?)`}`,
    );
  }
  const info = knownGateway ? GATEWAYS[gateway] : undefined;
  const kling = checkKlingAuth(issues, o, knownGateway ? gateway : undefined);
  // Access and secret keys alone: the secret key stands in for the API key (redacted like one, never sent).
  const apiKey =
    kling.keys !== undefined
      ? kling.keys.secretKey
      : kling.incomplete
        ? undefined
        : checkApiKey(issues, o.apiKey, info?.apiKeyEnv, kling.missing);

  let baseUrl = info === undefined ? undefined : new URL(info.baseUrl).origin;
  if (o.baseUrl !== undefined) {
    const { origin, problem } = originOf(o.baseUrl);
    if (problem !== undefined) issues.add(['baseUrl'], problem);
    baseUrl = origin;
  }
  let uploadBaseUrl: string | undefined;
  if (o.uploadBaseUrl !== undefined) {
    const { origin, problem } = originOf(o.uploadBaseUrl);
    if (problem !== undefined) issues.add(['uploadBaseUrl'], problem);
    uploadBaseUrl = origin;
  }
  checkEndpoints(issues, o.endpoints);
  issues.optional(o.timeoutMs, isTimeout, ['timeoutMs'], TIMEOUT);
  issues.optional(o.maxRetries, isCount, ['maxRetries'], COUNT);
  checkPoll(issues, o.poll);
  issues.optional(
    o.maxConcurrency,
    (v) => isCount(v) && (v as number) >= 1,
    ['maxConcurrency'],
    'must be a whole number, 1 or more',
  );
  checkRetry(issues, o.retry);
  issues.optional(
    o.maxResponseBytes,
    (v) => isCount(v) && (v as number) >= 1 && Number.isSafeInteger(v),
    ['maxResponseBytes'],
    'must be a whole number of bytes, 1 or more',
  );
  const statusMap = checkStatusMap(issues, o.statusMap);
  checkLogger(issues, o.logger);
  checkClock(issues, o.clock);
  issues.optional(
    o.fetch,
    (v) => typeof v === 'function',
    ['fetch'],
    `${FUNCTION} with the signature of fetch (e.g. globalThis.fetch)`,
  );
  issues.optional(
    o.dispatcher,
    (v) => typeof v === 'object' && v !== null && typeof (v as Dispatcher).dispatch === 'function',
    ['dispatcher'],
    'must be an undici Dispatcher (an Agent, a ProxyAgent, a MockAgent)',
  );
  if (o.pricing !== undefined) {
    for (const issue of pricingOptionsIssues(o.pricing, ['pricing'])) issues.list.push(issue);
  }
  if (o.webhookSecret !== undefined) {
    const problem = webhookSecretProblem(o.webhookSecret);
    if (problem !== undefined) issues.add(['webhookSecret'], problem);
  }
  if (o.webhookKeys !== undefined) issues.list.push(...webhookKeysIssues(o.webhookKeys));
  issues.throwIfAny('client options');

  return {
    gateway: gateway as GatewayId,
    apiKey: apiKey as string,
    baseUrl: baseUrl as string,
    uploadBaseUrl,
    endpoints: pick(o.endpoints, ENDPOINT_KEYS) as Partial<GatewayPaths>,
    timeoutMs: (o.timeoutMs as number | undefined) ?? CLIENT_DEFAULTS.timeoutMs,
    maxRetries: (o.maxRetries as number | undefined) ?? CLIENT_DEFAULTS.maxRetries,
    poll: pick(o.poll, POLL_KEYS) as PollOptions,
    maxConcurrency: (o.maxConcurrency as number | undefined) ?? CLIENT_DEFAULTS.maxConcurrency,
    retry: pick(o.retry, RETRY_KEYS) as Partial<RetryTuning>,
    maxResponseBytes: (o.maxResponseBytes as number | undefined) ?? CLIENT_DEFAULTS.maxResponseBytes,
    statusMap,
    logger: (o.logger as Logger | undefined) ?? {},
    clock: o.clock as Clock | undefined,
    fetch: o.fetch as FetchFunction | undefined,
    dispatcher: o.dispatcher as Dispatcher | undefined,
    pricing: (o.pricing as PricingOptions | undefined) ?? {},
    webhookSecret: o.webhookSecret as string | undefined,
    webhookKeys: o.webhookKeys as WebhookKeySet | undefined,
    klingApi: kling.api,
    klingKeys: kling.keys,
  };
}

const KLING_APIS: readonly KlingApi[] = ['new', 'legacy'];

/**
 * Gateway kling's credentials and wire standard: an API key (`apiKey`, `KLING_API_KEY`) works on both
 * standards (default new); access + secret keys (`accessKey`/`secretKey`, `KLING_ACCESS_KEY`/
 * `KLING_SECRET_KEY`) sign JWTs, which only the legacy standard takes (the default with them alone). Other
 * gateways take none of the three options.
 */
function checkKlingAuth(
  issues: Issues,
  o: Record<string, unknown>,
  gateway: GatewayId | undefined,
): { api: KlingApi | undefined; keys: KlingKeys | undefined; missing?: string; incomplete?: boolean } {
  if (gateway !== 'kling') {
    for (const key of ['accessKey', 'secretKey', 'klingApi']) {
      if (o[key] !== undefined && gateway !== undefined) {
        issues.add([key], `is only for gateway 'kling' (the official Kling API), not ${gateway}`);
      }
    }
    return { api: undefined, keys: undefined };
  }
  if (o.klingApi !== undefined && !KLING_APIS.includes(o.klingApi as KlingApi)) {
    issues.add(['klingApi'], `must be 'new' or 'legacy' (got ${describe(o.klingApi)})`);
  }
  const key = (name: 'accessKey' | 'secretKey', env: string): string | undefined => {
    const value: unknown = o[name] ?? process.env[env];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      issues.add([name], `must be a non-empty string${o[name] === undefined ? ` (${env})` : ''}`);
      return undefined;
    }
    return value;
  };
  const accessKey = key('accessKey', 'KLING_ACCESS_KEY');
  const secretKey = key('secretKey', 'KLING_SECRET_KEY');
  const pairGiven = o.accessKey !== undefined || o.secretKey !== undefined;
  if (pairGiven && o.apiKey !== undefined) {
    issues.add(['accessKey'], 'give apiKey or accessKey + secretKey, not both');
  }
  if (o.accessKey !== undefined && secretKey === undefined && o.secretKey === undefined) {
    issues.add(
      ['secretKey'],
      'is missing: accessKey signs tokens with the secret key (or set KLING_SECRET_KEY)',
    );
  }
  if (o.secretKey !== undefined && accessKey === undefined && o.accessKey === undefined) {
    issues.add(
      ['accessKey'],
      'is missing: secretKey signs tokens for an access key (or set KLING_ACCESS_KEY)',
    );
  }
  // An API key wins, unless the pair was given as options (then the environment's API key is not used).
  const withApiKey = o.apiKey !== undefined || (process.env.KLING_API_KEY !== undefined && !pairGiven);
  const keys =
    !withApiKey && accessKey !== undefined && secretKey !== undefined ? { accessKey, secretKey } : undefined;
  const api = (o.klingApi as KlingApi | undefined) ?? (keys === undefined ? 'new' : 'legacy');
  if (keys !== undefined && api === 'new') {
    issues.add(
      ['klingApi'],
      "'new' takes an API key only: access and secret keys sign tokens for the legacy standard (pass apiKey, or klingApi: 'legacy')",
    );
  }
  if (keys !== undefined) return { api, keys };
  // Half a pair given (named above): no second complaint about the API key.
  const incomplete = pairGiven && !withApiKey;
  return {
    api,
    keys,
    missing: 'apiKey or accessKey + secretKey (or set KLING_ACCESS_KEY and KLING_SECRET_KEY)',
    incomplete,
  };
}

/** A copy of the known keys that are set (a caller's later changes to its object don't reach the client). */
function pick(value: unknown, keys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  if (!isRecord(value)) return copy;
  for (const key of keys) if (value[key] !== undefined) copy[key] = value[key];
  return copy;
}

// ---------------------------------------------------------------------------------------------------
// Per-call options

/** Each option a call takes, and how its value is checked. */
type Check = (value: unknown) => boolean;
interface CallSpec {
  subject: ValidationSubject;
  /** The option names, for unknown-key messages. */
  keys: readonly string[];
  checks: Readonly<Record<string, readonly [Check, string]>>;
}

const SIGNAL_CHECK = [isSignal, SIGNAL] as const;
const TIMEOUT_CHECK = [isTimeout, TIMEOUT] as const;
const COUNT_CHECK = [isCount, COUNT] as const;
const FUNCTION_CHECK = [(v: unknown) => typeof v === 'function', FUNCTION] as const;
const IDEMPOTENCY_KEY_CHECK = [
  (v: unknown) =>
    typeof v === 'string' && v.length >= 1 && v.length <= 255 && headerValueProblem(v) === undefined,
  'must be 1–255 printable ASCII characters (it is sent as a header), with no space at either end',
] as const;

function spec<T>(
  subject: ValidationSubject,
  checks: Record<keyof T & string, readonly [Check, string]>,
): CallSpec {
  return { subject, keys: Object.keys(checks), checks };
}

const GET_TASK = spec<GetTaskOptions>('status options', {
  signal: SIGNAL_CHECK,
  timeoutMs: TIMEOUT_CHECK,
  maxRetries: COUNT_CHECK,
});
const WAIT = spec<WaitOptions>('wait options', {
  signal: SIGNAL_CHECK,
  timeoutMs: TIMEOUT_CHECK,
  onProgress: FUNCTION_CHECK,
});
const SUBMIT_CHECKS = {
  signal: SIGNAL_CHECK,
  // Checked (with every problem listed) by maxCostIssues below.
  maxCost: [() => true, ''] as const,
  idempotencyKey: IDEMPOTENCY_KEY_CHECK,
  onBeforeSend: FUNCTION_CHECK,
  timeoutMs: TIMEOUT_CHECK,
  maxRetries: COUNT_CHECK,
};
const SUBMIT = spec<SubmitOptions>('submit options', SUBMIT_CHECKS);
const GENERATE = spec<GenerateOptions>('generate options', {
  ...SUBMIT_CHECKS,
  onProgress: FUNCTION_CHECK,
  waitTimeoutMs: TIMEOUT_CHECK,
  onSubmitted: FUNCTION_CHECK,
});
const QUOTE = spec<{ maxCost?: unknown }>('quote options', { maxCost: SUBMIT_CHECKS.maxCost });

/** Every problem with per-call `options` (the slow path: only once something is known to be wrong). */
function callIssues(options: unknown, s: CallSpec): ValidationIssue[] {
  if (!isRecord(options)) {
    return [{ path: [], message: `must be an object, or left out (got ${describe(options)})` }];
  }
  const issues = new Issues();
  for (const key in options) {
    const check = Object.hasOwn(s.checks, key) ? s.checks[key] : undefined;
    if (check === undefined) {
      issues.add([key], unknownOptionMessage(key, s.keys));
      continue;
    }
    issues.optional(options[key], check[0], [key], check[1]);
  }
  if (options.maxCost !== undefined && Object.hasOwn(s.checks, 'maxCost')) {
    for (const issue of maxCostIssues(options.maxCost)) issues.list.push(issue);
  }
  return issues.list;
}

function invalid(options: unknown, s: CallSpec): KlingValidationError {
  return new KlingValidationError(callIssues(options, s), { subject: s.subject });
}

/** Whether every key of `options` is known and every value given passes its check (no allocation). */
function passes(options: object, s: CallSpec): boolean {
  for (const key in options) {
    const check = Object.hasOwn(s.checks, key) ? s.checks[key] : undefined;
    if (check === undefined) return false;
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && !check[0](value)) return false;
  }
  return true;
}

/**
 * `getTask` options: `signal` an AbortSignal, `timeoutMs` above 0 (or Infinity), `maxRetries` a whole
 * number. Runs on every status read: `NO_OPTIONS` is skipped, valid options cost a few `typeof`s.
 */
export function validateGetTaskOptions<T extends GetTaskOptions>(options: T): T {
  if (options === NO_OPTIONS) return options;
  if (typeof options === 'object' && options !== null) {
    // Hand-written for the hot path: no closure calls, no allocation.
    let ok = true;
    for (const key in options) {
      if (key !== 'signal' && key !== 'timeoutMs' && key !== 'maxRetries') {
        ok = false;
        break;
      }
    }
    const { signal, timeoutMs, maxRetries } = options;
    if (
      ok &&
      (signal === undefined || isSignal(signal)) &&
      (timeoutMs === undefined || (typeof timeoutMs === 'number' && timeoutMs > 0)) &&
      (maxRetries === undefined ||
        (typeof maxRetries === 'number' && Number.isInteger(maxRetries) && maxRetries >= 0))
    ) {
      return options;
    }
  }
  throw invalid(options, GET_TASK);
}

/** `wait` options: `signal`, `timeoutMs` above 0 (Infinity: no deadline), `onProgress` a function. */
export function validateWaitOptions<T extends WaitOptions>(options: T): T {
  if (options === NO_OPTIONS) return options;
  if (typeof options === 'object' && options !== null && passes(options, WAIT)) return options;
  throw invalid(options, WAIT);
}

/**
 * `submit` options: `maxCost` (a budget: see `MaxCost`), `idempotencyKey` (1–255 printable ASCII, a
 * header value), `signal`, `timeoutMs`, `maxRetries`, `onBeforeSend` a function.
 */
export function validateSubmitOptions<T extends SubmitOptions>(options: T): T {
  if (options === NO_OPTIONS) return options;
  if (
    typeof options === 'object' &&
    options !== null &&
    passes(options, SUBMIT) &&
    (options.maxCost === undefined || maxCostIssues(options.maxCost).length === 0)
  ) {
    return options;
  }
  throw invalid(options, SUBMIT);
}

/** `generate` options: the submit options, plus `waitTimeoutMs`, `onProgress` and `onSubmitted`. */
export function validateGenerateOptions<T extends Omit<GenerateOptions, 'onSubmitted'>>(options: T): T {
  if (options === NO_OPTIONS) return options;
  if (
    typeof options === 'object' &&
    options !== null &&
    passes(options, GENERATE) &&
    (options.maxCost === undefined || maxCostIssues(options.maxCost).length === 0)
  ) {
    return options;
  }
  throw invalid(options, GENERATE);
}

/**
 * Validated generate options split into what the submit and the wait take (so a submit validator
 * never sees `waitTimeoutMs`, `onProgress` or `onSubmitted`).
 */
export function splitGenerateOptions(options: GenerateOptions): {
  submit: SubmitOptions;
  wait: WaitOptions;
  onSubmitted: GenerateOptions['onSubmitted'];
} {
  const { waitTimeoutMs, onProgress, onSubmitted, ...submit } = validateGenerateOptions(options);
  const wait: WaitOptions = {};
  if (options.signal !== undefined) wait.signal = options.signal;
  if (waitTimeoutMs !== undefined) wait.timeoutMs = waitTimeoutMs;
  if (onProgress !== undefined) wait.onProgress = onProgress;
  return { submit, wait, onSubmitted };
}

/** A router's `quote` options: `{ maxCost? }`. */
export function validateQuoteOptions<T extends { maxCost?: unknown }>(options: T): T {
  if (options === NO_OPTIONS) return options;
  if (
    typeof options === 'object' &&
    options !== null &&
    passes(options, QUOTE) &&
    (options.maxCost === undefined || maxCostIssues(options.maxCost).length === 0)
  ) {
    return options;
  }
  throw invalid(options, QUOTE);
}

// ---------------------------------------------------------------------------------------------------
// Router options

const ROUTER_KEYS = Object.keys({ clients: 1, strategy: 1, pricing: 1 } satisfies Record<
  keyof KlingRouterOptions,
  1
>);
const STRATEGIES = ['cheapest', 'ordered'] as const;

/**
 * Every problem with a router's options apart from its clients (which the router reads itself):
 * unknown names, `strategy`, `pricing`. Never throws.
 */
export function routerOptionsIssues(options: unknown): ValidationIssue[] {
  if (!isRecord(options)) {
    return [{ path: [], message: `must be an object such as { clients: [...] } (got ${describe(options)})` }];
  }
  const issues = new Issues();
  issues.unknown(options, ROUTER_KEYS);
  issues.optional(
    options.strategy,
    (v) => (STRATEGIES as readonly unknown[]).includes(v),
    ['strategy'],
    "must be 'cheapest' or 'ordered'",
  );
  if (options.pricing !== undefined) {
    for (const issue of pricingOptionsIssues(options.pricing, ['pricing'])) issues.list.push(issue);
  }
  return issues.list;
}
