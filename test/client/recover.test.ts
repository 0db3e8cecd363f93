/**
 * `client.recover` (issue 14 item 4) and `client.cancel` (issue 15 item 6), over real HTTP on loopback
 * against the simulator. Recover: after a submit whose outcome is unknown, the task is looked up by the
 * external id its create carried: found → a handle that `wait` finishes; provably absent → safe to
 * resend; a lookup that proves nothing → thrown, never "not found". Cancel: fal's queue cancel, an
 * "already completed" answer read as too late, gateways without a documented cancel refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../src/gateways/index.js';
import {
  GATEWAY_IDS,
  type GatewayId,
  KlingClient,
  type KlingClientOptions,
  KlingNotFoundError,
  KlingResponseError,
  KlingRouter,
  KlingServerError,
  KlingSubmitUncertainError,
  KlingTaskFailedError,
  KlingUnsupportedError,
  KlingValidationError,
  type SubmitRecord,
  type VideoRequest,
} from '../../src/index.js';
import { type FaultRule, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { rejection } from '../helpers/rejection.js';

const REQUEST: VideoRequest = { prompt: 'a paper boat on a rainy street', mode: 'pro', duration: 8 };

function harness(options: { timeScale?: number } = {}) {
  const context = {
    sim: undefined as unknown as RunningSimulator,
    opened: [] as KlingClient[],
    client(gateway: GatewayId, extra: Partial<KlingClientOptions> = {}): KlingClient {
      const client = new KlingClient({
        gateway,
        apiKey: 'sk-recover',
        baseUrl: context.sim.url,
        clock: context.sim.clientClock,
        ...extra,
      });
      context.opened.push(client);
      return client;
    },
    faults(rules: FaultRule[]): void {
      context.sim.setFaults(rules);
    },
    requests(op?: string) {
      return context.sim.stats.requests.filter((r) => op === undefined || r.op === op);
    },
  };
  beforeAll(async () => {
    context.sim = await startGatewaySimulator({ seed: 1414, ...options });
  });
  afterAll(async () => {
    await Promise.all(context.opened.map((c) => c.close()));
    await context.sim.close();
  });
  beforeEach(() => {
    context.sim.reset();
    context.sim.setFaults([]);
  });
  return context;
}

/** A kling submit whose create made the task but whose reply never came: the uncertain error, and the record. */
async function uncertainSubmit(
  client: KlingClient,
  h: ReturnType<typeof harness>,
  fault: FaultRule['kind'],
): Promise<{ error: KlingSubmitUncertainError; record: SubmitRecord }> {
  h.faults([{ op: 'create', gateway: 'kling', kind: fault, times: 1 }]);
  let record: SubmitRecord | undefined;
  const error = await rejection(
    client.submit(REQUEST, {
      onBeforeSend: (r) => {
        record = r;
      },
    }),
  );
  h.faults([]);
  if (!KlingSubmitUncertainError.is(error))
    throw new Error(`expected an uncertain submit, got ${String(error)}`);
  if (record === undefined) throw new Error('onBeforeSend did not run');
  return { error, record };
}

