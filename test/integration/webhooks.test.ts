/**
 * Callbacks end to end over real HTTP on loopback: the SDK creates a task with a (public-looking)
 * callbackUrl, the simulator delivers what the gateway would to a node:http receiver
 * (`deliverCallbacksTo`), the receiver reads it with parseWebhook, and confirmWebhook re-reads the task.
 * The official Kling API's and fal's deliveries are signed by the simulator (its Webhook Secret, its
 * Ed25519 key) and carry timestamps: they are read on a simulator whose clock only moves when told.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWebhook } from '../../src/client/webhooks.js';
import { ADAPTERS } from '../../src/gateways/index.js';
import {
  KlingClient,
  KlingResponseError,
  KlingValidationError,
  KlingWebhookError,
  parseWebhook,
} from '../../src/index.js';
import {
  FAL_SIMULATOR_JWKS,
  KLING_SIMULATOR_WEBHOOK_SECRET,
  type RunningSimulator,
  startGatewaySimulator,
} from '../../src/testing/index.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

interface Delivery {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let receiver: Server;
let origin: string;
const deliveries: Delivery[] = [];
const waiting = new Map<string, (d: Delivery) => void>();

/** The next delivery to `path` (every query string included in `url`). */
function nextDelivery(path: string): Promise<Delivery> {
  return new Promise((resolve) => waiting.set(path, resolve));
}

let sim: RunningSimulator;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delivery = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      deliveries.push(delivery);
      res.writeHead(200).end('ok');
      const path = delivery.url.split('?')[0] ?? '';
      waiting.get(path)?.(delivery);
      waiting.delete(path);
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sim = await startGatewaySimulator({ seed: 11, deliverCallbacksTo: origin });
});
afterAll(async () => {
  await sim.close();
  receiver.close();
});

const signed = { apiframe: true, evolink: false, apiinone: false } as const;

