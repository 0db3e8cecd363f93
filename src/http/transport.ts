import { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import type { GatewayId } from '../catalog/index.js';
import {
  KlingConnectionError,
  KlingResponseError,
  KlingTimeoutError,
  KlingValidationError,
} from '../errors.js';
import { findBlocked, guardedLookup, type LookupAll, resolvePublic } from './address.js';
import { MAX_TIMER_MS, setLongTimeout } from './clock.js';

export interface HttpRequest {
  gateway: GatewayId;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /**
   * JSON text, raw bytes, or a multipart form (uploads). With a `FormData` body leave out the
   * content-type header: undici and fetch both set it, with the multipart boundary.
   */
  body?: string | Uint8Array | FormData;
  /** The caller's signal: aborting it rejects with its reason. */
  signal?: AbortSignal | undefined;
  /** One deadline for the whole exchange: connect, headers and body. */
  timeoutMs: number;
  /** The body is read up to this size; a larger one is a `KlingResponseError`. */
  maxBodyBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

export interface StreamResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array>;
  /** Stops the download and frees the connection. */
  cancel(): void;
}

/** A streaming GET (a download). */
export interface StreamRequest extends Omit<HttpRequest, 'maxBodyBytes' | 'body' | 'method'> {
  /**
   * Connect only to public addresses (http/address.ts), resolving with `lookup`. On undici with the
   * transport's own pool, the socket's own lookup checks and the socket connects to the checked address.
   * Through an injected fetch or a caller's dispatcher (a proxy, a MockAgent), the SDK does not open the
   * socket: the host is resolved and checked first, as well as can be (a failed lookup is left to the
   * connection itself), and a DNS answer that changes before that connection is not caught.
   * Absent: no check (the client's own base URL is loopback, or the caller opted in).
   */
  addressGuard?: { lookup: LookupAll } | undefined;
}

/** The one seam between the SDK and the network: undici by default, or a given `fetch`. */
export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Opens a streaming GET (downloads); the deadline covers the headers, then each pause between chunks. */
  stream(request: StreamRequest): Promise<StreamResponse>;
  close(): Promise<void>;
}

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** An undici dispatcher (a proxy agent, a MockAgent); otherwise a keep-alive pool of our own. */
  dispatcher?: Dispatcher;
  /** Send every request through this fetch instead of undici (so msw can intercept the SDK). */
  fetch?: FetchFunction;
  /** Sockets per origin in our own pool. */
  connections?: number;
}

export function createTransport(options: TransportOptions = {}): Transport {
  return options.fetch === undefined
    ? new UndiciTransport(options)
    : new FetchTransport(options.fetch, options.dispatcher);
}

const TIMED_OUT = Symbol('timed out');
const UNDICI_DEFAULT_TIMEOUT_MS = 300_000;
const NO_UNDICI_TIMEOUTS = { headersTimeout: 0, bodyTimeout: 0 } as const;

/**
 * Fires (an 'abort' event) on the caller's abort or at the deadline. An EventEmitter, which undici takes
 * as its `signal`: creating and listening to an AbortSignal costs ~10 µs on Node 20, more than all the
 * SDK's own work on a status read (bench/overhead.ts), so the hot path makes none.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason: unknown;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  /** An AbortSignal that follows this deadline, for fetch (which takes nothing else). */
  toAbortSignal(): AbortSignal {
    const controller = new AbortController();
    if (this.aborted) controller.abort(this.reason);
    else this.once('abort', () => controller.abort(this.reason));
    return controller.signal;
  }
}

