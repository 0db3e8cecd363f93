/**
 * Reading a gateway's JSON reply, the one way every part of the SDK does it (status, create, upload,
 * balance and error replies, webhook bodies): nesting depth bounded, the API key redacted, and any
 * failure a `KlingResponseError`.
 *
 * Why the depth bound: V8's `JSON.parse` is iterative and happily builds a value nested a million
 * levels deep (2 MB of `[`), but everything that later walks it recursively (`JSON.stringify`,
 * `Array.prototype.join`, `structuredClone`, a caller's logger) throws an untyped `RangeError`. So a
 * reply nested deeper than `MAX_JSON_DEPTH` is refused before it is parsed; no documented reply of any
 * gateway comes near it.
 */
import type { GatewayId } from '../catalog/index.js';
import { KlingResponseError } from '../errors.js';
import {
  EXCERPT_LENGTH,
  excerptText,
  isRedactable,
  redactEdges,
  redactText,
  redactValue,
  SIGNED_TOKEN_PREFIX,
} from './redact.js';

/** Deeper than this, a reply is refused. The deepest documented gateway reply is 5 levels. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const OPEN_BRACE = 123; // {
const OPEN_BRACKET = 91; // [
const CLOSE_BRACE = 125; // }
const CLOSE_BRACKET = 93; // ]

/** Whether `text` holds at most `limit` opening brackets in all (counted with `indexOf`, stopping early). */
function fewOpeners(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return false;
  return true;
}

/**
 * Whether objects and arrays in JSON text nest deeper than `maxDepth` (brackets inside strings don't
 * count). Status replies are on the hot path (bench/overhead.ts), so the common case is decided
 * without a character loop: text with at most `maxDepth` opening brackets in all cannot nest deeper,
 * and counting them with `indexOf` costs ~0.1 µs on a 600-byte reply (a `JSON.parse` of it ~1.5 µs).
 * Otherwise one linear pass, string contents skipped with `indexOf`, stopping at the first level too
 * deep (a million-level body is refused in under a microsecond instead of parsed in a second). Invalid
 * JSON is not diagnosed here; `JSON.parse` does that.
 */
export function nestsDeeperThan(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  if (fewOpeners(text, maxDepth)) return false;
  // Decided out here and passed in: with the search inside the scan, V8 20 compiles the character
  // loop ~100× slower (measured: 35 ms instead of 0.3 ms on 130 kB).
  return scanDepth(text, maxDepth, text.includes('\\'));
}

function scanDepth(text: string, maxDepth: number, escapes: boolean): boolean {
  const length = text.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: the next one not escaped by an odd run of backslashes.
      for (;;) {
        const close = text.indexOf('"', i + 1);
        if (close === -1) return false;
        i = close;
        if (!escapes) break;
        let run = 0;
        while (text.charCodeAt(close - 1 - run) === BACKSLASH) run++;
        if ((run & 1) === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

export type JsonReading =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'not-json' | 'too-deep'; message: string };

/**
 * Parses a reply without throwing: its value (the key redacted from every string in it), or why it
 * could not be read. `secret` is the API key; when the text holds no key (and no escape sequence that
 * could spell one) the parsed value is returned untouched, so a clean reply costs one `includes`.
 */
export function readJson(text: string, secret?: string): JsonReading {
  if (nestsDeeperThan(text)) {
    return {
      ok: false,
      problem: 'too-deep',
      message: `the reply nests deeper than ${MAX_JSON_DEPTH} levels`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not-json', message: 'the reply is not JSON' };
  }
  // A key can only be in the value if the text holds it, or spells it with escape sequences.
  if (
    isRedactable(secret) &&
    (text.includes(secret) || text.includes('\\') || text.includes(SIGNED_TOKEN_PREFIX))
  ) {
    value = redactValue(value, secret);
  }
  return { ok: true, value };
}

/**
 * Parses a gateway's reply (or a webhook body): the value, the key redacted from it; or a
 * `KlingResponseError` with a redacted excerpt when it is not JSON or nests deeper than
 * `MAX_JSON_DEPTH` levels. A garbled status reply is thus a retryable read, never a `RangeError`.
 */
export function parseJsonReply(gateway: GatewayId, text: string, secret?: string): unknown {
  const reading = readJson(text, secret);
  if (reading.ok) return reading.value;
  throw new KlingResponseError(gateway, `${gateway}: ${reading.message}`, {
    excerpt: excerptText(text, secret),
  });
}

/**
 * A short JSON excerpt of a parsed value (for an error), built only as far as `max` characters and
 * `MAX_JSON_DEPTH` levels: never a `RangeError`, never a 4 MB string to keep 200 characters of.
 */
export function jsonExcerpt(value: unknown, max = EXCERPT_LENGTH, secret?: string): string {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= max;
  };
  const write = (item: unknown, depth: number): boolean => {
    if (typeof item === 'string') return push(JSON.stringify(redactText(item, secret)));
    if (typeof item === 'number') return push(Number.isFinite(item) ? String(item) : 'null');
    if (typeof item === 'boolean' || item === null) return push(String(item));
    if (typeof item !== 'object') return push(item === undefined ? 'null' : JSON.stringify(String(item)));
    if (depth >= MAX_JSON_DEPTH) return push('…');
    if (Array.isArray(item)) {
      if (!push('[')) return false;
      for (let i = 0; i < item.length; i++) {
        if (i > 0 && !push(',')) return false;
        if (!write(item[i], depth + 1)) return false;
      }
      return push(']');
    }
    if (!push('{')) return false;
    let first = true;
    for (const key of Object.keys(item)) {
      if (!first && !push(',')) return false;
      first = false;
      if (!push(`${JSON.stringify(redactText(key, secret))}:`)) return false;
      if (!write((item as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return push('}');
  };
  if (typeof value === 'string') return excerptText(value, secret, max);
  if (value === undefined) return 'undefined';
  write(value, 0);
  const text = parts.join('');
  return text.length > max ? `${redactEdges(text.slice(0, max), secret)}…` : text;
}
