/**
 * Decisions made once (issue 12): a routed submit over four clients parses the request once (the router
 * hands the resolved request down), a direct submit parses it once, and a client's pricing options are
 * checked at construction, never again per estimate or submit.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type GatewayId, KlingClient, KlingRouter, type VideoRequest } from '../../src/index.js';
import { INVALID_API_KEY, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';

const parses = vi.hoisted(() => ({ count: 0 }));
/** Support checks: the router's per gateway (checkServable), a client's own (validateForGateway). */
const checks = vi.hoisted(() => ({ servable: 0, forGateway: 0 }));

vi.mock('../../src/request/schema.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/request/schema.js')>();
  return {
    ...actual,
    parseVideoRequest: (input: unknown) => {
      parses.count++;
      return actual.parseVideoRequest(input);
    },
  };
});

vi.mock('../../src/request/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/request/index.js')>();
  return {
    ...actual,
    checkServable: (...args: Parameters<typeof actual.checkServable>) => {
      checks.servable++;
      return actual.checkServable(...args);
    },
    validateForGateway: (...args: Parameters<typeof actual.validateForGateway>) => {
      checks.forGateway++;
      return actual.validateForGateway(...args);
    },
  };
});

const FOUR: readonly GatewayId[] = ['apiinone', 'apiframe', 'evolink', 'modellix'];
const request: VideoRequest = { prompt: 'a paper boat on a rainy street', mode: 'pro', sound: true };

/** Pricing options that count how often something enumerates them (what every options check does). */
function countedPricing(): { pricing: object; enumerations: () => number } {
  let enumerations = 0;
  const pricing = new Proxy(
    { usdPerCredit: { apiframe: 0.01 } },
    {
      ownKeys(target) {
        enumerations++;
        return Reflect.ownKeys(target);
      },
    },
  );
  return { pricing, enumerations: () => enumerations };
}

describe('decisions made once', () => {
  let sim: RunningSimulator;
  const opened: KlingClient[] = [];
  const client = (gateway: GatewayId, pricing?: object) => {
    const made = new KlingClient({
      gateway,
      apiKey: 'sk-sim-key',
      baseUrl: sim.url,
      clock: sim.clientClock,
      ...(pricing === undefined ? {} : { pricing }),
    });
    opened.push(made);
    return made;
  };

  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 12 });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  afterAll(() => sim.close());

  it('a routed submit over four clients parses the request exactly once', async () => {
    const router = new KlingRouter({ clients: FOUR.map((g) => client(g)) });
    parses.count = 0;
    checks.servable = 0;
    checks.forGateway = 0;
    const handle = await router.submit(request);
    expect(handle.id).not.toBe('');
    expect(parses.count).toBe(1);
    // Support checked once per gateway, by the router; the client that submits does not check again.
    expect(checks).toEqual({ servable: 4, forGateway: 0 });
  });

  it('a routed submit that fails over still parses once', async () => {
    // The first gateway refuses the key (401: nothing created), so the router hands the request on.
    const bad = new KlingClient({ gateway: 'evolink', apiKey: INVALID_API_KEY, baseUrl: sim.url });
    opened.push(bad);
    const router = new KlingRouter({ clients: [bad, client('modellix')], strategy: 'ordered' });
    parses.count = 0;
    const handle = await router.submit(request);
    expect(handle.skipped.map((s) => s.gateway)).toEqual(['evolink']);
    expect(parses.count).toBe(1);
  });

  it('a direct submit and an estimate each parse once', async () => {
    const evolink = client('evolink');
    parses.count = 0;
    evolink.estimate(request);
    expect(parses.count).toBe(1);
    parses.count = 0;
    checks.forGateway = 0;
    await evolink.submit(request);
    expect(parses.count).toBe(1);
    expect(checks.forGateway).toBe(1);
  });

  it("a client's pricing options are checked at construction only", async () => {
    const { pricing, enumerations } = countedPricing();
    const apiframe = client('apiframe', pricing);
    const atConstruction = enumerations();
    expect(atConstruction).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) apiframe.estimate(request);
    await apiframe.submit(request);
    expect(enumerations()).toBe(atConstruction);
  });
});
