/**
 * Removing the API key from everything the SDK hands out: strings (messages, excerpts, logger
 * metadata) and structured values (a task's `raw`, `error.message`, `vendorStatus`; an error's `task`,
 * `lastTask`, `excerpt`). A gateway that echoes the key back must not leak it into a log line,
 * `JSON.stringify(error)`, `util.inspect(error)` or the CLI's `--json`.
 *
 * Text is redacted before it is cut, so an excerpt never ends in the middle of the key; and a cut edge
 * that still holds a piece of the key (a body cut upstream, a vendor's own truncation) is redacted too.
 */

export const REDACTED = '[redacted]';

/** Shorter "keys" (test keys such as `'k'`) are not redacted: that would shred every message. */
const MIN_SECRET_LENGTH = 4;
/** A piece of the key this long at the edge of a cut text counts as the key. */
const MIN_EDGE_LENGTH = 6;
/** Structured values are walked this deep at most; a deeper subtree is replaced, never walked. */
const MAX_REDACT_DEPTH = 100;
export const REDACTED_TOO_DEEP = '[nested too deeply]';

/** Whether `secret` is long enough to be redacted at all. */
export function isRedactable(secret: string | undefined): secret is string {
  return typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH;
}

/**
 * The start of every token the SDK signs (the official Kling API's access-key JWTs: the base64url of
 * `{"alg":"HS256","typ":"JWT"}` and a dot). Tokens change every half hour, so they are not one key to
 * look for: each one is found by this prefix and redacted whole, whatever the client's key.
 */
export const SIGNED_TOKEN_PREFIX = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.';
const SIGNED_TOKEN = /eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g;

/** Whether `text` holds the key or a signed token. */
export function holdsSecret(text: string, secret: string | undefined): boolean {
  return (isRedactable(secret) && text.includes(secret)) || text.includes(SIGNED_TOKEN_PREFIX);
}

/** `text` with every occurrence of the key (and of a signed token) replaced. `text` itself when none. */
export function redactText(text: string, secret: string | undefined): string {
  const clean = text.includes(SIGNED_TOKEN_PREFIX) ? text.replace(SIGNED_TOKEN, REDACTED) : text;
  if (!isRedactable(secret) || !clean.includes(secret)) return clean;
  return clean.split(secret).join(REDACTED);
}

/**
 * `text` (already free of whole keys) with a piece of the key at either edge replaced: a prefix of
 * the key at the end (the text was cut in the middle of it) or a suffix of it at the start.
 */
export function redactEdges(text: string, secret: string | undefined): string {
  if (!isRedactable(secret)) return text;
  let out = text;
  for (let k = Math.min(secret.length - 1, out.length); k >= MIN_EDGE_LENGTH; k--) {
    if (out.endsWith(secret.slice(0, k))) {
      out = `${out.slice(0, out.length - k)}${REDACTED}`;
      break;
    }
  }
  for (let k = Math.min(secret.length - 1, out.length); k >= MIN_EDGE_LENGTH; k--) {
    if (out.startsWith(secret.slice(secret.length - k))) {
      out = `${REDACTED}${out.slice(k)}`;
      break;
    }
  }
  return out;
}

/** The one length of an excerpt in an error, in characters (a reply's text or JSON, a value shown back). */
export const EXCERPT_LENGTH = 200;

/**
 * A short excerpt of `text` for an error: whitespace folded, the key redacted BEFORE the cut, then
 * cut to `max` characters (with `…`), then the cut edges guarded against a piece of the key.
 */
export function excerptText(text: string, secret: string | undefined, max = EXCERPT_LENGTH): string {
  const flat = redactText(text, secret).replace(/\s+/g, ' ').trim();
  const cut = flat.length > max;
  const guarded = redactEdges(cut ? flat.slice(0, max) : flat, secret);
  return cut ? `${guarded}…` : guarded;
}

