/**
 * fal's signed webhook deliveries. fal's page (https://docs.fal.ai/model-apis/model-endpoints/webhooks,
 * "Verifying Your Webhook") says deliveries carry a signature checked against public keys, with Python
 * and JavaScript examples; the text of those steps could not be read here. The recipe below is the one
 * every third-party implementation of that page writes (test/fixtures/fal/SOURCE.md): UNCONFIRMED.
 *
 * - headers `X-Fal-Webhook-Request-Id`, `X-Fal-Webhook-User-Id`, `X-Fal-Webhook-Timestamp` (Unix seconds),
 *   `X-Fal-Webhook-Signature` (hex Ed25519, 64 bytes);
 * - message = request id + "\n" + user id + "\n" + timestamp + "\n" + hex(SHA-256(raw body));
 * - public keys: the JWKS at `FAL_WEBHOOK_JWKS_URL` (OKP / Ed25519, `x` base64url), cached up to 24 h;
 * - the timestamp within ±5 minutes.
 *
 * So fal deliveries are unsigned by default (`verified: false`: confirm with `confirmWebhook`, which
 * reads the task). With `webhookKeys` the recipe is checked: a match is an Ed25519 signature by one of
 * those keys over this exact message (a forgery would need the private key), so it is trusted; a wrong
 * recipe can only refuse genuine deliveries, never accept a forged one.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  KlingConnectionError,
  KlingResponseError,
  KlingTimeoutError,
  KlingValidationError,
  KlingWebhookError,
  type ValidationIssue,
} from '../../errors.js';
import type { HeaderLookup, WebhookKeySet, WebhookSecrets } from '../types.js';

/** The JWKS every third-party verifier of fal's page fetches (some newer ones: rest.fal.ai). */
export const FAL_WEBHOOK_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json';
/** Timestamps older or newer than this (s) are refused. */
export const FAL_WEBHOOK_TOLERANCE_S = 5 * 60;
/** How long `fetchFalWebhookKeys` keeps a fetched JWKS ("cache for up to 24 hours"). */
const JWKS_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
/** A JWKS is a few hundred bytes; a reply larger than this is not one. */
const MAX_JWKS_BYTES = 64 * 1024;

const HEADERS = [
  'x-fal-webhook-request-id',
  'x-fal-webhook-user-id',
  'x-fal-webhook-timestamp',
  'x-fal-webhook-signature',
] as const;

/** The problems of a JWKS given as `webhookKeys` (path under `path`); empty when every key is usable. */
export function webhookKeysIssues(
  value: unknown,
  path: (string | number)[] = ['webhookKeys'],
): ValidationIssue[] {
  if (typeof value === 'object' && value !== null && parsedSets.has(value)) return [];
  const keys = (value as { keys?: unknown } | null | undefined)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys) || keys.length === 0) {
    return [
      {
        path,
        message: 'must be a JWKS with Ed25519 public keys, { keys: [{ kty: "OKP", crv: "Ed25519", x }] }',
      },
    ];
  }
  const issues: ValidationIssue[] = [];
  keys.forEach((key, i) => {
    try {
      publicKeyOf(key);
    } catch (error) {
      issues.push({ path: [...path, 'keys', i], message: (error as Error).message });
    }
  });
  return issues;
}

/** One JWK as a public key object; throws an Error saying why it is not an Ed25519 public key. */
function publicKeyOf(jwk: unknown): KeyObject {
  const k = jwk as Record<string, unknown> | null;
  if (typeof k !== 'object' || k === null || k.kty !== 'OKP' || k.crv !== 'Ed25519') {
    throw new Error('must be an Ed25519 public key (kty "OKP", crv "Ed25519")');
  }
  if (typeof k.x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(k.x)) {
    throw new Error('x must be the 32-byte public key in base64url');
  }
  if (k.d !== undefined) throw new Error('is a private key (has d): give the public key only');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' });
}

/** Parsed once per key set given (callers pass the same object on every delivery). */
const parsedSets = new WeakMap<object, KeyObject[]>();

function publicKeys(set: WebhookKeySet): KeyObject[] {
  const cached = parsedSets.get(set);
  if (cached !== undefined) return cached;
  const issues = webhookKeysIssues(set);
  if (issues.length > 0) throw new KlingValidationError(issues);
  const keys = set.keys.map(publicKeyOf);
  parsedSets.set(set, keys);
  return keys;
}

