import { describe, expect, it } from 'vitest';
import {
  KlingApiError,
  KlingBudgetError,
  KlingClient,
  type KlingClientOptions,
  KlingConnectionError,
  KlingRateLimitError,
  KlingSubmitUncertainError,
  KlingUnsupportedError,
  KlingValidationError,
} from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { json, networkError, type Step, scriptedFetch } from '../helpers/scripted-fetch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const KEY = 'sk-test-secret-123456';
const evolinkCreated = json(200, {
  id: 'task-unified-1-abc',
  status: 'pending',
  usage: { credits_reserved: 270000 },
});
const apiframeCreated = json(202, { jobId: 'b2c3d4e5-f6a7-8901-bcde-f23456789012', status: 'QUEUED' });

function setup(gateway: KlingClientOptions['gateway'], steps: Step[]) {
  const { fetch, calls } = scriptedFetch(steps);
  const clock = new VirtualClock();
  const client = new KlingClient({ gateway, apiKey: KEY, baseUrl: 'https://gw.test', fetch, clock });
  return { client, calls, clock };
}

const prompt = 'a kite over a beach';

describe('submit', () => {
  it('sends the mapped body with the key, and returns a handle with the estimate', async () => {
    const { client, calls, clock } = setup('evolink', [evolinkCreated]);
    const handle = await client.submit({ prompt, duration: 7, sound: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      url: 'https://gw.test/v1/videos/generations',
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: { model: 'kling-v3-text-to-video', prompt, duration: 7, quality: '720p', sound: 'on' },
    });
    expect(handle).toMatchObject({
      v: 1,
      gateway: 'evolink',
      id: 'task-unified-1-abc',
      submittedAt: new Date(clock.now()).toISOString(),
      estimate: { usd: 0.7875, credits: 56.7 },
    });
    expect(JSON.parse(JSON.stringify(handle))).toEqual(handle.toJSON());
  });

  it('runs onBeforeSend before the paid request leaves, with what a caller must persist', async () => {
    const order: string[] = [];
    const { fetch } = scriptedFetch((call) => {
      order.push(`sent ${call.headers['idempotency-key']}`);
      return apiframeCreated;
    });
    const client = new KlingClient({ gateway: 'apiframe', apiKey: KEY, baseUrl: 'https://gw.test', fetch });
    const handle = await client.submit(
      { prompt },
      {
        onBeforeSend: (record) => {
          order.push(`persisted ${record.idempotencyKey}`);
          expect(record).toMatchObject({
            gateway: 'apiframe',
            request: { prompt, mode: 'std' },
            estimate: { total: 15 },
          });
        },
      },
    );
    expect(handle.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(order).toEqual([`persisted ${handle.idempotencyKey}`, `sent ${handle.idempotencyKey}`]);
  });

  it('refuses an idempotencyKey where the gateway does not dedupe, sending nothing', async () => {
    const { client, calls } = setup('evolink', [evolinkCreated]);
    const error = await rejection(client.submit({ prompt }, { idempotencyKey: 'k1' }));
    expect(KlingUnsupportedError.is(error)).toBe(true);
    expect(error).toMatchObject({ field: 'idempotencyKey', gateway: 'evolink', taskState: 'not-created' });
    expect(calls).toHaveLength(0);
  });

  it('refuses invalid and unsupported requests before sending', async () => {
    const { client, calls } = setup('modellix', [json(200, {})]);
    expect(KlingValidationError.is(await rejection(client.submit({ prompt, duration: 99 })))).toBe(true);
    expect(
      KlingUnsupportedError.is(await rejection(client.submit({ prompt, startImage: 'https://e.com/a.png' }))),
    ).toBe(true);
    expect(calls).toHaveLength(0);
  });
});

describe('submit retries only where it is safe (DESIGN.md §5 rule 3)', () => {
  it('retries a refused connection (nothing reached the gateway)', async () => {
    const { client, calls } = setup('evolink', [networkError('ECONNREFUSED'), evolinkCreated]);
    await expect(client.submit({ prompt })).resolves.toMatchObject({ id: 'task-unified-1-abc' });
    expect(calls).toHaveLength(2);
  });

  it('reports not-created once refused connections run out of retries', async () => {
    const { client, calls } = setup('evolink', [networkError('ECONNREFUSED')]);
    const error = await rejection(client.submit({ prompt }));
    expect(KlingConnectionError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', taskState: 'not-created' });
    expect(calls).toHaveLength(3);
  });

  it('retries a 429 after its Retry-After', async () => {
    const { client, calls, clock } = setup('evolink', [
      json(429, { error: { message: 'slow' } }, { 'retry-after': '3' }),
      evolinkCreated,
    ]);
    await client.submit({ prompt });
    expect(calls).toHaveLength(2);
    expect(clock.sleeps).toEqual([3000]);
  });

  it('gives up on 429 with a not-created KlingRateLimitError', async () => {
    const { client } = setup('evolink', [
      json(429, { error: { code: 'rate_limit_exceeded', message: 'slow' } }),
    ]);
    const error = await rejection(client.submit({ prompt }, { maxRetries: 1 }));
    expect(KlingRateLimitError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', taskState: 'not-created' });
  });

  it.each([
    ['a 500', json(500, { error: { message: 'boom' } })],
    ['a 502 HTML page', { status: 502, text: '<html><body>Bad gateway</body></html>' }],
    ['a reset connection', networkError('ECONNRESET')],
    ['a 2xx that is not JSON', { status: 200, text: '<html>ok</html>' }],
    ['a 2xx with no task id', json(200, { status: 'pending' })],
    ['a redirect', { status: 303, text: '', headers: { location: 'https://elsewhere.test/' } }],
  ] as [string, Step][])('never re-sends blind after %s: KlingSubmitUncertainError', async (_, step) => {
    const { client, calls } = setup('evolink', [step, evolinkCreated]);
    const error = await rejection(client.submit({ prompt }));
    expect(KlingSubmitUncertainError.is(error)).toBe(true);
    expect(error).toMatchObject({ taskState: 'may-exist', gateway: 'evolink' });
    expect((error as Error).message).toMatch(/not re-sent/);
    expect(calls).toHaveLength(1);
  });

  it('treats a 4xx as a refusal: not-created, not retried', async () => {
    const { client, calls } = setup('evolink', [
      json(402, { error: { code: 'insufficient_quota', message: 'no credits', type: 'insufficient_quota' } }),
    ]);
    const error = await rejection(client.submit({ prompt }));
    expect(KlingApiError.is(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'KlingInsufficientCreditsError',
      taskState: 'not-created',
      code: 'insufficient_quota',
    });
    expect(calls).toHaveLength(1);
  });

  it('apiframe: retries 5xx and resets with the same Idempotency-Key', async () => {
    const { client, calls } = setup('apiframe', [
      json(503, { error: 'queue down' }),
      networkError('ECONNRESET'),
      apiframeCreated,
    ]);
    const handle = await client.submit({ prompt }, { idempotencyKey: 'order-42' });
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['order-42', 'order-42', 'order-42']);
    expect(handle.idempotencyKey).toBe('order-42');
  });

  it('apiframe: when retries run out, the uncertain error carries the key to re-send safely', async () => {
    const { client } = setup('apiframe', [json(503, { error: 'queue down' })]);
    const error = await rejection(client.submit({ prompt }, { idempotencyKey: 'order-43', maxRetries: 1 }));
    expect(KlingSubmitUncertainError.is(error)).toBe(true);
    expect(error).toMatchObject({ idempotencyKey: 'order-43', taskState: 'may-exist' });
    expect((error as Error).message).toMatch(/Re-send with idempotencyKey 'order-43'/);
  });

  it('rejects with the signal reason when aborted during a retry wait', async () => {
    const { client } = setup('evolink', [json(429, {}, { 'retry-after': '30' }), evolinkCreated]);
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const pending = client.submit({ prompt }, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 1);
    expect(await rejection(pending)).toBe(reason);
  });
});

describe('maxCost', () => {
  it('refuses an estimate above the budget, sending nothing', async () => {
    const { client, calls } = setup('evolink', [evolinkCreated]);
    const error = await rejection(client.submit({ prompt, mode: 'pro', duration: 10 }, { maxCost: 0.5 }));
    expect(KlingBudgetError.is(error)).toBe(true);
    expect(error).toMatchObject({ estimated: 1, maxCost: 0.5, taskState: 'not-created' });
    expect(calls).toHaveLength(0);
    await expect(client.submit({ prompt, mode: 'pro', duration: 10 }, { maxCost: 1 })).resolves.toBeDefined();
  });

  it('refuses an unknown price (4k), and a dollar budget where the gateway has no dollar price', async () => {
    const evo = setup('evolink', [evolinkCreated]);
    expect(
      KlingBudgetError.is(await rejection(evo.client.submit({ prompt, mode: '4k' }, { maxCost: 100 }))),
    ).toBe(true);
    const frame = setup('apiframe', [apiframeCreated]);
    const error = await rejection(frame.client.submit({ prompt }, { maxCost: 5 }));
    expect((error as Error).message).toMatch(/publishes no dollar price/);
    await expect(frame.client.submit({ prompt }, { maxCost: { credits: 15 } })).resolves.toBeDefined();
    expect(evo.calls.length + frame.calls.length).toBe(1);
  });
});