/** An excerpt made elsewhere (possibly without the key at hand), redacted as `excerptText` would. */
export function redactExcerpt(excerpt: string, secret: string | undefined): string {
  if (!isRedactable(secret)) return excerpt;
  const whole = redactText(excerpt, secret);
  const cut = whole.endsWith('…');
  const guarded = redactEdges(cut ? whole.slice(0, -1) : whole, secret);
  return cut ? `${guarded}…` : guarded;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Never `target[key] = value`: a key named "__proto__" (JSON.parse makes it an own property) would
  // set the prototype instead.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `value` with the key removed from every string in it (and from object keys), at most
 * `MAX_REDACT_DEPTH` levels deep. Copy on write: objects and arrays that hold no key are returned
 * as they are (the same reference), so nothing a caller holds is mutated and a clean value costs no
 * allocation. Errors inside are redacted in place (`redactError`). Other class instances are kept.
 */
export function redactValue<T>(value: T, secret: string | undefined): T {
  if (!isRedactable(secret)) return value;
  return walk(value, secret, 0, new Map()) as T;
}

function walk(value: unknown, secret: string, depth: number, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redactText(value, secret);
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Error) {
    seen.set(value, value);
    scrubError(value, secret, seen, depth);
    return value;
  }
  if (depth >= MAX_REDACT_DEPTH) return REDACTED_TOO_DEEP;
  // A cycle resolves to the original (its strings are redacted where the walk met them first).
  seen.set(value, value);
  let result: unknown = value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const clean = walk(item, secret, depth + 1, seen);
      if (clean !== item && copy === undefined) copy = value.slice(0, i);
      if (copy !== undefined) copy.push(clean);
    }
    if (copy !== undefined) result = copy;
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    let copy: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = value[key];
      const cleanKey = redactText(key, secret);
      const clean = walk(item, secret, depth + 1, seen);
      if ((clean !== item || cleanKey !== key) && copy === undefined) {
        copy = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
        for (let j = 0; j < i; j++) {
          const earlier = keys[j] as string;
          defineOwn(copy as Record<string, unknown>, earlier, value[earlier]);
        }
      }
      if (copy !== undefined) defineOwn(copy, cleanKey, clean);
    }
    if (copy !== undefined) result = copy;
  }
  seen.set(value, result);
  return result;
}

/**
 * Removes the key from an error, in place: its message and stack, every own enumerable field
 * (`excerpt`, `task`, `lastTask`, `requestId`, `issues`...; values replaced by redacted copies), and
 * the same for its causes and an AggregateError's errors, a bounded number of them.
 */
export function redactError(error: unknown, secret: string | undefined): void {
  if (!isRedactable(secret) || !(error instanceof Error)) return;
  scrubError(error, secret, new Map(), 0);
}

const MAX_ERRORS = 32;

function scrubError(error: Error, secret: string, seen: Map<object, unknown>, depth: number): void {
  const queue: Error[] = [error];
  const done = new Set<Error>();
  for (let n = 0; n < queue.length && done.size < MAX_ERRORS; n++) {
    const current = queue[n] as Error;
    if (done.has(current)) continue;
    done.add(current);
    seen.set(current, current);
    const fields = current as unknown as Record<string, unknown>;
    for (const field of ['message', 'stack']) {
      const text = fields[field];
      if (typeof text === 'string' && holdsSecret(text, secret))
        replaceField(current, field, redactText(text, secret));
    }
    for (const field of Object.keys(current)) {
      const item = fields[field];
      const clean =
        field === 'excerpt' && typeof item === 'string'
          ? redactExcerpt(item, secret)
          : walk(item, secret, depth + 1, seen);
      if (clean !== item) replaceField(current, field, clean);
    }
    const cause: unknown = current.cause;
    if (cause instanceof Error) queue.push(cause);
    else if (cause !== undefined) {
      const clean = walk(cause, secret, depth + 1, seen);
      if (clean !== cause) replaceField(current, 'cause', clean);
    }
    if (current instanceof AggregateError && Array.isArray(current.errors)) {
      for (const inner of current.errors) if (inner instanceof Error) queue.push(inner);
    }
  }
}

function replaceField(target: object, field: string, value: unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, field);
  try {
    Object.defineProperty(target, field, {
      value,
      writable: true,
      configurable: true,
      enumerable: descriptor?.enumerable ?? false,
    });
  } catch {
    // A frozen error (not ours): nothing more can be done.
  }
}