describe('client.recover on kling (lookup by external id)', () => {
  const h = harness();

  it('a may-exist submit whose task exists: recover(error) gives a handle that wait finishes', async () => {
    const client = h.client('kling');
    const { error, record } = await uncertainSubmit(client, h, 'drop-after-create');
    expect(error.externalId).toBe(record.externalId);
    const [task] = h.sim.tasks();
    expect(task).toBeDefined();

    const result = await client.recover(error);
    if (!result.found) throw new Error('expected the task to be found');
    expect(result.handle).toMatchObject({
      v: 1,
      gateway: 'kling',
      id: task?.id,
      externalId: record.externalId,
      estimate: client.estimate(REQUEST),
    });
    expect(result.task.id).toBe(task?.id);
    expect(Date.parse(result.handle.submittedAt)).not.toBeNaN();
    // A handle like submit's: it saves as JSON, resumes, and its wait ends with the video.
    const resumed = client.resume(JSON.stringify(result.handle));
    const done = await client.wait(resumed);
    expect(done.status).toBe('succeeded');
    expect(done.id).toBe(task?.id);
    // Nothing was created again.
    expect(h.sim.tasks()).toHaveLength(1);
    expect(h.requests('create')).toHaveLength(1);
  });

  it('recover(record) from onBeforeSend, saved as JSON (after a crash), finds the same task', async () => {
    const client = h.client('kling');
    const { record } = await uncertainSubmit(client, h, 'http-500-after-create');
    const saved: SubmitRecord = JSON.parse(JSON.stringify(record));
    const result = await client.recover(saved);
    expect(result.found).toBe(true);
    if (result.found) expect(result.handle.id).toBe(h.sim.tasks()[0]?.id);
    // A saved handle is handle-like: looking it up again finds the task again.
    if (result.found) expect((await client.recover(result.handle.toJSON())).found).toBe(true);
  });

  it('the record without its estimate: the request is estimated again', async () => {
    const client = h.client('kling');
    const { record } = await uncertainSubmit(client, h, 'drop-after-create');
    const { estimate: _estimate, ...withoutEstimate } = record;
    const result = await client.recover(withoutEstimate);
    if (!result.found) throw new Error('expected the task to be found');
    expect(result.handle.estimate).toEqual(client.estimate(REQUEST));
  });

  it('a may-exist submit that created nothing: provably not found, safe to resend; the resend makes one task', async () => {
    const client = h.client('kling', { maxRetries: 0 });
    // A 5xx before the gateway acted: uncertain to the client (kling does not dedupe), nothing created.
    const { error } = await uncertainSubmit(client, h, 'http-503');
    expect(h.sim.tasks()).toHaveLength(0);
    const result = await client.recover(error);
    expect(result).toEqual({
      found: false,
      safeToResend: true,
      gateway: 'kling',
      externalId: error.externalId,
    });
    const handle = await client.submit(REQUEST);
    expect(h.sim.tasks().map((t) => t.id)).toEqual([handle.id]);
  });

  it.each([
    ['a truncated 2xx', 'truncated-json', KlingResponseError],
    ['a 2xx without ids', 'missing-fields', KlingResponseError],
    ['a 503 after every retry', 'http-503', KlingServerError],
  ] as const)(
    'a lookup that proves nothing (%s) throws; it is never read as not found',
    async (_, kind, type) => {
      const client = h.client('kling', { maxRetries: 1 });
      const { error } = await uncertainSubmit(client, h, 'drop-after-create');
      h.faults([{ op: 'status', gateway: 'kling', kind }]);
      const thrown = await rejection(client.recover(error));
      expect(type.is(thrown)).toBe(true);
      // With no task behind the id, a reply that can't be read is no proof of absence either (a 2xx
      // stripped of ids still proves it: the list it strips is empty).
      if (kind === 'missing-fields') return;
      h.sim.reset();
      h.faults([{ op: 'status', gateway: 'kling', kind }]);
      expect(type.is(await rejection(client.recover(error)))).toBe(true);
    },
  );

  it('a lookup is retried like a status read: a 503 then the reply finds the task', async () => {
    const client = h.client('kling', { maxRetries: 2 });
    const { error } = await uncertainSubmit(client, h, 'drop-after-create');
    h.faults([{ op: 'status', gateway: 'kling', kind: 'http-503', times: 1 }]);
    expect((await client.recover(error)).found).toBe(true);
    expect(h.requests('status')).toHaveLength(2);
  });

  it('invalid input: one KlingValidationError listing every problem, nothing sent', async () => {
    const client = h.client('kling');
    const wrong = await rejection(
      client.recover({
        gateway: 'evolink',
        externalId: '',
        estimate: 'cheap' as never,
        request: 5 as never,
      }),
    );
    if (!KlingValidationError.is(wrong)) throw wrong;
    expect(wrong.issues.map((i) => i.path.join('.'))).toEqual([
      'gateway',
      'estimate',
      'request',
      'externalId',
    ]);
    expect(wrong.message).toContain('this client talks to kling');

    const empty = await rejection(client.recover({}));
    if (!KlingValidationError.is(empty)) throw empty;
    expect(empty.issues.map((i) => i.path.join('.'))).toEqual(['externalId', 'estimate']);

    // A request estimated again: its own problems, under `request`.
    const badRequest = await rejection(
      client.recover({ externalId: 'x', request: { prompt: 'p', duration: 99, mode: 'ultra' as never } }),
    );
    if (!KlingValidationError.is(badRequest)) throw badRequest;
    expect(badRequest.issues.map((i) => i.path.join('.'))).toEqual(['request.mode', 'request.duration']);

    for (const input of [null, 'ext-1', 42, [{ externalId: 'x' }]]) {
      expect(KlingValidationError.is(await rejection(client.recover(input as never)))).toBe(true);
    }
    // A control character can't be sent in a query.
    const control = await rejection(
      client.recover({ externalId: 'a\nb', estimate: client.estimate(REQUEST) }),
    );
    expect(KlingValidationError.is(control) && control.issues[0]?.path).toEqual(['externalId']);
    // Options are checked too.
    const options = await rejection(
      client.recover({ externalId: 'x', request: REQUEST }, { timeoutMs: -1, retries: 2 } as never),
    );
    if (!KlingValidationError.is(options)) throw options;
    expect(options.subject).toBe('options');
    expect(options.issues).toHaveLength(2);
    expect(h.sim.stats.requests).toHaveLength(0);
  });

  it('gateways without a lookup refuse with what to do instead; nothing is sent', async () => {
    const record = { externalId: 'ext-1', request: REQUEST };
    for (const gateway of GATEWAY_IDS) {
      const adapter = ADAPTERS[gateway];
      if (adapter.lookupRequest !== undefined && adapter.parseLookup !== undefined) continue;
      const error = await rejection(h.client(gateway).recover({ ...record, gateway }));
      if (!KlingUnsupportedError.is(error)) throw error;
      expect(error.gateway).toBe(gateway);
      expect(error.field).toBe('recover');
      if (gateway === 'apiframe') {
        // apiframe dedupes: the way back is a re-send with the same key, within the replay window.
        expect(error.message).toMatch(/idempotencyKey/);
        expect(error.message).toMatch(/24 h/);
      } else {
        expect(error.message).toMatch(/dashboard/);
        expect(error.message).toMatch(/[Nn]ever re-send blind/);
      }
    }
    const apiframe = await rejection(
      h.client('apiframe').recover({ gateway: 'apiframe', idempotencyKey: 'key-7', estimate: undefined }),
    );
    expect(KlingUnsupportedError.is(apiframe) && apiframe.message).toContain("idempotencyKey 'key-7'");
    expect(h.sim.stats.requests).toHaveLength(0);
  });

  it('the router recovers on the gateway the record names', async () => {
    const kling = h.client('kling');
    const router = new KlingRouter({ clients: [h.client('evolink'), kling], strategy: 'ordered' });
    const { error, record } = await uncertainSubmit(kling, h, 'drop-after-create');
    for (const target of [error, JSON.parse(JSON.stringify(record)) as SubmitRecord]) {
      const result = await router.recover(target);
      expect(result.found && result.handle.id).toBe(h.sim.tasks()[0]?.id);
    }
    const noGateway = await rejection(router.recover({ externalId: 'x' }));
    expect(KlingValidationError.is(noGateway) && noGateway.issues[0]?.path).toEqual(['gateway']);
    const notConfigured = await rejection(router.recover({ ...record, gateway: 'fal' }));
    expect(KlingValidationError.is(notConfigured) && notConfigured.message).toMatch(
      /no client is configured for fal/,
    );
  });
});

