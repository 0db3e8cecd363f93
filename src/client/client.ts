import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import pRetry from 'p-retry';
import type { Dispatcher } from 'undici';
import { CAPABILITIES, GATEWAYS, type GatewayId, type VideoRequest } from '../catalog/index.js';
import {
  KlingApiError,
  KlingError,
  KlingResponseError,
  KlingSubmitUncertainError,
  KlingTaskFailedError,
  KlingTimeoutError,
  KlingUnsupportedError,
  KlingValidationError,
  type TaskState,
} from '../errors.js';
import {
  ADAPTERS,
  type GatewayAdapter,
  type GatewayPaths,
  type ParseContext,
  type SucceededTask,
  type Task,
  type TaskStatus,
  type UploadWireRequest,
  type WireRequest,
} from '../gateways/index.js';
import { type Clock, systemClock } from '../http/clock.js';
import { parseJsonReply, readJson } from '../http/json.js';
import { excerptText, redactError, redactText } from '../http/redact.js';
import {
  attemptTaskState,
  DEFAULT_RETRY_POLICY,
  isRetryableRead,
  isRetryableSubmit,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
  submitOutcome,
} from '../http/retry.js';
import { createTransport, type FetchFunction, type HttpResponse, type Transport } from '../http/transport.js';
import { type CostEstimate, estimateCost, type PricingOptions } from '../pricing/estimate.js';
import { type ResolvedVideoRequest, validateForGateway } from '../request/index.js';
import { checkBudget, type MaxCost } from './budget.js';
import { type DownloadOptions, type DownloadResult, downloadVideo, isLoopbackOrigin } from './download.js';
import { SignalFanout } from './fanout.js';
import { makeHandle, parseSavedHandle, type SavedHandle, type TaskHandle } from './handle.js';
import { Limiter } from './limiter.js';
import {
  findLocalMedia,
  type ImageTarget,
  type PreparedFile,
  prepareAll,
  prepareFile,
  type UploadOptions,
  type UploadResult,
  withUploadedUrls,
} from './media.js';
import { validateClientOptions } from './options.js';
import { DEFAULT_POLL, nextPollDelay, type PollOptions } from './poll.js';
import { confirmedTask, type ExpectedTask, readWebhook, type WebhookHeaders } from './webhooks.js';

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
}

/** What `onBeforeSend` receives: everything needed to recover a submit whose reply is lost. */
export interface SubmitRecord {
  gateway: GatewayId;
  /** Set where the gateway dedupes (apiframe): re-sending with it cannot create a second task. */
  idempotencyKey?: string;
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

const USER_AGENT = 'kling-sdk/0.1.0';
const DEADLINE = Symbol('wait deadline');
const FINISHED = Symbol('wait finished');

function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}

/**
 * A client for one gateway: prices a request (`estimate`), submits it (`submit`, a paid write that is
 * never sent twice blind), follows it (`getTask`, `wait`, `resume` after a restart), and fetches the
 * video (`download`). `generate` does submit and wait in one call.
 *
 * ```ts
 * const client = new KlingClient({ gateway: 'evolink' }); // key from EVOLINK_API_KEY
 * const task = await client.generate({ prompt: 'a fox' }, { maxCost: { usd: 1 } });
 * await client.download(task, 'fox.mp4');
 * ```
 *
 * Every error is a `KlingError` (check with `KlingXxxError.is(error)`); a submit's carries `taskState`.
 * Call `close()` when done with the client.
 */
export class KlingClient {
  /** The gateway this client talks to. */
  readonly gateway: GatewayId;
  /** The origin requests go to (the gateway's production origin unless `baseUrl` was given). */
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #adapter: GatewayAdapter;
  readonly #paths: GatewayPaths;
  /** Where a create may go: the create path, then the adapter's documented fallbacks (none with `endpoints.create`). */
  readonly #createPaths: readonly string[];
  /** The create path that last answered (index into #createPaths), kept for the client's lifetime. */
  #createPathIndex = 0;
  readonly #transport: Transport;
  readonly #limiter: Limiter;
  readonly #fanout = new SignalFanout();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #poll: PollOptions;
  readonly #statusMap: Record<string, TaskStatus> | undefined;
  readonly #pricing: PricingOptions;
  readonly #maxResponseBytes: number;
  readonly #uploadBaseUrl: string;
  readonly #authHeaders: Record<string, string>;
  readonly #headers: Record<string, string>;

