/**
 * Local images for the upload APIs: read a path (or take the bytes), check it, and name its type.
 * Everything here fails with `KlingValidationError` naming the request field, before any request.
 *
 * A local image must be a regular file (not a directory, a FIFO, a device or a `/proc` pseudo-file),
 * whose own bytes are an image of a type the gateway documents (by magic bytes, never by the file
 * name), within its size limit and, where the gateway documents them, its pixel bounds (read from the
 * image header). Bytes given directly are checked the same way. The rules: `CAPABILITIES[g].images`.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { GATEWAYS, type GatewayId, type ImageRules, isLocalMedia } from '../catalog/index.js';
import { KlingValidationError, type ValidationIssue } from '../errors.js';
import type { ResolvedVideoRequest } from '../request/index.js';
import { readImageHeader } from './image-header.js';

/** The largest file the client reads into memory to upload (EvoLink's file API limit is 100 MB). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface UploadOptions {
  signal?: AbortSignal;
  /** The file name the gateway sees; default: the path's base name, or `image.<ext>` for bytes. */
  filename?: string;
  /** Default: the type the image's own bytes announce (PNG, JPEG, WebP where the gateway takes it). */
  contentType?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

/** An uploaded file: the URL to pass as an image, and when the gateway deletes it, where it says. */
export interface UploadResult {
  url: string;
  /** apiframe: ~1–2 h; EvoLink: 72 h; Modellix: not stated. */
  expiresAt?: Date;
  /** The gateway's file id, where it gives one. */
  id?: string;
  /** The upload reply exactly as received. */
  raw: unknown;
}

export interface PreparedFile {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

/** The gateway whose rules an image must meet. */
export interface ImageTarget {
  gateway: GatewayId;
  rules: ImageRules;
}

/**
 * Reads `source` (a path, relative to the working directory, or bytes) into an image to upload, once
 * it meets the gateway's rules; every problem with it is one `KlingValidationError` issue at `path`.
 */
export async function prepareFile(
  source: string | Uint8Array,
  path: (string | number)[],
  target: ImageTarget,
  options: Pick<UploadOptions, 'filename' | 'contentType'> = {},
): Promise<PreparedFile> {
  const fail = (message: string): never => {
    throw new KlingValidationError([{ path, message }]);
  };
  const maxBytes = Math.min(target.rules.maxBytes, MAX_UPLOAD_BYTES);
  let bytes: Uint8Array;
  let name: string | undefined;
  if (typeof source === 'string') {
    if (source.trim() === '' || source.includes('\0')) fail('must be a file path');
    bytes = await readLocalImage(source, maxBytes, target, fail);
    name = basename(source);
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else {
    return fail('must be a file path or bytes (a Buffer or Uint8Array)');
  }
  const problem = imageProblem(bytes, target);
  if (problem !== undefined) fail(typeof source === 'string' ? `'${source}' ${problem}` : problem);
  const contentType = options.contentType ?? (readImageHeader(bytes)?.type as string);
  const filename = options.filename ?? name ?? `image${EXTENSIONS[contentType] ?? '.bin'}`;
  return { bytes, filename, contentType };
}

/** What is wrong with `bytes` as an image for the gateway (size, type by magic bytes, pixels), if anything. */
function imageProblem(bytes: Uint8Array, target: ImageTarget): string | undefined {
  const { rules } = target;
  const vendor = GATEWAYS[target.gateway].vendor;
  const maxBytes = Math.min(rules.maxBytes, MAX_UPLOAD_BYTES);
  if (bytes.byteLength === 0) return 'is empty (0 bytes)';
  if (bytes.byteLength > maxBytes) {
    return `is ${bytes.byteLength} bytes, above ${vendor}'s limit of ${sizeText(maxBytes)}`;
  }
  const header = readImageHeader(bytes);
  const accepted = rules.types.map(typeName).join(', ');
  if (header === undefined || !rules.types.includes(header.type)) {
    const found = header === undefined ? 'not an image' : `a ${typeName(header.type)} image`;
    return `is ${found} by its content (its first bytes); ${vendor} takes ${accepted}`;
  }
  if (rules.minSide === undefined && rules.aspect === undefined) return undefined;
  const { width, height } = header;
  const bounds = boundsText(rules);
  if (width === undefined || height === undefined) {
    return `has no readable size in its ${typeName(header.type)} header; ${vendor} takes ${bounds}`;
  }
  const tooSmall = rules.minSide !== undefined && Math.min(width, height) < rules.minSide;
  const ratio = width / height;
  const EPSILON = 1e-9;
  const badAspect =
    rules.aspect !== undefined && (ratio < rules.aspect.min - EPSILON || ratio > rules.aspect.max + EPSILON);
  if (tooSmall || badAspect) {
    return `is ${width}×${height} px${badAspect ? ` (aspect ${ratioText(ratio)})` : ''}; ${vendor} takes ${bounds}`;
  }
  return undefined;
}

function typeName(type: string): string {
  return type === 'image/jpeg' ? 'JPEG' : type.replace('image/', '').toUpperCase();
}

function sizeText(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MB (${bytes} bytes)` : `${bytes} bytes`;
}

/** 2.5 → `2.5:1`, 0.4 → `1:2.5`. */
function ratioText(ratio: number): string {
  const round = (n: number) => Number(n.toFixed(2));
  return ratio >= 1 ? `${round(ratio)}:1` : `1:${round(1 / ratio)}`;
}

function boundsText(rules: ImageRules): string {
  const parts: string[] = [];
  if (rules.minSide !== undefined) parts.push(`width and height of at least ${rules.minSide} px`);
  if (rules.aspect !== undefined) {
    parts.push(`an aspect ratio from ${ratioText(rules.aspect.min)} to ${ratioText(rules.aspect.max)}`);
  }
  return parts.join(' and ');
}

/** Opening a FIFO for reading waits for a writer: never block on one swapped in after the check. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * The bytes of a regular file, at most `maxBytes`. The type of file is checked before it is opened (a
 * FIFO or a device is never opened) and again on the open handle (nothing swapped in between), and the
 * read stops past `maxBytes` whatever size the file system reports (`/proc` files report 0).
 */
async function readLocalImage(
  path: string,
  maxBytes: number,
  target: ImageTarget,
  fail: (message: string) => never,
): Promise<Uint8Array> {
  let handle: FileHandle | undefined;
  try {
    const before = await stat(path);
    if (!before.isFile()) return fail(`'${path}' is not a regular file (${kindOf(before)})`);
    if (before.size === 0) {
      return fail(
        `'${path}' is empty by its size (0 bytes), as /proc and /sys pseudo-files are: not an image`,
      );
    }
    if (before.size > maxBytes) {
      return fail(
        `'${path}' is ${before.size} bytes, above ${GATEWAYS[target.gateway].vendor}'s limit of ${sizeText(maxBytes)}`,
      );
    }
    handle = await open(path, OPEN_FLAGS);
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev) {
      return fail(`'${path}' changed while it was being opened`);
    }
    const buffer = Buffer.alloc(Math.min(opened.size, maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes || filled > opened.size) {
      return fail(`'${path}' grew while it was being read (above ${opened.size} bytes)`);
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    if (KlingValidationError.is(error)) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'not readable (permission denied)'
          : `not readable (${typeof code === 'string' ? code : String(error)})`;
    return fail(`'${path}': ${why}`);
  } finally {
    await handle?.close().catch(() => {});
  }
}