describe('client.cancel', () => {
  describe('fal, while the request is queued (real time: it stays queued for seconds)', () => {
    const h = harness({ timeScale: 1 });

    it('canceled; a wait on it ends with KlingTaskFailedError, status canceled', async () => {
      const client = h.client('fal', { poll: { intervalMs: 10 } });
      const handle = await client.submit(REQUEST);
      const result = await client.cancel(handle);
      expect(result).toMatchObject({ gateway: 'fal', id: handle.id, outcome: 'canceled' });
      const cancel = h.requests().filter((r) => r.method === 'PUT');
      expect(cancel).toHaveLength(1);
      expect(cancel[0]?.path).toMatch(/\/requests\/[^/]+\/cancel$/);
      const failed = await rejection(client.wait(handle, { timeoutMs: 30_000 }));
      if (!KlingTaskFailedError.is(failed)) throw failed;
      expect(failed.task.status).toBe('canceled');
    });

    it('retried like a read: a 503 and then the answer', async () => {
      const client = h.client('fal', { maxRetries: 2 });
      const handle = await client.submit(REQUEST);
      h.faults([{ op: 'any', gateway: 'fal', kind: 'http-503', times: 1 }]);
      expect((await client.cancel(handle)).outcome).toBe('canceled');
      expect(h.requests().filter((r) => r.method === 'PUT')).toHaveLength(2);
    });

    it('an error reply that is not an answer throws its KlingApiError', async () => {
      const client = h.client('fal', { maxRetries: 0 });
      const handle = await client.submit(REQUEST);
      h.faults([{ op: 'any', gateway: 'fal', kind: 'http-503' }]);
      expect(KlingServerError.is(await rejection(client.cancel(handle)))).toBe(true);
      h.faults([]);
      // fal's NOT_FOUND (a request it never issued) is not a cancel either.
      expect(KlingNotFoundError.is(await rejection(client.cancel('0a1b2c3d-never-issued')))).toBe(true);
    });
  });

  describe('fal, once the request finished', () => {
    const h = harness();

    it('too late: the vendor\'s "already completed" (a 400) is the answer, not an error', async () => {
      const client = h.client('fal');
      const handle = await client.submit(REQUEST);
      await client.wait(handle);
      const result = await client.cancel(handle);
      expect(result).toMatchObject({ gateway: 'fal', id: handle.id, outcome: 'too-late' });
      expect(h.requests().find((r) => r.method === 'PUT')?.status).toBe(400);
    });
  });

  describe('gateways without a documented cancel', () => {
    const h = harness();

    it('KlingUnsupportedError naming the gateway; nothing sent; the id is still checked', async () => {
      const without = GATEWAY_IDS.filter((g) => ADAPTERS[g].cancelRequest === undefined);
      expect(without.length).toBeGreaterThan(0);
      for (const gateway of without) {
        const error = await rejection(h.client(gateway).cancel('task-1'));
        if (!KlingUnsupportedError.is(error)) throw error;
        expect(error).toMatchObject({ gateway, field: 'cancel' });
        expect(error.message).toMatch(/documents no cancel/);
        expect(KlingValidationError.is(await rejection(h.client(gateway).cancel('')))).toBe(true);
      }
      // A handle of another gateway is refused before anything else.
      const fal = h.client('fal');
      const wrong = await rejection(
        fal.cancel({
          v: 1,
          gateway: 'evolink',
          id: 'task-1',
          submittedAt: '2026-12-03T12:00:00.000Z',
          estimate: h.client('evolink').estimate(REQUEST),
        }),
      );
      expect(KlingValidationError.is(wrong)).toBe(true);
      expect(h.sim.stats.requests).toHaveLength(0);
    });
  });
});

