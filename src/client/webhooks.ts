/**
 * Callbacks from the gateways, read without a client: `parseWebhook` checks the signature where the
 * gateway signs (apiframe with the API key; the official Kling API with its Webhook Secret, Standard
 * Webhooks; fal with its public keys, when `webhookKeys` is given) and maps the body to a normalized
 * `Task`. Where the gateway does not sign (EvoLink, API in One, Kling without a Webhook Secret, fal
 * without `webhookKeys`) the task comes back with `verified: false`: anyone who knows the URL can post
 * one, so confirm it with `client.confirmWebhook()`, which re-reads the task from the API. Either way,
 * pass `expected` (the task this URL is for): a callback naming another task, signed or not (a captured
 * apiframe delivery verifies forever, at any URL), is refused.
 */
import { GATEWAY_IDS, GATEWAYS, type GatewayId, isGatewayId } from '../catalog/index.js';
import {
  KlingResponseError,
  KlingUnsupportedError,
  KlingValidationError,
  KlingWebhookError,
} from '../errors.js';
import { webhookKeysIssues } from '../gateways/fal/webhook.js';
import {
  ADAPTERS,
  type HeaderLookup,
  type Task,
  type TaskStatus,
  type WebhookKeySet,
} from '../gateways/index.js';
import { webhookSecretProblem } from '../gateways/kling/webhook.js';
import { systemClock } from '../http/clock.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json.js';
import type { SavedHandle } from './handle.js';

/** Request headers: a fetch `Headers`, or Node's `req.headers` (names matched case-insensitively). */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ParseWebhookInput {
  gateway: GatewayId;
  /** The body exactly as received (a string or the bytes): a re-serialized object breaks signatures. */
  rawBody: string | Uint8Array;
  headers: WebhookHeaders;
  /** The key the task was created with (apiframe signs with it); falls back to the gateway's env variable. */
  apiKey?: string;
  /**
   * The official Kling API's Webhook Secret (`whsec_…`, from its console), for gateway `kling`. Given:
   * every callback must carry a matching Standard Webhooks signature. Not given: a signed callback is
   * refused (`KlingWebhookError` naming this option); an unsigned one (an account without a secret)
   * comes back `verified: false`.
   */
  webhookSecret?: string;
  /**
   * fal's webhook public keys (a JWKS, e.g. from `fetchFalWebhookKeys()`), for gateway `fal`. Given: each
   * delivery's Ed25519 signature is checked (its recipe is unconfirmed, see the README). Not given: fal
   * deliveries come back `verified: false`.
   */
  webhookKeys?: WebhookKeySet;
  /** Extra vendor status spellings, as the client's option. */
  statusMap?: Record<string, TaskStatus>;
  /**
   * The task this callback URL was registered for (its handle or id). A callback naming another task
   * is a `KlingWebhookError`, even when signed. Pass it: without it any task of the account is accepted.
   */
  expected?: ExpectedTask;
}

/** The task a receiver waits for: its handle (`{ gateway, id }` is enough) or its id. */
export type ExpectedTask = string | Pick<SavedHandle, 'gateway' | 'id'>;

export interface ParsedWebhook {
  task: Task;
  /** True only when the gateway signed the body and the signature matched (apiframe, kling, fal). */
  verified: boolean;
  /** The gateway's event word where it sends one (apiframe: `progress`, `completed`, `failed`). */
  event?: string;
}

/** The largest webhook body read (a status reply is a few KB). */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * Verifies (where the gateway signs) and reads one callback. A missing or wrong apiframe signature
 * throws `KlingWebhookError`, as does a wrong or stale Kling or fal one, a signed Kling callback without
 * `webhookSecret`, and a body that is not a task; Modellix, which sends no callbacks, throws
 * `KlingUnsupportedError`.
 */
export function parseWebhook(input: ParseWebhookInput): ParsedWebhook {
  // No client here, so no injected clock: the system's (a client's confirmWebhook passes its own).
  return readWebhook(input, systemClock.now());
}

