/**
 * Issue 10, items 1, 2 and 5–10: a submit's outcome from its whole attempt history, requests that
 * provably never left, waits that always look once, finite delays, long deadlines, queued calls that
 * leave on abort, replies for another task, and status words that are prototype names.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextPollDelay } from '../../src/client/poll-delay.js';
import { abortableSleep, MAX_TIMER_MS, setLongTimeout } from '../../src/http/clock.js';
import { Limiter } from '../../src/http/limiter.js';
import { attemptTaskState, submitOutcome } from '../../src/http/retry.js';
import { createTransport } from '../../src/http/transport.js';
import {
  KlingApiError,
  KlingClient,
  KlingConnectionError,
  KlingRateLimitError,
  KlingResponseError,
  KlingRouter,
  KlingSubmitUncertainError,
  KlingTimeoutError,
  KlingValidationError,
  type Task,
} from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { json, networkError, type Step, scriptedFetch } from '../helpers/scripted-fetch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const KEY = 'sk-trust-secret-424242';
const prompt = 'a lighthouse in a storm';
const evolinkCreated = json(200, { id: 'task-unified-1', status: 'pending' });

function client(gateway: 'apiframe' | 'evolink', steps: Step[] | ((c: unknown, i: number) => Step)) {
  const { fetch, calls } = scriptedFetch(steps as Step[]);
  const clock = new VirtualClock();
  return {
    client: new KlingClient({ gateway, apiKey: KEY, baseUrl: 'https://gw.test', fetch, clock }),
    calls,
    clock,
  };
}

describe('a submit is judged by its whole attempt history (item 1)', () => {
  const reset = networkError('ECONNRESET');
  const refusals: [string, Step][] = [
    ['429', json(429, { error: 'slow down' }, { 'retry-after': '0' })],
    ['402', json(402, { error: 'no credits' })],
    ['400', json(400, { error: 'bad request' })],
  ];

  for (const [name, refusal] of refusals) {
    it(`apiframe: a reset after the body was sent, then ${name} on the retry: may-exist, with the key`, async () => {
      const { client: apiframe, calls } = client('apiframe', [reset, refusal]);
      const error = await rejection(apiframe.submit({ prompt }, { maxRetries: 1 }));
      expect(KlingSubmitUncertainError.is(error)).toBe(true);
      const uncertain = error as KlingSubmitUncertainError;
      expect(uncertain.taskState).toBe('may-exist');
      expect(uncertain.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(uncertain.message).toMatch(/ECONNRESET/);
      expect(uncertain.message).toContain(uncertain.idempotencyKey);
      // Both attempts carried the same key, so the re-send could not have made a second task.
      expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([
        uncertain.idempotencyKey,
        uncertain.idempotencyKey,
      ]);
    });
  }

  it('apiframe: a 503 then a 400 is may-exist; three 429s are not-created', async () => {
    const first = client('apiframe', [json(503, {}), json(400, { error: 'no' })]);
    const error = await rejection(first.client.submit({ prompt }, { maxRetries: 1 }));
    expect(KlingSubmitUncertainError.is(error)).toBe(true);

    const second = client('apiframe', [json(429, {}, { 'retry-after': '0' })]);
    const refused = await rejection(second.client.submit({ prompt }, { maxRetries: 2 }));
    expect(KlingRateLimitError.is(refused)).toBe(true);
    expect((refused as KlingApiError).taskState).toBe('not-created');
    expect(second.calls).toHaveLength(3);
  });

  it('the router never fails over after an attempt that may have created a task', async () => {
    const apiframe = client('apiframe', [reset, json(429, {}, { 'retry-after': '0' })]);
    const evolink = client('evolink', [evolinkCreated]);
    const router = new KlingRouter({ clients: [apiframe.client, evolink.client], strategy: 'ordered' });
    const error = await rejection(router.submit({ prompt }, { maxRetries: 1 }));
    expect(KlingSubmitUncertainError.is(error)).toBe(true);
    expect(evolink.calls).toHaveLength(0);
  });

  it('the router does fail over after a definite refusal on every attempt', async () => {
    const apiframe = client('apiframe', [json(402, { error: 'no credits' })]);
    const evolink = client('evolink', [evolinkCreated]);
    const router = new KlingRouter({ clients: [apiframe.client, evolink.client], strategy: 'ordered' });
    const handle = await router.submit({ prompt });
    expect(handle.gateway).toBe('evolink');
    expect(handle.skipped.map((s) => s.gateway)).toEqual(['apiframe']);
  });

  it('classifies each attempt, and the submit from all of them (pure)', () => {
    const api = (status: number) => KlingApiError.from('x', { gateway: 'evolink', status }) as KlingApiError;
    const refused = new KlingConnectionError('refused', { code: 'ECONNREFUSED' });
    const resetError = new KlingConnectionError('reset', { code: 'ECONNRESET' });
    expect(attemptTaskState(refused, false)).toBe('not-created');
    expect(attemptTaskState(resetError, false)).toBe('may-exist');
    expect(attemptTaskState(api(429), false)).toBe('not-created');
    expect(attemptTaskState(api(502), false)).toBe('may-exist');
    expect(attemptTaskState(api(408), false)).toBe('may-exist');
    expect(attemptTaskState(api(409), false)).toBe('may-exist');
    expect(attemptTaskState(api(409), true)).toBe('not-created');
    expect(attemptTaskState(new KlingTimeoutError('t'), false)).toBe('may-exist');
    expect(attemptTaskState(new KlingTimeoutError('queued', { taskState: 'not-created' }), false)).toBe(
      'not-created',
    );
    expect(submitOutcome([refused, api(429), api(402)], true)).toBe('not-created');
    expect(submitOutcome([resetError, api(429), api(402)], true)).toBe('may-exist');
    expect(submitOutcome([api(429), api(500)], false)).toBe('may-exist');
    expect(submitOutcome([], false)).toBe('not-created');
  });
});

describe('a request that provably never left is not-created (item 2)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('a header value with CR/LF is refused before anything is written, on both transports', async () => {
    let connections = 0;
    server = createServer((_, res) => res.end('{}'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/tasks/x`;
    const fetchCalls: string[] = [];
    const transports = [
      createTransport(),
      createTransport({
        fetch: (input, init) => {
          fetchCalls.push(input);
          return fetch(input, init);
        },
      }),
    ];
    for (const transport of transports) {
      const error = await rejection(
        transport.send({
          gateway: 'evolink',
          method: 'GET',
          url,
          headers: { authorization: 'Bearer abc\r\nX-Injected: 1' },
          timeoutMs: 5_000,
          maxBodyBytes: 1024,
        }),
      );
      expect(KlingValidationError.is(error)).toBe(true);
      expect((error as KlingValidationError).taskState).toBe('not-created');
      expect(String((error as Error).message)).not.toContain('abc');
      await transport.close();
    }
    expect(connections).toBe(0);
    expect(fetchCalls).toHaveLength(0);
  });

  it('undici refusing a request while building it counts as never sent', () => {
    const invalid = new KlingConnectionError('invalid', { code: 'UND_ERR_INVALID_ARG' });
    expect(attemptTaskState(invalid, false)).toBe('not-created');
  });
});

describe('a wait always looks once before its deadline (item 5)', () => {
  it('a handle submitted a moment ago, a 5 s deadline, a task already done: one read, success', async () => {
    const done = json(200, {
      id: 'task-unified-1',
      status: 'completed',
      results: ['https://cdn.test/v.mp4'],
    });
    const { client: evolink, calls, clock } = client('evolink', [done]);
    const handle = {
      v: 1 as const,
      gateway: 'evolink' as const,
      id: 'task-unified-1',
      submittedAt: new Date(clock.now()).toISOString(),
      estimate: evolink.estimate({ prompt }),
    };
    const task = await evolink.wait(handle, { timeoutMs: 5_000 });
    expect(task.status).toBe('succeeded');
    expect(calls).toHaveLength(1);
  });

  it('a deadline that passes while the task renders reports the status it saw', async () => {
    const { client: evolink, calls } = client('evolink', [
      json(200, { id: 'task-unified-1', status: 'processing' }),
    ]);
    const handle = evolink.resume({
      v: 1,
      gateway: 'evolink',
      id: 'task-unified-1',
      submittedAt: new Date(Date.parse('2026-11-22T12:00:00Z')).toISOString(),
      estimate: evolink.estimate({ prompt }),
    });
    const error = await rejection(evolink.wait(handle, { timeoutMs: 1_000 }));
    expect(KlingTimeoutError.is(error)).toBe(true);
    expect((error as KlingTimeoutError).lastTask?.status).toBe('running');
    expect(calls.length).toBeGreaterThanOrEqual(1);
  });
});

describe('every computed delay is finite and within the poll policy (item 6)', () => {
  it('EvoLink created 1.7e18: no NaN ETA, and every sleep is a real one', async () => {
    let reads = 0;
    const readAt: number[] = [];
    const { client: evolink, clock } = client('evolink', () => {
      reads++;
      readAt.push(clock.now());
      return reads < 5
        ? json(200, {
            id: 'task-unified-1',
            status: 'processing',
            created: 1.7e18,
            task_info: { estimated_time: 100 },
          })
        : json(200, { id: 'task-unified-1', status: 'completed', results: ['https://cdn.test/v.mp4'] });
    });
    const seen: Task[] = [];
    await evolink.wait('task-unified-1', { onProgress: (t) => seen.push(t) });
    expect(seen.every((t) => t.etaSeconds === undefined || Number.isFinite(t.etaSeconds))).toBe(true);
    // Five reads (the first look, then four polls), each poll a real wait after the one before (the
    // scheduler's timer sleeps are the poll delays and the deadline's remainder: all finite).
    expect(readAt.length).toBe(5);
    const gaps = readAt.slice(1).map((at, i) => at - (readAt[i] ?? Number.NaN));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(3_500);
    expect(clock.sleeps.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
  });

  it('a handle without submittedAt polls at the policy, not in a loop', async () => {
    let reads = 0;
    const { client: evolink, clock } = client('evolink', () => {
      reads++;
      return reads < 4
        ? json(200, { id: 'task-unified-1', status: 'processing' })
        : json(200, { id: 'task-unified-1', status: 'completed', results: ['https://cdn.test/v.mp4'] });
    });
    const handle = { v: 1, gateway: 'evolink', id: 'task-unified-1' } as unknown as Parameters<
      KlingClient['wait']
    >[0];
    await evolink.wait(handle);
    const pollSleeps = clock.sleeps.filter((ms) => ms !== 20 * 60_000);
    for (const ms of pollSleeps) expect(ms).toBeGreaterThanOrEqual(3_500);
    expect(reads).toBe(4);
  });

  it('nextPollDelay is finite and clamped for any hint (pure)', () => {
    const hints = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -5, 0, 1e300];
    for (const elapsedMs of hints) {
      for (const eta of hints) {
        for (const progress of hints) {
          const delay = nextPollDelay({
            gateway: 'evolink',
            elapsedMs,
            last: {
              id: 'x',
              gateway: 'evolink',
              status: 'running',
              raw: {},
              etaSeconds: eta,
              progress,
            } as Task,
          });
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(3_500);
          expect(delay).toBeLessThanOrEqual(120_000);
        }
      }
    }
  });
});

describe('long and endless deadlines (item 7)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('setLongTimeout and abortableSleep wait past 2^31 ms, and Infinity never fires', async () => {
    vi.useFakeTimers();
    let fired = 0;
    setLongTimeout(() => fired++, MAX_TIMER_MS + 10);
    let endless = 0;
    setLongTimeout(() => endless++, Number.POSITIVE_INFINITY);
    let slept = false;
    void abortableSleep(MAX_TIMER_MS + 5).then(() => {
      slept = true;
    });
    // Node would have run both after 1 ms (a delay of 2^31 or more is clamped).
    vi.advanceTimersByTime(MAX_TIMER_MS);
    await Promise.resolve();
    expect([fired, slept]).toEqual([0, false]);
    vi.advanceTimersByTime(20);
    await Promise.resolve();
    expect([fired, slept, endless]).toEqual([1, true, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wait({ timeoutMs: Infinity }) waits until the task is done', async () => {
    let reads = 0;
    const { client: evolink } = client('evolink', () => {
      reads++;
      return reads < 6
        ? json(200, { id: 'task-unified-1', status: 'processing' })
        : json(200, { id: 'task-unified-1', status: 'completed', results: ['https://cdn.test/v.mp4'] });
    });
    const task = await evolink.wait('task-unified-1', { timeoutMs: Number.POSITIVE_INFINITY });
    expect(task.status).toBe('succeeded');
    expect(reads).toBe(6);
  });

  it('a client timeoutMs of 2^31 does not abort a request that takes a while', async () => {
    const { fetch } = scriptedFetch([evolinkCreated]);
    const slow: typeof fetch = async (url, init) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return fetch(url, init);
    };
    const evolink = new KlingClient({
      gateway: 'evolink',
      apiKey: KEY,
      baseUrl: 'https://gw.test',
      fetch: slow,
      timeoutMs: 2 ** 31,
    });
    await expect(evolink.submit({ prompt })).resolves.toMatchObject({ id: 'task-unified-1' });
  });
});

describe('a queued call leaves the queue on abort or deadline (item 8)', () => {
  /** A fetch whose status reads hang until aborted; creates answer at once. */
  function hangingReads() {
    const created: string[] = [];
    const fetch = (url: string, init: RequestInit): Promise<Response> => {
      if (init.method === 'POST') {
        created.push(url);
        return Promise.resolve(new Response(JSON.stringify({ id: 'task-unified-1', status: 'pending' })));
      }
      return new Promise<Response>((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    };
    return { fetch, created };
  }

  it('a submit queued behind hung reads rejects with its abort reason at once, and sends nothing', async () => {
    const { fetch, created } = hangingReads();
    const evolink = new KlingClient({
      gateway: 'evolink',
      apiKey: KEY,
      baseUrl: 'https://gw.test',
      fetch,
      maxConcurrency: 2,
      maxRetries: 0,
    });
    const stop = new AbortController();
    const reads = [
      evolink.getTask('a', { signal: stop.signal }),
      evolink.getTask('b', { signal: stop.signal }),
    ];
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const submit = evolink.submit({ prompt }, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    // The reads never end on their own: only leaving the queue can settle the submit.
    expect(await rejection(submit)).toBe(reason);
    expect(created).toHaveLength(0);
    stop.abort(new Error('test over'));
    await Promise.allSettled(reads);
  });

  it('a submit whose deadline passes in the queue is a not-created timeout, never sent', async () => {
    const { fetch, created } = hangingReads();
    const evolink = new KlingClient({
      gateway: 'evolink',
      apiKey: KEY,
      baseUrl: 'https://gw.test',
      fetch,
      maxConcurrency: 1,
      maxRetries: 0,
    });
    const stop = new AbortController();
    const read = evolink.getTask('a', { signal: stop.signal });
    const error = await rejection(evolink.submit({ prompt }, { timeoutMs: 50 }));
    expect(KlingTimeoutError.is(error)).toBe(true);
    expect((error as KlingTimeoutError).taskState).toBe('not-created');
    expect(created).toHaveLength(0);
    stop.abort(new Error('test over'));
    await Promise.allSettled([read]);
  });

  it('the limiter skips calls that left, and keeps the order of the rest', async () => {
    const limiter = new Limiter(1);
    let release!: () => void;
    const held = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const order: number[] = [];
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const runs = controllers.map((c, i) =>
      limiter.run(async () => {
        order.push(i);
      }, c.signal),
    );
    for (const i of [1, 3, 4]) controllers[i]?.abort(new Error(`left ${i}`));
    const settled = Promise.allSettled(runs);
    release();
    await held;
    const results = await settled;
    expect(order).toEqual([0, 2, 5]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(limiter.full).toBe(false);
  });
});

describe('replies for another task and bad ids (item 9)', () => {
  it('a status reply naming another task is a KlingResponseError, and never ends a wait as success', async () => {
    const other = json(200, {
      id: 'task-unified-OTHER',
      status: 'completed',
      results: ['https://cdn.test/x.mp4'],
    });
    const { client: evolink } = client('evolink', [other]);
    expect(KlingResponseError.is(await rejection(evolink.getTask('task-unified-1')))).toBe(true);
    const error = await rejection(evolink.wait('task-unified-1', { timeoutMs: 60_000 }));
    expect(KlingTimeoutError.is(error)).toBe(true);
    expect(KlingResponseError.is((error as KlingTimeoutError).cause)).toBe(true);
  });

  it("'', '.', '..', control characters and saved-handle JSON are refused as ids, nothing sent", async () => {
    const { client: evolink, calls, clock } = client('evolink', [evolinkCreated]);
    const saved = JSON.stringify({
      v: 1,
      gateway: 'evolink',
      id: 'x',
      submittedAt: new Date(clock.now()).toISOString(),
      estimate: evolink.estimate({ prompt }),
    });
    for (const id of ['', '.', '..', 'a\r\nb', saved]) {
      const error = await rejection(evolink.getTask(id));
      expect(KlingValidationError.is(error)).toBe(true);
      const waited = await rejection(evolink.wait(id));
      expect(KlingValidationError.is(waited)).toBe(true);
    }
    expect(String((await rejection(evolink.wait(saved))) as Error)).toMatch(/resume/);
    expect(calls).toHaveLength(0);
  });
});

describe('vendor status words are own properties only (item 10)', () => {
  for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`"${word}" is an unknown status, not a function or an object`, async () => {
      const { client: evolink } = client('evolink', [json(200, { id: 'task-unified-1', status: word })]);
      const task = await evolink.getTask('task-unified-1');
      expect(task).toMatchObject({ status: 'running', statusUnknown: true, vendorStatus: word });
    });
  }

  it('a 5xx on a read is still retried (the classifier did not change reads)', async () => {
    const { client: evolink, calls } = client('evolink', [
      json(503, {}),
      json(200, { id: 'task-unified-1', status: 'processing' }),
    ]);
    await expect(evolink.getTask('task-unified-1')).resolves.toMatchObject({ status: 'running' });
    expect(calls).toHaveLength(2);
  });
});