function kindOf(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a file';
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
};

/** One local image in a request: where it sits (for errors and for the URL that replaces it). */
export interface LocalMedia {
  field: 'startImage' | 'endImage' | 'referenceImages';
  index?: number;
  source: string | Uint8Array;
}

/** The request's images that are local files or bytes (and so must be uploaded first). */
export function findLocalMedia(request: ResolvedVideoRequest): LocalMedia[] {
  const found: LocalMedia[] = [];
  for (const field of ['startImage', 'endImage'] as const) {
    const source = request[field];
    if (source !== undefined && isLocalMedia(source, { base64: false })) found.push({ field, source });
  }
  request.referenceImages?.forEach((source, index) => {
    if (isLocalMedia(source, { base64: true })) found.push({ field: 'referenceImages', index, source });
  });
  return found;
}

/** Reads and checks every local image; one `KlingValidationError` lists every problem with any of them. */
export async function prepareAll(media: readonly LocalMedia[], target: ImageTarget): Promise<PreparedFile[]> {
  const settled = await Promise.allSettled(
    media.map((m) => prepareFile(m.source, m.index === undefined ? [m.field] : [m.field, m.index], target)),
  );
  const issues: ValidationIssue[] = [];
  const files: PreparedFile[] = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') files.push(result.value);
    else if (KlingValidationError.is(result.reason)) issues.push(...result.reason.issues);
    else throw result.reason;
  }
  if (issues.length > 0) throw new KlingValidationError(issues);
  return files;
}

/** The request with each local image replaced by the URL it was uploaded to (same order as `media`). */
export function withUploadedUrls(
  request: ResolvedVideoRequest,
  media: readonly LocalMedia[],
  urls: readonly string[],
): ResolvedVideoRequest {
  const ready: ResolvedVideoRequest = { ...request };
  if (request.referenceImages !== undefined) ready.referenceImages = [...request.referenceImages];
  media.forEach((m, i) => {
    const url = urls[i];
    if (url === undefined) return;
    if (m.field === 'referenceImages' && m.index !== undefined && ready.referenceImages !== undefined) {
      ready.referenceImages[m.index] = url;
    } else if (m.field !== 'referenceImages') {
      ready[m.field] = url;
    }
  });
  return ready;
}
