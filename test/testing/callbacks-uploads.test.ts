/**
 * The simulator's callbacks, upload APIs and balance endpoints, spoken to over raw HTTP from the
 * vendors' documented shapes (not through the SDK).
 */
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { WIRE } from './helpers.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f9d1a80000000049454e44ae426082',
  'hex',
);

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let origin: string;
const received: Received[] = [];
/** Status codes the receiver answers with, in order, then 200. */
const answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => receiver.close());

async function createTask(sim: RunningSimulator, body: Record<string, unknown>, key = 'k1') {
  const gateway = 'model' in body && body.model === 'kling-3.0' ? 'apiframe' : 'evolink';
  const response = await fetch(`${sim.url}${WIRE[gateway].createPath}`, {
    method: 'POST',
    headers: { ...WIRE[gateway].authHeaders(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return WIRE[gateway].taskIdOf((await response.json()) as never);
}

describe('callbacks', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 5, deliverCallbacksTo: origin });
  });
  afterAll(() => sim.close());

  it('apiframe: progress events when asked, then completed, each signed with the creating key', async () => {
    // Held, so the render sits at 'running' while the three progress steps pass, whatever the load.
    const held = await startGatewaySimulator({ seed: 5, hold: true, deliverCallbacksTo: origin });
    received.length = 0;
    const id = await createTask(
      held,
      {
        ...WIRE.apiframe.validBody(),
        webhookUrl: 'https://hooks.example.com/apiframe?x=1',
        webhookEvents: ['progress', 'completed'],
      },
      'afk_signing_key',
    );
    await vi.waitFor(() => expect(received).toHaveLength(3));
    held.release(id);
    await vi.waitFor(() => expect(received.map((r) => JSON.parse(r.body).event)).toContain('completed'));
    const events = received.map(
      (r) => JSON.parse(r.body) as { event: string; jobId: string; progress?: number },
    );
    expect(events.map((e) => e.event)).toEqual(['progress', 'progress', 'progress', 'completed']);
    expect(events.every((e) => e.jobId === id)).toBe(true);
    expect(events.slice(0, 3).map((e) => e.progress)).toEqual(
      [25, 50, 75].map((p) => expect.toSatisfy((v: number) => v >= p)),
    );
    const secret = createHash('sha256').update('afk_signing_key').digest();
    for (const r of received) {
      expect(r.url).toBe('/apiframe?x=1');
      expect(r.headers['x-webhook-event']).toBe(JSON.parse(r.body).event);
      expect(r.headers['x-webhook-signature']).toBe(
        `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`,
      );
    }
    expect(JSON.parse(received.at(-1)?.body ?? '{}')).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      result: { videoUrl: expect.stringContaining(`/files/${id}.mp4`) },
      creditCost: 15,
    });
    // The job then reports the delivery (spec enum pending | delivered | failed).
    await vi.waitFor(async () => {
      const job = (await (
        await fetch(`${held.url}${WIRE.apiframe.statusPath(id)}`, {
          headers: WIRE.apiframe.authHeaders('afk_signing_key'),
        })
      ).json()) as { webhookStatus: unknown };
      expect(job.webhookStatus).toBe('delivered');
    });
    await held.close();
  });

  it('EvoLink: the task query body, retried at 1/2/4 s (simulated) until a 2xx', async () => {
    received.length = 0;
    answers.push(500, 503, 502);
    const id = await createTask(sim, {
      ...WIRE.evolink.validBody(),
      callback_url: 'https://hooks.example.com/evolink',
    });
    await vi.waitFor(() => expect(received).toHaveLength(4), { timeout: 5000 });
    const bodies = received.map((r) => JSON.parse(r.body));
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(bodies[0]).toMatchObject({ id, status: 'completed', object: 'video.generation.task' });
    expect(received[0]?.headers['x-webhook-signature']).toBeUndefined();
    await vi.waitFor(() =>
      expect(sim.stats.callbacks.filter((c) => c.taskId === id).map((c) => [c.attempt, c.status])).toEqual([
        [1, 500],
        [2, 503],
        [3, 502],
        [4, 200],
      ]),
    );
    const at = sim.stats.callbacks.filter((c) => c.taskId === id).map((c) => c.at);
    // Waits of 1, 2 and 4 simulated seconds (a millisecond of timer slack allowed).
    expect((at[3] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(6000);
  });

  it('a held render calls back only once released', async () => {
    const held = await startGatewaySimulator({ seed: 6, hold: true, deliverCallbacksTo: origin });
    try {
      received.length = 0;
      const id = await createTask(held, {
        ...WIRE.evolink.validBody(),
        callback_url: 'https://hooks.example.com/held',
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(received).toHaveLength(0);
      held.release(id);
      await vi.waitFor(() => expect(received).toHaveLength(1));
      expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({ id, status: 'completed' });
    } finally {
      await held.close();
    }
  });

  it('without deliverCallbacksTo nothing leaves the simulator: the callback is recorded as skipped', async () => {
    const quiet = await startGatewaySimulator({ seed: 7 });
    try {
      received.length = 0;
      const id = await createTask(quiet, {
        ...WIRE.evolink.validBody(),
        callback_url: 'https://hooks.example.com/q',
      });
      await vi.waitFor(() =>
        expect(quiet.stats.callbacks).toEqual([
          expect.objectContaining({ taskId: id, status: 'skipped', url: 'https://hooks.example.com/q' }),
        ]),
      );
      expect(received).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });
});

describe('uploads and balance', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 8, balances: { evolink: 42.5 } });
  });
  afterAll(() => sim.close());

  const upload = (path: string, file: Blob | string | undefined, headers: Record<string, string>) => {
    const form = new FormData();
    if (file !== undefined) form.append('file', file, 'frame.png');
    return fetch(`${sim.url}${path}`, { method: 'POST', headers, body: form });
  };

  it('apiframe POST /v2/uploads: 201 Upload, the URL serves the bytes and is accepted as start_image', async () => {
    const response = await upload('/v2/uploads', new Blob([PNG], { type: 'image/png' }), {
      'x-api-key': 'k',
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { url: string; expiresAt: string };
    expect(body).toMatchObject({ kind: 'image', contentType: 'image/png', byteSize: PNG.length });
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    const served = await fetch(body.url);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    await createTask(sim, {
      ...WIRE.apiframe.validBody(),
      klingParams: { ...(WIRE.apiframe.validBody().klingParams as object), start_image: body.url },
    });
  });

  it('a create naming a simulator upload that does not exist is refused, as an unfetchable image', async () => {
    const response = await fetch(`${sim.url}${WIRE.evolink.createPath}`, {
      method: 'POST',
      headers: WIRE.evolink.authHeaders('k'),
      body: JSON.stringify({
        ...WIRE.evolink.validBody(),
        model: 'kling-v3-image-to-video',
        image_start: `${sim.url}/sim-uploads/file_missing`,
      }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('could not be fetched');
  });

  it("EvoLink's file API: {success, code, msg, data}; images only, by content", async () => {
    const ok = await upload('/api/v1/files/upload/stream', new Blob([PNG]), { authorization: 'Bearer k' });
    expect(await ok.json()).toMatchObject({
      success: true,
      code: 200,
      data: { file_id: expect.stringMatching(/^file_/), mime_type: 'image/png', file_size: PNG.length },
    });
    const text = await upload('/api/v1/files/upload/stream', new Blob(['hello'], { type: 'image/png' }), {
      authorization: 'Bearer k',
    });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({
      success: false,
      code: 400,
      msg: expect.stringContaining('file'),
    });
    const unauthenticated = await upload('/api/v1/files/upload/stream', new Blob([PNG]), {});
    expect(unauthenticated.status).toBe(401);
  });

  it('Modellix POST /api/v1/media/files: {code: 0, data: {file_id, url, ...}}; a missing file part is a 400', async () => {
    const ok = await upload('/api/v1/media/files', new Blob([PNG]), { authorization: 'Bearer k' });
    expect(await ok.json()).toMatchObject({
      code: 0,
      data: { file_id: expect.any(String), url: expect.any(String) },
    });
    const missing = await upload('/api/v1/media/files', undefined, { authorization: 'Bearer k' });
    expect(missing.status).toBe(400);
    expect(sim.stats.requests.filter((r) => r.op === 'upload').map((r) => r.status)).toContain(400);
  });

  it("balance endpoints in each gateway's documented shape; sk-invalid is a 401", async () => {
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${sim.url}${path}`, { headers }).then(async (r) => [r.status, await r.json()] as const);
    expect(await get('/v2/me', { 'x-api-key': 'k' })).toEqual([
      200,
      expect.objectContaining({ team: expect.objectContaining({ credits: 1000 }) }),
    ]);
    expect(await get('/v1/credits', { authorization: 'Bearer k' })).toEqual([
      200,
      expect.objectContaining({
        success: true,
        data: expect.objectContaining({ user: { remaining_credits: 42.5, used_credits: 0 } }),
      }),
    ]);
    expect(await get('/api/v1/team/balance', { authorization: 'Bearer k' })).toEqual([
      200,
      { code: 0, message: 'success', data: { balance: 100 } },
    ]);
    expect((await get('/v2/me', { 'x-api-key': 'sk-invalid' }))[0]).toBe(401);
    expect(sim.stats.uploads).toMatchObject({ apiframe: 1, evolink: 1, modellix: 1, apiinone: 0 });
  });
});
