/**
 * The loopback server's admin routes (`/__sim/tasks`, `/__sim/callbacks`, `/__sim/release`), for a
 * receiver or driver in another process, and the `deliverCallbacksTo` origin it sends callbacks to.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createGatewaySimulator,
  type RunningSimulator,
  type SimulatedTask,
  startGatewaySimulator,
} from '../../src/testing/index.js';
import { create, manualClock, poll, WIRE } from './helpers.js';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let origin: string;
const received: Received[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => receiver.close());

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  received.length = 0;
});

/** Far past any render time (simulated ms, moved on the manual clock). */
const PAST_ANY_RENDER = 3_600;
const JSON_HEADERS = { 'content-type': 'application/json' };

async function admin(
  base: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, init);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const release = (base: string, body: unknown) =>
  admin(base, '/__sim/release', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });

describe('admin routes on the loopback server', () => {
  it('GET /__sim/tasks lists held tasks; POST /__sim/release ends the hold of one, then of all', async () => {
    const clock = manualClock();
    // A trailing slash on the origin is fine: only the origin is used.
    sim = await startGatewaySimulator({
      seed: 21,
      hold: true,
      now: clock.now,
      deliverCallbacksTo: `${origin}/`,
    });
    const wire = WIRE.evolink;
    const first = wire.taskIdOf(
      (
        await create(sim.url, 'evolink', {
          ...wire.validBody('one'),
          callback_url: 'https://hooks.example.com/kling/job-1?token=x',
        })
      ).json,
    );
    const second = wire.taskIdOf((await create(sim.url, 'evolink', wire.validBody('two'))).json);
    clock.advance(PAST_ANY_RENDER * 1000);

    const listed = await admin(sim.url, '/__sim/tasks');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('content-type')).toBe('application/json');
    expect(listed.body.clock).toBe(sim.clock());
    const tasks = listed.body.tasks as SimulatedTask[];
    expect(tasks.map((t) => [t.id, t.gateway, t.state, t.progress, t.held])).toEqual([
      [first, 'evolink', 'running', 99, true],
      [second, 'evolink', 'running', 99, true],
    ]);
    expect(tasks[0]?.request).toMatchObject({ prompt: 'one' });
    // Held past its render time: a held render has no delivery planned, so nothing was sent.
    expect(sim.stats.callbacks).toEqual([]);

    expect(await release(sim.url, { taskId: first })).toMatchObject({
      status: 200,
      body: { released: [first] },
    });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]?.url).toBe('/kling/job-1?token=x');
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({ id: first, status: 'completed' });
    expect((await poll(sim.url, 'evolink', second)).json).toMatchObject({ status: 'processing' });

    expect(await release(sim.url, { all: true })).toMatchObject({
      status: 200,
      body: { released: [second] },
    });
    expect((await poll(sim.url, 'evolink', second)).json).toMatchObject({ status: 'completed' });
    // Nothing is held any more; releasing a released task is no error either.
    expect(await release(sim.url, { all: true })).toMatchObject({ status: 200, body: { released: [] } });
    expect(await release(sim.url, { taskId: first })).toMatchObject({ status: 200, body: { released: [] } });

    const callbacks = await admin(sim.url, '/__sim/callbacks');
    expect(callbacks.status).toBe(200);
    expect(callbacks.body.callbacks).toEqual([
      expect.objectContaining({
        gateway: 'evolink',
        taskId: first,
        event: 'completed',
        url: 'https://hooks.example.com/kling/job-1?token=x',
        target: `${origin}/kling/job-1?token=x`,
        attempt: 1,
        status: 200,
      }),
    ]);
  });

  it('answers every other request with a JSON error, and records none of them as gateway traffic', async () => {
    sim = await startGatewaySimulator({ seed: 22, hold: true });
    const task = WIRE.apiframe.taskIdOf((await create(sim.url, 'apiframe', WIRE.apiframe.validBody())).json);
    // Every gateway request now answers 500, but fault rules are for gateway traffic only.
    sim.setFaults([{ op: 'any', kind: 'http-500' }]);
    expect((await poll(sim.url, 'apiframe', task)).status).toBe(500);
    const requests = sim.stats.requests.length;
    expect((await admin(sim.url, '/__sim/tasks')).status).toBe(200);

    const unknown = await release(sim.url, { taskId: 'no-such-task' });
    expect(unknown.status).toBe(404);
    expect((unknown.body.error as { message: string }).message).toContain('no task "no-such-task"');
    for (const body of [
      {},
      { all: false },
      { all: 'yes' },
      { taskId: '' },
      { taskId: 42 },
      { taskId: task, all: true },
      [task],
      null,
      'all',
    ]) {
      const reply = await release(sim.url, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect((reply.body.error as { message: string }).message).toContain(
        '{"taskId": "<id>"} or {"all": true}',
      );
    }
    const notJson = await admin(sim.url, '/__sim/release', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{',
    });
    expect(notJson.status).toBe(400);
    // A form post (what any web page can send) releases nothing.
    const form = await admin(sim.url, '/__sim/release', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'all=true',
    });
    expect(form.status).toBe(415);
    const wrongMethod = await admin(sim.url, '/__sim/release');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await admin(sim.url, '/__sim/tasks', { method: 'DELETE' })).status).toBe(405);
    for (const path of ['/__sim', '/__sim/', '/__sim/files/x.mp4', '/__sim/v1/tasks/x']) {
      const reply = await admin(sim.url, path);
      expect(reply.status, path).toBe(404);
      expect((reply.body.error as { message: string }).message).toContain('POST /__sim/release');
    }

    expect(sim.tasks()).toEqual([expect.objectContaining({ id: task, held: true })]);
    expect(sim.stats.requests).toHaveLength(requests);
  });

  it('are not among the msw handlers a test mounts itself', async () => {
    const handlers = createGatewaySimulator({ seed: 23 }).handlers;
    expect(await getResponse(handlers, new Request('http://127.0.0.1:4010/__sim/tasks'))).toBeUndefined();
    expect(
      await getResponse(
        handlers,
        new Request('http://127.0.0.1:4010/__sim/release', {
          method: 'POST',
          headers: JSON_HEADERS,
          body: '{"all":true}',
        }),
      ),
    ).toBeUndefined();
  });
});

describe('deliverCallbacksTo', () => {
  it('takes an http(s) origin; anything it would silently drop is a RangeError', () => {
    for (const bad of [
      'not a url',
      '127.0.0.1:4321',
      'ftp://127.0.0.1:4321',
      'http://127.0.0.1:4321/hooks',
      'http://127.0.0.1:4321/?token=x',
      'http://127.0.0.1:4321?',
      'http://127.0.0.1:4321#top',
      'http://user:pass@127.0.0.1:4321',
    ]) {
      expect(() => createGatewaySimulator({ deliverCallbacksTo: bad }), bad).toThrow(RangeError);
    }
    for (const good of ['http://127.0.0.1:4321', 'http://127.0.0.1:4321/', 'https://receiver.test']) {
      expect(() => createGatewaySimulator({ deliverCallbacksTo: good }), good).not.toThrow();
    }
  });
});