/** `parseWebhook` at a given time (the client passes its own clock's). */
export function readWebhook(input: ParseWebhookInput, now: number): ParsedWebhook {
  const { gateway } = input;
  if (!isGatewayId(gateway)) {
    throw new KlingValidationError([
      { path: ['gateway'], message: `must be one of ${GATEWAY_IDS.join(', ')}` },
    ]);
  }
  const expected = input.expected === undefined ? undefined : expectedTaskId(input.expected, gateway);
  checkSecrets(input);
  const adapter = ADAPTERS[gateway];
  if (adapter.parseWebhook === undefined) {
    throw new KlingUnsupportedError(
      gateway,
      'webhook',
      `${GATEWAYS[gateway].vendor} sends no callbacks for Kling 3.0; poll the task instead`,
    );
  }
  const bytes = rawBytes(input.rawBody);
  let verified = false;
  if (adapter.verifyWebhook !== undefined) {
    verified = adapter.verifyWebhook(bytes, headerLookup(input.headers), {
      apiKey: input.apiKey ?? process.env[GATEWAYS[gateway].apiKeyEnv],
      webhookSecret: input.webhookSecret,
      webhookKeys: input.webhookKeys,
      now,
    });
  }
  const text = new TextDecoder().decode(bytes);
  // JSON.parse builds any depth without recursion, but spends ~1 s on a megabyte of `[`, and what walks
  // the value later (JSON.stringify, a logger) recurses: a body nested deeper than any callback is
  // refused before it is parsed (anyone can post an unsigned one).
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new KlingWebhookError(`${gateway}: the callback body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new KlingWebhookError(`${gateway}: the callback body is not JSON`, { cause: error });
  }
  let parsed: { task: Task; event?: string };
  try {
    parsed = adapter.parseWebhook(body, {
      now,
      ...(input.statusMap === undefined ? {} : { statusMap: input.statusMap }),
      // A body that names no task at all (some API in One reseller shapes) is the expected one's.
      ...(expected === undefined ? {} : { taskId: expected }),
    });
  } catch (error) {
    // A body that is not a task, or one the reader cannot take (a RangeError: a stack overflow in a
    // walker, an out-of-range date), is a callback refused, never an untyped error.
    if (KlingResponseError.is(error) || error instanceof RangeError) {
      throw new KlingWebhookError(`${gateway}: the callback is not a task (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
  const { task, event } = parsed;
  if (expected !== undefined && task.id !== expected) {
    throw new KlingWebhookError(
      `${gateway}: the callback is for task ${quoted(task.id)}, not the expected ${quoted(expected)}`,
    );
  }
  return { task, verified, ...(event === undefined ? {} : { event }) };
}

/** `webhookSecret` and `webhookKeys`, when given, must be usable: a validation error lists what is not. */
function checkSecrets(input: ParseWebhookInput): void {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (input.webhookSecret !== undefined) {
    const problem = webhookSecretProblem(input.webhookSecret);
    if (problem !== undefined) issues.push({ path: ['webhookSecret'], message: problem });
  }
  if (input.webhookKeys !== undefined) issues.push(...webhookKeysIssues(input.webhookKeys));
  if (issues.length > 0) throw new KlingValidationError(issues);
}

/** The task id `expected` names; a malformed one, or a handle of another gateway, is a validation error. */
function expectedTaskId(expected: unknown, gateway: GatewayId): string {
  const fail = (path: string[], message: string): never => {
    throw new KlingValidationError([{ path: ['expected', ...path], message }]);
  };
  if (typeof expected === 'string') {
    if (expected.trim() === '') fail([], 'must be a task id or handle, not empty');
    return expected;
  }
  if (typeof expected !== 'object' || expected === null) {
    return fail([], 'must be the task id or handle this callback URL was registered for');
  }
  const { gateway: owner, id } = expected as { gateway?: unknown; id?: unknown };
  if (typeof id !== 'string' || id.trim() === '') fail(['id'], 'must be a task id');
  if (owner !== gateway) fail(['gateway'], `the handle is for ${String(owner)}, not ${gateway}`);
  return id as string;
}

/**
 * The task the API read back for a confirmed callback: its id must be the one asked for (a reply for
 * another task is a gateway fault, a `KlingResponseError`, never the answer).
 */
export function confirmedTask(gateway: GatewayId, askedFor: string, task: Task): Task {
  if (task.id !== askedFor) {
    throw new KlingResponseError(
      gateway,
      `${gateway}: asked for task ${quoted(askedFor)}, the API answered for task ${quoted(task.id)}`,
    );
  }
  return task;
}

/** A task id for a message: JSON-quoted (control characters escaped) and cut to 80 characters. */
function quoted(id: string): string {
  const text = JSON.stringify(id);
  return text.length > 80 ? `${text.slice(0, 79)}…"` : text;
}

function rawBytes(rawBody: unknown): Uint8Array {
  let bytes: Uint8Array;
  if (typeof rawBody === 'string') bytes = new TextEncoder().encode(rawBody);
  else if (rawBody instanceof Uint8Array) bytes = rawBody;
  else {
    throw new KlingValidationError([
      {
        path: ['rawBody'],
        message: 'must be the body exactly as received (a string or bytes), not parsed JSON',
      },
    ]);
  }
  if (bytes.byteLength > MAX_WEBHOOK_BYTES) {
    throw new KlingWebhookError(`the callback body is larger than ${MAX_WEBHOOK_BYTES} bytes`);
  }
  return bytes;
}

/** Case-insensitive lookup; a repeated header is joined with ", " (so a doubled signature never matches). */
function headerLookup(headers: WebhookHeaders): HeaderLookup {
  if (typeof headers.get === 'function') {
    const fetchHeaders = headers as { get(name: string): string | null };
    return (name) => fetchHeaders.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  return (name) => {
    const wanted = name.toLowerCase();
    for (const [key, value] of Object.entries(record)) {
      if (key.toLowerCase() !== wanted || value === undefined) continue;
      return typeof value === 'string' ? value : value.join(', ');
    }
    return undefined;
  };
}