/** Runs `work` with one deadline that fires on the caller's abort or after `timeoutMs`. */
async function withDeadline<T>(
  request: Pick<HttpRequest, 'signal' | 'timeoutMs' | 'gateway' | 'url'> & {
    headers?: Record<string, string>;
  },
  work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const callerSignal = request.signal;
  if (callerSignal?.aborted) throw callerSignal.reason;
  checkHeaders(request);
  const deadline = new Deadline();
  const onAbort = () => deadline.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onAbort, { once: true });
  const cancelTimer =
    request.timeoutMs <= MAX_TIMER_MS
      ? timerCanceller(setTimeout(() => deadline.abort(TIMED_OUT), request.timeoutMs))
      : setLongTimeout(() => deadline.abort(TIMED_OUT), request.timeoutMs);
  try {
    return await work(deadline);
  } catch (error) {
    throw toTransportError(error, request, deadline);
  } finally {
    cancelTimer();
    callerSignal?.removeEventListener('abort', onAbort);
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space, tab and obs-text: no CR, LF, NUL or other control character. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Header objects already checked: status reads share one, so the check runs once per client. */
const checkedHeaders = new WeakSet<Record<string, string>>();

/**
 * Refuses a header that can't be sent (a key with a CR/LF in it) before anything is written: undici and
 * fetch would each fail in their own way, after which nobody could tell that nothing left.
 */
function checkHeaders(request: Pick<HttpRequest, 'gateway'> & { headers?: Record<string, string> }): void {
  const headers = request.headers;
  if (headers === undefined || checkedHeaders.has(headers)) return;
  const issues: { path: string[]; message: string }[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (!HEADER_NAME.test(name))
      issues.push({ path: ['headers', name], message: 'is not a valid header name' });
    else if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      issues.push({
        path: ['headers', name],
        message: 'holds a character that cannot go in an HTTP header (CR, LF or another control character)',
      });
    }
  }
  if (issues.length > 0) throw new KlingValidationError(issues);
  checkedHeaders.add(headers);
}

function timerCanceller(timer: ReturnType<typeof setTimeout>): () => void {
  return () => clearTimeout(timer);
}

function toTransportError(
  error: unknown,
  request: Pick<HttpRequest, 'signal' | 'timeoutMs' | 'gateway' | 'url'>,
  signal: { readonly aborted: boolean; readonly reason: unknown },
): unknown {
  if (request.signal?.aborted) return request.signal.reason;
  if (signal.aborted && signal.reason === TIMED_OUT) {
    return new KlingTimeoutError(`${request.gateway}: no complete reply within ${request.timeoutMs} ms`, {
      cause: error,
    });
  }
  if (KlingResponseError.is(error)) return error;
  const code = errorCode(error);
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return new KlingConnectionError(`${request.gateway}: connection failed (${detail})`, {
    cause: error,
    ...(code === undefined ? {} : { code }),
  });
}

/** The errno or undici code anywhere in the cause chain (fetch wraps it in `TypeError: fetch failed`). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function readCapped(body: AsyncIterable<Uint8Array>, request: HttpRequest): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > request.maxBodyBytes) {
      throw new KlingResponseError(
        request.gateway,
        `reply body is larger than ${request.maxBodyBytes} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type Undici = typeof import('undici');
let undiciModule: Promise<Undici> | undefined;
/** undici is the largest import cost (~80 ms), so it loads on the first request, not at import. */
function loadUndici(): Promise<Undici> {
  undiciModule ??= import('undici');
  return undiciModule;
}

class UndiciTransport implements Transport {
  #dispatcher: Dispatcher | undefined;
  readonly #ownsDispatcher: boolean;
  readonly #connections: number;

  constructor(options: TransportOptions) {
    this.#dispatcher = options.dispatcher;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#connections = options.connections ?? 64;
  }

  /** Set once undici is loaded, so later requests skip an await. */
  #loaded: { undici: Undici; dispatcher: Dispatcher } | undefined;

