/**
 * The SDK inside a user's own msw test: `fetch: globalThis.fetch` sends every request through the
 * patched global fetch, so the simulator's handlers answer calls to the real production origins.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KlingClient } from '../../src/index.js';
import { createGatewaySimulator, SAMPLE_VIDEO } from '../../src/testing/index.js';

const sim = createGatewaySimulator({ seed: 7 });
const server = setupServer(...sim.handlers);
let dir: string;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  dir = await mkdtemp(join(tmpdir(), 'kling-msw-'));
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

it('generates and downloads against https://api.evolink.ai, intercepted by msw', async () => {
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: 'sk-test',
    fetch: globalThis.fetch,
    clock: sim.clientClock,
  });
  expect(client.baseUrl).toBe('https://api.evolink.ai');
  const task = await client.generate({ prompt: 'a heron in the mist', sound: true });
  expect(task.videos[0].url).toMatch(/^https:\/\/api\.evolink\.ai\/files\//);
  const { bytes } = await client.download(task, join(dir, 'heron.mp4'));
  expect(bytes).toBe(SAMPLE_VIDEO.byteLength);
  expect((await readFile(join(dir, 'heron.mp4'))).subarray(4, 8).toString('latin1')).toBe('ftyp');
  expect(sim.stats.created.evolink).toBe(1);
  expect(sim.stats.requests.map((r) => r.op)).toEqual(
    expect.arrayContaining(['create', 'status', 'download']),
  );
});

it('works for every gateway at its production origin', async () => {
  for (const gateway of ['apiinone', 'apiframe', 'modellix'] as const) {
    const client = new KlingClient({
      gateway,
      apiKey: 'sk-test',
      fetch: globalThis.fetch,
      clock: sim.clientClock,
    });
    await expect(client.generate({ prompt: 'a heron' })).resolves.toMatchObject({
      status: 'succeeded',
      gateway,
    });
  }
});