describe.each(Object.entries(signed) as ['apiframe' | 'evolink' | 'apiinone', boolean][])(
  '%s',
  (gateway, isSigned) => {
    const apiKey = `sk-${gateway}-key`;
    const client = () => new KlingClient({ gateway, apiKey, baseUrl: sim.url, clock: sim.clientClock });

    it(`generate → the simulator delivers → parseWebhook (verified: ${isSigned}) → confirmWebhook re-reads`, async () => {
      const path = `/hooks/${gateway}/done`;
      const arrived = nextDelivery(path);
      const c = client();
      const task = await c.generate({
        prompt: 'a fox in the snow',
        callbackUrl: `https://hooks.example.com${path}?order=42`,
      });
      const delivery = await arrived;
      expect(delivery.url).toBe(`${path}?order=42`);
      expect(delivery.headers['content-type']).toBe('application/json');

      const parsed = parseWebhook({ gateway, rawBody: delivery.body, headers: delivery.headers, apiKey });
      expect(parsed.verified).toBe(isSigned);
      expect(parsed.task).toMatchObject({ id: task.id, gateway, status: 'succeeded' });
      if (gateway === 'apiframe') {
        expect(parsed.event).toBe('completed');
        expect(delivery.headers['x-webhook-event']).toBe('completed');
        expect(delivery.headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      }

      const polls = sim.stats.requests.filter((r) => r.op === 'status').length;
      const fresh = await c.confirmWebhook({ rawBody: delivery.body, headers: delivery.headers });
      expect(fresh).toMatchObject({ id: task.id, status: 'succeeded' });
      expect(sim.stats.requests.filter((r) => r.op === 'status').length).toBe(polls + 1);

      await vi.waitFor(() =>
        expect(sim.stats.callbacks).toContainEqual(
          expect.objectContaining({
            gateway,
            taskId: task.id,
            event: 'completed',
            url: `https://hooks.example.com${path}?order=42`,
            target: `${origin}${path}?order=42`,
            attempt: 1,
            status: 200,
          }),
        ),
      );
      await c.close();
    });

    it('a failed render sends the failure', async () => {
      const path = `/hooks/${gateway}/failed`;
      const arrived = nextDelivery(path);
      const c = client();
      const handle = await c.submit({ prompt: 'SIM_FAIL', callbackUrl: `https://hooks.example.com${path}` });
      const delivery = await arrived;
      const parsed = parseWebhook({ gateway, rawBody: delivery.body, headers: delivery.headers, apiKey });
      expect(parsed.task).toMatchObject({ id: handle.id, status: 'failed' });
      expect((await c.confirmWebhook({ rawBody: delivery.body, headers: delivery.headers })).status).toBe(
        'failed',
      );
      await c.close();
    });
  },
);

describe('trust', () => {
  it('apiframe: a receiver holding another key refuses the callback; confirmWebhook too', async () => {
    const path = '/hooks/apiframe/other-key';
    const arrived = nextDelivery(path);
    const c = new KlingClient({
      gateway: 'apiframe',
      apiKey: 'afk_creator',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    await c.submit({ prompt: 'a fox', callbackUrl: `https://hooks.example.com${path}` });
    const delivery = await arrived;
    const input = { rawBody: delivery.body, headers: delivery.headers };
    expect(() => parseWebhook({ gateway: 'apiframe', ...input, apiKey: 'afk_someone_else' })).toThrow(
      KlingWebhookError,
    );
    const stranger = new KlingClient({ gateway: 'apiframe', apiKey: 'afk_someone_else', baseUrl: sim.url });
    await expect(stranger.confirmWebhook(input)).rejects.toSatisfy(KlingWebhookError.is);
    expect(parseWebhook({ gateway: 'apiframe', ...input, apiKey: 'afk_creator' }).verified).toBe(true);
    await Promise.all([c.close(), stranger.close()]);
  });

  it('EvoLink: a forged "completed" callback for a task still rendering is exposed by confirmWebhook', async () => {
    const held = await startGatewaySimulator({ seed: 12, hold: true });
    const c = new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-evo',
      baseUrl: held.url,
      clock: held.clientClock,
    });
    try {
      const handle = await c.submit({ prompt: 'a fox' });
      const forged = JSON.stringify({
        id: handle.id,
        object: 'video.generation.task',
        status: 'completed',
        progress: 100,
        results: ['https://attacker.example/not-your-video.mp4'],
      });
      const parsed = parseWebhook({ gateway: 'evolink', rawBody: forged, headers: {} });
      expect(parsed).toMatchObject({ verified: false, task: { status: 'succeeded' } });
      const fresh = await c.confirmWebhook({ rawBody: forged, headers: {} });
      expect(fresh.id).toBe(handle.id);
      expect(fresh.status === 'queued' || fresh.status === 'running').toBe(true);
    } finally {
      await c.close();
      await held.close();
    }
  });
});

/** Status reads the simulator has answered so far. */
const statusReads = () => sim.stats.requests.filter((r) => r.op === 'status').length;

describe('expected (issue 10 item 16): a receiver for job A is not fooled by a callback for job B', () => {
  it.each(Object.entries(signed) as ['apiframe' | 'evolink' | 'apiinone', boolean][])(
    '%s: B’s real delivery, posted to A’s URL, is refused with expected: A (nothing read); A’s own is confirmed',
    async (gateway) => {
      const apiKey = `sk-${gateway}-expected`;
      const c = new KlingClient({ gateway, apiKey, baseUrl: sim.url, clock: sim.clientClock });
      const arrivedA = nextDelivery(`/hooks/${gateway}/job-a`);
      const handleA = await c.submit({
        prompt: 'job A',
        callbackUrl: `https://hooks.example.com/hooks/${gateway}/job-a`,
      });
      const deliveryA = await arrivedA;
      const arrivedB = nextDelivery(`/hooks/${gateway}/job-b`);
      const handleB = await c.submit({
        prompt: 'job B',
        callbackUrl: `https://hooks.example.com/hooks/${gateway}/job-b`,
      });
      const deliveryB = await arrivedB;
      const forB = { rawBody: deliveryB.body, headers: deliveryB.headers };

      // Without expected, B's callback at A's URL confirms B's task: the receiver would mark A done.
      expect((await c.confirmWebhook(forB)).id).toBe(handleB.id);

      const reads = statusReads();
      for (const expected of [handleA, handleA.id, { gateway, id: handleA.id }]) {
        const error = await c.confirmWebhook({ ...forB, expected }).catch((e: unknown) => e);
        expect(KlingWebhookError.is(error)).toBe(true);
        expect((error as Error).message).toContain(handleA.id);
        expect((error as Error).message).toContain(handleB.id);
        expect(() => parseWebhook({ gateway, ...forB, apiKey, expected })).toThrow(KlingWebhookError);
      }
      expect(statusReads()).toBe(reads); // refused before reading anything

      const confirmed = await c.confirmWebhook({
        rawBody: deliveryA.body,
        headers: deliveryA.headers,
        expected: handleA,
      });
      expect(confirmed.id).toBe(handleA.id);
      await c.close();
    },
  );

  it('a handle of another gateway, or an empty id, is a KlingValidationError before anything is read', async () => {
    const c = new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-evo',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    const reads = statusReads();
    const body = JSON.stringify({ id: 'x', status: 'processing' });
    for (const expected of ['', { gateway: 'apiframe' as const, id: 'x' }]) {
      await expect(c.confirmWebhook({ rawBody: body, headers: {}, expected })).rejects.toSatisfy(
        KlingValidationError.is,
      );
    }
    expect(statusReads()).toBe(reads);
    await c.close();
  });

  it('the API answering for another task is a KlingResponseError, never the confirmed task', async () => {
    const held = await startGatewaySimulator({ seed: 13, hold: true });
    const honest = new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-evo',
      baseUrl: held.url,
      clock: held.clientClock,
    });
    const handle = await honest.submit({ prompt: 'a fox' });
    // A gateway (or a proxy in front of it) that answers the status read with another task's id.
    const lying = new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-evo',
      baseUrl: held.url,
      clock: held.clientClock,
      fetch: async (url, init) => {
        const reply = await globalThis.fetch(url, init);
        const text = (await reply.text()).replaceAll(handle.id, 'task-of-someone-else');
        return new Response(text, { status: reply.status, headers: reply.headers });
      },
    });
    try {
      const callback = JSON.stringify({
        id: handle.id,
        object: 'video.generation.task',
        status: 'processing',
      });
      for (const expected of [undefined, handle]) {
        const error = await lying
          .confirmWebhook({ rawBody: callback, headers: {}, ...(expected ? { expected } : {}) })
          .catch((e: unknown) => e);
        expect(KlingResponseError.is(error)).toBe(true);
        expect((error as Error).message).toContain('task-of-someone-else');
      }
      expect((await honest.confirmWebhook({ rawBody: callback, headers: {}, expected: handle })).id).toBe(
        handle.id,
      );
    } finally {
      await Promise.all([honest.close(), lying.close()]);
      await held.close();
    }
  });
});

