/**
 * One redaction (src/http/redact.ts): the key out of strings (before any cut, and a piece of it at a
 * cut edge), out of structured values without touching what holds no key, out of errors in place.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KlingTaskFailedError, KlingTimeoutError } from '../../src/errors.js';
import {
  excerptText,
  REDACTED,
  REDACTED_TOO_DEEP,
  redactEdges,
  redactError,
  redactExcerpt,
  redactText,
  redactValue,
} from '../../src/http/redact.js';

const KEY = 'sk-live-SECRET-7f3a9c2e41d8';

/** Every 8-character piece of the key that occurs in `text`. */
function pieces(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 8 <= KEY.length; i++)
    if (text.includes(KEY.slice(i, i + 8))) found.push(KEY.slice(i, i + 8));
  return found;
}

describe('strings', () => {
  it('replaces every occurrence, and leaves short or absent keys alone', () => {
    expect(redactText(`a ${KEY} b ${KEY}`, KEY)).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redactText('nothing here', KEY)).toBe('nothing here');
    expect(redactText('k k k', 'k')).toBe('k k k');
    expect(redactText(`a ${KEY}`, undefined)).toBe(`a ${KEY}`);
  });

  it('a piece of the key at either edge of a cut text', () => {
    expect(redactEdges(`prefix ${KEY.slice(0, 12)}`, KEY)).toBe(`prefix ${REDACTED}`);
    expect(redactEdges(`${KEY.slice(-9)} suffix`, KEY)).toBe(`${REDACTED} suffix`);
    // Shorter than 6 characters is no piece of the key.
    expect(redactEdges(`prefix ${KEY.slice(0, 5)}`, KEY)).toBe(`prefix ${KEY.slice(0, 5)}`);
  });

  it('an excerpt cut anywhere across the key holds no 8-character piece of it', () => {
    for (let pad = 0; pad < 140; pad++) {
      const text = `${'x'.repeat(pad)}${KEY}${'y'.repeat(200)}`;
      const excerpt = excerptText(text, KEY, 120);
      expect(pieces(excerpt), `pad ${pad}: ${excerpt}`).toEqual([]);
      // The same excerpt cut without the key at hand, redacted afterwards (an error's `excerpt`).
      const cutBlind = `${text.slice(0, 120)}…`;
      expect(pieces(redactExcerpt(cutBlind, KEY)), `pad ${pad}`).toEqual([]);
    }
  });

  it('the issue example: …sk-live-SECRET-7f3a…', () => {
    const excerpt = `{"error":"invalid key ${KEY.slice(0, 19)}…`;
    expect(redactExcerpt(excerpt, KEY)).toBe(`{"error":"invalid key ${REDACTED}…`);
  });
});

describe('structured values', () => {
  it('copies only what holds the key; the original is not mutated', () => {
    const clean = { a: 1, b: ['x'] };
    const raw = { clean, data: { message: `bad ${KEY}`, list: [1, KEY] }, [KEY]: true };
    const copy = JSON.parse(JSON.stringify(raw));
    const redacted = redactValue(raw, KEY);
    expect(raw).toEqual(copy);
    expect(redacted).not.toBe(raw);
    expect(redacted.clean).toBe(clean);
    expect(redacted).toEqual({
      clean,
      data: { message: `bad ${REDACTED}`, list: [1, REDACTED] },
      [REDACTED]: true,
    });
    expect(redactValue(clean, KEY)).toBe(clean);
  });

  it('a "__proto__" key stays an own property of the copy', () => {
    const raw = JSON.parse(`{"__proto__":{"polluted":"${KEY}"},"m":"${KEY}"}`);
    const redacted = redactValue(raw, KEY) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.hasOwn(redacted, '__proto__')).toBe(true);
    expect(JSON.stringify(redacted)).toBe(`{"__proto__":{"polluted":"${REDACTED}"},"m":"${REDACTED}"}`);
  });

  it('bounded depth: a hand-built value 200,000 levels deep is cut, not a RangeError', () => {
    let deep: unknown = KEY;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const redacted = redactValue(deep, KEY);
    let level: unknown = redacted;
    let depth = 0;
    while (Array.isArray(level)) {
      level = level[0];
      depth++;
    }
    expect(level).toBe(REDACTED_TOO_DEEP);
    expect(depth).toBe(100);
  });

  it('cycles and shared references end', () => {
    const shared = { m: KEY };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    const redacted = redactValue(cyclic, KEY) as Record<string, { m: string }>;
    expect(redacted.a?.m).toBe(REDACTED);
    expect(redacted.b).toBe(redacted.a);
  });
});

describe('errors', () => {
  it('message, stack, excerpt, task, lastTask and causes', () => {
    const task = {
      id: 't',
      gateway: 'evolink' as const,
      status: 'failed' as const,
      vendorStatus: KEY,
      error: { message: `rejected ${KEY}` },
      raw: { echo: KEY },
    };
    const cause = Object.assign(new Error(`inner ${KEY}`), { excerpt: `…${KEY.slice(0, 10)}` });
    const failed = new KlingTaskFailedError(`failed: ${KEY}`, task, { cause });
    const timeout = new KlingTimeoutError('late', {
      lastTask: task,
      cause: new AggregateError([failed], 'x'),
    });
    redactError(timeout, KEY);
    for (const error of [failed, timeout]) {
      const surfaces = [
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: null, showHidden: true }),
      ];
      for (const surface of surfaces) expect(pieces(surface)).toEqual([]);
    }
    // The caller's object was replaced on the error, not mutated.
    expect(task.raw.echo).toBe(KEY);
    expect(failed.task).not.toBe(task);
    expect(failed.task.error.message).toBe(`rejected ${REDACTED}`);
  });

  it('an error without the key keeps its fields (same references)', () => {
    const task = {
      id: 't',
      gateway: 'evolink' as const,
      status: 'failed' as const,
      error: { message: 'x' },
      raw: {},
    };
    const error = new KlingTaskFailedError('failed', task);
    redactError(error, KEY);
    expect(error.task).toBe(task);
  });
});
