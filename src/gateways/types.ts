import type { GatewayId } from '../catalog/index.js';
import type { Task, TaskCost, TaskStatus } from '../catalog/task.js';
import type { ApiErrorClass } from '../errors.js';
import type { ResolvedVideoRequest } from '../request/index.js';

// The task types live in the catalog (so the leaf `errors.ts` can name them); re-exported here.
export type { FailedTask, SucceededTask, Task, TaskCost, TaskStatus, Video } from '../catalog/task.js';

/** An HTTP request an adapter wants sent, relative to the client's base URL. */
export interface WireRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
  /**
   * Where the created task lives, for gateways whose status path depends on how it was created (the
   * official Kling API's legacy standard reads `/v1/videos/<kind>/<id>`): set by `toWire`, kept in the
   * handle, and given back to `statusRequest`, `resultRequest` and `cancelRequest`. Opaque to the client.
   */
  route?: string;
}

/** Where a task is: the client's paths, and the route its create request named (from the handle). */
export interface TaskLocation {
  paths: GatewayPaths;
  route?: string | undefined;
}

/** Paths an adapter uses; `status` holds `{id}`. Overridable per client (`endpoints`). */
export interface GatewayPaths {
  create: string;
  status: string;
}

export interface SubmitReply {
  id: string;
  cost?: TaskCost;
}

export interface ParseContext {
  /** Extra status spellings from the caller (`statusMap`), matched case-insensitively. */
  statusMap?: Readonly<Record<string, TaskStatus>>;
  /** Now, in ms (to turn relative hints into absolute times). */
  now: number;
  /**
   * The id the status request asked for. Used only when a reply names no task at all (some reseller
   * shapes carry none); a reply that names a task is read as naming it.
   */
  taskId?: string;
}

export interface ErrorDetails {
  message: string;
  code?: string;
  type?: string;
  /**
   * The error's class where the vendor's code, not the HTTP status, says it (Kling answers an exhausted
   * resource pack with HTTP 429 code 1102: credits, not a rate limit). Unset: by HTTP status.
   */
  errorClass?: ApiErrorClass;
  /** The least wait before another attempt where the vendor documents one and sent no `Retry-After`. */
  retryAfterMs?: number;
}

/** A file to upload, already read and typed by the client. */
export interface UploadFile {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

/** A multipart upload an adapter wants sent, relative to the client's upload origin (`uploadBaseUrl`). */
export interface UploadWireRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: FormData;
}

/** What an upload API answered: the URL to put in a request, and when it stops working. */
export interface UploadReply {
  url: string;
  id?: string;
  expiresAt?: Date;
}

/** An account balance, in the gateway's own unit. */
export interface BalanceReply {
  amount: number;
  unit: 'credits' | 'usd';
}

/** A callback body read as a task; `event` is the gateway's own event word where it sends one. */
export interface WebhookReply {
  task: Task;
  event?: string;
}

/** Reads one request header by name, case-insensitively; undefined when absent. */
export type HeaderLookup = (name: string) => string | undefined;

/** A JSON Web Key Set (RFC 7517): public keys a gateway's signatures are checked against (fal). */
export interface WebhookKeySet {
  keys: readonly Readonly<Record<string, unknown>>[];
}

/** What a webhook check may use: the caller's key and webhook secrets, and the time now (ms). */
export interface WebhookSecrets {
  /** The API key (apiframe signs with it); undefined when neither given nor in the environment. */
  apiKey?: string | undefined;
  /** A Standard Webhooks secret, `whsec_<base64>` (the official Kling API's Webhook Secret). */
  webhookSecret?: string | undefined;
  /** Public keys (fal's JWKS). */
  webhookKeys?: WebhookKeySet | undefined;
  /** Now, in ms (signed timestamps are checked against it). */
  now: number;
}

/** One gateway's wire format. The only place that knows a vendor's field names. */
export interface GatewayAdapter {
  readonly id: GatewayId;
  readonly paths: GatewayPaths;
  /**
   * Other create paths the vendor documents for the same model, tried in order when a create answers
   * 404 (a definite "nothing created": the path does not exist); the client keeps the path that
   * answered for its lifetime. Not used when the caller gives `endpoints.create`.
   */
  readonly createPathFallbacks?: readonly string[];
  /** The header that carries the API key. */
  authHeaders(apiKey: string): Record<string, string>;
  /** The create request for a validated request (the gateway's support was checked before). */
  toWire(
    request: ResolvedVideoRequest,
    options: { paths: GatewayPaths; idempotencyKey?: string; externalId?: string },
  ): WireRequest;
  /** The status request for a task id. */
  statusRequest(id: string, options: TaskLocation): WireRequest;
  /** Reads a 2xx create reply; throws `KlingResponseError` when it has no task id. */
  parseSubmit(body: unknown): SubmitReply;
  /** Reads a 2xx status reply; throws `KlingResponseError` when it is not a task. */
  parseTask(body: unknown, context: ParseContext): Task;
  /** Reads an error reply (any JSON, or null when the body was not JSON). */
  parseError(status: number, body: unknown): ErrorDetails;

