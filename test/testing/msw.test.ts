import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewaySimulator, type FaultRule } from '../../src/testing/index.js';
import { create, isMp4, poll, pollUntilFinal, WIRE } from './helpers.js';

/** No loopback server here: msw intercepts fetch calls to the production origins. */
const faults: FaultRule[] = [
  { op: 'create', kind: 'reset', gateway: 'modellix', times: 1 },
  { op: 'status', kind: 'hang', gateway: 'apiframe', times: 1 },
];
const simulator = createGatewaySimulator({ seed: 21, faults });
const server = setupServer(...simulator.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('the same handlers under msw setupServer', () => {
  it('serve https://api.evolink.ai end to end, video included', async () => {
    const origin = 'https://api.evolink.ai';
    const created = await create(origin, 'evolink', WIRE.evolink.validBody());
    expect(created.status).toBe(200);
    const final = await pollUntilFinal(origin, 'evolink', WIRE.evolink.taskIdOf(created.json));
    const videoUrl = WIRE.evolink.videoUrlOf(final.json) ?? '';
    expect(videoUrl.startsWith(`${origin}/files/task-unified-`)).toBe(true);
    const video = await fetch(videoUrl);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(isMp4(new Uint8Array(await video.arrayBuffer()))).toBe(true);
  });

  it('route the shared /api/v1/tasks path by the id the simulator issued', async () => {
    const apiinone = await create('https://apiin.one', 'apiinone', WIRE.apiinone.validBody());
    const apiinoneId = WIRE.apiinone.taskIdOf(apiinone.json);
    expect(apiinoneId).toMatch(/^n75[0-9a-f]+_kling3$/);
    expect((await poll('https://apiin.one', 'apiinone', apiinoneId)).json).toMatchObject({ code: 200 });

    await expect(create('https://api.modellix.ai', 'modellix', WIRE.modellix.validBody())).rejects.toThrow();
    const modellix = await create('https://api.modellix.ai', 'modellix', WIRE.modellix.validBody());
    const modellixId = WIRE.modellix.taskIdOf(modellix.json);
    expect(modellix.json).toMatchObject({
      data: { get_result: { method: 'GET', url: `https://api.modellix.ai/api/v1/tasks/${modellixId}` } },
    });
    expect((await poll('https://api.modellix.ai', 'modellix', modellixId)).json).toMatchObject({ code: 0 });

    const unknownApiInOne = await poll('https://apiin.one', 'apiinone', 'n75deadbeef_kling3');
    expect(unknownApiInOne.status).toBe(404);
    expect(unknownApiInOne.json).toMatchObject({ error: { code: 404 } });
    const unknownModellix = await poll('https://api.modellix.ai', 'modellix', 'task-unknown');
    expect(unknownModellix.json).toEqual({ code: 404, message: 'Not found: task task-unknown not found' });
  });

  it('hang ends when the client gives up', async () => {
    const created = await create('https://api.apiframe.ai', 'apiframe', WIRE.apiframe.validBody());
    const id = WIRE.apiframe.taskIdOf(created.json);
    const hung = fetch(`https://api.apiframe.ai/v2/jobs/${id}`, {
      headers: WIRE.apiframe.authHeaders('afk_test'),
      signal: AbortSignal.timeout(100),
    });
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await poll('https://api.apiframe.ai', 'apiframe', id, 'afk_test')).status).toBe(200);
  });

  it('count what they served', () => {
    expect(simulator.stats.created).toMatchObject({ evolink: 1, apiinone: 1, modellix: 1, apiframe: 1 });
    expect(simulator.stats.requests.some((r) => r.status === 'dropped' && r.gateway === 'modellix')).toBe(
      true,
    );
    expect(simulator.stats.requests.some((r) => r.status === 'hung' && r.gateway === 'apiframe')).toBe(true);
  });
});
