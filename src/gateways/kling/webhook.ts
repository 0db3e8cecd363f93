/**
 * The official Kling API's callbacks (https://kling.ai/document-api/api/get-started/callbacks, read
 * through the mirror `aself101/kling-api` `docs/api/kling-get-started-callbacks.md` @ 71eb8c9e).
 *
 * Signatures follow Standard Webhooks: with a Webhook Secret created in the console, every callback
 * carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64>`, several
 * separated by spaces during a rotation's 7-day grace); the signature is Base64(HMAC-SHA256(key,
 * "{id}.{timestamp}.{rawBody}")) with key = Base64Decode(the secret without `whsec_`), compared in
 * constant time; the timestamp must be within ±5 minutes. Without a secret the vendor sends no such
 * headers ("if no Webhook Secret has been created").
 *
 * Bodies: the new standard posts its task record (`id`, `status`, `outputs[]`, `billing[]`…, no envelope);
 * the legacy standard posts the legacy task record (`task_id`, `task_status`, `task_result.videos[]`…).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KlingValidationError, KlingWebhookError } from '../../errors.js';
import { asObject, firstString, malformed } from '../read.js';
import type { HeaderLookup, ParseContext, Task, WebhookReply, WebhookSecrets } from '../types.js';
import { klingLegacyTaskOf } from './legacy-task.js';

/** "Verify that the timestamp is within ±5 minutes of your server time to prevent replay attacks." */
export const KLING_WEBHOOK_TOLERANCE_S = 5 * 60;

/** An HMAC-SHA256 is 32 bytes: 44 base64 characters, the last one `=`. */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const SECRET_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why a Webhook Secret is unusable, or undefined: `whsec_` then standard base64 of at least one byte
 * (the prefix may be left off, as the Standard Webhooks libraries allow).
 */
export function webhookSecretProblem(secret: unknown): string | undefined {
  if (typeof secret !== 'string') return 'must be the Webhook Secret string (whsec_…)';
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (encoded === '' || !SECRET_BASE64.test(encoded)) {
    return 'must be the Webhook Secret as the Kling console shows it: whsec_ followed by base64';
  }
  return undefined;
}

/** The HMAC key: the base64-decoded part of the secret after `whsec_`. */
function secretKey(secret: string): Buffer {
  const problem = webhookSecretProblem(secret);
  if (problem !== undefined) throw new KlingValidationError([{ path: ['webhookSecret'], message: problem }]);
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** `v1,<base64>` for a body, as Kling signs it (the simulator and tests use it; receivers verify). */
export function signKlingCallback(
  secret: string,
  webhookId: string,
  timestamp: string,
  rawBody: string | Uint8Array,
): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${webhookId}.${timestamp}.`).update(rawBody);
  return `v1,${mac.digest('base64')}`;
}

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Checks a Kling callback. With `webhookSecret`: the three headers must be there, the timestamp within
 * ±5 minutes of `now`, and one `v1` signature must match (true). Without it: a callback carrying a
 * signature is refused (the caller has a secret and did not pass it); one with none is accepted as
 * unsigned (false), as the vendor sends them for an account that created no Webhook Secret.
 */
export function verifyKlingWebhook(
  rawBody: Uint8Array,
  header: HeaderLookup,
  secrets: WebhookSecrets,
): boolean {
  const [id, timestamp, signatures] = HEADERS.map((name) => header(name)?.trim() || undefined);
  const { webhookSecret } = secrets;
  if (webhookSecret === undefined) {
    if (id === undefined && timestamp === undefined && signatures === undefined) return false;
    throw new KlingWebhookError(
      'kling: the callback is signed (webhook-signature) but no webhookSecret was given: pass webhookSecret, the whsec_… Webhook Secret from the Kling console, to verify it',
    );
  }
  const key = secretKey(webhookSecret);
  if (id === undefined || timestamp === undefined || signatures === undefined) {
    const missing = HEADERS.filter((_, i) => [id, timestamp, signatures][i] === undefined);
    throw new KlingWebhookError(
      `kling: the callback has no ${missing.join(', ')} header; with webhookSecret set, an unsigned callback is not trusted`,
    );
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new KlingWebhookError('kling: the webhook-timestamp header is malformed (expected Unix seconds)');
  }
  const skew = Number(timestamp) - Math.floor(secrets.now / 1000);
  if (Math.abs(skew) > KLING_WEBHOOK_TOLERANCE_S) {
    throw new KlingWebhookError(
      `kling: the webhook-timestamp is ${Math.abs(skew)} s ${skew < 0 ? 'old' : 'in the future'}, outside the ±${KLING_WEBHOOK_TOLERANCE_S} s tolerance (a replay, or a wrong clock)`,
    );
  }
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
  let matched = false;
  let versioned = 0;
  // "Multiple signatures are separated by spaces. Verification succeeds if any signature matches."
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    versioned++;
    const value = entry.slice(comma + 1);
    if (!SIGNATURE_BASE64.test(value)) continue;
    // Every candidate is compared (no early exit): the time taken says nothing about which one matched.
    if (timingSafeEqual(Buffer.from(value, 'base64'), expected)) matched = true;
  }
  if (versioned === 0) {
    throw new KlingWebhookError('kling: the webhook-signature header is malformed (expected v1,<base64>)');
  }
  if (!matched) {
    throw new KlingWebhookError(
      'kling: the webhook signature does not match (another Webhook Secret signed it, or the body, id or timestamp was changed)',
    );
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Bodies

/**
 * A callback body as a task: a legacy record (`task_id`) read as the legacy query's record is; a new-standard record (`id`) read by
 * `readNewRecord`, the adapter's reader of one `GET /tasks` item. `raw` is the body as posted.
 */
export function parseKlingWebhook(
  body: unknown,
  context: ParseContext,
  readNewRecord: (record: Record<string, unknown>, context: ParseContext) => Task,
): WebhookReply {
  const record = asObject(body);
  if (record !== undefined && firstString(record, ['task_id']) !== undefined) {
    return { task: klingLegacyTaskOf(record, record, context) };
  }
  if (record === undefined || firstString(record, ['id']) === undefined) {
    throw malformed('kling', 'the callback has no id (new standard) or task_id (legacy)', body);
  }
  return { task: { ...readNewRecord(record, context), raw: body } };
}
