import {
  KlingApiError,
  KlingConnectionError,
  KlingError,
  KlingResponseError,
  KlingTimeoutError,
} from '../errors.js';

/** Backoff as data (fal-js style): every number a caller may want to tune, and nothing else. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest `Retry-After` we honour; a longer one is capped to this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/** Full-jitter exponential backoff: a random delay in [0, min(max, base·2^attempt)]. Pure. */
export function backoffDelay(
  retryNumber: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.round(random() * ceiling);
}

/**
 * `Retry-After` in milliseconds, from seconds or an HTTP date, capped at `maxMs`.
 * Undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
  maxMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (!/[a-z]/i.test(text)) return undefined;
  else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = date - nowMs;
  }
  return Math.min(Math.max(0, Math.ceil(ms)), maxMs);
}

/** The wait before retry `retryNumber` (1-based): the server's `Retry-After` when it gave one. */
export function retryDelay(
  error: unknown,
  retryNumber: number,
  policy: RetryPolicy,
  random?: () => number,
): number {
  if (KlingApiError.is(error) && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return backoffDelay(retryNumber, policy, random);
}

/** Reads (status polls) retry on network errors, timeouts, 408, 429 and 5xx. */
export function isRetryableRead(error: unknown): boolean {
  if (KlingConnectionError.is(error) || KlingTimeoutError.is(error)) return true;
  if (KlingApiError.is(error)) return error.status === 408 || error.status === 429 || error.status >= 500;
  // A garbled 2xx reply (a proxy's HTML page, a truncated body) is worth another read.
  return KlingResponseError.is(error);
}

/** Network failures that happen before a request can reach the server: no task can exist. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function failedBeforeSending(error: unknown): boolean {
  return KlingConnectionError.is(error) && error.code !== undefined && NOT_SENT_CODES.has(error.code);
}

/**
 * Whether a failed submit may be retried (DESIGN.md §5 rule 3): only when it provably did not reach
 * the gateway, when the gateway refused it (429), or when the gateway dedupes by idempotency key.
 */
export function isRetryableSubmit(error: unknown, dedupes: boolean): boolean {
  if (failedBeforeSending(error)) return true;
  if (KlingApiError.is(error) && error.status === 429) return true;
  return dedupes && isRetryableRead(error);
}

export function isKlingError(error: unknown): error is KlingError {
  return KlingError.is(error);
}
