import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
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

/**
 * `readCapped` for a Node stream (undici's body), on 'data' events: an async iterator over the stream
 * costs ~25 µs more per reply (bench/overhead.ts).
 */
function readCappedStream(body: Readable, request: HttpRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > request.maxBodyBytes) {
        chunks.length = 0;
        reject(
          new KlingResponseError(request.gateway, `reply body is larger than ${request.maxBodyBytes} bytes`),
        );
        body.destroy();
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    body.once('end', () => {
      ended = true;
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      resolve(whole.toString('utf8'));
    });
    body.once('error', reject);
    // Destroyed without an error. (Only then is an Error built: its stack trace costs ~10 µs.)
    body.once('close', () => {
      if (!ended) {
        reject(Object.assign(new Error('the reply ended early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      }
    });
  });
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

  send(request: HttpRequest): Promise<HttpResponse> {
    return withDeadline(request, async (deadline) => {
      const { undici, dispatcher } = this.#loaded ?? (await this.#get());
      const raw = request.body;
      const { headers, body } =
        raw instanceof FormData ? await encodeBody(request) : { headers: request.headers, body: raw };
      const response = await undici.request(request.url, {
        method: request.method,
        headers,
        body: body ?? null,
        dispatcher,
        signal: deadline,
        // undici's own limits (300 s each) would end a longer deadline early: ours governs then.
        ...(request.timeoutMs > UNDICI_DEFAULT_TIMEOUT_MS ? NO_UNDICI_TIMEOUTS : {}),
      });
      try {
        const body = await readCappedStream(response.body, request);
        return { status: response.statusCode, headers: headerReader(response.headers), body };
      } catch (error) {
        response.body.on('error', () => {}).destroy();
        throw error;
      }
    });
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
