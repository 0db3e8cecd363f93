/**
 * `doStart`/`doStatus` (the start/status flow of `ai@7`, which passes them through a v3 model), called
 * directly: the operation is the saved handle as JSON, so another process (a new client) resumes it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKling, type VideoCallOptions, type VideoStatusResult } from '../../src/ai/index.js';
import { type GatewayId, KlingClient, KlingValidationError } from '../../src/index.js';
import { FAIL_TRIGGER, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';

let sim: RunningSimulator;
beforeAll(async () => {
  // Held renders: a status read says pending until the test releases the task.
  sim = await startGatewaySimulator({
    seed: 16,
    hold: true,
    timeScale: 0.001,
    requireExplicitDefaults: true,
  });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

function client(gateway: GatewayId = 'evolink'): KlingClient {
  return new KlingClient({ gateway, apiKey: 'sk-sim-key', baseUrl: sim.url, clock: sim.clientClock });
}

function call(options: Partial<VideoCallOptions> = {}): VideoCallOptions {
  return {
    prompt: 'a fox in the snow',
    n: 1,
    aspectRatio: undefined,
    resolution: undefined,
    duration: undefined,
    fps: undefined,
    seed: undefined,
    image: undefined,
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: undefined,
    providerOptions: {},
    ...options,
  };
}

/** Reads the status until it is no longer pending (the render takes ~150 ms of real time once released). */
async function settle(read: () => Promise<VideoStatusResult>): Promise<VideoStatusResult> {
  for (let i = 0; i < 500; i++) {
    const status = await read();
    if (status.status !== 'pending') return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the task never left pending');
}

describe('doStart / doStatus', () => {
  it('starts without waiting, and a new client resumes from the JSON operation', async () => {
    const started = await createKling(client())
      .video()
      .doStart(call({ duration: 6 }));
    expect(started.warnings).toEqual([]);
    expect(started.operation).toMatchObject({ v: 1, gateway: 'evolink' });
    expect(started.providerMetadata?.kling).toMatchObject({
      gateway: 'evolink',
      estimate: { gateway: 'evolink', billedSeconds: 6 },
      handle: started.operation,
      cost: null,
    });
    const saved = JSON.stringify(started.operation); // e.g. in a workflow's state

    // Another process: a new client of the same gateway, nothing shared but the saved string.
    const model = createKling(client()).video();
    const pending = await model.doStatus({ operation: JSON.parse(saved) });
    expect(pending.status).toBe('pending');
    const [task] = sim.tasks();
    if (task === undefined) throw new Error('no task');
    expect(pending.providerMetadata?.kling).toMatchObject({ taskId: task.id, status: expect.any(String) });

    sim.release(task.id);
    const done = await settle(() => model.doStatus({ operation: JSON.parse(saved) }));
    if (done.status !== 'completed') throw new Error(`status ${done.status}`);
    expect(done.videos).toEqual([
      { type: 'url', url: expect.stringMatching(/^http/), mediaType: 'video/mp4' },
    ]);
    expect(done.providerMetadata?.kling).toMatchObject({ taskId: task.id, status: 'succeeded' });
    expect(sim.stats.created.evolink).toBe(1);
    expect(sim.stats.requests.filter((r) => r.op === 'create')).toHaveLength(1);
  });

  it('resumes a routed operation through a new router of the same gateways', async () => {
    const started = await createKling({ clients: [client('modellix'), client('evolink')] })
      .video()
      .doStart(call());
    expect(started.operation).toMatchObject({ gateway: 'evolink' }); // the cheapest
    const model = createKling({ clients: [client('modellix'), client('evolink')] }).video();
    sim.release();
    const done = await settle(() => model.doStatus({ operation: started.operation }));
    expect(done.status).toBe('completed');
  });

  it('reports a failed render as an error status', async () => {
    const model = createKling(client()).video();
    const started = await model.doStart(call({ prompt: `a fox ${FAIL_TRIGGER}` }));
    sim.release();
    const done = await settle(() => model.doStatus({ operation: started.operation }));
    expect(done).toMatchObject({ status: 'error', error: expect.stringContaining('failed') });
  });

  it("sends the AI SDK's webhook URL as the callback URL", async () => {
    await createKling(client())
      .video()
      .doStart({ ...call(), webhookUrl: 'https://hooks.example.com/kling' });
    expect(JSON.stringify(sim.tasks()[0]?.request)).toContain('https://hooks.example.com/kling');
  });

  it('refuses an operation that is not a handle of this gateway, sending nothing', async () => {
    const model = createKling(client('evolink')).video();
    const started = await createKling(client('modellix')).video().doStart(call());
    sim.stats.requests.length = 0;
    await expect(model.doStatus({ operation: started.operation })).rejects.toThrow(KlingValidationError);
    await expect(model.doStatus({ operation: 42 })).rejects.toThrow(KlingValidationError);
    await expect(model.doStatus({ operation: { v: 1, gateway: 'evolink' } })).rejects.toThrow(
      KlingValidationError,
    );
    expect(sim.stats.requests).toEqual([]);
  });
});
