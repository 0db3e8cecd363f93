import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GatewayId } from '../catalog/index.js';
import {
  KlingApiError,
  KlingConnectionError,
  KlingError,
  KlingResponseError,
  KlingTimeoutError,
  KlingValidationError,
} from '../errors.js';
import type { SucceededTask } from '../gateways/index.js';
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
}

export interface DownloadResult {
  path: string;
  bytes: number;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Streams a finished task's video to `path` through a temporary file in the same directory, renamed
 * only once every byte is on disk: an interrupted download never leaves a partial file under `path`.
 * The API key is never sent: result links are pre-signed CDN URLs on other hosts.
 */
export async function downloadVideo(
  transport: Transport,
  task: SucceededTask,
  path: string,
  options: DownloadOptions & { timeoutMs: number },
): Promise<DownloadResult> {
  const video = task.videos[options.index ?? 0];
  if (video === undefined) {
    throw new KlingValidationError([
      { path: ['index'], message: `the task has ${task.videos.length} video(s)` },
    ]);
  }
  const url = new URL(video.url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    throw new KlingValidationError([
      {
        path: ['videos', options.index ?? 0, 'url'],
        message: 'only https result URLs are downloaded (http on loopback)',
      },
    ]);
  }
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  const response = await transport.stream({
    gateway: task.gateway,
    url: url.href,
    headers: { accept: 'video/*,*/*' },
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  if (response.status !== 200) {
    response.cancel();
    const expired =
      video.expiresAt !== undefined && video.expiresAt.getTime() < Date.now()
        ? ' (the link has expired)'
        : '';
    throw KlingApiError.from(`${task.gateway}: video download answered HTTP ${response.status}${expired}`, {
      gateway: task.gateway,
      status: response.status,
    });
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.cancel();
    throw new KlingResponseError(task.gateway, `the video is ${declared} bytes, above maxBytes ${maxBytes}`);
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
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
  try {
    await pipeline(
      Readable.from(response.body),
      counter,
      createWriteStream(temporary, { flags: 'wx' }),
      ...(options.signal === undefined ? [] : [{ signal: options.signal }]),
    );
    if (Number.isFinite(declared) && bytes !== declared) {
      throw new KlingResponseError(task.gateway, `the download ended after ${bytes} of ${declared} bytes`);
    }
    await rename(temporary, path);
  } catch (error) {
    response.cancel();
    await unlink(temporary).catch(() => {});
    if (options.signal?.aborted) throw options.signal.reason;
    throw toDownloadError(error, task.gateway, options.timeoutMs);
  }
  return { path, bytes };
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
