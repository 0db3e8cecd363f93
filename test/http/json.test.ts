/**
 * Reading a gateway reply (src/http/json.ts): nesting bounded before the parse, every failure a
 * KlingResponseError, the key redacted from the parsed value only when the text could hold it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KlingResponseError } from '../../src/errors.js';
import {
  jsonExcerpt,
  MAX_JSON_DEPTH,
  nestsDeeperThan,
  parseJsonReply,
  readJson,
} from '../../src/http/json.js';
import { EXCERPT_LENGTH, excerptText } from '../../src/http/redact.js';

const KEY = 'sk-live-SECRET-7f3a9c2e41d8';
const MILLION = 1_000_000;

/** The true nesting depth of a parsed JSON value (iterative: the value may be very deep). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    max = Math.max(max, depth + 1);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return max;
}

describe('nestsDeeperThan', () => {
  it('counts arrays and objects, exactly at the limit', () => {
    const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    expect(nestsDeeperThan(arrays(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(arrays(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsDeeperThan(objects(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(objects(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsDeeperThan(arrays(MILLION))).toBe(true);
    // Many brackets side by side are no depth (past the cheap count, the exact pass decides).
    expect(nestsDeeperThan(JSON.stringify(Array.from({ length: 5000 }, () => [{}])))).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ a: '['.repeat(500), b: '{"\\"['.repeat(200), c: ['\\'] });
    expect(nestsDeeperThan(inString)).toBe(false);
    const after = `[${JSON.stringify('say \\"[[[')},${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}]`;
    expect(nestsDeeperThan(after)).toBe(true);
  });

  it('agrees with the depth of the parsed value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(nestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 2000) },
    );
  });
});

describe('parseJsonReply', () => {
  it.each([
    ['a million levels of arrays', `${'['.repeat(MILLION)}${']'.repeat(MILLION)}`],
    ['a million levels of objects', `${'{"a":'.repeat(MILLION)}1${'}'.repeat(MILLION)}`],
    [
      'deep inside a normal reply',
      `{"id":"t","status":"processing","x":${'['.repeat(200)}${']'.repeat(200)}}`,
    ],
  ])('%s → KlingResponseError, not a RangeError', (_, text) => {
    let error: unknown;
    try {
      parseJsonReply('evolink', text);
    } catch (e) {
      error = e;
    }
    expect(KlingResponseError.is(error), String(error)).toBe(true);
    expect((error as Error).message).toBe(`evolink: the reply nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect((error as KlingResponseError).excerpt?.length).toBeLessThanOrEqual(EXCERPT_LENGTH + 1);
  });

  it('not JSON → KlingResponseError with a short excerpt', () => {
    const error = (() => {
      try {
        return parseJsonReply('apiframe', `<html>\n  <h1>502</h1>${'x'.repeat(5000)}</html>`);
      } catch (e) {
        return e;
      }
    })();
    expect(KlingResponseError.is(error)).toBe(true);
    expect((error as Error).message).toBe('apiframe: the reply is not JSON');
    expect((error as KlingResponseError).excerpt).toMatch(/^<html> <h1>502<\/h1>x+…$/);
  });

  it('a reply at the limit parses', () => {
    const text = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(() => parseJsonReply('evolink', text)).not.toThrow();
  });

  it('redacts the key from the parsed value, also when spelled with escapes', () => {
    const plain = JSON.stringify({ id: 't', error: { message: `bad key ${KEY}` }, [KEY]: [KEY] });
    expect(JSON.stringify(parseJsonReply('evolink', plain, KEY))).toBe(
      '{"id":"t","error":{"message":"bad key [redacted]"},"[redacted]":["[redacted]"]}',
    );
    const escaped = `{"message":"${[...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`;
    expect(escaped).not.toContain(KEY);
    expect(parseJsonReply('evolink', escaped, KEY)).toEqual({ message: '[redacted]' });
  });

  it('a clean reply comes back untouched, with or without a key', () => {
    const reading = readJson('{"a":[1,{"b":"c"}]}', KEY);
    expect(reading).toEqual({ ok: true, value: { a: [1, { b: 'c' }] } });
  });

  it('the excerpt of a reply that is not JSON never holds the key, even cut across it', () => {
    for (let pad = 100; pad < 125; pad++) {
      const text = `${'x'.repeat(pad)}${KEY} trailing text`;
      let excerpt: string | undefined;
      try {
        parseJsonReply('evolink', text, KEY);
      } catch (e) {
        excerpt = (e as KlingResponseError).excerpt;
      }
      expect(excerpt).toMatch(/^x+/);
      expect(excerpt).not.toContain(KEY.slice(0, 6));
    }
  });
});

describe('jsonExcerpt', () => {
  it('never recurses past the depth limit (a hand-built value 200,000 levels deep)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(jsonExcerpt(deep)).toBe(`${'['.repeat(MAX_JSON_DEPTH)}…${']'.repeat(MAX_JSON_DEPTH)}`);
  });

  it('is JSON.stringify for small values, cut at max', () => {
    const value = { id: 't', list: [1, 'two', null, true, { x: 1.5 }] };
    expect(jsonExcerpt(value)).toBe(JSON.stringify(value));
    expect(jsonExcerpt({ s: 'y'.repeat(500) }, 50)).toBe(
      `${JSON.stringify({ s: 'y'.repeat(500) }).slice(0, 50)}…`,
    );
    expect(jsonExcerpt('plain   text')).toBe('plain text');
    expect(jsonExcerpt(undefined)).toBe('undefined');
  });

  it('stops building once past max (a big value is not serialized whole)', () => {
    let reads = 0;
    const big = Array.from({ length: 50_000 }, (_, i) => ({
      get url() {
        reads++;
        return `https://cdn.example.com/${i}.mp4`;
      },
    }));
    expect(jsonExcerpt(big, 200)).toHaveLength(201);
    expect(reads).toBeLessThan(10);
  });
});

describe('one excerpt length across the SDK', () => {
  it('a reply shown as text and a value shown as JSON are cut at the same length', () => {
    const long = 'y'.repeat(5_000);
    expect(excerptText(long, undefined)).toHaveLength(EXCERPT_LENGTH + 1);
    expect(jsonExcerpt(long)).toHaveLength(EXCERPT_LENGTH + 1);
    expect(jsonExcerpt({ s: long })).toHaveLength(EXCERPT_LENGTH + 1);
  });
});
