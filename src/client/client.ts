import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { CAPABILITIES, GATEWAYS, type GatewayId, type VideoRequest } from '../catalog/index.js';
import {
  KlingApiError,
  KlingResponseError,
  KlingSubmitUncertainError,
  KlingUnsupportedError,
  KlingValidationError,
} from '../errors.js';
import {
  adapterFor,
  type CancelReply,
  type GatewayAdapter,
  type GatewayPaths,
  type ParseContext,
  type SucceededTask,
  type Task,
  type TaskLocation,
  type TaskStatus,
  type WireRequest,
} from '../gateways/index.js';
import { klingJwtAuth } from '../gateways/kling/jwt.js';
import { type Clock, systemClock } from '../http/clock.js';
import { Exchange, errorReplyBody } from '../http/exchange.js';
import type { Lane } from '../http/limiter.js';
import { redactError } from '../http/redact.js';
import { DEFAULT_RETRY_POLICY } from '../http/retry.js';
import { createTransport, type Transport } from '../http/transport.js';
import { type CostEstimate, estimateChecked, type PricingOptions } from '../pricing/estimate.js';
import { type ResolvedVideoRequest, validateForGateway } from '../request/index.js';
import { checkBudget } from './budget.js';
import { CreatePaths } from './create-paths.js';
import { type DownloadOptions, type DownloadResult, downloadVideo, isLoopbackOrigin } from './download.js';
import { makeHandle, parseSavedHandle, type SavedHandle, type TaskHandle, taskIdOf } from './handle.js';
import type { UploadOptions, UploadResult } from './local-images.js';
import {
  NO_OPTIONS,
  splitGenerateOptions,
  validateClientOptions,
  validateGetTaskOptions,
  validateSubmitOptions,
  validateWaitOptions,
} from './options.js';
import {
  type CancelOptions,
  type CancelResult,
  cancelUnsupported,
  checkRecoverTarget,
  type RecoverOptions,
  type RecoverResult,
  type RecoverTarget,
  rememberSubmit,
  validateRecoverOptions,
} from './recover.js';
import { batchStatusReader, type ClientStats, PollScheduler } from './scheduler.js';
import type {
  Balance,
  ConfirmWebhookInput,
  GenerateOptions,
  GetTaskOptions,
  KlingClientOptions,
  Logger,
  SubmitOptions,
  WaitOptions,
} from './types.js';
import { Uploads } from './uploads.js';
import { confirmedTask, type ParseWebhookInput, readWebhook } from './webhooks.js';

const USER_AGENT = 'kling-sdk/0.1.0';

/**
 * The router's entries into a client, for a request it has already parsed and checked for the client's
 * gateway (so a routed submit parses once). Registered symbols: a client from another copy of the
 * package (ESM and CommonJS) answers them too. Not public API.
 */
