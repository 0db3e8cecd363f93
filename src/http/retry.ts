import {
  KlingApiError,
  KlingConnectionError,
  KlingInsufficientCreditsError,
  KlingRateLimitError,
  KlingResponseError,
  KlingTimeoutError,
  KlingValidationError,
  type TaskState,
} from '../errors.js';

/** Backoff as data: every number a caller may want to tune, and nothing else. */
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
  if (KlingApiError.is(error)) return error.status === 408 || isRateLimit(error) || error.status >= 500;
  // A garbled 2xx reply (a proxy's HTML page, a truncated body) is worth another read.
  return KlingResponseError.is(error);
}

/**
 * A 429 or a rate limit by the gateway's own code; not credits (a gateway may answer an exhausted
 * balance with HTTP 429 too): waiting does not buy credits.
 */
function isRateLimit(error: KlingApiError): boolean {
  const credits: boolean = KlingInsufficientCreditsError.is(error);
  return !credits && (error.status === 429 || KlingRateLimitError.is(error));
}

/** Network failures that happen before a request can reach the server: no task can exist. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  // Refused while the request was being built, before a byte was written (an invalid header).
  'UND_ERR_INVALID_ARG',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
]);

function failedBeforeSending(error: unknown): boolean {
  // A timeout made where the SDK knows nothing was sent (a call that left its slot queue) says so itself.
  if (KlingTimeoutError.is(error) && error.taskState === 'not-created') return true;
  return KlingConnectionError.is(error) && error.code !== undefined && NOT_SENT_CODES.has(error.code);
}

/**
 * Whether a failed submit may be retried (a submit is a paid write): only when it provably did not reach
 * the gateway, when the gateway refused it (429), or when the gateway dedupes by idempotency key.
 */
export function isRetryableSubmit(error: unknown, dedupes: boolean): boolean {
  if (failedBeforeSending(error)) return true;
  if (KlingApiError.is(error) && isRateLimit(error)) return true;
  return dedupes && isRetryableRead(error);
}

/**
 * Whether one failed attempt of a submit may have created a task. Not created: it never left (refused
 * connection, DNS, an invalid header, a queue it never got out of), or the gateway answered a
 * definite refusal (a 4xx other than 408; a 409 only where the gateway dedupes, which answers 409 for a
 * key replayed with another body). Anything else (5xx, 3xx, 408, a reset or timeout after the request
 * went out, an unreadable 2xx) may have created one.
 */
export function attemptTaskState(error: unknown, dedupes: boolean): TaskState {
  if (failedBeforeSending(error)) return 'not-created';
  // Refused by the SDK itself before sending (an invalid header value).
  if (KlingValidationError.is(error)) return 'not-created';
  if (KlingApiError.is(error)) {
    const status = error.status;
    if (status >= 300 && status < 400) return 'may-exist';
    if (status === 408 || status >= 500) return 'may-exist';
    if (status === 409) return dedupes ? 'not-created' : 'may-exist';
    return 'not-created';
  }
  return 'may-exist';
}

/**
 * The outcome of a whole submit from every attempt's error (a submit is a paid write): once any attempt may
 * have reached the gateway, a task may exist, whatever later attempts answered (a 429 or 402 on a
 * retry says nothing about the first attempt's task).
 */
export function submitOutcome(attemptErrors: readonly unknown[], dedupes: boolean): TaskState {
  for (const error of attemptErrors) if (attemptTaskState(error, dedupes) === 'may-exist') return 'may-exist';
  return 'not-created';
}

/** What a request does at the gateway: a status read, a paid create, a file upload. */
export type RequestKind = 'read' | 'submit' | 'upload';

/** The classifier's answer for one failed attempt. */
export interface FailureVerdict {
  /** Whether another attempt may be made (the policy's retry budget permitting). */
  retry: boolean;
  /**
   * What the failure leaves behind: a submit's outcome judged from every attempt; 'not-created' for an
   * upload (it creates no task, whatever happened to it); nothing for a read.
   */
  taskState: TaskState | undefined;
}

/**
 * THE classifier: for every failed attempt of every request, whether to retry and what `taskState` the
 * failure leaves, from the request's kind, the gateway's capability (`dedupes`: it takes an idempotency
 * key, so a re-sent create cannot make a second task) and the attempt history (`attempts`, oldest first,
 * the failure being judged last). No gateway is named here:
 * - reads and uploads retry on network errors, timeouts, 408, 429, 5xx and garbled replies;
 * - a submit retries only where no attempt can have created a task, or where the gateway dedupes; once
 *   any attempt may have reached the gateway, the outcome is 'may-exist' whatever later attempts answered.
 */
export function classifyFailure(
  kind: RequestKind,
  attempts: readonly unknown[],
  dedupes: boolean,
): FailureVerdict {
  const error = attempts[attempts.length - 1];
  if (kind === 'read') return { retry: isRetryableRead(error), taskState: undefined };
  if (kind === 'upload') return { retry: isRetryableRead(error), taskState: 'not-created' };
  const taskState = submitOutcome(attempts, dedupes);
  return { retry: (dedupes || taskState === 'not-created') && isRetryableSubmit(error, dedupes), taskState };
}
