/**
 * The official Kling API's errors by code, not only by HTTP status: the envelope `{code, message,
 * request_id}` and the error-code table (https://kling.ai/document-api/api/get-started/error-codes, read
 * through the mirror `aself101/kling-api` `docs/api/kling-get-started-error-codes.md` @ 71eb8c9e). The
 * account codes 1100-1102 come as HTTP 429 like the rate limits 1302/1303, but waiting buys no units: they
 * are credits errors, never retried. 1302/1303 are retried no sooner than 1 s ("exponential backoff…
 * recommended initial delay ≥ 1 second", concurrency page).
 */
import type { ApiErrorClass } from '../../errors.js';
import { at, firstString, optional } from '../read.js';
import type { ErrorDetails } from '../types.js';

/** The vendor's recommended least wait before retrying 1302/1303. */
export const KLING_RATE_LIMIT_RETRY_MS = 1_000;

/** The class of each documented code (1202/1203, "method invalid" / "resource does not exist", by status). */
export function klingErrorClass(code: number): ApiErrorClass | undefined {
  if (code >= 1000 && code <= 1004) return 'auth';
  if (code >= 1100 && code <= 1102) return 'insufficient-credits';
  if (code === 1103) return 'permission';
  if (code === 1200 || code === 1201) return 'validation';
  if (code === 1300 || code === 1301) return 'policy';
  if (code === 1302 || code === 1303) return 'rate-limit';
  // 1304, the IP whitelist: a refusal that waiting does not lift.
  if (code === 1304) return 'permission';
  if (code >= 5000 && code <= 5002) return 'server';
  return undefined;
}

/** Reads an error reply: the message with its request id, the code, and the class the code names. */
export function parseKlingError(status: number, body: unknown, vendor: string): ErrorDetails {
  const message = firstString(body, ['message']) ?? `HTTP ${status} from ${vendor}`;
  const raw = at(body, 'code');
  const code = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  const requestId = firstString(body, ['request_id']);
  const errorClass = Number.isInteger(code) ? klingErrorClass(code) : undefined;
  return {
    message: requestId === undefined ? message : `${message} (request_id ${requestId})`,
    ...optional('code', typeof raw === 'number' || typeof raw === 'string' ? String(raw) : undefined),
    ...optional('errorClass', errorClass),
    ...optional('retryAfterMs', errorClass === 'rate-limit' ? KLING_RATE_LIMIT_RETRY_MS : undefined),
  };
}
