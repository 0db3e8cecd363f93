/**
 * Issue 11 items 6 and 8 (apiframe, Modellix): by default the simulator accepts the bodies the vendors
 * document, leaving fields to the vendor's own defaults, and prices them with those defaults; the SDK's
 * rule that price-changing defaults are sent explicitly is the opt-in `requireExplicitDefaults`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { fixtures } from '../fixtures/load.js';
import { create, WIRE } from './helpers.js';

let vendor: RunningSimulator;
let explicit: RunningSimulator;
beforeAll(async () => {
  vendor = await startGatewaySimulator({ seed: 31 });
  explicit = await startGatewaySimulator({ seed: 31, requireExplicitDefaults: true });
});
afterAll(async () => {
  await vendor.close();
  await explicit.close();
});

async function job(origin: string, id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}${WIRE.apiframe.statusPath(id)}`, {
    headers: WIRE.apiframe.authHeaders('k'),
  });
  return (await response.json()) as Record<string, unknown>;
}

describe('apiframe: the vendor defaults (duration 5, mode pro, generate_audio true)', () => {
  it('accepts a minimal {model, prompt} and prices it as a 5 s pro clip with audio (7 × 5 = 35)', async () => {
    const reply = await create(vendor.url, 'apiframe', { model: 'kling-3.0', prompt: 'a fox' });
    expect(reply.status, JSON.stringify(reply.json)).toBe(202);
    expect((await job(vendor.url, String(reply.json.jobId))).creditCost).toBe(35);
  });

  it("accepts the vendor's image-to-video example without generate_audio, priced with audio (7 × 5)", async () => {
    const body = {
      model: 'kling-3.0',
      prompt: 'slow push in, steam rising from the cup',
      klingParams: {
        start_image: 'https://example.com/frame.jpg',
        duration: 5,
        mode: 'pro',
        aspect_ratio: '16:9',
      },
    };
    const reply = await create(vendor.url, 'apiframe', body);
    expect(reply.status, JSON.stringify(reply.json)).toBe(202);
    expect((await job(vendor.url, String(reply.json.jobId))).creditCost).toBe(35);
    // A standard clip left to the audio default is the standard-audio row: 4 × 10.
    const standard = await create(vendor.url, 'apiframe', {
      model: 'kling-3.0',
      prompt: 'x',
      klingParams: { mode: 'standard', duration: 10 },
    });
    expect((await job(vendor.url, String(standard.json.jobId))).creditCost).toBe(40);
  });

  it('requireExplicitDefaults refuses the same bodies, naming each implicit field', async () => {
    const minimal = await create(explicit.url, 'apiframe', { model: 'kling-3.0', prompt: 'a fox' });
    expect(minimal.status).toBe(400);
    expect(minimal.json.details).toEqual({
      klingParams: ['must be sent explicitly (its default changes the price)'],
    });
    const noAudio = await create(explicit.url, 'apiframe', {
      model: 'kling-3.0',
      prompt: 'x',
      klingParams: { duration: 5, mode: 'pro' },
    });
    expect(noAudio.status).toBe(400);
    expect(Object.keys(noAudio.json.details as object)).toEqual(['klingParams.generate_audio']);
    expect(explicit.stats.created.apiframe).toBe(0);
  });
});

describe('Modellix: the documented minimal body { prompt }', () => {
  it('is accepted by default (mode pro, sound off: the vendor fills them in)', async () => {
    const reply = await create(vendor.url, 'modellix', { prompt: 'a fox in the snow' });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(reply.json).toMatchObject({ code: 0, data: { status: 'pending' } });
  });

  it('is refused under requireExplicitDefaults, with every implicit field listed', async () => {
    const reply = await create(explicit.url, 'modellix', { prompt: 'a fox in the snow' });
    expect(reply.status).toBe(400);
    const message = String(reply.json.message);
    for (const field of ['sound', 'mode', 'duration'])
      expect(message).toContain(`${field}: must be sent explicitly`);
    expect(explicit.stats.created.modellix).toBe(0);
  });
});

describe("every documented example request (test/fixtures) is accepted by the simulator's defaults", () => {
  it.each(fixtures('apiframe', 'create-request').map((f) => [f.name, f.body]))(
    'apiframe %s',
    async (_, body) => {
      const reply = await create(vendor.url, 'apiframe', body);
      expect(reply.status, JSON.stringify(reply.json)).toBe(202);
    },
  );

  const paths = ['/api/v1/kling/kling-v3-omni-video', '/api/v1/kling/kling-v3-omni-video/async'];
  it.each(fixtures('modellix', 'create-request').map((f) => [f.name, f.body]))(
    'Modellix %s, on both documented create paths',
    async (_, body) => {
      for (const path of paths) {
        const response = await fetch(`${vendor.url}${path}`, {
          method: 'POST',
          headers: WIRE.modellix.authHeaders('k'),
          body: JSON.stringify(body),
        });
        expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
        expect(await response.json()).toMatchObject({ code: 0, data: { status: 'pending' } });
      }
    },
  );
});
