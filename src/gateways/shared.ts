/** Helpers the four adapters share: defensive reading of replies, status words, raw-field merging. */
import type { GatewayId } from '../catalog/index.js';
import { KlingResponseError, KlingValidationError } from '../errors.js';
import { jsonExcerpt } from '../http/json.js';
import type {
  GatewayPaths,
  ParseContext,
  Task,
  TaskCost,
  TaskStatus,
  UploadFile,
  Video,
  WireRequest,
} from './types.js';

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** Dotted paths split once: the adapters read the same few dozen paths on every reply. */
const splitPaths = new Map<string, readonly string[]>();

function pathKeys(path: string): readonly string[] {
  let keys = splitPaths.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    if (splitPaths.size < 1024) splitPaths.set(path, keys);
  }
  return keys;
}

function isIndex(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The value at a dotted path (`'data.result.resources'`), or undefined if any step is missing. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of pathKeys(path)) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current)) {
      if (!isIndex(key)) return undefined;
      current = current[Number(key)];
    } else current = (current as Json)[key];
  }
  return current;
}

/** The first path that holds a usable string. */
export function firstString(value: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const found = asString(at(value, path));
    if (found !== undefined) return found;
  }
  return undefined;
}

export function isHttpUrl(value: unknown): value is string {
  return typeof value === 'string' && /^https?:\/\//i.test(value);
}

/**
 * A short excerpt of a body for error messages: never the whole 50 MB, and built only as deep and as
 * long as it shows, so a hostile value nested a million levels deep is no `RangeError` here.
 */
export function excerpt(body: unknown): string {
  return jsonExcerpt(body, 200);
}

export function malformed(gateway: GatewayId, what: string, body: unknown): KlingResponseError {
  return new KlingResponseError(gateway, `${gateway}: ${what}`, { excerpt: excerpt(body) });
}

/**
 * A vendor status word in our vocabulary: the caller's `statusMap` first, then the adapter's table,
 * both case-insensitive. An unknown word is reported, and never counts as success.
 */
export function normalizeStatus(
  word: string | undefined,
  table: Readonly<Record<string, TaskStatus>>,
  statusMap: ParseContext['statusMap'],
): { status: TaskStatus; unknown: boolean } {
  if (word === undefined) return { status: 'running', unknown: true };
  const lower = word.toLowerCase();
  if (statusMap !== undefined) {
    for (const spelling of Object.keys(statusMap)) {
      const status = statusMap[spelling];
      if (status !== undefined && spelling.toLowerCase() === lower) return { status, unknown: false };
    }
  }
  // Own properties only: a vendor word such as "constructor" or "__proto__" is unknown, not a function.
  const known = Object.hasOwn(table, lower) ? table[lower] : undefined;
  return known === undefined ? { status: 'running', unknown: true } : { status: known, unknown: false };
}

export interface TaskParts {
  gateway: GatewayId;
  id: string;
  raw: unknown;
  vendorStatus: string | undefined;
  table: Readonly<Record<string, TaskStatus>>;
  context: ParseContext;
  videos: Video[];
  error?: { code?: string | undefined; message?: string | undefined };
  progress?: number | undefined;
  etaSeconds?: number | undefined;
  cost?: TaskCost | undefined;
}

/**
 * Assembles the normalized task. A reply that carries a video URL counts as finished whatever its
 * status word (unless the word says failed or canceled); a "success" with no video is malformed.
 */
export function buildTask(parts: TaskParts): Task {
  const { status: named, unknown } = normalizeStatus(
    parts.vendorStatus,
    parts.table,
    parts.context.statusMap,
  );
  // Built by assignment, not spreads: this runs on every poll, and on Node 20 adding properties after
  // a spread costs ~30× a literal (bench/PERFORMANCE.md §1).
  const task: Record<string, unknown> = { id: parts.id, gateway: parts.gateway, raw: parts.raw };
  if (parts.vendorStatus !== undefined) task.vendorStatus = parts.vendorStatus;
  // A hint that is not a finite number (an out-of-range timestamp gives NaN) is no hint at all.
  if (parts.progress !== undefined && Number.isFinite(parts.progress)) {
    task.progress = Math.min(100, Math.max(0, Math.round(parts.progress)));
  }
  if (parts.etaSeconds !== undefined && Number.isFinite(parts.etaSeconds)) {
    task.etaSeconds = Math.max(0, parts.etaSeconds);
  }
  if (parts.cost !== undefined) task.cost = parts.cost;
  if (parts.videos.length > 0 && named !== 'failed' && named !== 'canceled') {
    task.status = 'succeeded';
    task.videos = parts.videos;
    return task as unknown as Task;
  }
  if (unknown) task.statusUnknown = true;
  task.status = named;
  if (named === 'failed' || named === 'canceled') {
    const code = parts.error?.code;
    const message =
      parts.error?.message ?? `the gateway reported the task ${parts.vendorStatus ?? named} without a reason`;
    task.error = code === undefined ? { message } : { code, message };
    return task as unknown as Task;
  }
  if (named === 'succeeded')
    throw malformed(parts.gateway, 'the task reports success but carries no video URL', parts.raw);
  return task as unknown as Task;
}

/**
 * Adds a caller's raw fields (`providerOptions.<gateway>`) to a wire body. Objects named in `nested`
 * merge one level down (`klingParams`, `model_params`); a key the SDK already mapped is an error.
 */
export function mergeRawFields(
  gateway: GatewayId,
  body: Json,
  raw: Record<string, unknown> | undefined,
  nested: readonly string[] = [],
): Json {
  if (raw === undefined) return body;
  const merged: Json = { ...body };
  const collisions: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const mine = asObject(merged[key]);
    const theirs = asObject(value);
    if (nested.includes(key) && theirs !== undefined && (mine !== undefined || merged[key] === undefined)) {
      const inner: Json = { ...(mine ?? {}) };
      for (const [innerKey, innerValue] of Object.entries(theirs)) {
        if (innerKey in inner) collisions.push(`${key}.${innerKey}`);
        else inner[innerKey] = innerValue;
      }
      merged[key] = inner;
    } else if (key in merged) collisions.push(key);
    else merged[key] = value;
  }
  if (collisions.length > 0) {
    throw new KlingValidationError(
      collisions.map((key) => ({
        path: ['providerOptions', gateway, ...key.split('.')],
        message: 'collides with a field the SDK maps from the request; set it through the request instead',
      })),
    );
  }
  return merged;
}

/** A date from an ISO string, unix seconds or unix milliseconds. */
export function toDate(value: unknown): Date | undefined {
  const n = asNumber(value);
  if (n !== undefined) {
    // Out of Date's range (±8.64e15 ms), a number is no date at all: an Invalid Date breaks every reader.
    const date = new Date(n < 1e12 ? n * 1000 : n);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A multipart form carrying `file` under `field`, after any plain text fields. */
export function multipartForm(
  file: UploadFile,
  field: string,
  fields: Record<string, string> = {},
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(field, new Blob([file.bytes], { type: file.contentType }), file.filename);
  return form;
}

/** `{ [key]: value }` when the value is there, `{}` otherwise (for optional fields under exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The status request every gateway uses: GET on the status path with the task id filled in. */
export function statusRequestByPath(id: string, { paths }: { paths: GatewayPaths }): WireRequest {
  return { method: 'GET', path: paths.status.replace('{id}', encodeURIComponent(id)), headers: {} };
}
