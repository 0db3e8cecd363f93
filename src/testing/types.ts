import type { HttpHandler } from 'msw';
import type { GatewayId } from '../catalog/index.js';
import type { Clock } from '../http/clock.js';

export type { GatewayId };

/** Any JSON value, as the simulator stores request bodies and builds replies. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * What a request was for: a paid create, a status poll, a video download, an upload, a balance read,
 * or anything else (an uploaded file fetched back, an unknown path).
 */
export type SimulatorOp = 'create' | 'status' | 'download' | 'upload' | 'balance' | 'other';

export type FaultKind =
  /** No fault: the request is answered as usual. A step of a sequence (see `FaultRule.times`). */
  | 'none'
  | 'http-500'
  | 'http-502'
  | 'http-503'
  | 'http-504'
  | 'http-429'
  /** 400 in the gateway's validation-error shape, before the gateway acts: nothing is created. */
  | 'http-400'
  /** 402 (no credits) in the gateway's shape, before the gateway acts: nothing is created. */
  | 'http-402'
  /** The connection closes after the request arrived, before the gateway acts: nothing is created. */
  | 'reset'
  /** The gateway acts (a create creates the task), then the connection closes without a reply. */
  | 'drop-after-create'
  /** The gateway acts (a create creates the task), then answers 500 in its error shape. */
  | 'http-500-after-create'
  /** No reply until the client gives up (aborts or times out); the gateway does nothing. */
  | 'hang'
  /** The gateway acts (a create creates the task), then no reply until the client gives up. */
  | 'hang-after-create'
  | 'html'
  | 'truncated-json'
  | 'wrong-content-type'
  /** 200 with a 50 MB body, streamed (the simulator never holds it in memory). */
  | 'huge-body'
  /** 200 whose body arrives one byte a second, in real time. */
  | 'drip'
  /** The real reply with every `status` word replaced by one no gateway documents. */
  | 'unknown-status'
  /** The real reply with its ids and status words removed. */
  | 'missing-fields';

export interface FaultRule {
  op: Exclude<SimulatorOp, 'other'> | 'any';
  kind: FaultKind;
  /** Only requests to this gateway (downloads count for the gateway whose task they fetch). */
  gateway?: GatewayId;
  /** Probability 0..1 that a matching request is hit, drawn from the seeded PRNG. Default 1. */
  rate?: number;
  /**
   * Only the first N requests matching op and gateway that reach this rule (whether or not `rate` hit
   * them). A sequence is a list of `times: 1` rules: `[{ op: 'create', kind: 'drop-after-create',
   * times: 1 }, { op: 'create', kind: 'none', times: 1 }, { op: 'create', kind: 'http-429', times: 1 }]`
   * drops the first create after creating, answers the second, refuses the third, then no more faults.
   */
  times?: number;
  /** `Retry-After` for http-429 and http-503: seconds, or an HTTP-date string. */
  retryAfter?: number | string;
}

/**
 * API in One status-reply shapes (none is documented; these are the shapes of Kling's API and its resellers):
 * - 'default': `{code, message, data: {task_id, status: IN_PROGRESS|COMPLETED|FAILED, progress, video_url, error}}`
 * - 'kling': Kling's own, `{code: 0, message, request_id, data: {task_id, task_status: submitted|processing|succeed|failed,
 *   task_status_msg, task_result: {videos: [{id, url, duration}]}}}`
 * - 'result-urls': `{code, message, data: {id, status: pending|processing|completed|failed, progress, result: {urls: [...]}, error: {message}}}`
 * - 'output-url': no envelope and no id, `{status: starting|processing|succeeded|failed, output: {url}, error}`
 * - 'result-urls-camel': kie-style, `{code, msg, data: {taskId, state: waiting|generating|success|fail, resultUrls: [...], failCode, failMsg}}`
 * - 'result-json': kie's own, as 'result-urls-camel' with the URLs in a JSON string `resultJson: '{"resultUrls":[...]}'`
 *   and the request echoed in `param` (a JSON string)
 */