  /**
   * Checks every option at once, before anything is sent: an invalid or unknown one (or a missing API
   * key) throws one `KlingValidationError` listing each problem with its path. Only `gateway` is
   * required; the API key defaults to the gateway's environment variable (e.g. `EVOLINK_API_KEY`).
   */
  constructor(clientOptions: KlingClientOptions) {
    // Every option checked at once (one KlingValidationError listing each problem), defaults filled in.
    const options = validateClientOptions(clientOptions);
    this.gateway = options.gateway;
    const info = GATEWAYS[this.gateway];
    const apiKey = options.apiKey;
    this.#apiKey = apiKey;
    this.baseUrl = options.baseUrl;
    this.#adapter = ADAPTERS[this.gateway];
    this.#authHeaders = this.#adapter.authHeaders(apiKey);
    this.#headers = { accept: 'application/json', 'user-agent': USER_AGENT, ...this.#authHeaders };
    this.#uploadBaseUrl =
      options.uploadBaseUrl !== undefined
        ? options.uploadBaseUrl
        : this.baseUrl === new URL(info.baseUrl).origin
          ? (this.#adapter.uploadBaseUrl ?? this.baseUrl)
          : this.baseUrl;
    this.#paths = { ...this.#adapter.paths, ...options.endpoints };
    this.#createPaths =
      options.endpoints?.create === undefined
        ? [this.#paths.create, ...(this.#adapter.createPathFallbacks ?? [])]
        : [this.#paths.create];
    const concurrency = options.maxConcurrency;
    this.#limiter = new Limiter(concurrency, this.gateway);
    this.#transport = createTransport({
      connections: concurrency,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries: options.maxRetries };
    this.#timeoutMs = options.timeoutMs;
    this.#poll = options.poll;
    this.#statusMap = options.statusMap;
    this.#pricing = options.pricing;
    this.#maxResponseBytes = options.maxResponseBytes;
  }

  /** The cost of `request` at this client's gateway: pure, no request sent. */
  estimate(request: VideoRequest): CostEstimate {
    return estimateCost(this.gateway, validateForGateway(this.gateway, request), this.#pricing);
  }

  /**
   * Sends the paid create request once (retrying only where that cannot create a second task) and
   * returns a handle to save. Every error it throws carries `taskState`.
   */
  async submit(request: VideoRequest, options: SubmitOptions = {}): Promise<TaskHandle> {
    return this.#scrubbing(() => this.#submit(request, options));
  }

  async #submit(request: VideoRequest, options: SubmitOptions): Promise<TaskHandle> {
    const resolved = validateForGateway(this.gateway, request);
    const dedupes = CAPABILITIES[this.gateway].idempotencyKey;
    if (options.idempotencyKey !== undefined && !dedupes) {
      throw new KlingUnsupportedError(
        this.gateway,
        'idempotencyKey',
        `${this.gateway} does not dedupe creates by key, so an idempotencyKey would promise a safety it can't give`,
      );
    }
    const estimate = estimateCost(this.gateway, resolved, this.#pricing);
    if (options.maxCost !== undefined) checkBudget(estimate, options.maxCost);
    const idempotencyKey = dedupes ? (options.idempotencyKey ?? randomUUID()) : undefined;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
      throw new KlingValidationError([{ path: ['idempotencyKey'], message: 'must be 1–255 characters' }]);
    }
    // Local images are uploaded now: after validation and the budget check, before anything paid.
    const ready = await this.#uploadLocalMedia(resolved, options);
    const wire = this.#adapter.toWire(ready, {
      paths: this.#paths,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    await options.onBeforeSend?.({
      gateway: this.gateway,
      request: ready,
      estimate,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });

    const response = await this.#sendSubmitOnCreatePaths(wire, dedupes, idempotencyKey, options);
    let id: string;
    try {
      ({ id } = this.#adapter.parseSubmit(parseJson(this.gateway, response.body, this.#apiKey)));
    } catch (error) {
      throw this.#uncertain(
        'the create reply could not be read, so a task may have been created',
        idempotencyKey,
        error,
      );
    }
    this.#logger.info?.('kling: task submitted', { gateway: this.gateway, id });
    return makeHandle({
      v: 1,
      gateway: this.gateway,
      id,
      submittedAt: new Date(this.#clock.now()).toISOString(),
      estimate,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
  }

  /** One status read (with read retries). */
  async getTask(idOrHandle: string | SavedHandle, options: GetTaskOptions = {}): Promise<Task> {
    return this.#scrubbing(() => this.#getTask(idOrHandle, options));
  }

  async #getTask(idOrHandle: string | SavedHandle, options: GetTaskOptions): Promise<Task> {
    const id = this.#taskId(idOrHandle);
    const wire = this.#adapter.statusRequest(id, { paths: this.#paths });
    const policy = this.#retryWith(options.maxRetries);
    const response = await this.#withRetries(
      () => this.#send(wire, options.signal, options.timeoutMs),
      (error) => isRetryableRead(error),
      policy,
      options.signal,
    );
    const context: ParseContext =
      this.#statusMap === undefined
        ? { now: this.#clock.now(), taskId: id }
        : { now: this.#clock.now(), taskId: id, statusMap: this.#statusMap };
    const task = this.#adapter.parseTask(parseJson(this.gateway, response.body, this.#apiKey), context);
    if (task.id !== id) {
      // A proxy or cache answering for another task must never end this one's wait.
      throw new KlingResponseError(
        this.gateway,
        `${this.gateway}: the status reply for task ${id} names task ${task.id}`,
      );
    }
    if (task.statusUnknown) {
      this.#logger.warn?.('kling: unknown task status, still waiting', {
        gateway: this.gateway,
        id,
        status: task.vendorStatus === undefined ? undefined : this.#redact(task.vendorStatus),
      });
    }
    return task;
  }

  /**
   * Polls until the task succeeds, within one deadline. A poll whose retries ran out does not end the
   * wait (the task is still rendering, and already paid for); a failed task throws
   * `KlingTaskFailedError`, the deadline `KlingTimeoutError` with the last task seen.
   */
  async wait(idOrHandle: string | SavedHandle, options: WaitOptions = {}): Promise<SucceededTask> {
    return this.#scrubbing(() => this.#wait(idOrHandle, options));
  }

  async #wait(idOrHandle: string | SavedHandle, options: WaitOptions): Promise<SucceededTask> {
    const id = this.#taskId(idOrHandle);
    const startedAt = this.#clock.now();
    const savedAt = typeof idOrHandle === 'string' ? Number.NaN : Date.parse(idOrHandle.submittedAt);
    // A handle without a readable submit time counts from now (never NaN: it would skip every sleep).
    const submittedAt = Number.isFinite(savedAt) && savedAt <= startedAt ? savedAt : startedAt;
    const timeoutMs = options.timeoutMs ?? this.#poll.timeoutMs ?? DEFAULT_POLL.timeoutMs;
    const endsAt = startedAt + timeoutMs;
    // One controller per wait (10,000 waits may be pending at once): the deadline's own sleep listens
    // to it, so aborting it when the wait ends also cancels that sleep. `Infinity` sets no deadline.
    const deadline = new AbortController();
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      this.#clock.sleep(timeoutMs, deadline.signal).then(
        () => deadline.abort(DEADLINE),
        () => {},
      );
    }
    // The caller's signal aborts the wait's own controller (one listener per caller signal, however
    // many waits share it); `signal.reason` tells the deadline from the caller.
    const unlink = options.signal === undefined ? undefined : this.#fanout.link(options.signal, deadline);
    const signal = deadline.signal;
    let last: Task | undefined;
    let lastError: unknown;
    let polls = 0;
    try {
      for (;;) {
        const elapsedMs = this.#clock.now() - submittedAt;
        // The first look is immediate unless the task was only just submitted (it can't be done yet);
        // later ones follow the poll policy. The first look always starts before the deadline.
        const justSubmitted =
          typeof idOrHandle !== 'string' && elapsedMs < (this.#poll.intervalMs ?? DEFAULT_POLL.intervalMs);
        let delay =
          polls === 0 && !justSubmitted
            ? 0
            : nextPollDelay({ gateway: this.gateway, elapsedMs, last }, this.#poll);
        if (polls === 0 && delay >= endsAt - this.#clock.now()) delay = 0;
        if (delay > 0) await this.#clock.sleep(delay, signal);
        polls++;
        try {
          last = await this.getTask(id, {
            signal,
            timeoutMs: Math.min(this.#timeoutMs, Math.max(1, endsAt - this.#clock.now())),
          });
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          if (!isRetryableRead(error)) throw error;
          lastError = error;
          if (signal.aborted) throw signal.reason;
          this.#logger.warn?.('kling: status poll failed after retries; still waiting', {
            gateway: this.gateway,
            id,
            error: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        options.onProgress?.(last);
        if (last.status === 'succeeded') return last;
        if (last.status === 'failed' || last.status === 'canceled') {
          throw new KlingTaskFailedError(
            `${this.gateway}: task ${id} ${last.status}: ${last.error.message}`,
            last,
          );
        }
        if (signal.aborted) throw signal.reason;
      }
    } catch (error) {
      if (signal.aborted && (error === DEADLINE || signal.reason === DEADLINE)) {
        const seen = last === undefined ? 'no status seen' : `last status ${last.status}`;
        throw new KlingTimeoutError(
          `${this.gateway}: task ${id} not finished after ${timeoutMs} ms (${seen})`,
          {
            ...(last === undefined ? {} : { lastTask: last }),
            ...(lastError === undefined ? {} : { cause: lastError }),
          },
        );
      }
      throw error;
    } finally {
      unlink?.();
      if (!deadline.signal.aborted) deadline.abort(FINISHED);
    }
  }

  /** Submit, then wait. `onSubmitted` runs in between, so the handle can be saved first. */
  async generate(request: VideoRequest, options: GenerateOptions = {}): Promise<SucceededTask> {
    const handle = await this.submit(request, options);
    await options.onSubmitted?.(handle);
    return this.wait(handle, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.waitTimeoutMs === undefined ? {} : { timeoutMs: options.waitTimeoutMs }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  }

  /** Re-attaches to a saved handle (from `JSON.stringify(handle)`) without submitting anything. */
  resume(saved: string | SavedHandle): TaskHandle {
    const handle = parseSavedHandle(saved);
    if (handle.gateway !== this.gateway) {
      throw new KlingValidationError([
        {
          path: ['gateway'],
          message: `the handle is for ${handle.gateway}, but this client talks to ${this.gateway}`,
        },
      ]);
    }
    return makeHandle(handle);
  }

  /** What a local image must be for this gateway (type, size, pixels): `CAPABILITIES[gateway].images`. */
  #imageTarget(): ImageTarget {
    return { gateway: this.gateway, rules: CAPABILITIES[this.gateway].images };
  }

  /** Streams the task's video to a temporary file and renames it to `path` once complete. */
  download(task: SucceededTask, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return this.#scrubbing(() =>
      downloadVideo(this.#transport, task, path, {
        timeoutMs: this.#timeoutMs,
        ...options,
        // The simulator's videos are on loopback too; elsewhere private hosts need allowPrivateHosts.
        loopbackClient: isLoopbackOrigin(this.baseUrl),
      }),
    );
  }

  /**
   * Uploads a local image (a path, relative to the working directory, or the bytes) through the
   * gateway's upload API and returns its URL: apiframe `POST /v2/uploads`, EvoLink's file API
   * (`uploadBaseUrl`), Modellix `POST /api/v1/media/files`. Not a paid write: retried like a status
   * read. `submit` uploads a request's local images by itself.
   */
  upload(file: string | Uint8Array, options: UploadOptions = {}): Promise<UploadResult> {
    return this.#scrubbing(async () => {
      this.#checkUploads('upload');
      const prepared = await prepareFile(file, ['file'], this.#imageTarget(), options);
      return this.#uploadPrepared(prepared, options);
    });
  }

  /**
   * The account balance, in the gateway's unit: apiframe `GET /v2/me` (team credits), EvoLink
   * `GET /v1/credits` (the account's remaining credits), Modellix `GET /api/v1/team/balance` (USD).
   * API in One documents no balance API: `KlingUnsupportedError`. Retried like a status read.
   */
  getBalance(options: { signal?: AbortSignal } = {}): Promise<Balance> {
    return this.#scrubbing(async () => {
      const adapter = this.#adapter;
      if (adapter.balanceRequest === undefined || adapter.parseBalance === undefined) {
        throw new KlingUnsupportedError(
          this.gateway,
          'getBalance',
          `${GATEWAYS[this.gateway].vendor} documents no balance API`,
        );
      }
      const wire = adapter.balanceRequest();
      const response = await this.#withRetries(
        () => this.#send(wire, options.signal, undefined),
        (error) => isRetryableRead(error),
        this.#retry,
        options.signal,
      );
      const raw = parseJson(this.gateway, response.body, this.#apiKey);
      const { amount, unit } = adapter.parseBalance(raw);
      return { gateway: this.gateway, amount, unit, raw };
    });
  }

  /**
   * Reads a callback with this client's gateway and key (`parseWebhook`: an apiframe signature must
   * match), then reads the task from the API and returns that. Trust the returned task, not the
   * callback: EvoLink and API in One do not sign theirs. With `expected`, a callback for another task
   * is a `KlingWebhookError` (nothing read), a reply for another task a `KlingResponseError`.
   */
  confirmWebhook(input: ConfirmWebhookInput): Promise<Task> {
    return this.#scrubbing(async () => {
      const { task } = readWebhook(
        {
          gateway: this.gateway,
          rawBody: input.rawBody,
          headers: input.headers,
          apiKey: this.#apiKey,
          ...(this.#statusMap === undefined ? {} : { statusMap: this.#statusMap }),
          ...(input.expected === undefined ? {} : { expected: input.expected }),
        },
        this.#clock.now(),
      );
      const fresh = await this.getTask(task.id, input.signal === undefined ? {} : { signal: input.signal });
      return confirmedTask(this.gateway, task.id, fresh);
    });
  }

  /** Closes the connection pool this client opened. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  [inspect.custom](): string {
    return `KlingClient { gateway: '${this.gateway}', baseUrl: '${this.baseUrl}' }`;
  }

  toJSON(): { gateway: GatewayId; baseUrl: string } {
    return { gateway: this.gateway, baseUrl: this.baseUrl };
  }

  #taskId(idOrHandle: string | SavedHandle): string {
    if (typeof idOrHandle === 'string') return checkTaskId(idOrHandle, ['id']);
    if (typeof idOrHandle === 'object' && idOrHandle !== null) {
      if (idOrHandle.gateway !== this.gateway) {
        throw new KlingValidationError([
          { path: ['gateway'], message: `the handle is for ${idOrHandle.gateway}, not ${this.gateway}` },
        ]);
      }
      return checkTaskId(idOrHandle.id, ['handle', 'id']);
    }
    throw new KlingValidationError([{ path: ['id'], message: 'must be a task id or a handle' }]);
  }

  /** The create path to try first: the one that last answered. */
  #createPath(offset = 0): string {
    const paths = this.#createPaths;
    return paths[(this.#createPathIndex + offset) % paths.length] ?? this.#paths.create;
  }

  /**
   * #sendSubmit on the remembered create path; where the adapter documents other create paths and a
   * submit ends in a 404 that created nothing (the path does not exist), the next path is tried, each
   * once. A path that answered anything but 404 is remembered for the client's lifetime. Any other
   * outcome (a may-exist error included) ends the submit as #sendSubmit judged it.
   */
  async #sendSubmitOnCreatePaths(
    wire: WireRequest,
    dedupes: boolean,
    idempotencyKey: string | undefined,
    options: SubmitOptions,
  ): Promise<HttpResponse> {
    if (this.#createPaths.length === 1 || wire.path !== this.#paths.create) {
      return this.#sendSubmit(wire, dedupes, idempotencyKey, options);
    }
    for (let offset = 0; ; offset++) {
      const path = this.#createPath(offset);
      const last = offset === this.#createPaths.length - 1;
      try {
        const response = await this.#sendSubmit({ ...wire, path }, dedupes, idempotencyKey, options);
        this.#rememberCreatePath(path);
        return response;
      } catch (error) {
        const missing = KlingApiError.is(error) && error.status === 404 && error.taskState === 'not-created';
        if (!missing && KlingApiError.is(error)) this.#rememberCreatePath(path);
        if (!missing || last) throw error;
        this.#logger.debug?.('kling: the create path answered 404; trying the next documented one', {
          gateway: this.gateway,
          path,
          next: this.#createPath(offset + 1),
        });
      }
    }
  }

  #rememberCreatePath(path: string): void {
    const index = this.#createPaths.indexOf(path);
    if (index !== -1) this.#createPathIndex = index;
  }

  async #sendSubmit(
    wire: WireRequest,
    dedupes: boolean,
    idempotencyKey: string | undefined,
    options: SubmitOptions,
  ): Promise<HttpResponse> {
    const policy = this.#retryWith(options.maxRetries);
    // Every attempt's error: the outcome is judged from all of them, not the last (a 429 on a retry
    // says nothing about whether the first attempt created a task).
    const attemptErrors: unknown[] = [];
    try {
      return await this.#withRetries(
        async () => {
          try {
            return await this.#send(wire, options.signal, options.timeoutMs);
          } catch (error) {
            attemptErrors.push(error);
            throw error;
          }
        },
        (error) => isRetryableSubmit(error, dedupes),
        policy,
        options.signal,
      );
    } catch (error) {
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      if (submitOutcome(attemptErrors, dedupes) === 'may-exist') {
        const first = attemptErrors.find((e) => attemptTaskState(e, dedupes) === 'may-exist');
        throw this.#uncertain(describeFailure(first, error), idempotencyKey, error);
      }
      markTaskState(error, 'not-created');
      throw error;
    }
  }

  #uncertain(reason: string, idempotencyKey: string | undefined, cause: unknown): KlingSubmitUncertainError {
    const advice =
      idempotencyKey === undefined
        ? "It was not re-sent: check the gateway's task list before submitting again."
        : `Re-send with idempotencyKey '${idempotencyKey}' to recover it without creating a second task.`;
    return new KlingSubmitUncertainError(
      this.gateway,
      `${this.gateway}: ${this.#redact(reason)}. ${advice}`,
      {
        cause,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
    );
  }

  async #withRetries(
    attempt: () => Promise<HttpResponse>,
    retryable: (error: unknown) => boolean,
    policy: RetryPolicy,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    // The first attempt runs outside p-retry, whose setup alone costs ~25 µs a call on Node 20 (a
    // sixth of a status read on loopback; bench/overhead.ts). Only after a failure does p-retry take
    // over, and it sees that failure as its own first attempt (thrown again, not re-sent).
    let first: unknown;
    try {
      signal?.throwIfAborted();
      return await attempt();
    } catch (error) {
      first = error;
    }
    try {
      return await pRetry((n) => (n === 1 ? Promise.reject(first) : attempt()), {
        retries: policy.maxRetries,
        minTimeout: 0,
        maxTimeout: 0,
        ...(signal === undefined ? {} : { signal }),
        // p-retry counts attempts; the wait (Retry-After or jittered backoff) runs on our clock.
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!retryable(error)) return false;
          const delay = retryDelay(error, retriesConsumed + 1, policy);
          this.#logger.debug?.('kling: retrying', {
            gateway: this.gateway,
            delay,
            error: this.#redact(String(error)),
          });
          await this.#clock.sleep(delay, signal);
          return true;
        },
      });
    } catch (error) {
      // p-retry wraps a non-Error abort reason; callers get the signal's own reason back.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }

  /** The client's retry policy, with a per-call `maxRetries` if one was given (no copy otherwise). */
  #retryWith(maxRetries: number | undefined): RetryPolicy {
    return maxRetries === undefined || maxRetries === this.#retry.maxRetries
      ? this.#retry
      : { ...this.#retry, maxRetries };
  }

  #checkUploads(field: string): void {
    if (this.#adapter.uploadRequest === undefined || this.#adapter.parseUpload === undefined) {
      throw new KlingUnsupportedError(
        this.gateway,
        field,
        `${GATEWAYS[this.gateway].vendor} has no upload API: pass images as http(s) URLs`,
      );
    }
  }

  /**
   * Uploads the request's local images (every file read first, so a missing one fails before any
   * upload) and returns the request with their URLs. Any failure here leaves no task behind.
   */
  async #uploadLocalMedia(
    request: ResolvedVideoRequest,
    options: SubmitOptions,
  ): Promise<ResolvedVideoRequest> {
    const media = findLocalMedia(request);
    const first = media[0];
    if (first === undefined) return request;
    try {
      this.#checkUploads(first.field);
      const files = await prepareAll(media, this.#imageTarget());
      // One at a time, in request order: a few images, and a failure stops the rest.
      const uploaded: UploadResult[] = [];
      for (const file of files) {
        uploaded.push(
          await this.#uploadPrepared(file, {
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          }),
        );
      }
      this.#logger.debug?.('kling: uploaded local images', { gateway: this.gateway, count: uploaded.length });
      return withUploadedUrls(
        request,
        media,
        uploaded.map((u) => u.url),
      );
    } catch (error) {
      if (!(options.signal?.aborted && error === options.signal.reason)) markTaskState(error, 'not-created');
      throw error;
    }
  }

  async #uploadPrepared(
    file: PreparedFile,
    options: Pick<UploadOptions, 'signal' | 'timeoutMs' | 'maxRetries'>,
  ): Promise<UploadResult> {
    const adapter = this.#adapter;
    if (adapter.uploadRequest === undefined || adapter.parseUpload === undefined) {
      throw new KlingUnsupportedError(this.gateway, 'upload', `${this.gateway} has no upload API`);
    }
    const wire = adapter.uploadRequest(file);
    const policy = this.#retryWith(options.maxRetries);
    const response = await this.#withRetries(
      () => this.#sendUpload(wire, options.signal, options.timeoutMs),
      (error) => isRetryableRead(error),
      policy,
      options.signal,
    );
    const raw = parseJson(this.gateway, response.body, this.#apiKey);
    const reply = adapter.parseUpload(raw);
    return {
      url: reply.url,
      ...(reply.expiresAt === undefined ? {} : { expiresAt: reply.expiresAt }),
      ...(reply.id === undefined ? {} : { id: reply.id }),
      raw,
    };
  }

  /** A JSON exchange with the API origin. */
  #send(
    wire: WireRequest,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<HttpResponse> {
    const body = wire.body === undefined ? undefined : JSON.stringify(wire.body);
    return this.#exchange(this.baseUrl, wire, body, signal, timeoutMs);
  }

  /** A multipart exchange with the upload origin (`uploadBaseUrl`), never any other. */
  #sendUpload(
    wire: UploadWireRequest,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<HttpResponse> {
    return this.#exchange(this.#uploadBaseUrl, wire, wire.body, signal, timeoutMs);
  }

  /** One HTTP exchange; a non-2xx reply becomes the `KlingApiError` subclass for its status. */
  #exchange(
    origin: string,
    wire: Pick<WireRequest, 'method' | 'path' | 'headers'>,
    body: string | FormData | undefined,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<HttpResponse> {
    const limit = timeoutMs ?? this.#timeoutMs;
    const queuedAt = this.#limiter.full ? performance.now() : undefined;
    return this.#limiter.run(
      async () => {
        // Time spent waiting for a slot counts against the request's deadline.
        const left = queuedAt === undefined ? limit : Math.max(1, limit - (performance.now() - queuedAt));
        const response = await this.#transport.send({
          gateway: this.gateway,
          method: wire.method,
          url: `${origin}${wire.path}`,
          // Status reads (no headers of their own) share one object; auth headers always win.
          headers: isEmpty(wire.headers)
            ? this.#headers
            : { ...this.#headers, ...wire.headers, ...this.#authHeaders },
          ...(body === undefined ? {} : { body }),
          signal,
          timeoutMs: left,
          maxBodyBytes: this.#maxResponseBytes,
        });
        if (response.status >= 200 && response.status < 300) return response;
        throw this.#apiError(response);
      },
      signal,
      limit,
    );
  }

  #apiError(response: HttpResponse): KlingApiError {
    // Read like every reply: nesting bounded (a `details` nested a million levels deep is no
    // RangeError) and the key redacted from the parsed body before the adapter reads it.
    const reading = response.body.trim() === '' ? undefined : readJson(response.body, this.#apiKey);
    // A non-JSON reply (a proxy's HTML page) is described by a short, tag-free excerpt of itself,
    // the key redacted before the tags are stripped and before the cut.
    const details =
      reading === undefined || reading.ok
        ? this.#adapter.parseError(response.status, reading?.value ?? null)
        : reading.problem === 'too-deep'
          ? { message: `unreadable error reply (${reading.message})` }
          : {
              message: `non-JSON reply: ${excerptOf(this.#redact(response.body).replace(/<[^>]*>/g, ' '), this.#apiKey)}`,
            };
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const retryAfterMs = parseRetryAfter(
      response.headers.get('retry-after'),
      this.#clock.now(),
      this.#retry.maxRetryAfterMs,
    );
    return KlingApiError.from(
      this.#redact(`${this.gateway}: HTTP ${response.status}: ${details.message}${redirect}`),
      {
        gateway: this.gateway,
        status: response.status,
        ...(details.code === undefined ? {} : { code: details.code }),
        ...(details.type === undefined ? {} : { type: details.type }),
        ...(requestId === undefined ? {} : { requestId }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    );
  }

  /**
   * Runs `work`, removing the API key from any error it throws: message, stack, excerpt (and a piece of
   * the key at its cut edge), every structured field (`task`, `lastTask` with their `raw`,
   * `requestId`...), and the same for its causes. A gateway that echoes the key must not leak it into
   * logs, `JSON.stringify(error)` or `util.inspect(error)`. (Values returned are redacted where the
   * reply is parsed: `parseJson` with the key.)
   */
  async #scrubbing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      redactError(error, this.#apiKey);
      throw error;
    }
  }

  #redact(text: string): string {
    return redactText(text, this.#apiKey);
  }
}

