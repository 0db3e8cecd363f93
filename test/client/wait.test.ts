import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  KlingClient,
  type KlingClientOptions,
  KlingNotFoundError,
  KlingTaskFailedError,
  KlingTimeoutError,
  KlingValidationError,
  type Task,
} from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { json, networkError, type Step, scriptedFetch } from '../helpers/scripted-fetch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const KEY = 'sk-wait-secret-987654';
const task = (status: string, extra: Record<string, unknown> = {}) =>
  json(200, { id: 'task-unified-9', created: 0, status, progress: 10, ...extra });
const done = task('completed', { progress: 100, results: ['https://cdn.test/v.mp4'] });

function setup(
  steps: Step[] | ((call: { url: string }, i: number) => Step),
  options: Partial<KlingClientOptions> = {},
) {
  const { fetch, calls } = scriptedFetch(steps);
  const clock = new VirtualClock();
  const warnings: string[] = [];
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: KEY,
    baseUrl: 'https://gw.test',
    fetch,
    clock,
    logger: { warn: (message, meta) => warnings.push(`${message} ${JSON.stringify(meta)}`) },
    ...options,
  });
  return { client, calls, clock, warnings };
}

describe('wait', () => {
  it('polls until the task succeeds and reports every status', async () => {
    const { client, calls } = setup([task('pending'), task('processing', { progress: 60 }), done]);
    const seen: string[] = [];
    const result = await client.wait('task-unified-9', {
      onProgress: (t: Task) => seen.push(`${t.status}:${t.progress}`),
    });
    expect(result.videos[0].url).toBe('https://cdn.test/v.mp4');
    expect(seen).toEqual(['queued:10', 'running:60', 'succeeded:100']);
    expect(calls.map((c) => c.url)).toEqual(Array(3).fill('https://gw.test/v1/tasks/task-unified-9'));
  });

  it('keeps waiting through an unknown status word, and reports it', async () => {
    const { client, warnings } = setup([task('upscaling'), done]);
    const seen: Task[] = [];
    await client.wait('task-unified-9', { onProgress: (t) => seen.push(t) });
    expect(seen[0]).toMatchObject({ status: 'running', statusUnknown: true, vendorStatus: 'upscaling' });
    expect(warnings.join('\n')).toMatch(/unknown task status.*upscaling/);
  });

  it('a poll whose retries ran out does not end the wait', async () => {
    let n = 0;
    const { client, warnings } = setup(() => (++n <= 7 ? json(503, { error: { message: 'busy' } }) : done));
    await expect(client.wait('task-unified-9')).resolves.toMatchObject({ status: 'succeeded' });
    expect(n).toBe(8);
    expect(warnings.filter((w) => w.includes('still waiting')).length).toBe(2);
  });

  it('keeps waiting through network errors and garbled replies', async () => {
    const { client } = setup([
      networkError('ECONNRESET'),
      { status: 200, text: '{"id":' },
      networkError('ETIMEDOUT'),
      done,
    ]);
    await expect(client.wait('task-unified-9')).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('throws KlingTaskFailedError with the task when it fails', async () => {
    const { client } = setup([
      task('failed', { error: { code: 'content_policy_violation', message: 'blocked' } }),
    ]);
    const error = await rejection(client.wait('task-unified-9'));
    expect(KlingTaskFailedError.is(error)).toBe(true);
    expect(error).toMatchObject({
      task: { status: 'failed', error: { code: 'content_policy_violation', message: 'blocked' } },
    });
  });

  it('ends on a definite answer such as 404', async () => {
    const { client, calls } = setup([json(404, { error: { code: 'task_not_found', message: 'nope' } })]);
    expect(KlingNotFoundError.is(await rejection(client.wait('task-unified-9')))).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('bounds the whole wait with its deadline and reports the last task seen', async () => {
    const { client, clock } = setup([task('processing', { progress: 30 })]);
    const start = clock.now();
    const error = await rejection(client.wait('task-unified-9', { timeoutMs: 60_000 }));
    expect(KlingTimeoutError.is(error)).toBe(true);
    expect(error).toMatchObject({ lastTask: { status: 'running', progress: 30 } });
    expect(clock.now() - start).toBe(60_000);
  });

  it('the deadline also cuts a request in flight', async () => {
    const clock = new VirtualClock();
    // A status request that never answers until aborted.
    const fetch = (_url: string, init: RequestInit) =>
      new Promise<Response>((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const client = new KlingClient({
      gateway: 'evolink',
      apiKey: KEY,
      baseUrl: 'https://gw.test',
      fetch,
      clock,
    });
    const error = await rejection(client.wait('task-unified-9', { timeoutMs: 30_000 }));
    expect(KlingTimeoutError.is(error)).toBe(true);
  });

  it('rejects with the signal reason when aborted while sleeping', async () => {
    const { client } = setup([task('processing')]);
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const pending = client.wait('task-unified-9', { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 5);
    expect(await rejection(pending)).toBe(reason);
  });

  it("uses EvoLink's estimated_time: few polls for a long render", async () => {
    // Created at t=0 with a 300 s estimate; finished by t=300 s.
    const { client, clock } = setup((_, i) => {
      const elapsed = (clock.now() - start) / 1000;
      return elapsed >= 300
        ? done
        : task('processing', { task_info: { estimated_time: 300 }, created: start / 1000, i });
    });
    const start = clock.now();
    await client.wait('task-unified-9');
    // A fixed 5 s poller would need 60 requests; the policy waits for the estimate's ±30% window
    // (210–390 s) and polls across it, at a third of that or less (bench/polling.ts measures it).
    expect(clock.sleeps.length).toBeLessThan(20);
  });
});

describe('generate, resume and getTask', () => {
  it('generate saves the handle (onSubmitted) before the first poll', async () => {
    const order: string[] = [];
    const { fetch } = scriptedFetch((call) => {
      order.push(call.method);
      return call.method === 'POST' ? json(200, { id: 'task-unified-9', status: 'pending' }) : done;
    });
    const client = new KlingClient({
      gateway: 'evolink',
      apiKey: KEY,
      baseUrl: 'https://gw.test',
      fetch,
      clock: new VirtualClock(),
    });
    const result = await client.generate(
      { prompt: 'p' },
      { onSubmitted: (h) => void order.push(`saved ${h.id}`) },
    );
    expect(result.status).toBe('succeeded');
    expect(order).toEqual(['POST', 'saved task-unified-9', 'GET']);
  });

  it('resume re-attaches to a saved handle without submitting', async () => {
    const { client, calls } = setup([done]);
    const saved = JSON.stringify({
      v: 1,
      gateway: 'evolink',
      id: 'task-unified-9',
      submittedAt: '2026-11-22T11:00:00.000Z',
      estimate: { gateway: 'evolink', exact: true },
    });
    const handle = client.resume(saved);
    await expect(client.wait(handle)).resolves.toMatchObject({ status: 'succeeded' });
    expect(calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('resume refuses garbage and handles of another gateway', () => {
    const { client } = setup([done]);
    expect(() => client.resume('{nope')).toThrow(KlingValidationError);
    expect(() => client.resume({ v: 1, gateway: 'apiframe', id: 'x' } as never)).toThrow(
      KlingValidationError,
    );
    expect(() =>
      client.resume({
        v: 1,
        gateway: 'apiframe',
        id: 'x',
        submittedAt: '2026-11-22T11:00:00Z',
        estimate: { gateway: 'apiframe', exact: true },
      } as never),
    ).toThrow(/for apiframe, but this client talks to evolink/);
  });

  it('getTask retries a 503, then answers', async () => {
    const { client, calls } = setup([json(503, {}), task('processing')]);
    await expect(client.getTask('task-unified-9')).resolves.toMatchObject({ status: 'running' });
    expect(calls).toHaveLength(2);
  });

  it('statusMap adds vendor spellings', async () => {
    const { client } = setup([task('DONE_OK', { results: [] }), task('Kaputt')], {
      statusMap: { kaputt: 'failed' },
    });
    await expect(client.getTask('task-unified-9')).resolves.toMatchObject({
      status: 'running',
      statusUnknown: true,
    });
    await expect(client.getTask('task-unified-9')).resolves.toMatchObject({ status: 'failed' });
  });
});

describe('client options and secrets', () => {
  it('falls back to the gateway env variable and refuses a missing key', () => {
    const saved = process.env.MODELLIX_API_KEY;
    try {
      process.env.MODELLIX_API_KEY = 'env-key-1';
      expect(new KlingClient({ gateway: 'modellix' }).gateway).toBe('modellix');
      delete process.env.MODELLIX_API_KEY;
      expect(() => new KlingClient({ gateway: 'modellix' })).toThrow(/set MODELLIX_API_KEY/);
    } finally {
      if (saved === undefined) delete process.env.MODELLIX_API_KEY;
      else process.env.MODELLIX_API_KEY = saved;
    }
  });

  it('refuses plain http except on loopback, and base URLs with a path', () => {
    const make = (baseUrl: string) => new KlingClient({ gateway: 'evolink', apiKey: KEY, baseUrl });
    expect(() => make('http://api.evolink.ai')).toThrow(/must use https/);
    expect(make('http://127.0.0.1:4010').baseUrl).toBe('http://127.0.0.1:4010');
    expect(make('http://localhost:4010').baseUrl).toBe('http://localhost:4010');
    expect(() => make('https://apiin.one/api/v1')).toThrow(/origin only/);
  });

  it('never shows the key: inspect, JSON, and error messages that echo it', async () => {
    const { client } = setup([json(401, { error: { message: `Invalid key ${KEY}` } })]);
    expect(inspect(client, { showHidden: true, depth: 5 })).not.toContain(KEY);
    expect(JSON.stringify(client)).not.toContain(KEY);
    const error = await rejection(client.getTask('t'));
    expect((error as Error).message).toContain('[redacted]');
    expect(
      `${(error as Error).message}${JSON.stringify(error)}${inspect(error, { depth: 5 })}`,
    ).not.toContain(KEY);
  });
});