describe('hostile callbacks through confirmWebhook', () => {
  it.each([
    ['a million [ (not JSON)', '['.repeat(1e6)],
    ['500,000 levels, closed', `${'['.repeat(5e5)}${']'.repeat(5e5)}`],
    ['{"a": 100,000 levels, closed', `${'{"a":'.repeat(1e5)}1${'}'.repeat(1e5)}`],
  ])('%s is a KlingWebhookError, and nothing is read', async (_, body) => {
    const c = new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-evo',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    const reads = statusReads();
    const error = await c.confirmWebhook({ rawBody: body, headers: {} }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RangeError);
    expect(KlingWebhookError.is(error)).toBe(true);
    expect(statusReads()).toBe(reads);
    await c.close();
  });

  it('reads the callback on the client’s clock, not Date.now()', async () => {
    const clock = new VirtualClock(Date.parse('2031-03-04T05:06:07Z'));
    const c = new KlingClient({ gateway: 'evolink', apiKey: 'sk-evo', baseUrl: sim.url, clock });
    const handle = await c.submit({ prompt: 'a fox' });
    const seen: number[] = [];
    const original = ADAPTERS.evolink.parseWebhook;
    const spy = vi.spyOn(ADAPTERS.evolink, 'parseWebhook').mockImplementation((body, context) => {
      seen.push(context.now);
      return original?.(body, context) as ReturnType<NonNullable<typeof original>>;
    });
    try {
      const body = JSON.stringify({ id: handle.id, object: 'video.generation.task', status: 'processing' });
      await c.confirmWebhook({ rawBody: body, headers: {}, expected: handle });
      expect(seen).toEqual([clock.now()]);
    } finally {
      spy.mockRestore();
      await c.close();
    }
  });
});

