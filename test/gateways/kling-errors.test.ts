/**
 * The official Kling API's errors by code, not only by HTTP status: 1100-1102 arrive as HTTP 429 but are
 * credits (never retried, nothing created, a router may fail over); 1302/1303 are rate limits retried no
 * sooner than 1 s; the rest by the documented table. Through the simulator on loopback, on its clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kling } from '../../src/gateways/kling/adapter.js';
import { klingErrorClass } from '../../src/gateways/kling/errors.js';
import {
  KlingApiError,
  KlingAuthError,
  KlingClient,
  KlingInsufficientCreditsError,
  KlingRateLimitError,
  KlingRouter,
  KlingServerError,
} from '../../src/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';

const envelope = (code: number, message = 'm') => ({ code, message, request_id: 'req-1' });

describe('kling parseError: the class the code names', () => {
  it.each<[number, string | undefined]>([
    [1000, 'auth'],
    [1004, 'auth'],
    [1100, 'insufficient-credits'],
    [1101, 'insufficient-credits'],
    [1102, 'insufficient-credits'],
    [1103, 'permission'],
    [1200, 'validation'],
    [1201, 'validation'],
    [1202, undefined],
    [1300, 'policy'],
    [1301, 'policy'],
    [1302, 'rate-limit'],
    [1303, 'rate-limit'],
    [1304, 'permission'],
    [5000, 'server'],
    [5002, 'server'],
    [4242, undefined],
  ])('code %i → %s', (code, errorClass) => {
    expect(klingErrorClass(code)).toBe(errorClass);
    expect(kling.parseError(429, envelope(code)).errorClass).toBe(errorClass);
  });
  it('the message carries the request id; a rate limit asks for at least 1 s; a string code is read', () => {
    expect(kling.parseError(429, envelope(1303, 'parallel task over resource pack limit'))).toEqual({
      message: 'parallel task over resource pack limit (request_id req-1)',
      code: '1303',
      errorClass: 'rate-limit',
      retryAfterMs: 1000,
    });
    expect(kling.parseError(429, { code: '1102', message: 'x' })).toMatchObject({
      code: '1102',
      errorClass: 'insufficient-credits',
    });
    expect(kling.parseError(429, envelope(1102))).not.toHaveProperty('retryAfterMs');
    expect(kling.parseError(502, null)).toEqual({ message: 'HTTP 502 from Kling (official)' });
  });
});

describe('kling errors by code on loopback', () => {
  let sim: RunningSimulator;
  /** One slot, renders held until released: the second create meets 1303. */
  let held: RunningSimulator;
  const clients: KlingClient[] = [];
  const client = (extra: { maxRetries?: number } = {}, on = sim) => {
    const made = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-sim',
      baseUrl: on.url,
      clock: on.clientClock,
      ...extra,
    });
    clients.push(made);
    return made;
  };
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 3 });
    held = await startGatewaySimulator({ seed: 4, maxConcurrentTasks: 1, hold: true });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await sim.close();
    await held.close();
  });
  beforeEach(() => {
    sim.reset();
    sim.setFaults([]);
    held.reset();
  });

  const creates = (on = sim) => on.stats.requests.filter((r) => r.op === 'create' && r.gateway === 'kling');

  it('1102 (HTTP 429) is KlingInsufficientCreditsError: not retried, nothing created', async () => {
    const error = await client({ maxRetries: 3 })
      .submit({ prompt: 'SIM_NO_CREDITS' })
      .catch((e: unknown) => e);
    expect(KlingInsufficientCreditsError.is(error)).toBe(true);
    expect(KlingRateLimitError.is(error)).toBe(false);
    expect(error).toMatchObject({ status: 429, code: '1102', taskState: 'not-created' });
    expect(creates()).toHaveLength(1);
    expect(sim.stats.created.kling).toBe(0);
  });
  it('a router fails over from 1102 (nothing created) to the next gateway', async () => {
    sim.setFaults([{ op: 'create', gateway: 'kling', kind: 'http-402' }]);
    const evolink = new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-sim',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    clients.push(evolink);
    const router = new KlingRouter({ clients: [client({ maxRetries: 3 }), evolink], strategy: 'ordered' });
    const handle = await router.submit({ prompt: 'a fox', duration: 5 });
    expect(handle.gateway).toBe('evolink');
    expect(creates()).toHaveLength(1);
    expect(sim.stats.created).toMatchObject({ kling: 0, evolink: 1 });
  });
  it('1303 (the concurrency cap): a KlingRateLimitError retried no sooner than 1 s, nothing created', async () => {
    const c = client({ maxRetries: 1 }, held);
    await c.submit({ prompt: 'first' });
    const error = await c.submit({ prompt: 'second' }).catch((e: unknown) => e);
    expect(KlingRateLimitError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: '1303', taskState: 'not-created' });
    const attempts = creates(held);
    expect(attempts.map((r) => r.status)).toEqual([200, 429, 429]);
    // On the simulator's clock, which the client's backoff sleeps on.
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(held.stats.created.kling).toBe(1);
  });
  it('auth, server and parameter codes keep their classes', async () => {
    const bad = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-invalid',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    clients.push(bad);
    expect(KlingAuthError.is(await bad.submit({ prompt: 'p' }).catch((e: unknown) => e))).toBe(true);
    // A status read (a submit answered 5xx may have created a task: KlingSubmitUncertainError).
    sim.setFaults([{ op: 'status', gateway: 'kling', kind: 'http-503' }]);
    const server = await client({ maxRetries: 0 })
      .getTask('800000000000000001')
      .catch((e: unknown) => e);
    expect(KlingServerError.is(server)).toBe(true);
    expect(server).toMatchObject({ code: '5001' });
    sim.setFaults([]);
    const invalid = await client()
      .submit({ prompt: 'p', providerOptions: { kling: { settings: { aspect_ratio: '4:3' } } } })
      .catch((e: unknown) => e);
    expect(KlingApiError.is(invalid) && invalid.constructor === KlingApiError).toBe(true);
  });
});