  async #get(): Promise<{ undici: Undici; dispatcher: Dispatcher }> {
    const undici = await loadUndici();
    this.#dispatcher ??= new undici.Agent({ connections: this.#connections, keepAliveTimeout: 10_000 });
    this.#loaded = { undici, dispatcher: this.#dispatcher };
    return this.#loaded;
  }

  /** Request origins as written → as undici keys its pools (`new URL(origin).origin`), parsed once each. */
  readonly #origins = new Map<string, string>();
  /** The deadlines of this transport's requests in flight, on one timer. */
  readonly #deadlines = new Deadlines();

  /**
   * One request on undici's `dispatch` with a handler of our own: the body is gathered as it arrives
   * (no stream), the deadline is one entry in `Deadlines` (no timer, emitter or signal per request), and
   * the caller's signal is listened to only where one is given. ~15 µs a status read less than
   * `undici.request` + a stream + a per-request timer (bench/overhead.ts).
   */
  send(request: HttpRequest): Promise<HttpResponse> {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      checkHeaders(request);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const reply = new Reply(request, this.#deadlines, resolve, reject);
      const loaded = this.#loaded;
      if (loaded !== undefined && !(request.body instanceof FormData)) {
        this.#dispatch(loaded.dispatcher, reply, request.headers, request.body);
        return;
      }
      // The first request (undici not loaded yet) and multipart forms: the deadline already runs.
      this.#get().then(
        async ({ dispatcher }) => {
          const { headers, body } = await encodeBody(request);
          if (!reply.settled) this.#dispatch(dispatcher, reply, headers, body);
        },
        (error: unknown) => reply.onError(error),
      );
    });
  }

  #dispatch(
    dispatcher: Dispatcher,
    reply: Reply,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
  ): void {
    const { url, method, timeoutMs } = reply.request;
    try {
      const { origin, path } = this.#split(url);
      const options: Dispatcher.DispatchOptions = { origin, path, method, headers, body: body ?? null };
      // undici's own limits (300 s each) would end a longer deadline early: ours governs then.
      if (timeoutMs > UNDICI_DEFAULT_TIMEOUT_MS) Object.assign(options, NO_UNDICI_TIMEOUTS);
      dispatcher.dispatch(options, reply);
    } catch (error) {
      reply.onError(error);
    }
  }

  /** `url` as undici's `request` splits it: the origin (normalized, cached) and the path with its query. */
  #split(url: string): { origin: string; path: string } {
    const start = url.indexOf('://');
    const slash = start === -1 ? -1 : url.indexOf('/', start + 3);
    const written = slash === -1 ? url : url.slice(0, slash);
    const path = slash === -1 ? '/' : url.slice(slash);
    let origin = this.#origins.get(written);
    // A path that is not plain printable ASCII (or holds a fragment) goes through `new URL` as it would
    // in `undici.request`, which percent-encodes it.
    if (origin === undefined || !PLAIN_PATH.test(path) || DOT_SEGMENT.test(path)) {
      const parsed = new URL(url);
      origin = parsed.origin;
      if (this.#origins.size < 64) this.#origins.set(written, origin);
      return { origin, path: `${parsed.pathname}${parsed.search}` };
    }
    return { origin, path };
  }

  async stream(request: StreamRequest): Promise<StreamResponse> {
    const link = linkedController(request.signal);
    const guard = request.addressGuard;
    // A guarded download on our own pool gets an agent of its own whose sockets resolve through the
    // address check: they connect to the very address that was checked. Closed with the body.
    let own: Dispatcher | undefined;
    const release = () => {
      link.release();
      own?.destroy().catch(() => {});
      own = undefined;
    };
    let response: Dispatcher.ResponseData;
    try {
      response = await withDeadline(request, async (deadline) => {
        deadline.once('abort', () => link.controller.abort(deadline.reason));
        const { undici, dispatcher } = await this.#get();
        let via = dispatcher;
        if (guard !== undefined && this.#ownsDispatcher) {
          own = new undici.Agent({ connections: 1, connect: { lookup: guardedLookup(guard.lookup) } });
          via = own;
        } else if (guard !== undefined) {
          await checkBeforeConnect(request.url, guard.lookup, deadline);
        }
        return undici.request(request.url, {
          method: 'GET',
          headers: request.headers,
          dispatcher: via,
          signal: link.controller.signal,
          ...streamTimeouts(request.timeoutMs),
        });
      });
    } catch (error) {
      release();
      throw findBlocked(error) ?? error;
    }
    response.body.once('close', release);
    return {
      status: response.statusCode,
      headers: headerReader(response.headers),
      body: response.body,
      // Destroying an unread body emits an abort error: nobody is listening for it any more.
      cancel: () => response.body.on('error', () => {}).destroy(),
    };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher && this.#dispatcher !== undefined) await this.#dispatcher.close();
  }
}

