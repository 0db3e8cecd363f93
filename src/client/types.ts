/** The client's option and result types (the public names `kling-sdk` exports). */
import type { Dispatcher } from 'undici';
import type { GatewayId } from '../catalog/index.js';
import type { GatewayPaths, Task, TaskStatus, WebhookKeySet } from '../gateways/index.js';
import type { Clock } from '../http/clock.js';
import type { RetryPolicy } from '../http/retry.js';
import type { FetchFunction } from '../http/transport.js';
import type { CostEstimate, PricingOptions } from '../pricing/estimate.js';
import type { ResolvedVideoRequest } from '../request/index.js';
import type { MaxCost } from './budget.js';
import type { TaskHandle } from './handle.js';
import type { PollOptions } from './poll-delay.js';
import type { ExpectedTask, WebhookHeaders } from './webhooks.js';

export interface Logger {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info?(message: string, meta?: Record<string, unknown>): void;
  warn?(message: string, meta?: Record<string, unknown>): void;
  error?(message: string, meta?: Record<string, unknown>): void;
}

export interface KlingClientOptions {
  gateway: GatewayId;
  /** Falls back to the gateway's variable: APIINONE_API_KEY, APIFRAME_API_KEY, EVOLINK_API_KEY, MODELLIX_API_KEY. */
  apiKey?: string;
  /** An origin (`https://api.evolink.ai`, `http://127.0.0.1:4010`); https unless it is loopback. */
  baseUrl?: string;
  /**
   * The origin of the upload API. Default: the gateway's own upload host with the production
   * `baseUrl` (EvoLink: https://files-api.evolink.ai; others: the API's origin), and `baseUrl` itself
   * when that is set to anything else (a proxy, the simulator), so the key only goes where you chose.
   */
  uploadBaseUrl?: string;
  /** Override the adapter's paths; `status` holds `{id}`. */
  endpoints?: Partial<GatewayPaths>;
  /** Per request: connect, headers and body (default 60 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 2). Submits retry only where that is safe. */
  maxRetries?: number;
  /**
   * How `wait` (and `generate`) poll: `intervalMs` (default 5 s), `maxIntervalMs` (default 2 min),
   * `firstPollAfterMs` (default: the gateway's earliest render time, 60–120 s) and `timeoutMs`, the
   * default deadline of a wait (20 min). By default polls follow the gateway's render times and hints,
   * a few requests per task; `{ intervalMs: 1000 }` alone polls about once a second from the submit on
   * (a simulator, a test). See `PollOptions`.
   */
  poll?: PollOptions;
  /** An undici dispatcher, e.g. a `ProxyAgent`. */
  dispatcher?: Dispatcher;
  /** Send every request through this fetch (e.g. `globalThis.fetch`, so msw intercepts the SDK). */
  fetch?: FetchFunction;
  logger?: Logger;
  /** Extra vendor status spellings, e.g. `{ DONE: 'succeeded' }`. */
  statusMap?: Record<string, TaskStatus>;
  /** Requests in flight at once from this client (default 16). */
  maxConcurrency?: number;
  /** Backoff tuning for retries. */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** `usdPerCredit` and your own `rates`, used by `estimate` and `maxCost`. */
  pricing?: PricingOptions;
  /** The largest API reply read (default 4 MiB). */
  maxResponseBytes?: number;
  /** Time, for tests that drive waits without sleeping. */
  clock?: Clock;
  /**
   * The official Kling API's Webhook Secret (`whsec_…`), for `confirmWebhook` on gateway `kling`: a
   * signed callback is refused without it (see `ParseWebhookInput.webhookSecret`).
   */
  webhookSecret?: string;
  /** fal's webhook public keys (a JWKS, e.g. `await fetchFalWebhookKeys()`), for `confirmWebhook` on fal. */
  webhookKeys?: WebhookKeySet;
  /**
   * Gateway `kling` only: the access key of an access-key/secret-key pair (default `KLING_ACCESS_KEY`).
   * The pair signs a short-lived token (JWT) per half hour, which only the legacy standard takes: with
   * the pair alone the client uses it. An API key (`apiKey`, `KLING_API_KEY`) wins when both are set.
   */
  accessKey?: string;
  /** Gateway `kling` only: the secret key that signs the tokens (default `KLING_SECRET_KEY`); never sent. */
  secretKey?: string;
  /**
   * Gateway `kling` only: the wire standard. `'new'` (model in the path; the default with an API key) or
   * `'legacy'` (`/v1/videos/…` with `model_name`; the default with access and secret keys, the only
   * standard their tokens work on). A legacy task is read under the path it was created on: its handle
   * keeps it (`route`).
   */
  klingApi?: KlingApi;
}

/** The official Kling API's two wire standards. */
export type KlingApi = 'new' | 'legacy';

/** What `onBeforeSend` receives: everything needed to recover a submit whose reply is lost. */
export interface SubmitRecord {
  gateway: GatewayId;
  /** Set where the gateway dedupes (apiframe): re-sending with it cannot create a second task. */
  idempotencyKey?: string;
  /**
   * Set where the gateway takes an id of ours on create (the official Kling API's `external_task_id`):
   * after an uncertain submit, `client.recover(record)` looks the task up by it before anything is resent.
   */
  externalId?: string;
  /**
   * Where the task will live, for gateways whose status path depends on its create (the official Kling
   * API's legacy standard: `text2video`, `image2video`, `omni-video`): `recover` looks the task up there
   * and the handle it returns keeps it.
   */
  route?: string;
  request: ResolvedVideoRequest;
  estimate: CostEstimate;
}

export interface SubmitOptions {
  signal?: AbortSignal;
  /** Refuse (before sending) a request whose estimate is above this, or unknown. */
  maxCost?: MaxCost;
  /** Only where the gateway dedupes (apiframe); generated per submit there when not given. */
  idempotencyKey?: string;
  /** Runs before the paid request leaves: persist the record to recover after a crash. */
  onBeforeSend?: (record: SubmitRecord) => void | Promise<void>;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface GetTaskOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** The overall deadline for the whole wait, the request in flight included. */
  timeoutMs?: number;
  /** Every status seen, including unknown vendor words (`task.statusUnknown`). */
  onProgress?: (task: Task) => void;
}

export interface GenerateOptions extends SubmitOptions, Omit<WaitOptions, 'timeoutMs'> {
  /** The deadline for the wait after the submit. */
  waitTimeoutMs?: number;
  /** Runs after the submit, before waiting: save the handle to resume after a restart. */
  onSubmitted?: (handle: TaskHandle) => void | Promise<void>;
}

/** An account balance in the gateway's own unit; `raw` is the reply as received. */
export interface Balance {
  gateway: GatewayId;
  amount: number;
  unit: 'credits' | 'usd';
  raw: unknown;
}

/** A callback as received, for `confirmWebhook`. */
export interface ConfirmWebhookInput {
  /** The body exactly as received (a string or the bytes). */
  rawBody: string | Uint8Array;
  headers: WebhookHeaders;
  /**
   * The task this callback URL was registered for (its handle or id). A callback, or the API's reply,
   * naming another task is refused. Pass it: an unsigned callback can name any task of the account.
   */
  expected?: ExpectedTask;
  signal?: AbortSignal;
}