describe('client.recover on kling, legacy standard (the task lives under its kind)', () => {
  const h = harness();

  it('the record and the error keep the route; the lookup goes there and the handle keeps it', async () => {
    const client = h.client('kling', { klingApi: 'legacy' });
    const request: VideoRequest = {
      prompt: 'the frame comes alive',
      startImage: 'https://cdn.example.com/a.png',
    };
    h.faults([{ op: 'create', gateway: 'kling', kind: 'drop-after-create', times: 1 }]);
    let record: SubmitRecord | undefined;
    const error = await rejection(
      client.submit(request, {
        onBeforeSend: (r) => {
          record = r;
        },
      }),
    );
    h.faults([]);
    if (!KlingSubmitUncertainError.is(error)) throw error;
    expect(record?.route).toBe('image2video');
    const [task] = h.sim.tasks();
    for (const target of [error, JSON.parse(JSON.stringify(record)) as SubmitRecord]) {
      const result = await client.recover(target);
      if (!result.found) throw new Error('expected the task to be found');
      expect(result.handle).toMatchObject({ id: task?.id, route: 'image2video' });
    }
    const lookups = h.requests('status');
    expect(lookups.every((r) => r.path.startsWith('/v1/videos/image2video/'))).toBe(true);
    const result = await client.recover(error);
    if (result.found) expect((await client.wait(result.handle)).id).toBe(task?.id);
  });
});
