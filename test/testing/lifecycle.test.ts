import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { create, GATEWAYS, isMp4, manualClock, poll, pollUntilFinal, WIRE } from './helpers.js';

describe.each(GATEWAYS)('%s over loopback HTTP', (gateway) => {
  const wire = WIRE[gateway];
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 7 });
  });
  afterAll(() => sim.close());

  it('creates a task, renders it, and serves a playable MP4', async () => {
    const created = await create(sim.url, gateway, wire.validBody());
    expect(created.status).toBe(wire.createdStatus);
    const id = wire.taskIdOf(created.json);

    const final = await pollUntilFinal(sim.url, gateway, id);
    expect(wire.stateOf(final.json)).toBe('succeeded');
    const videoUrl = wire.videoUrlOf(final.json);
    expect(videoUrl).toBe(`${sim.url}/files/${id}.mp4`);

    const download = await fetch(videoUrl ?? '');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('video/mp4');
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(Number(download.headers.get('content-length'))).toBe(bytes.length);
    expect(isMp4(bytes)).toBe(true);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.length).toBeLessThan(10_000);

    expect(sim.stats.created[gateway]).toBeGreaterThanOrEqual(1);
    const ops = sim.stats.requests.filter((r) => r.gateway === gateway).map((r) => r.op);
    expect(ops).toEqual(expect.arrayContaining(['create', 'status', 'download']));
  });

  it('ends failed, in the gateway shape, when the prompt says SIM_FAIL', async () => {
    const created = await create(sim.url, gateway, wire.validBody('A fox SIM_FAIL'));
    const final = await pollUntilFinal(sim.url, gateway, wire.taskIdOf(created.json));
    expect(wire.stateOf(final.json)).toBe('failed');
    expect(wire.videoUrlOf(final.json)).toBeUndefined();
    expect(JSON.stringify(final.json)).toMatch(/SIM_FAIL/);
  });

  it('answers 402 for SIM_NO_CREDITS and creates nothing', async () => {
    const before = sim.stats.created[gateway];
    const reply = await create(sim.url, gateway, wire.validBody('A fox SIM_NO_CREDITS'));
    expect(reply.status).toBe(402);
    expect(sim.stats.created[gateway]).toBe(before);
  });

  it('answers 401 without a key and for sk-invalid, and 404 for an id it never issued', async () => {
    const missing = await fetch(`${sim.url}${wire.createPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(wire.validBody()),
    });
    expect(missing.status).toBe(401);
    expect((await create(sim.url, gateway, wire.validBody(), { key: 'sk-invalid' })).status).toBe(401);

    const created = await create(sim.url, gateway, wire.validBody());
    const id = wire.taskIdOf(created.json);
    expect((await poll(sim.url, gateway, id, 'sk-invalid')).status).toBe(401);
    const unknown = `${id.slice(0, -2)}${id.endsWith('zz') ? 'yy' : 'zz'}`;
    const notFound = await poll(sim.url, gateway, gateway === 'apiframe' ? crypto.randomUUID() : unknown);
    expect(notFound.status).toBe(404);
  });
});

describe.each(GATEWAYS)('%s state machine on an injected clock', (gateway) => {
  const wire = WIRE[gateway];

  it('goes queued, then running with rising progress, then succeeded', async () => {
    const clock = manualClock();
    const sim = await startGatewaySimulator({ seed: 3, now: clock.now });
    try {
      const created = await create(sim.url, gateway, wire.validBody());
      const id = wire.taskIdOf(created.json);
      const [task] = sim.tasks();
      if (task === undefined) throw new Error('no task');
      // The default time scale (0.001): 1 wall ms is 1 simulated second.
      const wallMs = task.renderMs * 0.001;

      const queued = await poll(sim.url, gateway, id);
      expect(['queued', 'running']).toContain(wire.stateOf(queued.json));
      expect(wire.progressOf(queued.json) ?? 0).toBe(0);
      expect(sim.tasks()[0]?.state).toBe('queued');

      clock.advance(wallMs * 0.4);
      const early = await poll(sim.url, gateway, id);
      expect(wire.stateOf(early.json)).toBe('running');
      clock.advance(wallMs * 0.4);
      const late = await poll(sim.url, gateway, id);
      expect(wire.stateOf(late.json)).toBe('running');
      if (wire.progressOf(late.json) !== undefined) {
        expect(wire.progressOf(late.json)).toBeGreaterThan(wire.progressOf(early.json) ?? 0);
        expect(wire.progressOf(late.json)).toBeLessThan(100);
      }

      clock.advance(wallMs * 0.25);
      const done = await poll(sim.url, gateway, id);
      expect(wire.stateOf(done.json)).toBe('succeeded');
      expect(sim.tasks()[0]).toMatchObject({ state: 'succeeded', progress: 100, gateway, id });
    } finally {
      await sim.close();
    }
  });
});