class FetchTransport implements Transport {
  constructor(
    private readonly fetchFn: FetchFunction,
    private readonly dispatcher: Dispatcher | undefined,
  ) {}

  #init(request: Pick<HttpRequest, 'method' | 'headers' | 'body'>, signal: AbortSignal): RequestInit {
    // `redirect: 'manual'`: a redirect is answered as the 3xx it is, never followed (the key stays home).
    // `dispatcher` is typed loosely: global fetch's types come from Node's bundled undici, not ours.
    const init: Omit<RequestInit, 'dispatcher'> & { dispatcher?: unknown } = {
      method: request.method,
      headers: request.headers,
      redirect: 'manual',
      signal,
    };
    if (request.body !== undefined) init.body = request.body;
    if (this.dispatcher !== undefined) init.dispatcher = this.dispatcher;
    return init as RequestInit;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    return withDeadline(request, async (deadline) => {
      const init = this.#init(await encodeBody(request), deadline.toAbortSignal());
      const response = await this.fetchFn(request.url, init);
      const body = response.body === null ? '' : await readCapped(streamChunks(response.body), request);
      return { status: response.status, headers: response.headers, body };
    });
  }

  async stream(request: StreamRequest): Promise<StreamResponse> {
    const link = linkedController(request.signal);
    const { controller } = link;
    const guard = request.addressGuard;
    let response: Response;
    try {
      response = await withDeadline(request, async (deadline) => {
        deadline.once('abort', () => controller.abort(deadline.reason));
        // fetch opens its own socket: the host is checked here, before it (see StreamRequest).
        if (guard !== undefined) await checkBeforeConnect(request.url, guard.lookup, deadline);
        return this.fetchFn(
          request.url,
          this.#init({ method: 'GET', headers: request.headers }, controller.signal),
        );
      });
    } catch (error) {
      link.release();
      throw findBlocked(error) ?? error;
    }
    const body = response.body;
    if (body === null) link.release();
    return {
      status: response.status,
      headers: response.headers,
      // fetch has no body timeout of its own: a stall longer than the deadline aborts the download.
      body:
        body === null
          ? emptyChunks()
          : idleLimited(streamChunks(body), request.timeoutMs, controller, link.release),
      cancel: () => {
        controller.abort();
        link.release();
      },
    };
  }

  async close(): Promise<void> {}
}

/**
 * Passes chunks through, aborting `controller` (with a TimeoutError) when none arrives for `idleMs`
 * (no limit past the longest timer Node keeps), and calls `done` when the body ends or is dropped.
 */
