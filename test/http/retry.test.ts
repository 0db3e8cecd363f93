import { describe, expect, it } from 'vitest';
import {
  KlingApiError,
  KlingConnectionError,
  KlingResponseError,
  KlingTimeoutError,
} from '../../src/errors.js';
import {
  backoffDelay,
  classifyFailure,
  DEFAULT_RETRY_POLICY,
  isRetryableRead,
  isRetryableSubmit,
  parseRetryAfter,
  retryDelay,
} from '../../src/http/retry.js';

const now = Date.parse('2026-11-22T12:00:00Z');
const api = (status: number, retryAfterMs?: number) =>
  KlingApiError.from('x', {
    gateway: 'evolink',
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('7', now, 60_000)).toBe(7000);
    expect(parseRetryAfter('0', now, 60_000)).toBe(0);
    expect(parseRetryAfter(' 1.5 ', now, 60_000)).toBe(1500);
  });
  it('reads an HTTP date (1 s resolution) against the given clock', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 12:00:05 GMT', now, 60_000)).toBe(5000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 11:59:00 GMT', now, 60_000)).toBe(0);
  });
  it('caps at the maximum and ignores junk', () => {
    expect(parseRetryAfter('3600', now, 60_000)).toBe(60_000);
    expect(parseRetryAfter('soon', now, 60_000)).toBeUndefined();
    expect(parseRetryAfter('', now, 60_000)).toBeUndefined();
    expect(parseRetryAfter(null, now, 60_000)).toBeUndefined();
    expect(parseRetryAfter('-5', now, 60_000)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially with full jitter, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 500, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(1000);
  });
  it("prefers the server's Retry-After", () => {
    expect(retryDelay(api(429, 2500), 1, DEFAULT_RETRY_POLICY, () => 1)).toBe(2500);
    expect(retryDelay(api(503, 100), 4, DEFAULT_RETRY_POLICY, () => 1)).toBe(100);
    expect(retryDelay(api(503), 1, DEFAULT_RETRY_POLICY, () => 1)).toBe(500);
  });
});

describe('what is retried', () => {
  const refused = new KlingConnectionError('x', { code: 'ECONNREFUSED' });
  const reset = new KlingConnectionError('x', { code: 'ECONNRESET' });
  const timeout = new KlingTimeoutError('x');
  const garbled = new KlingResponseError('evolink', 'x');

  it('reads: network errors, timeouts, garbled replies, 408, 429, 5xx', () => {
    for (const e of [refused, reset, timeout, garbled, api(408), api(429), api(500), api(503)]) {
      expect(isRetryableRead(e)).toBe(true);
    }
    for (const e of [api(400), api(401), api(402), api(404), new Error('bug')])
      expect(isRetryableRead(e)).toBe(false);
  });
  it('submits: only what provably did not reach the gateway, or was refused with 429', () => {
    expect(isRetryableSubmit(refused, false)).toBe(true);
    expect(isRetryableSubmit(new KlingConnectionError('x', { code: 'ENOTFOUND' }), false)).toBe(true);
    expect(isRetryableSubmit(api(429), false)).toBe(true);
    for (const e of [reset, timeout, garbled, api(500), api(502), api(408)])
      expect(isRetryableSubmit(e, false)).toBe(false);
  });
  it('submits where the gateway dedupes: as reads', () => {
    for (const e of [reset, timeout, api(500), api(503)]) expect(isRetryableSubmit(e, true)).toBe(true);
    expect(isRetryableSubmit(api(400), true)).toBe(false);
  });
});

describe('classifyFailure: the one classifier (kind, capability, attempt history)', () => {
  const reset = new KlingConnectionError('x', { code: 'ECONNRESET' });
  const refused = new KlingConnectionError('x', { code: 'ECONNREFUSED' });

  it('reads: retried as reads, and they leave no taskState', () => {
    expect(classifyFailure('read', [api(503)], false)).toEqual({ retry: true, taskState: undefined });
    expect(classifyFailure('read', [api(404)], true)).toEqual({ retry: false, taskState: undefined });
  });
  it('uploads: retried as reads, and never leave a task behind', () => {
    expect(classifyFailure('upload', [reset], false)).toEqual({ retry: true, taskState: 'not-created' });
    expect(classifyFailure('upload', [api(401)], false)).toEqual({ retry: false, taskState: 'not-created' });
  });
  it('submits: judged from the whole history, not the last answer', () => {
    expect(classifyFailure('submit', [refused], false)).toEqual({ retry: true, taskState: 'not-created' });
    // A 429 after an attempt that may have reached the gateway: no re-send, and the task may exist.
    expect(classifyFailure('submit', [api(503), api(429)], false)).toEqual({
      retry: false,
      taskState: 'may-exist',
    });
    expect(classifyFailure('submit', [reset], false)).toEqual({ retry: false, taskState: 'may-exist' });
  });
  it('submits where the gateway dedupes: re-sent under the same key, still may-exist until one answers', () => {
    expect(classifyFailure('submit', [reset], true)).toEqual({ retry: true, taskState: 'may-exist' });
    expect(classifyFailure('submit', [api(409)], true)).toEqual({ retry: false, taskState: 'not-created' });
  });
});
