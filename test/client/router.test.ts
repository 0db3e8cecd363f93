/**
 * KlingRouter over real HTTP on loopback: four clients against the gateway simulator. What matters is
 * where the money goes: exactly one task per routed submit, and never a second gateway after a submit
 * that may have created a task.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GATEWAY_IDS,
  type GatewayId,
  KlingAuthError,
  KlingBudgetError,
  KlingClient,
  type KlingClientOptions,
  KlingConnectionError,
  KlingError,
  KlingInsufficientCreditsError,
  KlingRateLimitError,
  KlingRouter,
  type KlingRouterOptions,
  KlingRoutingError,
  KlingSubmitUncertainError,
  KlingUnsupportedError,
  KlingValidationError,
  type VideoRequest,
} from '../../src/index.js';
import {
  INVALID_API_KEY,
  NO_CREDITS_TRIGGER,
  type RunningSimulator,
  SAMPLE_VIDEO,
  type SimulatorOptions,
  startGatewaySimulator,
} from '../../src/testing/index.js';
import { rejection } from '../helpers/rejection.js';

/** The gateways these routing cases were written for (fal and kling are followed in their own tests). */
const ROUTED: readonly GatewayId[] = ['apiinone', 'apiframe', 'evolink', 'modellix'];
/** `sim.stats.created` with these counts, and 0 for every other registered gateway. */
function createdCounts(counts: Partial<Record<GatewayId, number>>): Record<GatewayId, number> {
  return Object.fromEntries(GATEWAY_IDS.map((g) => [g, counts[g] ?? 0])) as Record<GatewayId, number>;
}

const proSound: VideoRequest = { prompt: 'a paper boat on a rainy street', mode: 'pro', sound: true };
const onlyModellix: VideoRequest = {
  prompt: 'restyle as watercolor',
  referenceVideos: ['https://cdn.example.com/in.mp4'],
};

/** A loopback simulator for one describe block, with a factory for clients pointed at it. */
function simulatorFor(options: SimulatorOptions = {}) {
  const context = {
    sim: undefined as unknown as RunningSimulator,
    opened: [] as KlingClient[],
    client(gateway: GatewayId, extra: Partial<KlingClientOptions> = {}): KlingClient {
      const client = new KlingClient({
        gateway,
        apiKey: 'sk-sim-key',
        baseUrl: context.sim.url,
        clock: context.sim.clientClock,
        ...extra,
      });
      context.opened.push(client);
      return client;
    },
    /** One client per gateway, in `order`, with per-gateway overrides. */
    clients(
      order: readonly GatewayId[] = ROUTED,
      overrides: Partial<Record<GatewayId, Partial<KlingClientOptions>>> = {},
    ): KlingClient[] {
      return order.map((gateway) => context.client(gateway, overrides[gateway]));
    },
    router(options: Partial<KlingRouterOptions> = {}): KlingRouter {
      return new KlingRouter({ clients: context.clients(), ...options });
    },
    createdTotal(): number {
      return Object.values(context.sim.stats.created).reduce((sum, n) => sum + n, 0);
    },
    requestsTo(gateway: GatewayId, op = 'create'): number {
      return context.sim.stats.requests.filter((r) => r.gateway === gateway && r.op === op).length;
    },
  };
  beforeAll(async () => {
    context.sim = await startGatewaySimulator({ seed: 6, ...options });
  });
  beforeEach(() => context.sim.reset());
  afterEach(async () => {
    await Promise.all(context.opened.splice(0).map((c) => c.close()));
  });
  afterAll(() => context.sim.close());
  return context;
}