async function* idleLimited(
  chunks: AsyncGenerator<Uint8Array>,
  idleMs: number,
  controller: AbortController,
  done: () => void,
): AsyncGenerator<Uint8Array> {
  const limited = Number.isFinite(idleMs) && idleMs <= MAX_TIMER_MS;
  try {
    for (;;) {
      const timer = limited
        ? setTimeout(
            () => controller.abort(new DOMException(`no data for ${idleMs} ms`, 'TimeoutError')),
            idleMs,
          )
        : undefined;
      try {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    done();
  }
}

/** Node runs a longer timer after ~1 ms (it clamps); a download's idle limit past this is none. */

/** undici's own limits for a download: the idle limit between chunks, and no shorter header limit. */
function streamTimeouts(timeoutMs: number): { bodyTimeout: number; headersTimeout?: number } {
  const bodyTimeout = Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS ? timeoutMs : 0;
  // undici's default header limit is 300 s: past it, our own deadline governs.
  return timeoutMs > 300_000 ? { bodyTimeout, headersTimeout: 0 } : { bodyTimeout };
}

/**
 * The address check where the SDK does not open the socket itself (an injected fetch, a caller's
 * dispatcher): a refused name or address stops the download; a lookup that fails (no DNS here, a host
 * only a proxy or msw knows) is left to the connection. Ends early when the deadline fires.
 */
async function checkBeforeConnect(url: string, lookup: LookupAll, deadline: Deadline): Promise<void> {
  const check = resolvePublic(new URL(url).hostname, lookup).then(
    () => undefined,
    (error: unknown) => {
      if (findBlocked(error) !== undefined) throw error;
    },
  );
  await new Promise<void>((resolve, reject) => {
    if (deadline.aborted) reject(deadline.reason);
    const onAbort = () => reject(deadline.reason);
    deadline.once('abort', onAbort);
    check.then(resolve, reject).finally(() => deadline.off('abort', onAbort));
  });
}

/**
 * The body as text or bytes. A multipart form is serialized here, boundary and content-type included:
 * undici's `request` takes only its own FormData class, not Node's global one (nor would another
 * copy of undici behind an injected fetch), so neither transport is handed a FormData.
 */
async function encodeBody(
  request: Pick<HttpRequest, 'headers' | 'body' | 'method'>,
): Promise<{ method: HttpRequest['method']; headers: Record<string, string>; body?: string | Uint8Array }> {
  const { body, method } = request;
  if (!(body instanceof FormData)) {
    return body === undefined
      ? { method, headers: request.headers }
      : { method, headers: request.headers, body };
  }
  const encoded = new Response(body);
  const headers = { ...request.headers };
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
  headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
  return { method, headers, body: new Uint8Array(await encoded.arrayBuffer()) };
}

/**
 * A controller that also aborts when the caller's signal does, for a download's whole life; `release`
 * (once the download ends, however) takes the listener off the caller's signal, which may serve
 * thousands of downloads.
 */
function linkedController(callerSignal: AbortSignal | undefined): {
  controller: AbortController;
  release: () => void;
} {
  const controller = new AbortController();
  if (callerSignal === undefined) return { controller, release: () => {} };
  const onAbort = () => controller.abort(callerSignal.reason);
  callerSignal.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => callerSignal.removeEventListener('abort', onAbort) };
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
    await stream.cancel().catch(() => {});
  }
}

async function* emptyChunks(): AsyncGenerator<Uint8Array> {}

