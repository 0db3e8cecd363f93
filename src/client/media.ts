/**
 * Local images for the upload APIs: read a path (or take the bytes), check it, and name its type.
 * Everything here fails with `KlingValidationError` naming the request field, before any request.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { isLocalMedia } from '../catalog/index.js';
import { KlingValidationError, type ValidationIssue } from '../errors.js';
import type { ResolvedVideoRequest } from '../request/index.js';

/** The largest file the client reads into memory to upload (EvoLink's documented limit is 100 MB). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface UploadOptions {
  signal?: AbortSignal;
  /** The file name the gateway sees; default: the path's base name, or `image.<ext>` for bytes. */
  filename?: string;
  /** Default: sniffed from the first bytes (PNG, JPEG, GIF, WebP, MP4), else from the file extension. */
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

/** Reads `source` (a path, relative to the working directory, or bytes) into a file to upload. */
export async function prepareFile(
  source: string | Uint8Array,
  path: (string | number)[],
  options: Pick<UploadOptions, 'filename' | 'contentType'> = {},
): Promise<PreparedFile> {
  const fail = (message: string): never => {
    throw new KlingValidationError([{ path, message }]);
  };
  let bytes: Uint8Array;
  let name: string | undefined;
  if (typeof source === 'string') {
    if (source.trim() === '' || source.includes('\0')) fail('must be a file path');
    bytes = await readLocalFile(source, fail);
    name = basename(source);
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else {
    return fail('must be a file path or bytes (a Buffer or Uint8Array)');
  }
  if (bytes.byteLength === 0) fail('is empty (0 bytes)');
  if (bytes.byteLength > MAX_UPLOAD_BYTES) fail(`is larger than ${MAX_UPLOAD_BYTES} bytes`);
  const contentType =
    options.contentType ?? sniffContentType(bytes) ?? typeFromExtension(name) ?? 'application/octet-stream';
  const filename = options.filename ?? name ?? `image${EXTENSIONS[contentType] ?? '.bin'}`;
  return { bytes, filename, contentType };
}

async function readLocalFile(path: string, fail: (message: string) => never): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return fail(`'${path}' is not a file`);
    if (info.size > MAX_UPLOAD_BYTES) return fail(`'${path}' is larger than ${MAX_UPLOAD_BYTES} bytes`);
    return await readFile(path);
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
  }
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'video/mp4': '.mp4',
};

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
};

function typeFromExtension(name: string | undefined): string | undefined {
  return name === undefined ? undefined : BY_EXTENSION[extname(name).toLowerCase()];
}

/** The type the first bytes announce (gateways check them too: EvoLink "will automatically identify"). */
export function sniffContentType(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 8 && ascii(1, 4) === 'PNG' && bytes[0] === 0x89) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'image/gif';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') return 'video/mp4';
  return undefined;
}

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

/** Reads every local image; one `KlingValidationError` lists every file that can't be read. */
export async function prepareAll(media: readonly LocalMedia[]): Promise<PreparedFile[]> {
  const settled = await Promise.allSettled(
    media.map((m) => prepareFile(m.source, m.index === undefined ? [m.field] : [m.field, m.index])),
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
