import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isLoopbackHost } from '../catalog/hosts.js';
import type { GatewayId } from '../catalog/index.js';
import {
  KlingApiError,
  KlingConnectionError,
  KlingError,
  KlingFileError,
  KlingResponseError,
  KlingResultExpiredError,
  KlingTimeoutError,
  KlingValidationError,
  type ValidationIssue,
} from '../errors.js';
import type { SucceededTask } from '../gateways/index.js';
import { BlockedAddressError, hostKind, type LookupAll, systemLookup } from '../http/address.js';
import { excerptText } from '../http/redact.js';
import type { Transport } from '../http/transport.js';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Called as bytes arrive; `totalBytes` when the server sent a length. */
  onProgress?: (progress: { bytes: number; totalBytes?: number }) => void;
  /** Refuse a video larger than this (default 2 GiB). */
  maxBytes?: number;
  /** Which of the task's videos (default 0). */
  index?: number;
  /** Deadline for the headers and for each pause between chunks (default: the client's timeoutMs). */
  timeoutMs?: number;
  /**
   * Also download from loopback, private, link-local, unique-local and cloud metadata addresses.
   * Default: only when the client's own `baseUrl` is loopback (the simulator); otherwise such a host
   * is refused (`KlingValidationError`) before any connection is opened.
   */
  allowPrivateHosts?: boolean;
  /**
   * Resolves the video's host for that check (default: `dns.lookup`, every address). With the default
   * transport the connection goes to the address checked; see README "Downloads" for `fetch`.
   */
  lookup?: (hostname: string) => Promise<readonly { address: string; family: number }[]>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
}

/** What the client adds to the caller's options. */
export interface DownloadContext {
  timeoutMs: number;
  /** The client's own base URL is loopback (the simulator): its videos are on loopback too. */
  loopbackClient: boolean;
}

/** True when `origin` (the client's baseUrl) is on loopback: the simulator, whose videos are there too. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/**
 * Streams a finished task's video to `path` through a temporary file in the same directory, renamed
 * only once every byte is on disk: an interrupted download never leaves a partial file under `path`.
 * The API key is never sent: result links are pre-signed CDN URLs on other hosts. The temporary file
 * is opened before the request, so a path that can't be written fails before any byte is fetched.
 */
export async function downloadVideo(
  transport: Transport,
  task: SucceededTask,
  path: string,
  options: DownloadOptions & DownloadContext,
): Promise<DownloadResult> {
  checkOptions(task, path, options);
  const index = options.index ?? 0;
  const video = task.videos[index];
  if (video === undefined) {
    throw new KlingValidationError([
      { path: ['index'], message: `the task has ${task.videos.length} video(s)` },
    ]);
  }
  const allowPrivate = options.allowPrivateHosts ?? options.loopbackClient;
  const url = checkedVideoUrl(video.url, index, allowPrivate);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  await refuseDirectory(path);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  const file = await open(temporary, 'wx').catch((error: unknown) => {
    throw fileError(path, error);
  });
  let opened = true;
  const discard = async () => {
    if (opened) await file.close().catch(() => {});
    await unlink(temporary).catch(() => {});
  };

  let response: Awaited<ReturnType<Transport['stream']>>;
  try {
    response = await transport.stream({
      gateway: task.gateway,
      url: url.href,
      headers: { accept: 'video/*,*/*' },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      addressGuard: allowPrivate ? undefined : { lookup: (options.lookup as LookupAll) ?? systemLookup },
    });
  } catch (error) {
    await discard();
    if (error instanceof BlockedAddressError) throw refusedHost(error, index);
    throw error;
  }
  if (response.status !== 200) {
    response.cancel();
    await discard();
    const { expiresAt } = video;
    const expiredAt = expiresAt !== undefined && expiresAt.getTime() < Date.now();
    if (expiredAt && GONE.has(response.status)) throw expiredError(task.gateway, response.status, expiresAt);
    throw KlingApiError.from(
      `${task.gateway}: video download answered HTTP ${response.status}${expiredAt ? ' (the link has expired)' : ''}`,
      { gateway: task.gateway, status: response.status },
    );
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.cancel();
    await discard();
    throw new KlingResponseError(task.gateway, `the video is ${declared} bytes, above maxBytes ${maxBytes}`);
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        callback(new KlingResponseError(task.gateway, `the video is larger than maxBytes ${maxBytes}`));
        return;
      }
      options.onProgress?.(Number.isFinite(declared) ? { bytes, totalBytes: declared } : { bytes });
      callback(null, chunk);
    },
  });
  // Which side failed first: the file (a full disk, a file too large for the file system) or the
  // network. The pipeline then destroys every stream with that same error, so the first to emit it is
  // where it came from.
  let failedFirst: 'file' | 'network' | undefined;
  const source = Readable.from(response.body);
  source.once('error', () => {
    failedFirst ??= 'network';
  });
  const writer = file.createWriteStream();
  opened = false; // the stream closes the handle (autoClose), on success and on error alike
  writer.once('error', () => {
    failedFirst ??= 'file';
  });
  try {
    await pipeline(
      source,
      counter,
      writer,
      ...(options.signal === undefined ? [] : [{ signal: options.signal }]),
    );
    if (Number.isFinite(declared) && bytes !== declared) {
      throw new KlingResponseError(task.gateway, `the download ended after ${bytes} of ${declared} bytes`);
    }
  } catch (error) {
    response.cancel();
    await discard();
    if (options.signal?.aborted) throw options.signal.reason;
    if (failedFirst === 'file' && !KlingError.is(error)) throw fileError(path, error);
    throw toDownloadError(error, task.gateway, options.timeoutMs);
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await discard();
    throw fileError(path, error);
  }
  return { path, bytes };
}

