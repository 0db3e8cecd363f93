/**
 * Callbacks from the gateways, read without a client: `parseWebhook` checks the signature where the
 * gateway signs (apiframe) and maps the body to a normalized `Task`. Where the gateway does not sign
 * (EvoLink, API in One) the task comes back with `verified: false`: anyone who knows the URL can post
 * one, so confirm it with `client.confirmWebhook()`, which re-reads the task from the API.
 */
import { GATEWAY_IDS, GATEWAYS, type GatewayId, isGatewayId } from '../catalog/index.js';
import {
  KlingResponseError,
  KlingUnsupportedError,
  KlingValidationError,
  KlingWebhookError,
} from '../errors.js';
import { ADAPTERS, type HeaderLookup, type Task, type TaskStatus } from '../gateways/index.js';

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
  /** Extra vendor status spellings, as the client's option. */
  statusMap?: Record<string, TaskStatus>;
}

export interface ParsedWebhook {
  task: Task;
  /** True only when the gateway signed the body and the signature matched (apiframe). */
  verified: boolean;
  /** The gateway's event word where it sends one (apiframe: `progress`, `completed`, `failed`). */
  event?: string;
}

/** The largest webhook body read (a status reply is a few KB). */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * Verifies (where the gateway signs) and reads one callback. A missing or wrong apiframe signature
 * throws `KlingWebhookError`, as does a body that is not a task; Modellix, which sends no callbacks,
 * throws `KlingUnsupportedError`.
 */
export function parseWebhook(input: ParseWebhookInput): ParsedWebhook {
  const { gateway } = input;
  if (!isGatewayId(gateway)) {
    throw new KlingValidationError([
      { path: ['gateway'], message: `must be one of ${GATEWAY_IDS.join(', ')}` },
    ]);
  }
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
    const apiKey = input.apiKey ?? process.env[GATEWAYS[gateway].apiKeyEnv];
    if (apiKey === undefined || apiKey.trim() === '') {
      throw new KlingValidationError([
        {
          path: ['apiKey'],
          message: `${gateway} signs callbacks with the API key: pass apiKey or set ${GATEWAYS[gateway].apiKeyEnv}`,
        },
      ]);
    }
    adapter.verifyWebhook(bytes, headerLookup(input.headers), apiKey);
    verified = true;
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new KlingWebhookError(`${gateway}: the callback body is not JSON`, { cause: error });
  }
  try {
    const { task, event } = adapter.parseWebhook(body, {
      now: Date.now(),
      ...(input.statusMap === undefined ? {} : { statusMap: input.statusMap }),
    });
    return { task, verified, ...(event === undefined ? {} : { event }) };
  } catch (error) {
    if (KlingResponseError.is(error)) {
      throw new KlingWebhookError(`${gateway}: the callback is not a task (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
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
