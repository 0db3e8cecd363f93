/**
 * Issue 11 item 6 (API in One, EvoLink): by default the simulator accepts every body the vendors document,
 * fields left out included, and prices them with the vendor's own defaults (EvoLink: quality 720p, sound
 * off, duration 5; API in One: mode std, duration 5, sound on, and no price in its replies). The SDK's
 * rule that such fields are sent explicitly is the opt-in `requireExplicitDefaults`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';
import { create } from './helpers.js';

let vendor: RunningSimulator;
let explicit: RunningSimulator;
beforeAll(async () => {
  // Options as a newcomer would start it: none.
  vendor = await startGatewaySimulator();
  explicit = await startGatewaySimulator({ requireExplicitDefaults: true });
});
afterAll(async () => {
  await vendor.close();
  await explicit.close();
});

describe.each([['evolink'], ['apiinone']] as const)('%s documented requests', (gateway) => {
  it.each(fixtures(gateway, 'create-request').map((f) => [f.name, f]))(
    'the default simulator accepts %s',
    async (_, f) => {
      const reply = await create(vendor.url, gateway, f.body);
      expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    },
  );
});

describe('EvoLink prices a body with its own defaults', () => {
  const reserved = async (body: Record<string, unknown>) =>
    (await create(vendor.url, 'evolink', body)).json.usage as { credits_reserved: number };

  it('sound left out is sound off; quality left out is 720p; duration left out is 5 s', async () => {
    const base = { model: 'kling-v3-text-to-video', prompt: 'x' };
    // 5.4 credits/s × 5 s × 10,000: the docs' own create-reply example.
    expect(await reserved(base)).toMatchObject({ credits_reserved: 270_000 });
    expect(await reserved({ ...base, quality: '1080p', duration: 10 })).toMatchObject({
      credits_reserved: Math.round(7.1982 * 10 * 10_000),
    });
    expect(await reserved({ ...base, sound: 'on' })).toMatchObject({ credits_reserved: 405_000 });
  });

  it('its multi-shot example without a duration: shots checked against the default 5 s', async () => {
    const body = {
      model: 'kling-v3-text-to-video',
      model_params: {
        multi_shot: true,
        shot_type: 'customize',
        multi_prompt: [
          { index: 1, prompt: 'a', duration: '2' },
          { index: 2, prompt: 'b', duration: '3' },
        ],
      },
    };
    expect((await create(vendor.url, 'evolink', body)).status).toBe(200);
  });
});

describe('requireExplicitDefaults: the SDK sends every price-changing field', () => {
  it('EvoLink: refuses a documented example that leaves sound to the default, naming it', async () => {
    const basic = loadFixture('evolink', 'create-request-text-to-video');
    const reply = await create(explicit.url, 'evolink', basic.body);
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.json)).toMatch(/sound: must be sent explicitly/);
  });

  it('API in One: refuses the minimal body, naming mode, duration and sound', async () => {
    const minimal = loadFixture('apiinone', 'create-request-minimal');
    const reply = await create(explicit.url, 'apiinone', minimal.body);
    expect(reply.status).toBe(400);
    const text = JSON.stringify(reply.json);
    for (const field of ['mode', 'duration', 'sound'])
      expect(text).toContain(`${field}: must be sent explicitly`);
  });
});