export const ESTIMATE_RESOLVED: unique symbol = Symbol.for('kling-sdk.client.estimateResolved');
export const SUBMIT_RESOLVED: unique symbol = Symbol.for('kling-sdk.client.submitResolved');
/** The wire standard a client checks requests against, where its gateway has two (the router's check). */
export const CAPABILITY_STANDARD: unique symbol = Symbol.for('kling-sdk.client.capabilityStandard');

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
  readonly #createPaths: CreatePaths;
  readonly #transport: Transport;
  readonly #http: Exchange;
  readonly #uploads: Uploads;
  readonly #waits: PollScheduler;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #statusMap: Record<string, TaskStatus> | undefined;
  readonly #webhookSecrets: Pick<ParseWebhookInput, 'webhookSecret' | 'webhookKeys'>;
  /** Checked once, with every other option, at construction. */
  readonly #pricing: PricingOptions;
  /** The wire standard requests are checked against where the gateway has two (Kling's `legacy`). */
  readonly [CAPABILITY_STANDARD]: string | undefined;

  /**
   * Checks every option at once, before anything is sent: an invalid or unknown one (or a missing API
   * key) throws one `KlingValidationError` listing each problem with its path. Only `gateway` is
   * required; the API key defaults to the gateway's environment variable (e.g. `EVOLINK_API_KEY`).
   */
  constructor(clientOptions: KlingClientOptions) {
    // Every option checked at once (one KlingValidationError listing each problem), defaults filled in.
    const options = validateClientOptions(clientOptions);
    const gateway = options.gateway;
    this.gateway = gateway;
    this.#apiKey = options.apiKey;
    this.baseUrl = options.baseUrl;
    // The gateway's adapter (for kling, the wire standard the options chose).
    const adapter = adapterFor(gateway, options.klingApi);
    this.#adapter = adapter;
    this[CAPABILITY_STANDARD] = options.klingApi === 'legacy' ? 'legacy' : undefined;
    this.#paths = { ...adapter.paths, ...options.endpoints };
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#statusMap = options.statusMap;
    this.#webhookSecrets = {
      ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
      ...(options.webhookKeys === undefined ? {} : { webhookKeys: options.webhookKeys }),
    };
    this.#pricing = options.pricing;
    this.#createPaths = new CreatePaths(
      this.#paths.create,
      options.endpoints?.create === undefined ? (adapter.createPathFallbacks ?? []) : [],
      gateway,
      this.#logger,
    );
    this.#transport = createTransport({
      connections: options.maxConcurrency,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    // Access and secret keys (kling's legacy standard) sign a token, renewed before it expires, per
    // request; an API key is one fixed header.
    const keys = options.klingKeys;
    const authHeaders = keys === undefined ? adapter.authHeaders(options.apiKey) : {};
    this.#http = new Exchange({
      gateway,
      apiKey: options.apiKey,
      baseUrl: this.baseUrl,
      uploadBaseUrl:
        options.uploadBaseUrl !== undefined
          ? options.uploadBaseUrl
          : this.baseUrl === new URL(GATEWAYS[gateway].baseUrl).origin
            ? (adapter.uploadBaseUrl ?? this.baseUrl)
            : this.baseUrl,
      authHeaders,
      authSource: keys === undefined ? undefined : klingJwtAuth(keys, () => this.#clock.now()),
      headers: { accept: 'application/json', 'user-agent': USER_AGENT, ...authHeaders },
      parseError: (status, body) => adapter.parseError(status, body),
      dedupes: CAPABILITIES[gateway].idempotencyKey,
      transport: this.#transport,
      maxConcurrency: options.maxConcurrency,
      clock: this.#clock,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries: options.maxRetries },
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      logger: this.#logger,
    });
    this.#uploads = new Uploads(gateway, adapter, this.#http, this.#logger);
    // One scheduler owns every wait; its reads take the poll lane, never the slots kept for control calls.
    const { slots } = this.#http.stats();
    this.#waits = new PollScheduler({
      gateway,
      clock: this.#clock,
      poll: options.poll,
      requestTimeoutMs: options.timeoutMs,
      logger: this.#logger,
      slots: slots.total - slots.reservedForControl,
      getTask: (ref, getOptions) => this.#getTask(ref, getOptions, 'poll'),
      batch: batchStatusReader(adapter, this.#paths, this.#http, this.#clock, this.#statusMap, this.#logger),
      scrub: (error) => redactError(error, options.apiKey),
    });
  }

  /** The cost of `request` at this client's gateway: pure, no request sent. */
  estimate(request: VideoRequest): CostEstimate {
    return this[ESTIMATE_RESOLVED](validateForGateway(this.gateway, request, this[CAPABILITY_STANDARD]));
  }

  /** `estimate` for a request already validated and checked for this gateway (the router's). */
  [ESTIMATE_RESOLVED](request: ResolvedVideoRequest): CostEstimate {
    return estimateChecked(this.gateway, request, this.#pricing);
  }

  /**
   * Sends the paid create request once (retrying only where that cannot create a second task) and
   * returns a handle to save. Every error it throws carries `taskState`.
   */
  async submit(request: VideoRequest, options: SubmitOptions = NO_OPTIONS): Promise<TaskHandle> {
    return this.#http.scrubbing(() =>
      this.#submit(
        validateForGateway(this.gateway, request, this[CAPABILITY_STANDARD]),
        validateSubmitOptions(options),
      ),
    );
  }

  /** `submit` for a request already validated and checked for this gateway (the router's). */
  [SUBMIT_RESOLVED](request: ResolvedVideoRequest, options: SubmitOptions = {}): Promise<TaskHandle> {
    return this.#http.scrubbing(() => this.#submit(request, options));
  }

  async #submit(resolved: ResolvedVideoRequest, options: SubmitOptions): Promise<TaskHandle> {
    const dedupes = CAPABILITIES[this.gateway].idempotencyKey;
    if (options.idempotencyKey !== undefined && !dedupes) {
      throw new KlingUnsupportedError(
        this.gateway,
        'idempotencyKey',
        `${this.gateway} does not dedupe creates by key, so an idempotencyKey would promise a safety it can't give`,
      );
    }
    const estimate = this[ESTIMATE_RESOLVED](resolved);
    if (options.maxCost !== undefined) checkBudget(estimate, options.maxCost);
    const idempotencyKey = dedupes ? (options.idempotencyKey ?? randomUUID()) : undefined;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
      throw new KlingValidationError([{ path: ['idempotencyKey'], message: 'must be 1–255 characters' }]);
    }
    // Local images are uploaded now: after validation and the budget check, before anything paid.
    const ready = await this.#uploads.uploadLocalMedia(resolved, options);
    // Where the gateway takes an id of ours, every create carries one: the task can be looked up by it.
    const externalId = this.#adapter.externalIds === true ? randomUUID() : undefined;
    const key = {
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      ...(externalId === undefined ? {} : { externalId }),
    };
    const { route, ...wire } = this.#adapter.toWire(ready, { paths: this.#paths, ...key });
    await options.onBeforeSend?.({
      gateway: this.gateway,
      request: ready,
      estimate,
      ...key,
      ...(route === undefined ? {} : { route }),
    });
    // The exchange judges the outcome: every error out of it carries `taskState`.
    let id: string;
    try {
      ({ id } = await this.#createPaths.send(wire.path, (path) =>
        this.#http.send(
          {
            kind: 'submit',
            ...wire,
            path,
            signal: options.signal,
            timeoutMs: options.timeoutMs,
            maxRetries: options.maxRetries,
            idempotencyKey,
          },
          (reply) => this.#adapter.parseSubmit(reply),
        ),
      ));
    } catch (error) {
      throw externalId === undefined ? error : withExternalId(error, externalId, estimate, route);
    }
    this.#logger.info?.('kling-sdk: task submitted', { gateway: this.gateway, id });
    return makeHandle({
      v: 1,
      gateway: this.gateway,
      id,
      submittedAt: new Date(this.#clock.now()).toISOString(),
      estimate,
      ...key,
      ...(route === undefined ? {} : { route }),
    });
  }

  /** One status read (with read retries). */
  async getTask(idOrHandle: string | SavedHandle, options: GetTaskOptions = NO_OPTIONS): Promise<Task> {
    return this.#http.scrubbing(() => this.#getTask(idOrHandle, validateGetTaskOptions(options)));
  }

  async #getTask(
    idOrHandle: string | SavedHandle,
    options: GetTaskOptions,
    lane: Lane = 'control',
  ): Promise<Task> {
    const id = taskIdOf(idOrHandle, this.gateway);
    const wire = this.#adapter.statusRequest(id, this.#locate(idOrHandle));
    const task = await this.#read(wire, id, options, lane, (reply, context) =>
      this.#adapter.parseTask(reply, context),
    );
    if (task.id !== id) {
      // A proxy or cache answering for another task must never end this one's wait.
      throw new KlingResponseError(
        this.gateway,
        `${this.gateway}: the status reply for task ${id} names task ${task.id}`,
      );
    }
    if (task.statusUnknown) {
      this.#logger.warn?.('kling-sdk: unknown task status, still waiting', {
        gateway: this.gateway,
        id,
        status: task.vendorStatus === undefined ? undefined : this.#http.redact(task.vendorStatus),
      });
    }
    return this.#adapter.needsResult?.(task) === true
      ? this.#readResult(id, task, options, lane, this.#locate(idOrHandle))
      : task;
  }

  /** Where a task lives: the client's paths, and the route its handle kept (Kling's legacy standard). */
  #locate(idOrHandle: string | SavedHandle): TaskLocation {
    const route = typeof idOrHandle === 'string' ? undefined : idOrHandle.route;
    return route === undefined ? { paths: this.#paths } : { paths: this.#paths, route };
  }

  /** One status-kind read of task `id`, its reply parsed with the client's status words and clock. */
  #read(
    wire: WireRequest,
    id: string,
    options: GetTaskOptions,
    lane: Lane,
    parse: (reply: unknown, context: ParseContext) => Task,
  ): Promise<Task> {
    return this.#http.send(
      {
        kind: 'read',
        lane,
        ...wire,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
      },
      (reply) => parse(reply, this.#parseContext(id)),
    );
  }

  /** How replies about task `taskId` are read: now, the id asked for, the caller's status words. */
  #parseContext(taskId: string): ParseContext {
    const now = this.#clock.now();
    return this.#statusMap === undefined ? { now, taskId } : { now, taskId, statusMap: this.#statusMap };
  }

  /**
   * The second read of a task whose status says finished but carries no result (fal): the result, or,
   * for an error reply that the adapter reads as the task's failure, the failed task.
   */
  async #readResult(
    id: string,
    statusTask: Task,
    options: GetTaskOptions,
    lane: Lane,
    location: TaskLocation,
  ): Promise<Task> {
    const adapter = this.#adapter;
    const { resultRequest, parseResult } = adapter;
    if (resultRequest === undefined || parseResult === undefined) {
      throw new KlingResponseError(this.gateway, `${this.gateway}: the task finished but has no result read`);
    }
    const wire = resultRequest.call(adapter, id, location);
    try {
      return await this.#read(wire, id, options, lane, (reply, context) =>
        parseResult.call(adapter, reply, statusTask, context),
      );
    } catch (error) {
      const failed = KlingApiError.is(error) ? adapter.resultFailure?.(error, statusTask) : undefined;
      if (failed === undefined) throw error;
      return failed;
    }
  }

  /**
   * Polls until the task succeeds, within one deadline. A poll whose retries ran out does not end the
   * wait (the task is still rendering, and already paid for); a failed task throws
   * `KlingTaskFailedError`, the deadline `KlingTimeoutError` with the last task seen.
   */
  wait(idOrHandle: string | SavedHandle, options: WaitOptions = NO_OPTIONS): Promise<SucceededTask> {
    try {
      const id = taskIdOf(idOrHandle, this.gateway);
      // No wrapper promise per pending wait: the scheduler scrubs the key from any error it rejects with.
      return this.#waits.wait(id, idOrHandle, validateWaitOptions(options));
    } catch (error) {
      return this.#http.scrubbing(() => Promise.reject(error));
    }
  }

  /** Submit, then wait. `onSubmitted` runs in between, so the handle can be saved first. */
  async generate(request: VideoRequest, options: GenerateOptions = NO_OPTIONS): Promise<SucceededTask> {
    // Checked as a whole first (every problem listed), then split: the submit never sees wait options.
    const { submit, wait, onSubmitted } = splitGenerateOptions(options);
    const handle = await this.submit(request, submit);
    await onSubmitted?.(handle);
    return this.wait(handle, wait);
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

  /**
   * After a submit whose outcome is unknown, finds out whether its create made a task, by the external
   * id the create carried (the official Kling API's `external_task_id`, which this SDK sets on every
   * create). Give it the `SubmitRecord` `onBeforeSend` received (saved before the paid request left: it
   * survives a crash), the `KlingSubmitUncertainError` the submit threw, or a saved handle.
   *
   * - Found: `{ found: true, handle, task }`. The handle is like `submit`'s (save it, `wait` on it):
   *   `submittedAt` is now (the time of the recovery), `estimate` the record's (or its request's).
   * - Provably not found: `{ found: false, safeToResend: true }`. The gateway's reply shows no task with
   *   that id, so submitting the request again cannot pay twice. Recover once the submit has ended: a
   *   create the gateway received but had not yet acted on could still appear (Kling acts on a create
   *   in seconds). Whether Kling refuses a second create with the same external id is not documented,
   *   which is why the SDK looks up before anything is resent.
   * - Anything else (an error reply, a reply that can't be read, a timeout) throws: it proves nothing,
   *   and is never read as not found. Try again later; never resend on it.
   *
   * The lookup is a status read (control lane, read retries). Invalid input is a `KlingValidationError`
   * listing every problem (a record of another gateway included); a gateway without lookups is a
   * `KlingUnsupportedError` saying what to do instead (apiframe: re-send with the record's idempotency
   * key within 24 h; the others: look for the task in the vendor's dashboard, never resend blind).
   *
   * ```ts
   * try {
   *   handle = await client.submit(request, { onBeforeSend: (record) => save(record) });
   * } catch (error) {
   *   if (!KlingSubmitUncertainError.is(error)) throw error;
   *   const result = await client.recover(error);
   *   handle = result.found ? result.handle : await client.submit(request);
   * }
   * ```
   */
  recover(target: RecoverTarget, options: RecoverOptions = NO_OPTIONS): Promise<RecoverResult> {
    return this.#http.scrubbing(async () => {
      validateRecoverOptions(options);
      const adapter = this.#adapter;
      const { externalId, estimate, route, lookupRequest, parseLookup } = checkRecoverTarget(
        target,
        this.gateway,
        adapter,
        (request) => this.estimate(request),
      );
      // Where the create said the task lives (Kling's legacy standard), the lookup goes there.
      const location = route === undefined ? { paths: this.#paths } : { paths: this.#paths, route };
      const { route: found, ...wire } = lookupRequest.call(adapter, externalId, location);
      const task = await this.#http.send(
        {
          kind: 'read',
          lane: 'control',
          ...wire,
          signal: options.signal,
          timeoutMs: options.timeoutMs,
          maxRetries: options.maxRetries,
        },
        // The id asked for is ours: the adapter picks the task that carries it.
        (reply) => parseLookup.call(adapter, reply, this.#parseContext(externalId)),
      );
      if (task === null) {
        this.#logger.info?.('kling-sdk: no task carries the external id', {
          gateway: this.gateway,
          externalId,
        });
        return { found: false, safeToResend: true, gateway: this.gateway, externalId };
      }
      this.#logger.info?.('kling-sdk: task recovered', { gateway: this.gateway, id: task.id, externalId });
      const handle = makeHandle({
        v: 1,
        gateway: this.gateway,
        id: task.id,
        submittedAt: new Date(this.#clock.now()).toISOString(),
        estimate,
        externalId,
        ...((found ?? route) === undefined ? {} : { route: found ?? route }),
      });
      return { found: true, handle, task };
    });
  }

  /**
   * Asks the gateway to cancel a task, where it documents a cancel (fal: `PUT` the request's
   * `cancel_url`). `outcome: 'canceled'`: the gateway took it (a queued task is removed; one already
   * rendering may still finish and be billed, as the model decides: read the task to see how it ended);
   * `'too-late'`: the task had already finished. A wait on a canceled task ends with
   * `KlingTaskFailedError` (`task.status === 'canceled'`). A cancel is idempotent, so it is retried like
   * a status read. A gateway without a documented cancel is a `KlingUnsupportedError`; an error reply
   * other than the vendor's "already finished" throws its `KlingApiError`.
   */
  cancel(idOrHandle: string | SavedHandle, options: CancelOptions = NO_OPTIONS): Promise<CancelResult> {
    return this.#http.scrubbing(async () => {
      validateRecoverOptions(options);
      const id = taskIdOf(idOrHandle, this.gateway);
      const adapter = this.#adapter;
      const { cancelRequest, parseCancel } = adapter;
      if (cancelRequest === undefined || parseCancel === undefined) throw cancelUnsupported(this.gateway);
      const { route: _route, ...wire } = cancelRequest.call(adapter, id, this.#locate(idOrHandle));
      let reply: CancelReply;
      try {
        reply = await this.#http.send(
          {
            kind: 'read',
            lane: 'control',
            ...wire,
            signal: options.signal,
            timeoutMs: options.timeoutMs,
            maxRetries: options.maxRetries,
          },
          (body, status) => parseCancel.call(adapter, status, body),
        );
      } catch (error) {
        reply = cancelAnswer(error, (status, body) => parseCancel.call(adapter, status, body));
      }
      this.#logger.info?.('kling-sdk: cancel answered', {
        gateway: this.gateway,
        id,
        outcome: reply.outcome,
      });
      return {
        gateway: this.gateway,
        id,
        outcome: reply.outcome,
        ...(reply.message === undefined ? {} : { message: this.#http.redact(reply.message) }),
      };
    });
  }

  /** Streams the task's video to a temporary file and renames it to `path` once complete. */
  download(task: SucceededTask, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return this.#http.scrubbing(() =>
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
    return this.#http.scrubbing(() => this.#uploads.upload(file, options));
  }

  /**
   * The account balance, in the gateway's unit: apiframe `GET /v2/me` (team credits), EvoLink
   * `GET /v1/credits` (the account's remaining credits), Modellix `GET /api/v1/team/balance` (USD).
   * API in One documents no balance API: `KlingUnsupportedError`. Retried like a status read.
   */
  getBalance(options: { signal?: AbortSignal } = {}): Promise<Balance> {
    return this.#http.scrubbing(async () => {
      const adapter = this.#adapter;
      const { balanceRequest, parseBalance } = adapter;
      if (balanceRequest === undefined || parseBalance === undefined) {
        throw new KlingUnsupportedError(
          this.gateway,
          'getBalance',
          `${GATEWAYS[this.gateway].vendor} documents no balance API`,
        );
      }
      const wire = balanceRequest.call(adapter);
      return this.#http.send({ kind: 'read', ...wire, signal: options.signal }, (raw) => {
        const { amount, unit } = parseBalance.call(adapter, raw);
        return { gateway: this.gateway, amount, unit, raw };
      });
    });
  }

  /**
   * Reads a callback with this client's gateway and key (`parseWebhook`: an apiframe signature must
   * match), then reads the task from the API and returns that. Trust the returned task, not the
   * callback: EvoLink and API in One do not sign theirs. With `expected`, a callback for another task
   * is a `KlingWebhookError` (nothing read), a reply for another task a `KlingResponseError`.
   */
  confirmWebhook(input: ConfirmWebhookInput): Promise<Task> {
    return this.#http.scrubbing(async () => {
      const { task } = readWebhook(
        {
          gateway: this.gateway,
          rawBody: input.rawBody,
          headers: input.headers,
          apiKey: this.#apiKey,
          ...(this.#statusMap === undefined ? {} : { statusMap: this.#statusMap }),
          ...this.#webhookSecrets,
          ...(input.expected === undefined ? {} : { expected: input.expected }),
        },
        this.#clock.now(),
      );
      const fresh = await this.getTask(task.id, input.signal === undefined ? {} : { signal: input.signal });
      return confirmedTask(this.gateway, task.id, fresh);
    });
  }

  /**
   * What the client's connection slots hold now: requests in flight, calls queued for a slot by lane
   * (`poll`: the reads of pending waits; `control`: submit, getTask, uploads, balance), and the slots
   * (`maxConcurrency`) with how many of them polls never take; `queued.poll` counts the polls due and
   * not sent yet. `waits`: the poll scheduler's figures (pending waits, polls/s, lag, demand against
   * capacity, the stretch factor, status reads and the requests that carried them).
   */
  stats(): ClientStats {
    return this.#waits.stats(this.#http.stats());
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
}