describe('signed callbacks with timestamps: kling (Standard Webhooks) and fal (Ed25519)', () => {
  // A clock that moves only when told: the signed timestamp and the receiver's "now" are the same instant
  // until a test moves it (1 real ms is 1 simulated s at the default time scale).
  let wall = Date.now();
  let timed: RunningSimulator;
  beforeAll(async () => {
    timed = await startGatewaySimulator({ seed: 21, now: () => wall, deliverCallbacksTo: origin });
  });
  afterAll(() => timed.close());

  /** Submits with a callback URL, lets the render end (400 simulated s), returns the delivery. */
  async function delivered(client: KlingClient, path: string, prompt = 'a heron at dawn') {
    const arrived = nextDelivery(path);
    const handle = await client.submit({ prompt, callbackUrl: `https://hooks.example.com${path}` });
    wall += 400;
    const delivery = await arrived;
    return { handle, delivery, input: { rawBody: delivery.body, headers: delivery.headers } };
  }
  const statusReadsOf = () => timed.stats.requests.filter((r) => r.op === 'status').length;

  it('kling: signed per Standard Webhooks; verified with the secret, refused without it, stale after 5 min', async () => {
    const c = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-kling',
      baseUrl: timed.url,
      clock: timed.clientClock,
    });
    const { handle, delivery, input } = await delivered(c, '/hooks/kling/signed');
    expect(delivery.headers['webhook-id']).toMatch(/^\d+$/);
    expect(delivery.headers['webhook-timestamp']).toBe(String(Math.floor(timed.clientClock.now() / 1000)));
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const now = timed.clientClock.now();
    const read = (change: { webhookSecret?: string; rawBody?: Buffer }, at = now) =>
      readWebhook({ gateway: 'kling', ...input, ...change }, at);

    const parsed = read({ webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET });
    expect(parsed).toMatchObject({
      verified: true,
      task: { id: handle.id, gateway: 'kling', status: 'succeeded' },
    });
    expect(() => read({})).toThrow(/no webhookSecret was given/);
    expect(() => read({ webhookSecret: 'whsec_b3RoZXJzZWNyZXQ=' })).toThrow(/does not match/);
    const tampered = Buffer.from(delivery.body.toString().replace('"succeeded"', '"failed"'));
    expect(() => read({ webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET, rawBody: tampered })).toThrow(
      /does not match/,
    );

    // confirmWebhook with the client's webhookSecret: verified, then one status read.
    const holder = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-kling',
      baseUrl: timed.url,
      clock: timed.clientClock,
      webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET,
    });
    const reads = statusReadsOf();
    expect(await holder.confirmWebhook({ ...input, expected: handle })).toMatchObject({
      id: handle.id,
      status: 'succeeded',
    });
    expect(statusReadsOf()).toBe(reads + 1);
    // A client without the secret refuses it before reading anything.
    await expect(c.confirmWebhook({ ...input, expected: handle })).rejects.toSatisfy(KlingWebhookError.is);
    expect(statusReadsOf()).toBe(reads + 1);

    // The same delivery replayed 301 s later is refused, by parseWebhook and by confirmWebhook.
    wall += 301;
    expect(() => read({ webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET }, timed.clientClock.now())).toThrow(
      /outside the ±300 s tolerance/,
    );
    await expect(holder.confirmWebhook({ ...input, expected: handle })).rejects.toSatisfy(
      KlingWebhookError.is,
    );
    expect(statusReadsOf()).toBe(reads + 1);
    await Promise.all([c.close(), holder.close()]);
  });

  it('fal: ?fal_webhook= is delivered, Ed25519-signed; verified with the JWKS, unsigned without it', async () => {
    const c = new KlingClient({
      gateway: 'fal',
      apiKey: 'fal-key',
      baseUrl: timed.url,
      clock: timed.clientClock,
    });
    const { handle, delivery, input } = await delivered(c, '/hooks/fal/signed');
    expect(delivery.headers['x-fal-webhook-request-id']).toBe(handle.id);
    expect(delivery.headers['x-fal-webhook-signature']).toMatch(/^[0-9a-f]{128}$/);
    const now = timed.clientClock.now();
    const read = (change: { webhookKeys?: typeof FAL_SIMULATOR_JWKS; rawBody?: Buffer }, at = now) =>
      readWebhook({ gateway: 'fal', ...input, ...change }, at);

    expect(read({ webhookKeys: FAL_SIMULATOR_JWKS })).toMatchObject({
      verified: true,
      event: 'OK',
      task: { id: handle.id, gateway: 'fal', status: 'succeeded' },
    });
    expect(read({}).verified).toBe(false); // the recipe is unconfirmed: unsigned unless keys are given
    const tampered = Buffer.from(delivery.body.toString().replace('"OK"', '"ERROR"'));
    expect(() => read({ webhookKeys: FAL_SIMULATOR_JWKS, rawBody: tampered })).toThrow(/does not verify/);
    expect(() => read({ webhookKeys: FAL_SIMULATOR_JWKS }, now + 301_000)).toThrow(/tolerance/);

    const holder = new KlingClient({
      gateway: 'fal',
      apiKey: 'fal-key',
      baseUrl: timed.url,
      clock: timed.clientClock,
      webhookKeys: FAL_SIMULATOR_JWKS,
    });
    expect(await holder.confirmWebhook({ ...input, expected: handle })).toMatchObject({
      id: handle.id,
      status: 'succeeded',
    });
    await Promise.all([c.close(), holder.close()]);
  });

  it('GET /__sim/webhook-keys names what the simulator signs with', async () => {
    const reply = await fetch(`${timed.url}/__sim/webhook-keys`);
    expect(await reply.json()).toEqual({
      kling: { webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET },
      fal: { webhookKeys: FAL_SIMULATOR_JWKS },
    });
  });
});
