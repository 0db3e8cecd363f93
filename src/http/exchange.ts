/**
 * The one HTTP exchange of the SDK: a request of a kind (`read`, `submit`, `upload`) goes in, the
 * reply's JSON comes out (the API key redacted from it), or one typed error. Everything between is
 * here: the origin (the upload host for uploads), headers (auth headers always win), encoding (JSON and
 * multipart on one path), the connection slot (`Limiter`), the body cap, status → error through the
 * gateway's `parseError`, Retry-After, request ids, redaction, and the retry loop by kind, whose every
 * decision is the classifier's (`classifyFailure` in retry.ts).
 */
import type { GatewayId } from '../catalog/index.js';
import {
  type ApiErrorClass,
  KlingApiError,
  KlingError,
  KlingSubmitUncertainError,
  type TaskState,
} from '../errors.js';
import type { Clock } from './clock.js';
import { parseJsonReply, readJson } from './json.js';
import { type Lane, Limiter, type LimiterStats } from './limiter.js';
import { excerptText, redactError, redactText } from './redact.js';
import {
  attemptTaskState,
  classifyFailure,
  parseRetryAfter,
  type RequestKind,
  type RetryPolicy,
  retryDelay,
} from './retry.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

type PRetry = typeof import('p-retry').default;
let pRetryModule: Promise<PRetry> | undefined;
/**
 * p-retry loads on the first failure that may be retried, not at import: most calls never need it.
 * Exported for tests whose virtual clock must not jump ahead while the module is still loading.
 * @internal
 */
export function loadPRetry(): Promise<PRetry> {
  pRetryModule ??= import('p-retry').then((module) => module.default);
  return pRetryModule;
}

/** What a gateway's `parseError` makes of an error reply. */
export interface ErrorDetails {
  message: string;
  code?: string;
  type?: string;
  /** The error's class where the gateway's code says it (wins over the HTTP status). */
  errorClass?: ApiErrorClass | undefined;
  /** The least wait before another attempt, used when the reply has no `Retry-After`. */
  retryAfterMs?: number | undefined;
}

/** Where the exchange logs its retries (the client's logger). */
export interface DebugLogger {
  debug?(message: string, meta?: Record<string, unknown>): void;
}

/** One client's exchange: fixed for the client's lifetime. */
export interface ExchangeConfig {
  gateway: GatewayId;
  apiKey: string;
  /** The API's origin. */
  baseUrl: string;
  /** The upload API's origin: uploads go there, never anywhere else. */
  uploadBaseUrl: string;
  /** The gateway's auth headers; they win over any header a request carries. */
  authHeaders: Record<string, string>;
  /**
   * Auth headers that change over the client's life (a JWT signed with the account's secret, regenerated before it expires): called
   * for every attempt, they win over `authHeaders` and any header a request carries.
   */
  authSource?: (() => Record<string, string>) | undefined;
  /** Headers every request carries (accept, user-agent). */
  headers: Record<string, string>;
  /** The gateway's reading of an error reply (JSON, or null when the body was empty). */
  parseError(status: number, body: unknown): ErrorDetails;
  /** The gateway's capability: it dedupes creates by idempotency key. */
  dedupes: boolean;
  transport: Transport;
  /** Requests in flight at once. */
  maxConcurrency: number;
  clock: Clock;
  retry: RetryPolicy;
  /** The per-request deadline when a call gives none. */
  timeoutMs: number;
  maxResponseBytes: number;
  logger: DebugLogger;
}

export interface ExchangeRequest {
  kind: RequestKind;
  /**
   * The slots it may take: `poll` for a wait loop's reads (never the slots kept for control calls),
   * `control` (the default) for everything a caller does directly.
   */
  lane?: Lane | undefined;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Joined to the origin of the kind: the upload origin for `upload`, the API's otherwise. */
  path: string;
  headers: Record<string, string>;
  /** A JSON value (encoded here) or a multipart form. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, where the call sets its own. */
  maxRetries?: number | undefined;
  /** A submit's key (where the gateway dedupes): named in the advice of an uncertain outcome. */
  idempotencyKey?: string | undefined;
}

