import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_IDS } from '../../src/catalog/index.js';
import { createGatewaySimulator, type GatewaySimulator } from '../../src/testing/index.js';
import { create, GATEWAYS, manualClock, WIRE } from './helpers.js';

const ORIGIN: Record<string, string> = {
  apiinone: 'https://apiin.one',
  apiframe: 'https://api.apiframe.ai',
  evolink: 'https://api.evolink.ai',
  modellix: 'https://api.modellix.ai',
};

/** One msw server, whose handlers are swapped per simulator. */
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

async function run(simulator: GatewaySimulator): Promise<{ id: string; renderMs: number }[]> {
  server.resetHandlers(...simulator.handlers);
  for (const gateway of GATEWAYS) await create(ORIGIN[gateway] ?? '', gateway, WIRE[gateway].validBody());
  return simulator.tasks().map((task) => ({ id: task.id, renderMs: task.renderMs }));
}

describe('seeded runs', () => {
  it('the same seed and clock give the same ids and render times', async () => {
    const first = await run(createGatewaySimulator({ seed: 42, now: manualClock().now }));
    const second = await run(createGatewaySimulator({ seed: 42, now: manualClock().now }));
    expect(second).toEqual(first);
    const other = await run(createGatewaySimulator({ seed: 43, now: manualClock().now }));
    expect(other.map((t) => t.id)).not.toEqual(first.map((t) => t.id));
  });

  it('render times stay within each gateway’s documented range', async () => {
    const simulator = createGatewaySimulator({ seed: 5, now: manualClock().now });
    server.resetHandlers(...simulator.handlers);
    for (let i = 0; i < 10; i++) {
      for (const gateway of GATEWAYS) await create(ORIGIN[gateway] ?? '', gateway, WIRE[gateway].validBody());
    }
    const ranges = {
      apiinone: [60, 180],
      apiframe: [135, 150],
      modellix: [60, 180],
      evolink: [84, 312],
      fal: [90, 240],
      kling: [90, 300],
    };
    for (const task of simulator.tasks()) {
      const [min = 0, max = 0] = ranges[task.gateway];
      expect(task.renderMs / 1000).toBeGreaterThanOrEqual(min);
      expect(task.renderMs / 1000).toBeLessThanOrEqual(max);
    }
  });

  it('reset forgets everything, keeps the stats object, and replays the seed', async () => {
    const simulator = createGatewaySimulator({ seed: 9, now: manualClock().now });
    const stats = simulator.stats;
    const before = await run(simulator);
    simulator.reset();
    expect(simulator.stats).toBe(stats);
    expect(simulator.tasks()).toEqual([]);
    expect(stats.requests).toEqual([]);
    expect(Object.values(stats.created).every((n) => n === 0)).toBe(true);
    expect(Object.keys(stats.created).sort()).toEqual([...GATEWAY_IDS].sort());
    expect(await run(simulator)).toEqual(before);
  });

  it('reports the random seed it picked, so a run can be replayed', async () => {
    const picked = createGatewaySimulator({ now: manualClock().now });
    expect(Number.isInteger(picked.seed)).toBe(true);
    const replay = createGatewaySimulator({ seed: picked.seed, now: manualClock().now });
    expect(await run(replay)).toEqual(await run(picked));
  });
});
