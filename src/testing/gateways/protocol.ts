import type { TaskRecord, TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import type { ApiInOneShape, GatewayId, JsonObject, JsonValue, SimulatorOp } from '../types.js';
import type { Problems } from './checks.js';

/** Why the gateway refuses a request; each gateway renders it in its documented error shape. */
export type GatewayError =
  | { kind: 'invalid'; problems: readonly string[] }
  | { kind: 'unauthenticated'; reason: 'missing' | 'invalid' }
  | { kind: 'no-credits'; body: JsonObject }
  | { kind: 'not-found'; id: string }
  | { kind: 'bad-task-id'; id: string }
  | { kind: 'idempotency-conflict' }
  | { kind: 'unavailable'; status: 429 | 500 | 502 | 503 | 504 };

export interface WireReply {
  status: number;
  body: JsonValue;
}

/** What a status or create reply needs besides the task: where the video lives and the simulated date. */
export interface ReplyContext {
  /** Origin the client called, e.g. `https://api.modellix.ai` or the loopback server. */
  origin: string;
  /** Absolute URL of the finished video on the origin the client called. */
  videoUrl: string;
  /** Simulated clock ms → epoch ms, for the timestamps a gateway reports. */
  dateOf(simulatedMs: number): number;
  /** Simulated clock ms at which the reply is made (EvoLink reports the seconds still to go). */
  now: number;
  /** The status-reply shape API in One answers in (option `apiinoneShape`). */
  apiinoneShape: ApiInOneShape;
}

/** A file the simulator stored for an upload API; served back at `/sim-uploads/<id>`. */
export interface StoredUpload {
  gateway: GatewayId;
  id: string;
  bytes: Uint8Array;
  contentType: string;
  filename: string;
  /** Simulated clock ms at upload. */
  createdAt: number;
}

/** A multipart file as the simulator received it, before the gateway's rules are applied. */
export interface ReceivedFile {
  bytes: Uint8Array;
  /** The type the client declared for the part (empty when none). */
  declaredType: string;
  filename: string;
}

/** One gateway's upload API (POST, multipart). */
export interface UploadProtocol {
  readonly path: string;
  /** Status of a successful upload. */
  readonly status: number;
  /** The multipart field that carries the file. */
  readonly field: string;
  /** The content type the gateway stores the file under, or every problem with it (`path: problem`). */
  accept(file: ReceivedFile): { contentType: string } | { problems: string[] };
  newId(random: SeededRandom): string;
  /** The success reply; `url` is where the simulator serves the file. */
  reply(upload: StoredUpload, url: string, dateOf: (simulatedMs: number) => number): JsonValue;
  /** Refusals in the upload API's own envelope where it differs from the gateway's (EvoLink's file host). */
  errorReply?(error: GatewayError): WireReply;
}

export type CallbackEvent = 'progress' | 'completed' | 'failed';

/** One gateway's callbacks: where a create body asks for them, and what the gateway POSTs. */
export interface CallbackProtocol {
  /**
   * The callback URL and events a create registers, from its body (or, fal, its URL's query:
   * `createUrl`); undefined when it registers none.
   */
  target(body: JsonObject, createUrl?: string): { url: string; events: readonly CallbackEvent[] } | undefined;
  /** The POST for one event: the body exactly as sent (so a signature covers these bytes) and headers. */
  request(
    task: TaskRecord,
    view: TaskView,
    context: ReplyContext,
    event: CallbackEvent,
    apiKey: string,
  ): { body: string; headers: Record<string, string> };
  /** Simulated ms to wait before each retry after a failed delivery; empty when none is documented. */
  readonly retryDelaysMs: readonly number[];
  /** Real ms an attempt may take before it counts as failed. */
  readonly timeoutMs: number;
}

/** One gateway's tasks, as a list route or an admission check sees them. */
export interface GatewayTasks {
  /** The tasks this gateway created, oldest first. */
  readonly tasks: readonly TaskRecord[];
  /** The caller's cap on tasks in flight at once (`SimulatorOptions.maxConcurrentTasks`), if any. */
  readonly maxConcurrentTasks?: number;
  view(task: TaskRecord): TaskView;
  contextOf(task: TaskRecord): ReplyContext;
}

/**
 * A route that reads many of the gateway's tasks at once, by what its request asks (Kling's batch
 * `GET /tasks?task_ids=a,b`), answered after the gateway's auth passed. Served on any origin.
 */
export interface ListRoute {
  readonly method: 'GET' | 'POST';
  /** msw path pattern without origin. */
  readonly path: string;
  /** What the request records and fault rules count it as. */
  readonly op: SimulatorOp;
  reply(request: Request, tasks: GatewayTasks): WireReply;
}

/**
 * A route of a gateway's own (authenticated like a status read) on a task it issued: `path` in msw syntax
 * with `:id`. `reply` gets the task, or undefined for an id this gateway never issued.
 */
export interface ExtraRoute {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  /** What the request records and which faults apply to it. */
  readonly op: SimulatorOp;
  reply(
    found: { task: TaskRecord; view: TaskView; context: ReplyContext } | undefined,
    now: number,
  ): WireReply;
}

/** The render plan drawn for a new task. */
export interface RenderPlan {
  renderMs: number;
  estimatedSeconds?: number;
}

/**
 * One gateway's wire protocol: the only place that knows its paths, field names, rules and shapes.
 * Each file under gateways/ implements it from the vendor documentation alone.
 */
export interface GatewayProtocol {
  readonly id: GatewayId;
  /** msw path patterns without origin, e.g. `/v2/videos/generate`. */
  readonly createPath: string;
  readonly statusPath: string;
  /**
   * Where the vendor documents more than one create path for the same model: each, by name, `createPath`
   * among them (Modellix: `bare` and `async`). `servesCreatePath` says which a simulator serves; one it
   * does not serve answers `missingPathReply` and creates nothing.
   */
  readonly createPathAliases?: Readonly<Record<string, string>>;
  /** Whether the simulator's options leave this named create path in service (default: all are). */
  servesCreatePath?(name: string, options: { modellixCreatePaths: readonly string[] }): boolean;
  /** The gateway's reply to a path it does not serve (Modellix: its enveloped 404). */
  missingPathReply?(path: string): WireReply;
  /** Status code of a successful create. */
  readonly createdStatus: number;
  /** Set where the gateway dedupes creates by an `Idempotency-Key` header (apiframe). */
  readonly idempotency?: { maxKeyLength: number; windowMs: number };
  /** The API key from the gateway's auth header; undefined when missing or empty. */
  readApiKey(request: Request): string | undefined;
  /**
   * Adds every problem with a create body (already known to be a JSON object). `createPathName` is the
   * name (a key of `createPathAliases`) of the create path that was called, where the gateway has several
   * whose rules differ (fal: one per endpoint).
   */
  validate(body: JsonObject, problems: Problems, createPathName?: string): void;
  /** False when an id cannot be one of this gateway's (answered with the documented 400). */
  isWellFormedId?(id: string): boolean;
  /**
   * Where another gateway polls the same status path (API in One and Modellix: `/api/v1/tasks/:id`):
   * whether an id the simulator never issued looks like one of this gateway's. The first protocol on
   * the path that claims an unknown id answers for it; when none does, the one without this member.
   */
  claimsUnknownId?(id: string): boolean;
  newTaskId(random: SeededRandom, createdAtEpochMs: number): string;
  planRender(random: SeededRandom): RenderPlan;
  createdReply(task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue;
  statusReply(task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue;
  /**
   * The whole status reply where its HTTP status is not always 200 or it reads the request's query (fal:
   * 202 while queued or running, `?logs=1`); `statusReply` otherwise.
   */
  statusWireReply?(task: TaskRecord, view: TaskView, context: ReplyContext, request: Request): WireReply;
  /**
   * A task by an id the caller chose on create, where the status path takes one too (Kling's legacy
   * `GET /v1/videos/<kind>/<external_task_id>`); the generic status route asks it when no task has that id.
   */
  findByCallerId?(id: string, tasks: readonly TaskRecord[]): TaskRecord | undefined;
  /** Routes besides create, status, upload and balance (fal: the result and cancel routes). */
  readonly extraRoutes?: readonly ExtraRoute[];
  /**
   * A refusal in the gateway's error shape. `op` is the request it answers, where a gateway words the same
   * refusal differently on create and on task reads (EvoLink); undefined is a create.
   */
  errorReply(error: GatewayError, op?: SimulatorOp): WireReply;
  /** The account balance endpoint (GET), where the gateway has one; `amount` is in its own unit. */
  readonly balance?: { path: string; reply(amount: number): JsonValue };
  /** The upload API, where the gateway has one. */
  readonly upload?: UploadProtocol;
  /** Callbacks, where the gateway sends them. */
  readonly callbacks?: CallbackProtocol;
  /**
   * Auth beyond one API key header (Kling: codes 1001-1004, tokens by path): the caller's key, or the
   * refusal to send. Without it, `readApiKey` decides and `errorReply` words the refusal.
   */
  authenticateRequest?(request: Request, nowEpochMs: number): string | WireReply;
  /**
   * The protocol as it serves one named create path of `createPathAliases`, where the path decides the
   * rules (Kling: model and kind in the path). Without it, every path is served by this protocol.
   */
  atCreatePath?(name: string): GatewayProtocol;
  /** A refusal of a valid create before anything is created (Kling's 1303 concurrency limit). */
  admitCreate?(body: JsonObject, tasks: GatewayTasks): WireReply | undefined;
  /** Routes over many tasks at once (Kling's batch status read). */
  readonly listRoutes?: readonly ListRoute[];
}

/** `Authorization: Bearer <key>`, as API in One, EvoLink and Modellix document. */
export function readBearerKey(request: Request): string | undefined {
  const match = /^Bearer\s+(\S.*)$/i.exec(request.headers.get('authorization') ?? '');
  const key = match?.[1]?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** The HTTP status each refusal maps to, shared so that every gateway agrees. */
export function statusOf(error: GatewayError): number {
  switch (error.kind) {
    case 'invalid':
    case 'bad-task-id':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'no-credits':
      return 402;
    case 'not-found':
      return 404;
    case 'idempotency-conflict':
      return 409;
    case 'unavailable':
      return error.status;
  }
}

/** Seconds since the epoch, as EvoLink (`created`) and Modellix (`result_expires_at`) report time. */
export function unixSeconds(epochMs: number): number {
  return Math.floor(epochMs / 1000);
}