/** A loopback port with nothing listening on it (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('KlingRouter', () => {
  const ctx = simulatorFor();

  describe('quote', () => {
    it('ranks by dollars, the gateways without a dollar figure last, and sends nothing', () => {
      const plan = ctx.router().quote(proSound);
      expect(plan.strategy).toBe('cheapest');
      expect(plan.candidates.map((e) => [e.gateway, e.usd])).toEqual([
        ['evolink', 0.75],
        ['modellix', 0.95],
        ['apiinone', 4],
        ['apiframe', null],
      ]);
      expect(plan.skipped).toEqual([]);
      expect(ctx.sim.stats.requests).toHaveLength(0);
    });

    it("uses the router's pricing to rank: apiframe at $0.01 a credit comes first", () => {
      const plan = ctx.router({ pricing: { usdPerCredit: { apiframe: 0.01 } } }).quote(proSound);
      expect(plan.candidates.map((e) => [e.gateway, e.usd])).toEqual([
        ['apiframe', 0.35],
        ['evolink', 0.75],
        ['modellix', 0.95],
        ['apiinone', 4],
      ]);
    });

    it('lists what it rules out, with the reason and the error', () => {
      const plan = ctx.router().quote(onlyModellix, { maxCost: 1 });
      expect(plan.candidates).toEqual([]);
      expect(plan.skipped.map((s) => [s.gateway, s.reason])).toEqual([
        ['apiinone', 'unsupported'],
        ['apiframe', 'unsupported'],
        ['evolink', 'unsupported'],
        // Modellix serves it, but a reference video's price is unknown, so no budget can hold it.
        ['modellix', 'cost-unknown'],
      ]);
      expect(plan.skipped.slice(0, 3).every((s) => KlingUnsupportedError.is(s.error))).toBe(true);
      expect(plan.skipped[3]?.error).toSatisfy(KlingBudgetError.is);
    });
  });

  describe('submit', () => {
    it("'cheapest' submits pro+sound to EvoLink: one task, nothing skipped", async () => {
      const handle = await ctx.router().submit(proSound);
      expect(handle.gateway).toBe('evolink');
      expect(handle.estimate).toMatchObject({ gateway: 'evolink', usd: 0.75 });
      expect(handle.skipped).toEqual([]);
      expect(ctx.sim.stats.created).toEqual(createdCounts({ evolink: 1 }));
    });

    it('sends a request only Modellix supports there, the others skipped as unsupported', async () => {
      const router = ctx.router();
      const { task, handle, skipped } = await router.generate(onlyModellix);
      expect(task.status).toBe('succeeded');
      expect(task.gateway).toBe('modellix');
      expect(handle.gateway).toBe('modellix');
      expect(skipped).toBe(handle.skipped);
      expect(skipped.map((s) => [s.gateway, s.reason])).toEqual([
        ['apiinone', 'unsupported'],
        ['apiframe', 'unsupported'],
        ['evolink', 'unsupported'],
      ]);
      expect(skipped[2]?.error).toMatchObject({ field: 'referenceVideos', taskState: 'not-created' });
      expect(ctx.sim.stats.created).toEqual(createdCounts({ modellix: 1 }));
      expect(ctx.sim.stats.requests.filter((r) => r.op === 'create')).toHaveLength(1);
    });

    it("'ordered' keeps the configured order; 'cheapest' over the same clients does not", async () => {
      const order: GatewayId[] = ['apiinone', 'modellix', 'evolink', 'apiframe'];
      const ordered = new KlingRouter({ clients: ctx.clients(order), strategy: 'ordered' });
      expect(ordered.quote(proSound).candidates.map((e) => e.gateway)).toEqual(order);
      expect((await ordered.submit(proSound)).gateway).toBe('apiinone');
      const cheapest = new KlingRouter({ clients: ctx.clients(order) });
      expect((await cheapest.submit(proSound)).gateway).toBe('evolink');
      expect(ctx.sim.stats.created).toEqual(createdCounts({ apiinone: 1, evolink: 1 }));
    });

    it('takes the clients as a record too, in its key order', async () => {
      const router = new KlingRouter({
        clients: { modellix: ctx.client('modellix'), evolink: ctx.client('evolink') },
        strategy: 'ordered',
      });
      expect(router.gateways).toEqual(['modellix', 'evolink']);
      expect((await router.submit(proSound)).gateway).toBe('modellix');
    });

    it('maxCost skips the gateways over budget and those with no dollar figure', async () => {
      const router = new KlingRouter({
        clients: ctx.clients(['apiinone', 'apiframe', 'modellix', 'evolink']),
        strategy: 'ordered',
      });
      const handle = await router.submit(proSound, { maxCost: 0.9 });
      expect(handle.gateway).toBe('evolink');
      expect(handle.skipped.map((s) => [s.gateway, s.reason])).toEqual([
        ['apiinone', 'over-budget'],
        ['apiframe', 'cost-unknown'],
        ['modellix', 'over-budget'],
      ]);
      expect(handle.skipped[0]?.error).toMatchObject({ estimated: 4, maxCost: 0.9 });
      expect(ctx.sim.stats.requests.filter((r) => r.op === 'create')).toHaveLength(1);
    });

    it('fails over after a 401 (the key is refused): skipped says why, one task overall', async () => {
      const router = new KlingRouter({
        clients: ctx.clients(ROUTED, { evolink: { apiKey: INVALID_API_KEY } }),
      });
      const handle = await router.submit(proSound);
      expect(handle.gateway).toBe('modellix');
      expect(handle.skipped).toHaveLength(1);
      const [skip] = handle.skipped;
      expect(skip).toMatchObject({ gateway: 'evolink', reason: 'submit-failed' });
      expect(skip?.error).toSatisfy(KlingAuthError.is);
      expect(skip?.error).toMatchObject({ status: 401, taskState: 'not-created' });
      expect(ctx.createdTotal()).toBe(1);
      expect(ctx.sim.stats.created.modellix).toBe(1);
    });

    it('fails over when the first gateway refuses the connection', async () => {
      const router = new KlingRouter({
        clients: ctx.clients(ROUTED, {
          evolink: { baseUrl: `http://127.0.0.1:${await closedPort()}`, maxRetries: 0 },
        }),
      });
      const handle = await router.submit(proSound);
      expect(handle.gateway).toBe('modellix');
      expect(handle.skipped[0]?.error).toSatisfy(KlingConnectionError.is);
      expect(handle.skipped[0]?.error.taskState).toBe('not-created');
      expect(ctx.createdTotal()).toBe(1);
    });

    it('throws KlingRoutingError when every gateway refuses (402 everywhere), with nothing created', async () => {
      const error = await rejection(
        ctx.router().submit({ ...proSound, prompt: `a boat ${NO_CREDITS_TRIGGER}` }),
      );
      expect(error).toSatisfy(KlingRoutingError.is);
      expect(error).toSatisfy(KlingError.is);
      if (!KlingRoutingError.is(error)) return;
      expect(error.taskState).toBe('not-created');
      expect(error.skipped.map((s) => [s.gateway, s.reason])).toEqual([
        ['evolink', 'submit-failed'],
        ['modellix', 'submit-failed'],
        ['apiinone', 'submit-failed'],
        ['apiframe', 'submit-failed'],
      ]);
      expect(error.skipped.every((s) => KlingInsufficientCreditsError.is(s.error))).toBe(true);
      expect(error.cause).toBeInstanceOf(AggregateError);
      expect((error.cause as AggregateError).errors).toHaveLength(4);
      expect(error.message).toContain('evolink (submit-failed)');
      expect(ctx.createdTotal()).toBe(0);
    });

    it('throws KlingRoutingError without a request when no configured gateway can serve it', async () => {
      const router = new KlingRouter({ clients: ctx.clients(['apiinone', 'evolink']) });
      const error = await rejection(router.submit(onlyModellix));
      expect(error).toSatisfy(KlingRoutingError.is);
      expect(ctx.sim.stats.requests).toHaveLength(0);
    });

    it('stops at once on an invalid request, before any gateway', async () => {
      const error = await rejection(ctx.router().submit({ prompt: 'a boat', duration: 99 }));
      expect(error).toSatisfy(KlingValidationError.is);
      expect(ctx.sim.stats.requests).toHaveLength(0);
    });

    it('stops on abort with the signal reason, without trying another gateway', async () => {
      const reason = new Error('the user left');
      const error = await rejection(ctx.router().submit(proSound, { signal: AbortSignal.abort(reason) }));
      expect(error).toBe(reason);
      expect(ctx.sim.stats.requests.every((r) => r.gateway === 'evolink')).toBe(true);
      expect(ctx.createdTotal()).toBe(0);
    });

    it('calls onBeforeSend once per gateway tried, each record naming its gateway', async () => {
      const router = new KlingRouter({
        clients: ctx.clients(ROUTED, { evolink: { apiKey: INVALID_API_KEY } }),
      });
      const records: GatewayId[] = [];
      await router.submit(proSound, { onBeforeSend: (record) => void records.push(record.gateway) });
      expect(records).toEqual(['evolink', 'modellix']);
    });
  });

  describe('handles', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kling-router-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('serialize as plain saved handles; a new router resumes and finishes them on the right gateway', async () => {
      const first = new KlingRouter({
        clients: ctx.clients(ROUTED, { evolink: { apiKey: INVALID_API_KEY } }),
      });
      const handle = await first.submit(proSound);
      expect(handle.gateway).toBe('modellix');
      const saved = JSON.stringify(handle);
      expect(JSON.parse(saved)).toEqual(handle.toJSON());
      expect(JSON.parse(saved)).not.toHaveProperty('skipped');

      // After a restart: new clients, a new router, the saved JSON.
      const later = ctx.router();
      const resumed = later.resume(saved);
      expect(resumed).toMatchObject({ gateway: 'modellix', id: handle.id });
      expect((await later.getTask(saved)).gateway).toBe('modellix');
      const task = await later.wait(resumed);
      expect(task).toMatchObject({ status: 'succeeded', gateway: 'modellix', id: handle.id });
      expect(await later.wait(saved)).toMatchObject({ status: 'succeeded', id: handle.id });

      const path = join(dir, 'routed.mp4');
      expect(await later.download(task, path)).toEqual({ path, bytes: SAMPLE_VIDEO.byteLength });
      expect((await readFile(path)).equals(Buffer.from(SAMPLE_VIDEO))).toBe(true);
      expect(ctx.createdTotal()).toBe(1);
    });

    it('refuses a handle for a gateway the router has no client for', async () => {
      const saved = JSON.stringify(await ctx.client('apiframe').submit(proSound));
      const router = new KlingRouter({ clients: ctx.clients(['evolink', 'modellix']) });
      const calls: (() => unknown)[] = [
        () => router.resume(saved),
        () => router.wait(saved),
        () => router.getTask(saved),
      ];
      for (const call of calls) {
        const error = await rejection(Promise.resolve().then(call));
        expect(error).toSatisfy(KlingValidationError.is);
        expect(String(error)).toContain('no client is configured for apiframe');
      }
      expect(ctx.sim.stats.requests.filter((r) => r.op === 'status')).toHaveLength(0);
    });
  });

  describe('configuration', () => {
    it('refuses no clients, two clients for one gateway, a record key that names another gateway, a bad strategy', () => {
      const evolink = ctx.client('evolink');
      expect(() => new KlingRouter({ clients: [] })).toThrow(KlingValidationError);
      expect(() => new KlingRouter({ clients: [evolink, ctx.client('evolink')] })).toThrow(/second client/);
      expect(() => new KlingRouter({ clients: { modellix: evolink } })).toThrow(/not modellix/);
      expect(
        () => new KlingRouter({ clients: [evolink], strategy: 'random' as unknown as 'ordered' }),
      ).toThrow(KlingValidationError);
    });
  });
});

describe('KlingRouter: EvoLink answers 429 until the retries run out', () => {
  const ctx = simulatorFor({
    faults: [{ op: 'create', kind: 'http-429', gateway: 'evolink', retryAfter: 1 }],
  });

  it('fails over to the next gateway, with one task created overall', async () => {
    const router = new KlingRouter({ clients: ctx.clients(ROUTED, { evolink: { maxRetries: 1 } }) });
    const handle = await router.submit(proSound);
    expect(handle.gateway).toBe('modellix');
    expect(handle.skipped).toHaveLength(1);
    expect(handle.skipped[0]).toMatchObject({ gateway: 'evolink', reason: 'submit-failed' });
    expect(handle.skipped[0]?.error).toSatisfy(KlingRateLimitError.is);
    expect(ctx.requestsTo('evolink')).toBe(2);
    expect(ctx.sim.stats.created).toEqual(createdCounts({ modellix: 1 }));
  });
});

describe.each([
  ['a 500 on the create (the outcome is unknown)', 'http-500', 0],
  ['a connection dropped after the task was created', 'drop-after-create', 1],
] as const)('KlingRouter: %s', (_, kind, createdAtEvoLink) => {
  const ctx = simulatorFor({ faults: [{ op: 'create', kind, gateway: 'evolink' }] });

  it('throws KlingSubmitUncertainError and does not fail over', async () => {
    const error = await rejection(ctx.router().submit(proSound));
    expect(error).toSatisfy(KlingSubmitUncertainError.is);
    expect(error).toMatchObject({ gateway: 'evolink', taskState: 'may-exist' });
    expect(ctx.requestsTo('evolink')).toBe(1);
    for (const next of ['modellix', 'apiinone', 'apiframe'] as const) expect(ctx.requestsTo(next)).toBe(0);
    expect(ctx.sim.stats.created.evolink).toBe(createdAtEvoLink);
    expect(ctx.createdTotal()).toBe(createdAtEvoLink);
  });
});