/**
 * A task id as a caller gave it: never empty, `.` or `..` (they would walk the status path), no control
 * characters, and not a saved handle's JSON (that is what `resume` reads).
 */
function checkTaskId(id: unknown, path: string[]): string {
  let problem: string | undefined;
  if (typeof id !== 'string' || id === '') problem = 'must be a non-empty task id';
  else if (id === '.' || id === '..') problem = `'${id}' is not a task id`;
  else if (id.length > 1024) problem = 'is longer than any gateway task id (1,024 characters)';
  else if (hasControlCharacter(id)) problem = 'holds a control character';
  else if (id.trimStart().startsWith('{')) {
    problem =
      'looks like a saved handle (JSON): pass it to client.resume(saved) and wait on the handle it returns';
  }
  if (problem !== undefined) throw new KlingValidationError([{ path, message: problem }]);
  return id as string;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function describeFailure(uncertain: unknown, last: unknown): string {
  const text = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const later = last === uncertain ? '' : `; a later attempt ended with: ${text(last)}`;
  return `the submit failed after the request may have reached the gateway (${text(uncertain)}${later})`;
}

/**
 * A gateway reply's JSON (src/http/json.ts): nesting bounded, so a hostile body is a
 * `KlingResponseError` (a retryable read, never a `RangeError` that ends a paid wait), and, given the
 * key, with the key redacted from every string in it (checked with one `includes` on the text).
 */
function parseJson(gateway: GatewayId, text: string, apiKey?: string): unknown {
  return parseJsonReply(gateway, text, apiKey);
}

/** A short excerpt for an error: the key redacted before the cut, and a piece of it at the cut edge. */
function excerptOf(text: string, apiKey?: string): string {
  return excerptText(text, apiKey);
}

/** Records, on an error a submit throws, whether the task may exist. */
function markTaskState(error: unknown, taskState: TaskState): void {
  if (KlingError.is(error)) Object.defineProperty(error, 'taskState', { value: taskState, enumerable: true });
}