export type ApiInOneShape =
  | 'default'
  | 'kling'
  | 'result-urls'
  | 'output-url'
  | 'result-urls-camel'
  | 'result-json';

export interface SimulatorOptions {
  /** Wall ms per simulated ms; default 0.001 (a 150 s render takes 150 ms). 1 = real time. */
  timeScale?: number;
  /** Renders stay 'running' (progress capped at 99) until `release()`. */
  hold?: boolean;
  faults?: FaultRule[];
  /** Seed for everything random (ids, render times, fault rates). Default: a random seed, see `seed`. */
  seed?: number;
  /** Injectable clock in ms; default Date.now. */
  now?: () => number;
  /**
   * Default true: reject unknown fields on every gateway and apply limits inferred from sibling APIs.
   * With false, only the rules the vendors document are enforced (including apiframe's documented
   * `additionalProperties: false`). Either way a body that leaves a field to the vendor's default is
   * accepted, and the vendor's default is what is priced and rendered (see `requireExplicitDefaults`).
   */
  strict?: boolean;
  /**
   * Default false. True: refuse a create body that leaves a price- or content-changing field (mode,
   * duration, sound and their vendor spellings) to the vendor's default, with `<field>: must be sent
   * explicitly`. The vendors accept such bodies; the SDK's own rule is that it never sends one, and the
   * SDK's tests turn this on to prove it.
   */
  requireExplicitDefaults?: boolean;
  /**
   * Tasks in flight at once before a gateway that documents a concurrency limit refuses a create
   * (Kling's own API: 10 per model version, code 1303). `Infinity` lifts it for load tests.
   */
  maxConcurrentTasks?: number;
  /**
   * Which of Modellix's two documented create paths exist: `bare`, `/api/v1/kling/kling-v3-omni-video`
   * (the vendor's CLI, "without the removed async suffix"), and `async`, `…/kling-v3-omni-video/async`
   * (its docs page and its skill). Default both, so a client written from either document works; a test
   * switches one off to model a service that serves only the other. A path switched off answers
   * Modellix's enveloped 404 and creates nothing.
   */
  modellixCreatePaths?: readonly ('bare' | 'async')[];
  /**
   * How the simulated API in One answers a status read (and its callbacks). Its real status body is
   * undocumented, so the simulator can answer in each shape the resellers of this model family use,
   * for tests that prove a client reads them all. Default 'default'.
   */
  apiinoneShape?: ApiInOneShape;
  /**
   * Where callbacks go (apiframe `webhookUrl`, EvoLink and API in One `callback_url`). Unset: none
   * leaves the simulator; each is recorded in `stats.callbacks` with status 'skipped'. A string: an
   * origin (e.g. a test's loopback receiver, `http://127.0.0.1:4321`) that replaces the callback URL's
   * origin, path and query kept. A function: the URL to POST to for a callback URL (undefined skips it).
   * The SDK refuses private callback URLs, so tests register a public-looking https one and redirect it.
   * A string with a path, query or credentials, or not http(s), is a RangeError.
   */
  deliverCallbacksTo?: string | ((callbackUrl: string) => string | undefined);
  /** Account balances reported by the balance endpoints, in each gateway's unit (defaults: 1000 credits, $100). */
  balances?: Partial<Record<GatewayId, number>>;
  /** `startGatewaySimulator` only: the loopback port to listen on (default 0, a free port). */
  port?: number;
}

export interface RequestRecord {
  gateway: GatewayId | 'unknown';
  op: SimulatorOp;
  method: string;
  path: string;
  status: number | 'dropped' | 'hung';
  /** Simulated clock, ms since the simulator started (or was reset). */
  at: number;
  fault?: FaultKind;
  idempotencyKey?: string;
  /** Why validation rejected the body, one `path: problem` per entry. */
  rejection?: string[];
}