  // The members below are optional: a gateway without the API leaves them out, and the client answers
  // `KlingUnsupportedError` for it.

  /** The upload API's production origin where it is not the API's own (EvoLink's files host). */
  readonly uploadBaseUrl?: string;
  /** The multipart request that uploads one file. */
  uploadRequest?(file: UploadFile): UploadWireRequest;
  /** Reads a 2xx upload reply; throws `KlingResponseError` when it carries no URL. */
  parseUpload?(body: unknown): UploadReply;
  /** The account balance request. */
  balanceRequest?(): WireRequest;
  /** Reads a 2xx balance reply; throws `KlingResponseError` when it carries no amount. */
  parseBalance?(body: unknown): BalanceReply;
  /**
   * Checks a callback's signature against the raw body, where the gateway signs them: true when it
   * matched, false when the delivery is accepted as unsigned (signing the account may leave off, or a
   * recipe not confirmed, with no secret given); throws `KlingWebhookError` when it is missing or wrong,
   * and `KlingValidationError` naming the option when a secret it needs was not given. Unsigned
   * gateways leave this out.
   */
  verifyWebhook?(rawBody: Uint8Array, header: HeaderLookup, secrets: WebhookSecrets): boolean;
  /** Reads a callback body (already JSON-parsed) as a task; throws `KlingResponseError` when it is not one. */
  parseWebhook?(body: unknown, context: ParseContext): WebhookReply;

  // A second read after the status (fal): the status says a task finished, the result is read apart.
  // `getTask` sends `resultRequest` when `needsResult` says so, and returns `parseResult`'s task (or,
  // for an error reply, `resultFailure`'s). Gateways whose status reply carries the video leave these out.

  /** True when `task`, parsed from a status reply, is finished but its result is not in that reply. */
  needsResult?(task: Task): boolean;
  /** The request that reads a finished task's result. */
  resultRequest?(id: string, options: TaskLocation): WireRequest;
  /** Reads a 2xx result reply as the finished task; throws `KlingResponseError` when it is not one. */
  parseResult?(body: unknown, statusTask: Task, context: ParseContext): Task;
  /**
   * An error reply to the result read that means the task failed (fal answers a failed render's result
   * with the model's error), as the failed task; undefined when the error is the read's own (thrown).
   */
  resultFailure?(error: ResultError, statusTask: Task): Task | undefined;

  // Batch status (the official Kling API's `GET /tasks?task_ids=a,b,…`): the poll scheduler coalesces
  // the ids due at once into one request of at most `maxBatchStatusIds`.

  /** The most ids one batch status request may carry; a gateway without batch reads leaves it out. */
  readonly maxBatchStatusIds?: number;
  /** The status request for several tasks (1 to `maxBatchStatusIds` ids). */
  batchStatusRequest?(ids: readonly string[], options: { paths: GatewayPaths }): WireRequest;
  /**
   * Reads a 2xx batch status reply: each task it names, by id. An id asked for but absent from the map
   * was not in the reply (the caller reads it alone); throws `KlingResponseError` when the reply is not
   * a list of tasks.
   */
  parseBatchStatus?(body: unknown, context: ParseContext): Map<string, Task>;

  // Recovery by an id we chose: where the gateway takes an external id on create (Kling's
  // `external_task_id`), `toWire` receives `externalId` and the task can be looked up by it after an
  // uncertain submit.

  /** True when creates carry an external id the task can be looked up by (`lookupRequest`). */
  readonly externalIds?: boolean;
  /**
   * The request that looks a task up by the external id its create carried; `route` is the one the
   * create named, where the caller has it (Kling's legacy standard looks up under the task's kind).
   */
  lookupRequest?(externalId: string, options: TaskLocation): WireRequest;
  /**
   * Reads a 2xx lookup reply: the task, or `null` when the reply proves no task carries that id (safe
   * to send again); throws `KlingResponseError` when the reply is unreadable (not proof of anything).
   */
  parseLookup?(body: unknown, context: ParseContext): Task | null;

  // Cancel (fal `PUT …/requests/{id}/cancel`): a gateway without a documented cancel leaves these out.

  /** The request that cancels task `id`. */
  cancelRequest?(id: string, options: TaskLocation): WireRequest;
  /** Reads the cancel reply (2xx or the vendor's "already finished" answer): whether it was canceled. */
  parseCancel?(status: number, body: unknown): CancelReply;
}

/** What a cancel request achieved. */
export interface CancelReply {
  /** `canceled`: the gateway took the cancel; `too-late`: the task had already finished (or started, where that is final). */
  outcome: 'canceled' | 'too-late';
  message?: string;
}

/** What `resultFailure` sees of an error reply (a `KlingApiError`'s fields). */
export interface ResultError {
  status: number;
  message: string;
  code?: string | undefined;
  type?: string | undefined;
}