/** The message fal signs (the recipe above): request id, user id, timestamp, hex SHA-256 of the body. */
export function falWebhookMessage(
  requestId: string,
  userId: string,
  timestamp: string,
  rawBody: string | Uint8Array,
): Buffer {
  const digest = createHash('sha256').update(rawBody).digest('hex');
  return Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`, 'utf8');
}

/**
 * Checks a fal delivery. Without `webhookKeys`: accepted as unsigned (false), the recipe being
 * unconfirmed. With them: every header must be there, the timestamp within ±5 minutes of `now`, and the
 * signature must verify with one of the keys (true); anything else is a `KlingWebhookError`.
 */
export function verifyFalWebhook(
  rawBody: Uint8Array,
  header: HeaderLookup,
  secrets: WebhookSecrets,
): boolean {
  const { webhookKeys } = secrets;
  if (webhookKeys === undefined) return false;
  const keys = publicKeys(webhookKeys);
  const values = HEADERS.map((name) => header(name)?.trim() || undefined);
  const missing = HEADERS.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) {
    throw new KlingWebhookError(
      `fal: the webhook has no ${missing.join(', ')} header; with webhookKeys set, an unsigned delivery is not trusted`,
    );
  }
  const [requestId, userId, timestamp, signature] = values as string[];
  if (!/^\d{1,12}$/.test(timestamp as string)) {
    throw new KlingWebhookError(
      'fal: the X-Fal-Webhook-Timestamp header is malformed (expected Unix seconds)',
    );
  }
  const skew = Number(timestamp) - Math.floor(secrets.now / 1000);
  if (Math.abs(skew) > FAL_WEBHOOK_TOLERANCE_S) {
    throw new KlingWebhookError(
      `fal: the X-Fal-Webhook-Timestamp is ${Math.abs(skew)} s ${skew < 0 ? 'old' : 'in the future'}, outside the ±${FAL_WEBHOOK_TOLERANCE_S} s tolerance (a replay, or a wrong clock)`,
    );
  }
  if (!/^[0-9a-f]{128}$/i.test(signature as string)) {
    throw new KlingWebhookError(
      'fal: the X-Fal-Webhook-Signature header is malformed (expected 128 hex digits, an Ed25519 signature)',
    );
  }
  const message = falWebhookMessage(requestId as string, userId as string, timestamp as string, rawBody);
  const bytes = Buffer.from(signature as string, 'hex');
  if (!keys.some((key) => verify(null, message, key, bytes))) {
    throw new KlingWebhookError(
      'fal: the webhook signature does not verify with webhookKeys (another key signed it, or the body or a signed header was changed)',
    );
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Fetching the keys, once

export interface FetchFalWebhookKeysOptions {
  /** Default `FAL_WEBHOOK_JWKS_URL`; https only. */
  url?: string;
  signal?: AbortSignal;
  /** The whole fetch, connect to last byte (default 10 s). */
  timeoutMs?: number;
  /** A JWKS fetched less than this long ago (ms) is reused without a request (default 24 h; 0 refetches). */
  maxAgeMs?: number;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Now in ms, for the cache's age (default `Date.now`). */
  now?: () => number;
}

const cache = new Map<string, { keys: WebhookKeySet; at: number }>();
const inFlight = new Map<string, Promise<WebhookKeySet>>();

/**
 * fal's webhook public keys (a JWKS), fetched with a deadline and cached per URL for `maxAgeMs`, for
 * `parseWebhook({ webhookKeys })`. Call it at startup (and, say, daily), never per delivery without a
 * timeout. Throws `KlingTimeoutError`, `KlingConnectionError`, or `KlingResponseError` for a reply that
 * is not a JWKS with at least one Ed25519 key (non-Ed25519 keys are left out).
 */
export async function fetchFalWebhookKeys(options: FetchFalWebhookKeysOptions = {}): Promise<WebhookKeySet> {
  const url = options.url ?? FAL_WEBHOOK_JWKS_URL;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxAgeMs = options.maxAgeMs ?? JWKS_MAX_AGE_MS;
  const issues: ValidationIssue[] = [];
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed?.protocol !== 'https:') issues.push({ path: ['url'], message: 'must be an https URL' });
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    issues.push({ path: ['timeoutMs'], message: 'must be a number of ms above 0' });
  }
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    issues.push({ path: ['maxAgeMs'], message: 'must be a number of ms, 0 or more' });
  }
  if (issues.length > 0) throw new KlingValidationError(issues, { subject: 'options' });
  const now = options.now ?? Date.now;
  const hit = cache.get(url);
  if (hit !== undefined && now() - hit.at < maxAgeMs) return hit.keys;
  options.signal?.throwIfAborted();
  const running = inFlight.get(url);
  if (running !== undefined) return running;
  const request = download(url, timeoutMs, options.fetch ?? globalThis.fetch, options.signal).then((keys) => {
    cache.set(url, { keys, at: now() });
    return keys;
  });
  inFlight.set(url, request);
  try {
    return await request;
  } finally {
    inFlight.delete(url);
  }
}

async function download(
  url: string,
  timeoutMs: number,
  fetchImpl: typeof globalThis.fetch,
  signal: AbortSignal | undefined,
): Promise<WebhookKeySet> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  let text: string;
  try {
    const response = await fetchImpl(url, { signal: combined, redirect: 'error' });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new KlingResponseError('fal', `fal: the JWKS at ${url} answered HTTP ${response.status}`);
    }
    text = await response.text();
  } catch (error) {
    if (KlingResponseError.is(error)) throw error;
    if (deadline.aborted) {
      throw new KlingTimeoutError(`fal: fetching the webhook keys from ${url} took over ${timeoutMs} ms`, {
        cause: error,
      });
    }
    if (signal?.aborted) throw signal.reason;
    throw new KlingConnectionError(`fal: could not fetch the webhook keys from ${url}`, { cause: error });
  }
  if (text.length > MAX_JWKS_BYTES) {
    throw new KlingResponseError('fal', `fal: the JWKS at ${url} is larger than ${MAX_JWKS_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new KlingResponseError('fal', `fal: the JWKS at ${url} is not JSON`, { cause: error });
  }
  const listed = (body as { keys?: unknown } | null)?.keys;
  const keys = (Array.isArray(listed) ? listed : []).filter((key) => {
    try {
      publicKeyOf(key);
      return true;
    } catch {
      return false;
    }
  }) as Record<string, unknown>[];
  if (keys.length === 0) {
    throw new KlingResponseError('fal', `fal: the JWKS at ${url} lists no Ed25519 public key`);
  }
  return { keys };
}

/** Forgets every cached JWKS (tests). */
export function clearFalWebhookKeyCache(): void {
  cache.clear();
}