/** The parsed JSON body of each error reply the exchange turned into a `KlingApiError`. */
const ERROR_BODIES = new WeakMap<KlingApiError, unknown>();

/**
 * The body of the error reply `error` was made from (JSON, the key redacted), or undefined when it had
 * none or was not JSON: for callers that read a vendor's non-2xx answer themselves (a cancel's "already
 * finished").
 */
export function errorReplyBody(error: KlingApiError): unknown {
  return ERROR_BODIES.get(error);
}

function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}

export class Exchange {
  readonly #config: ExchangeConfig;
  readonly #gateway: GatewayId;
  readonly #apiKey: string;
  readonly #limiter: Limiter;

  constructor(config: ExchangeConfig) {
    this.#config = config;
    this.#gateway = config.gateway;
    this.#apiKey = config.apiKey;
    this.#limiter = new Limiter(config.maxConcurrency, config.gateway);
  }

  /**
   * Sends `request` (retrying as its kind allows) and returns its reply's JSON, or `read(json, status)`. A
   * failure is one typed error; a submit's carries `taskState`, and a submit that may have created a
   * task (its reply unreadable included) is a `KlingSubmitUncertainError`. An upload's error says
   * `'not-created'`. An abort throws the signal's own reason, untouched.
   */
  async send<T = unknown>(
    request: ExchangeRequest,
    read?: (reply: unknown, status: number) => T,
  ): Promise<T> {
    const attempts: unknown[] = [];
    let http: HttpRequest;
    try {
      request.signal?.throwIfAborted();
      http = this.#httpRequest(request);
    } catch (error) {
      throw this.#failure(request, attempts, error);
    }
    // The first attempt, in this one async frame when a slot is free (the common case): no frame of
    // the limiter's, of a retry loop's, nor of an attempt's. Only a failure goes on to `#retry`.
    let response: HttpResponse | undefined;
    const lane = request.lane ?? 'control';
    const limiter = this.#limiter;
    if (limiter.tryTake(lane)) {
      try {
        response = await this.#config.transport.send(http);
      } catch (error) {
        attempts.push(error);
      }
      limiter.release(lane);
      if (response !== undefined && (response.status < 200 || response.status >= 300)) {
        attempts.push(this.#apiError(response));
        response = undefined;
      }
    } else {
      try {
        response = await this.#once(request, http);
      } catch (error) {
        attempts.push(error);
      }
    }
    if (response === undefined) {
      try {
        response = await this.#retry(request, http, attempts);
      } catch (error) {
        throw this.#failure(request, attempts, error);
      }
    }
    try {
      const reply = parseJsonReply(this.#gateway, response.body, this.#apiKey);
      return read === undefined ? (reply as T) : read(reply, response.status);
    } catch (error) {
      if (request.kind === 'read') throw error;
      if (request.kind === 'upload') throw settle(error, 'not-created');
      throw this.#uncertain(
        'the create reply could not be read, so a task may have been created',
        request.idempotencyKey,
        error,
      );
    }
  }

  /** Slots in flight and calls queued for one, by lane. */
  stats(): LimiterStats {
    return this.#limiter.stats();
  }

  /** `text` with the API key redacted. */
  redact(text: string): string {
    return redactText(text, this.#apiKey);
  }

  /**
   * Runs `work`, removing the API key from any error it throws: message, stack, excerpt (and a piece of
   * the key at its cut edge), every structured field (`task`, `lastTask` with their `raw`,
   * `requestId`...), and the same for its causes. (Values returned are redacted where the reply is
   * parsed.)
   */
  scrubbing<T>(work: () => Promise<T>): Promise<T> {
    // A rejection handler, not an async frame around `work` (it sits on every call's path).
    try {
      return work().then(undefined, this.#scrub);
    } catch (error) {
      redactError(error, this.#apiKey);
      return Promise.reject(error);
    }
  }

  readonly #scrub = (error: unknown): never => {
    redactError(error, this.#apiKey);
    throw error;
  };

  /** The error a failed exchange throws: the classifier's `taskState` on it, or a submit's uncertainty. */
  #failure(request: ExchangeRequest, attempts: readonly unknown[], error: unknown): unknown {
    const signal = request.signal;
    if (signal?.aborted && error === signal.reason) return error;
    const { taskState } = classifyFailure(request.kind, attempts, this.#config.dedupes);
    if (taskState === 'may-exist') {
      const first = attempts.find((e) => attemptTaskState(e, this.#config.dedupes) === 'may-exist');
      return this.#uncertain(describeFailure(first, error), request.idempotencyKey, error);
    }
    return taskState === undefined ? error : settle(error, taskState);
  }

  #uncertain(reason: string, idempotencyKey: string | undefined, cause: unknown): KlingSubmitUncertainError {
    const advice =
      idempotencyKey === undefined
        ? "It was not re-sent: check the gateway's task list before submitting again."
        : `Re-send with idempotencyKey '${idempotencyKey}' to recover it without creating a second task.`;
    return new KlingSubmitUncertainError(
      this.#gateway,
      `${this.#gateway}: ${this.redact(reason)}. ${advice}`,
      {
        cause,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
    );
  }

  /**
   * The request as the transport takes it, for its first attempt. Status reads (no headers of their
   * own) share one headers object; auth headers always win, an `authSource`'s over all.
   */
  #httpRequest(request: ExchangeRequest): HttpRequest {
    const config = this.#config;
    const url = `${request.kind === 'upload' ? config.uploadBaseUrl : config.baseUrl}${request.path}`;
    const raw = request.body;
    const http: HttpRequest = {
      gateway: this.#gateway,
      method: request.method,
      url,
      headers: this.#headers(request),
      signal: request.signal,
      timeoutMs: request.timeoutMs ?? config.timeoutMs,
      maxBodyBytes: config.maxResponseBytes,
    };
    if (raw !== undefined) http.body = raw instanceof FormData ? raw : JSON.stringify(raw);
    return http;
  }

  #headers(request: ExchangeRequest): Record<string, string> {
    const config = this.#config;
    if (config.authSource !== undefined) {
      return { ...config.headers, ...request.headers, ...config.authHeaders, ...config.authSource() };
    }
    return isEmpty(request.headers)
      ? config.headers
      : { ...config.headers, ...request.headers, ...config.authHeaders };
  }

  /**
   * The attempts after a failed first one (in `attempts`), each failure pushed there. p-retry (its setup
   * alone costs ~25 µs a call) is loaded and started only when the classifier allows another attempt;
   * the wait before the first retry runs while it loads (the first time), so loading adds no delay of
   * its own. p-retry runs the retries with the policy as data; every wait (Retry-After or jittered
   * backoff) is on our clock.
   */
  async #retry(request: ExchangeRequest, http: HttpRequest, attempts: unknown[]): Promise<HttpResponse> {
    const signal = request.signal;
    const config = this.#config;
    const first = attempts[0];
    if (signal?.aborted) throw signal.reason;
    const policy =
      request.maxRetries === undefined || request.maxRetries === config.retry.maxRetries
        ? config.retry
        : { ...config.retry, maxRetries: request.maxRetries };
    if (!(policy.maxRetries > 0) || !classifyFailure(request.kind, attempts, config.dedupes).retry)
      throw first;
    try {
      const [pRetry] = await Promise.all([loadPRetry(), this.#pause(first, 1, policy, signal)]);
      return await pRetry(
        async () => {
          try {
            // An expiring credential is asked again for every attempt.
            const attempt =
              config.authSource === undefined ? http : { ...http, headers: this.#headers(request) };
            return await this.#once(request, attempt);
          } catch (error) {
            attempts.push(error);
            throw error;
          }
        },
        {
          retries: policy.maxRetries - 1,
          minTimeout: 0,
          maxTimeout: 0,
          ...(signal === undefined ? {} : { signal }),
          shouldRetry: async ({ error, retriesConsumed }) => {
            if (!classifyFailure(request.kind, attempts, config.dedupes).retry) return false;
            // The first retry was made before p-retry started: this is retry number consumed + 2.
            await this.#pause(error, retriesConsumed + 2, policy, signal);
            return true;
          },
        },
      );
    } catch (error) {
      // p-retry wraps a non-Error abort reason; callers get the signal's own reason back.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }

  /** The wait before retry `retryNumber` (1-based), logged. */
  #pause(
    error: unknown,
    retryNumber: number,
    policy: RetryPolicy,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const config = this.#config;
    const delay = retryDelay(error, retryNumber, policy);
    config.logger.debug?.('kling-sdk: retrying', {
      gateway: this.#gateway,
      delay,
      error: this.redact(String(error)),
    });
    return config.clock.sleep(delay, signal);
  }

  /**
   * One attempt through the limiter's queue (every slot taken, or a retry); a non-2xx reply becomes the
   * `KlingApiError` for its status. Time spent waiting for a slot counts against the request's deadline.
   */
  #once(request: ExchangeRequest, http: HttpRequest): Promise<HttpResponse> {
    const config = this.#config;
    const limit = http.timeoutMs;
    // Real time, not the injected clock: it is measured against the transport's and the limiter's
    // deadlines, which are real timers on the network.
    const lane = request.lane ?? 'control';
    const queuedAt = this.#limiter.wouldWait(lane) ? performance.now() : undefined;
    return this.#limiter.run(
      async () => {
        const left = queuedAt === undefined ? limit : Math.max(1, limit - (performance.now() - queuedAt));
        const response = await config.transport.send(left === limit ? http : { ...http, timeoutMs: left });
        if (response.status >= 200 && response.status < 300) return response;
        throw this.#apiError(response);
      },
      request.signal,
      limit,
      lane,
    );
  }

  #apiError(response: HttpResponse): KlingApiError {
    const config = this.#config;
    // Read like every reply: nesting bounded (a `details` nested a million levels deep is no
    // RangeError) and the key redacted from the parsed body before the adapter reads it.
    const reading = response.body.trim() === '' ? undefined : readJson(response.body, this.#apiKey);
    // A non-JSON reply (a proxy's HTML page) is described by a short, tag-free excerpt of itself,
    // the key redacted before the tags are stripped and before the cut.
    const details: ErrorDetails =
      reading === undefined || reading.ok
        ? config.parseError(response.status, reading?.value ?? null)
        : reading.problem === 'too-deep'
          ? { message: `unreadable error reply (${reading.message})` }
          : {
              message: `non-JSON reply: ${excerptText(this.redact(response.body).replace(/<[^>]*>/g, ' '), this.#apiKey)}`,
            };
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const retryAfterMs =
      parseRetryAfter(
        response.headers.get('retry-after'),
        config.clock.now(),
        config.retry.maxRetryAfterMs,
      ) ?? details.retryAfterMs;
    const error = KlingApiError.from(
      this.redact(`${this.#gateway}: HTTP ${response.status}: ${details.message}${redirect}`),
      {
        gateway: this.#gateway,
        status: response.status,
        ...(details.code === undefined ? {} : { code: details.code }),
        ...(details.type === undefined ? {} : { type: details.type }),
        ...(requestId === undefined ? {} : { requestId }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
      {},
      details.errorClass,
    );
    if (reading?.ok) ERROR_BODIES.set(error, reading.value);
    return error;
  }
}

/** Records the classifier's `taskState` on the error a request throws (the one place it is written). */
function settle(error: unknown, taskState: TaskState): unknown {
  if (KlingError.is(error)) Object.defineProperty(error, 'taskState', { value: taskState, enumerable: true });
  return error;
}

function describeFailure(uncertain: unknown, last: unknown): string {
  const text = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const later = last === uncertain ? '' : `; a later attempt ended with: ${text(last)}`;
  return `the submit failed after the request may have reached the gateway (${text(uncertain)}${later})`;
}