function headerReader(headers: Record<string, string | string[] | undefined>): {
  get(name: string): string | null;
} {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Printable ASCII without `#`, `\`, dot segments or spaces: sent as written (anything else via `new URL`). */
const PLAIN_PATH = /^\/[\x21\x22\x24-\x5b\x5d-\x7e]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/**
 * The deadlines of the requests in flight, on one timer: armed for the earliest, it stays armed
 * (unref'd) while requests come and go, and when it fires it ends those past their deadline and re-arms
 * for the next. A request costs a `Set` add and delete instead of a timer of its own. The limiter keeps
 * the requests in flight to `maxConcurrency`, so the scan when it fires is short.
 */
class Deadlines {
  readonly #pending = new Set<Reply>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (`performance.now()` time); Infinity when none is armed. */
  #at = Number.POSITIVE_INFINITY;

  add(reply: Reply): void {
    this.#pending.add(reply);
    if (reply.deadline < this.#at) this.#arm(reply.deadline);
  }

  delete(reply: Reply): void {
    this.#pending.delete(reply);
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(
      this.#fire,
      Math.min(Math.max(0, Math.ceil(at - performance.now())), MAX_TIMER_MS),
    );
    // The requests' own sockets keep the process alive; this timer must not outlive them.
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const reply of this.#pending) {
      if (reply.deadline <= now) reply.timeOut();
      else if (reply.deadline < next) next = reply.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  };
}

/**
 * One request's undici dispatch handler (undici's own handler interface, as `undici.request` uses):
 * gathers the body as it arrives up to `maxBodyBytes`, and settles once, with the reply or with the
 * first of: undici's error, the deadline, the caller's abort, the body cap. Ending a request that
 * undici already runs aborts it (its socket is destroyed); one not yet connected is aborted the moment
 * it connects.
 */
class Reply implements Dispatcher.DispatchHandler {
  settled = false;
  /** `performance.now()` time; Infinity for none. */
  readonly deadline: number;
  #status = 0;
  #rawHeaders: RawHeaderList = [];
  #chunks: Buffer[] = [];
  #size = 0;
  #abort: ((reason: Error) => void) | undefined;
  #reason: Error | undefined;
  #onAbort: (() => void) | undefined;

  constructor(
    readonly request: HttpRequest,
    private readonly deadlines: Deadlines,
    private readonly resolve: (response: HttpResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    const timeoutMs = request.timeoutMs;
    this.deadline = Number.isFinite(timeoutMs) ? performance.now() + timeoutMs : Number.POSITIVE_INFINITY;
    if (this.deadline !== Number.POSITIVE_INFINITY) deadlines.add(this);
    const signal = request.signal;
    if (signal !== undefined) {
      const onAbort = () => this.#end(signal.reason, new Error('the caller aborted the request'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#onAbort = onAbort;
    }
  }

  /** The deadline passed (called by `Deadlines`). */
  timeOut(): void {
    const error = new KlingTimeoutError(
      `${this.request.gateway}: no complete reply within ${this.request.timeoutMs} ms`,
    );
    this.#end(error, error);
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.settled) abort(this.#reason);
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx (100 Continue and the like) are not the reply.
    if (statusCode >= 200) {
      this.#status = statusCode;
      this.#rawHeaders = rawHeaders;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.#size += chunk.length;
    if (this.#size > this.request.maxBodyBytes) {
      const { gateway, maxBodyBytes } = this.request;
      const error = new KlingResponseError(gateway, `reply body is larger than ${maxBodyBytes} bytes`);
      this.#end(error, error);
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.#settle();
    const chunks = this.#chunks;
    this.#chunks = [];
    const body =
      chunks.length === 1
        ? (chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(chunks, this.#size).toString('utf8');
    this.resolve({ status: this.#status, headers: new RawHeaderReader(this.#rawHeaders), body });
  }

  onError(error: unknown): void {
    if (this.settled) return;
    this.#settle();
    this.#chunks = [];
    this.reject(toTransportError(error, this.request, NOT_TIMED_OUT));
  }

  /** Ends the request from this side: rejects with `error`, aborting undici's request with `reason`. */
  #end(error: unknown, reason: Error): void {
    if (this.settled) return;
    this.#settle();
    this.#chunks = [];
    this.#reason = reason;
    this.#abort?.(reason);
    this.reject(error);
  }

  #settle(): void {
    this.settled = true;
    if (this.deadline !== Number.POSITIVE_INFINITY) this.deadlines.delete(this);
    if (this.#onAbort !== undefined) this.request.signal?.removeEventListener('abort', this.#onAbort);
  }
}

type RawHeaderList = (Buffer | string | (Buffer | string)[])[];
const NOT_TIMED_OUT = { aborted: false, reason: undefined } as const;

/** Response headers read from undici's raw list only when asked (error replies: request id, Retry-After). */
class RawHeaderReader {
  constructor(private readonly raw: RawHeaderList) {}

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    const values: string[] = [];
    const raw = this.raw;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (String(raw[i]).toLowerCase() !== wanted) continue;
      const value = raw[i + 1];
      if (Array.isArray(value)) for (const v of value) values.push(String(v));
      else values.push(String(value));
    }
    return values.length === 0 ? null : values.join(', ');
  }
}