/** One callback delivery attempt (or a skipped one). */
export interface CallbackRecord {
  gateway: GatewayId;
  taskId: string;
  /** 'progress' (apiframe, when asked), 'completed' or 'failed'. */
  event: string;
  /** The callback URL the task registered. */
  url: string;
  /** Where it was POSTed (after `deliverCallbacksTo`); absent when skipped. */
  target?: string;
  /** 1 for the first attempt, then retries where the gateway documents them (EvoLink: 3). */
  attempt: number;
  /** The receiver's HTTP status, 'error' (no answer within the timeout, refused), or 'skipped'. */
  status: number | 'error' | 'skipped';
  /** Simulated clock, ms. */
  at: number;
}

export interface SimulatorStats {
  created: Record<GatewayId, number>;
  rejected: Record<GatewayId, number>;
  requests: RequestRecord[];
  /** Files stored through each gateway's upload API. */
  uploads: Record<GatewayId, number>;
  /** Callback deliveries, in the order they completed. */
  callbacks: CallbackRecord[];
}

/** A file stored through an upload API, served back by the simulator at `url`. */
export interface SimulatedUpload {
  gateway: GatewayId;
  id: string;
  url: string;
  filename: string;
  contentType: string;
  bytes: number;
  /** Simulated clock ms. */
  createdAt: number;
}

export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface SimulatedTask {
  gateway: GatewayId;
  id: string;
  state: TaskState;
  progress: number;
  /** The create body as the gateway received it. */
  request: JsonObject;
  /** Simulated clock ms at creation. */
  createdAt: number;
  /** Simulated render time, ms (including the queued part). */
  renderMs: number;
  /** Simulated clock ms at which the task reached its final state, once it has. */
  finishedAt?: number;
  /** Whether `hold` still keeps this render from finishing. */
  held: boolean;
  /** The prompt asked for a failure (SIM_FAIL). */
  failing: boolean;
  /** Path of the finished video on the simulator, `/files/<id>.mp4`. */
  videoPath: string;
  idempotencyKey?: string;
}

export interface GatewaySimulator {
  /** msw 2 handlers for all four gateways, matching any origin. */
  handlers: HttpHandler[];
  /** Live counters: the same object for the simulator's whole life, reset in place. */
  stats: SimulatorStats;
  /** The PRNG seed in use (pass it back as `seed` to replay a run). */
  readonly seed: number;
  /**
   * Release held renders: one task, or every task held now when no id is given (tasks created later are
   * still held). A released render finishes at once if its render time is over, else when it is.
   * Throws for an id the simulator never issued.
   */
  release(taskId?: string): void;
  tasks(): SimulatedTask[];
  /** Files stored through the upload APIs, oldest first. */
  uploads(): SimulatedUpload[];
  /** Simulated ms since the simulator started (or was reset). */
  clock(): number;
  /** Forget every task, counter, idempotency key and fault count; end hung requests; restart the clock. */
  reset(): void;
  /**
   * Replace the fault rules (checked as the `faults` option is: a RangeError for an impossible rate or
   * count); they apply from the next request, their counts from zero. For tests that choose a fault
   * schedule per call.
   */
  setFaults(rules: readonly FaultRule[]): void;
  /** Pass as a client's `clock` so it waits on simulated time (`new KlingClient({ ..., clock: sim.clientClock })`). */
  readonly clientClock: Clock;
}

export interface RunningSimulator extends GatewaySimulator {
  /**
   * Origin of the loopback server, e.g. http://127.0.0.1:41234. Besides the gateways it answers admin
   * routes under `/__sim/` (no vendor path starts so), for a process that has no simulator object:
   * `GET /__sim/tasks` (`{ clock, tasks }` as `tasks()`), `GET /__sim/callbacks` (`stats.callbacks`),
   * `POST /__sim/release` with `{ "taskId": "<id>" }` or `{ "all": true }` as JSON (`release()`, answers
   * `{ released: [ids] }`; 404 for an unknown id). They are not in `handlers`.
   */
  url: string;
  /** Stop the server, ending hung requests and keep-alive sockets. */
  close(): Promise<void>;
}