/**
 * A cancel's error reply that the vendor means as an answer (fal: 400 "already completed"): the
 * adapter's reading of it. Auth, rate-limit, timeout and server errors, replies without a JSON body,
 * and bodies the adapter does not read as an answer throw the error itself.
 */
const NOT_ANSWERS: ReadonlySet<number> = new Set([401, 403, 408, 429]);

function cancelAnswer(error: unknown, parse: (status: number, body: unknown) => CancelReply): CancelReply {
  if (!KlingApiError.is(error)) throw error;
  const { status } = error;
  const body = errorReplyBody(error);
  if (status < 400 || status > 499 || NOT_ANSWERS.has(status) || body === undefined) throw error;
  try {
    return parse(status, body);
  } catch {
    throw error;
  }
}

/**
 * An uncertain submit's error, naming the external id its create carried (what `recover` looks up);
 * `recover(error)` finds the submit's estimate by the error.
 */
function withExternalId(
  error: unknown,
  externalId: string,
  estimate: CostEstimate,
  route: string | undefined,
): unknown {
  if (!KlingSubmitUncertainError.is(error) || error.externalId !== undefined) return error;
  const uncertain = new KlingSubmitUncertainError(
    error.gateway,
    `${error.message} It carried external id '${externalId}': client.recover(error) looks it up before anything is resent.`,
    {
      cause: error.cause,
      externalId,
      ...(error.idempotencyKey === undefined ? {} : { idempotencyKey: error.idempotencyKey }),
    },
  );
  rememberSubmit(uncertain, estimate, route);
  return uncertain;
}
