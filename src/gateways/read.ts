/**
 * Defensive reading of vendor replies: a reply is untrusted JSON of any shape, so every value is looked
 * up by path and checked for its type before it is used; what can't be read becomes a `KlingResponseError`.
 */
import type { GatewayId } from '../catalog/index.js';
import { KlingResponseError } from '../errors.js';
import { jsonExcerpt } from '../http/json.js';

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

/** `{ [key]: value }` when the value is there, `{}` otherwise (for optional fields under exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