/** What a storage host answers for a link that is no longer served. */
const GONE: ReadonlySet<number> = new Set([403, 404, 410]);

/** A link past its `expiresAt` that the host refuses: the result is gone, and says what to do. */
function expiredError(gateway: GatewayId, status: number, expiresAt: Date): KlingResultExpiredError {
  return new KlingResultExpiredError(
    `${gateway}: the video's link expired at ${expiresAt.toISOString()} (the download answered HTTP ${status}); ` +
      'the gateway keeps results only for a while. Run the task again, and download the video as soon as it succeeds',
    { gateway, status, expiresAt },
  );
}

/** Every problem with the call's own arguments, at once, before anything is opened or sent. */
function checkOptions(task: SucceededTask, path: unknown, options: DownloadOptions & DownloadContext): void {
  const issues: ValidationIssue[] = [];
  const add = (p: (string | number)[], message: string) => issues.push({ path: p, message });
  if (typeof task !== 'object' || task === null || !Array.isArray(task.videos)) {
    add(['task'], 'must be a succeeded task (from wait or getTask), with its videos');
  }
  if (typeof path !== 'string' || path.trim() === '') add(['path'], 'must be a file path');
  else if (path.includes('\0')) add(['path'], 'must not contain a NUL character');
  const { index, maxBytes, timeoutMs, allowPrivateHosts, lookup, onProgress, signal } = options;
  if (index !== undefined && !(Number.isInteger(index) && index >= 0)) {
    add(['index'], 'must be a whole number, 0 or more');
  }
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    add(['maxBytes'], 'must be a whole number of bytes, above 0');
  }
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs <= 0) {
    add(['timeoutMs'], 'must be a number of milliseconds above 0 (Infinity: no deadline)');
  }
  if (allowPrivateHosts !== undefined && typeof allowPrivateHosts !== 'boolean') {
    add(['allowPrivateHosts'], 'must be true or false');
  }
  if (lookup !== undefined && typeof lookup !== 'function') add(['lookup'], 'must be a function');
  if (onProgress !== undefined && typeof onProgress !== 'function') add(['onProgress'], 'must be a function');
  if (signal !== undefined && !(signal instanceof AbortSignal)) add(['signal'], 'must be an AbortSignal');
  if (issues.length > 0) throw new KlingValidationError(issues);
}

/** The video's URL, parsed and checked: https (http only on loopback), and a host downloads may reach. */
function checkedVideoUrl(value: unknown, index: number, allowPrivate: boolean): URL {
  const path = ['videos', index, 'url'];
  const fail = (message: string): never => {
    throw new KlingValidationError([{ path, message }]);
  };
  let url: URL | undefined;
  try {
    url = new URL(String(value));
  } catch {
    return fail(`is not a valid URL (${excerpt(value)})`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    fail('only https result URLs are downloaded (http on loopback)');
  }
  if (url.username !== '' || url.password !== '') fail('must not carry credentials');
  if (!allowPrivate) {
    const kind = hostKind(url.hostname);
    if (kind !== undefined) throw refusedHost(new BlockedAddressError(url.hostname, kind), index);
  }
  return url;
}

function refusedHost(blocked: BlockedAddressError, index: number): KlingValidationError {
  return new KlingValidationError(
    [
      {
        path: ['videos', index, 'url'],
        message:
          `refused: ${blocked.message}. Downloads reach public addresses only, unless the client's ` +
          'baseUrl is loopback or you pass allowPrivateHosts: true',
      },
    ],
    { cause: blocked },
  );
}

function excerpt(value: unknown): string {
  return JSON.stringify(excerptText(String(value), undefined));
}

/** An existing directory at `path` would only fail at the rename, after the whole download. */
async function refuseDirectory(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    throw fileError(path, Object.assign(new Error(`EISDIR: '${path}' is a directory`), { code: 'EISDIR' }));
  }
}

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is too large for this file system (or the process file size limit)',
  ENAMETOOLONG: 'the file name is too long',
  EMFILE: 'too many open files',
  EEXIST: 'a file with the temporary name exists',
};

/** A local file-system failure as a `KlingFileError` naming the destination path. */
function fileError(path: string, error: unknown): KlingFileError {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? code : undefined;
  const why =
    (known === undefined ? undefined : FILE_PROBLEMS[known]) ??
    (error instanceof Error ? error.message : String(error));
  return new KlingFileError(path, `cannot save the video to '${path}': ${why}${known ? ` (${known})` : ''}`, {
    cause: error,
    ...(known === undefined ? {} : { code: known }),
  });
}

/** A failure while the bytes stream in, as a typed error: a stall is a timeout, the rest a lost connection. */
function toDownloadError(error: unknown, gateway: GatewayId, timeoutMs: number): unknown {
  if (KlingError.is(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_BODY_TIMEOUT' || (error as Error | null)?.name === 'TimeoutError') {
    return new KlingTimeoutError(`${gateway}: the download stalled for more than ${timeoutMs} ms`, {
      cause: error,
    });
  }
  return new KlingConnectionError(
    `${gateway}: the download was cut off (${typeof code === 'string' ? code : String(error)})`,
    {
      cause: error,
      ...(typeof code === 'string' ? { code } : {}),
    },
  );
}
