/**
 * The official Kling API's prices (units at $0.14): Kling 3.0 and 3.0 Omni each priced by its own rows
 * (the pricing page's "Kling 3.0 Omni" rows, cheaper with audio), the model a request takes, and the
 * choice of Omni for a text- or image-to-video request (`providerOptions.kling.model: 'omni'`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kling } from '../../src/gateways/kling/adapter.js';
import { klingModel } from '../../src/gateways/kling/catalog.js';
import { klingLegacy } from '../../src/gateways/kling/legacy.js';
import {
  estimateCost,
  KlingClient,
  KlingUnsupportedError,
  quote,
  type VideoRequest,
} from '../../src/index.js';
import { checkServable, parseVideoRequest } from '../../src/request/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';

const img = 'https://cdn.example.com/ref.png';
const units = (request: VideoRequest) => estimateCost('kling', request);

describe('kling prices: Kling 3.0 and 3.0 Omni rows', () => {
  it.each<[string, VideoRequest, string, number]>([
    ['3.0 720p', { prompt: 'p', duration: 5 }, '720p', 3],
    ['3.0 720p with audio', { prompt: 'p', duration: 5, sound: true }, '720p+audio', 4.5],
    ['3.0 1080p with audio', { prompt: 'p', duration: 5, sound: true, mode: 'pro' }, '1080p+audio', 6],
    ['3.0 4k', { prompt: 'p', duration: 5, mode: '4k' }, '4k', 15],
    ['Omni 720p (reference image)', { prompt: 'p', duration: 5, referenceImages: [img] }, 'omni-720p', 3],
    [
      'Omni 720p with audio',
      { prompt: 'p', duration: 5, sound: true, referenceImages: [img] },
      'omni-720p+audio',
      4,
    ],
    [
      'Omni 1080p with audio (elements, no first frame)',
      { prompt: 'p', duration: 5, sound: true, mode: 'pro', elements: [{ id: '7' }] },
      'omni-1080p+audio',
      5,
    ],
  ])('%s', (_, request, rateKey, total) => {
    const estimate = units(request);
    expect(estimate).toMatchObject({ gateway: 'kling', rateKey, unit: 'credits', total });
    expect(estimate.usd).toBeCloseTo(total * 0.14, 10);
    expect(estimate.source).toBe('https://kling.ai/document-api/pricing/base/video');
  });
  it("with audio, Omni is cheaper for the same request: providerOptions.kling.model 'omni' takes its rows", () => {
    const request: VideoRequest = { prompt: 'p', duration: 10, sound: true, mode: 'pro' };
    const v3 = units(request);
    const omni = units({ ...request, providerOptions: { kling: { model: 'omni' } } });
    expect([v3.rateKey, v3.total]).toEqual(['1080p+audio', 12]);
    expect([omni.rateKey, omni.total]).toEqual(['omni-1080p+audio', 10]);
    const quoted = quote({ ...request, providerOptions: { kling: { model: 'omni' } } });
    expect(quoted.find((e) => e.gateway === 'kling')?.rateKey).toBe('omni-1080p+audio');
  });
  it("'omni' sends text- and image-to-video requests to Omni (both standards), without a model field", () => {
    const omni = { kling: { model: 'omni' } };
    const t2v = kling.toWire(parseVideoRequest({ prompt: 'p', providerOptions: omni }), {
      paths: kling.paths,
    });
    expect(t2v.path).toBe('/omni-video/kling-3.0-omni');
    expect(t2v.body).toMatchObject({ contents: [{ type: 'prompt', text: 'p' }] });
    expect(JSON.stringify(t2v.body)).not.toContain('model');
    const i2v = kling.toWire(parseVideoRequest({ prompt: 'p', startImage: img, providerOptions: omni }), {
      paths: kling.paths,
    });
    expect(i2v.body).toMatchObject({ contents: [{ type: 'prompt' }, { type: 'first_frame', url: img }] });
    const legacy = klingLegacy.toWire(parseVideoRequest({ prompt: 'p', providerOptions: omni }), {
      paths: klingLegacy.paths,
    });
    expect(legacy).toMatchObject({ path: '/v1/videos/omni-video', route: 'omni-video' });
    expect(legacy.body).toMatchObject({ model_name: 'kling-v3-omni' });
    expect(legacy.body).not.toHaveProperty('model');
  });
  it("the model: Omni where only it can serve; 'v3' with what only Omni takes, or an unknown model, is refused", () => {
    expect(klingModel({ prompt: 'p' })).toBe('v3');
    expect(klingModel({ prompt: 'p', startImage: img, elements: [{ id: '1' }] })).toBe('v3');
    expect(klingModel({ prompt: 'p', referenceImages: [img] })).toBe('omni');
    const refused = (request: VideoRequest) => {
      try {
        checkServable('kling', parseVideoRequest(request));
        return undefined;
      } catch (error) {
        return error;
      }
    };
    const v3 = refused({ prompt: 'p', referenceImages: [img], providerOptions: { kling: { model: 'v3' } } });
    expect(KlingUnsupportedError.is(v3)).toBe(true);
    expect((v3 as Error).message).toMatch(/Kling 3\.0 Omni/);
    const unknown = refused({ prompt: 'p', providerOptions: { kling: { model: 'kling-v9' } } });
    expect((unknown as Error).message).toMatch(/must be 'v3' .* or 'omni'/);
    expect(refused({ prompt: 'p', providerOptions: { kling: { model: 'omni' } } })).toBeUndefined();
  });
});

describe('kling: the charge the simulator reports (its own price table) equals the estimate', () => {
  let sim: RunningSimulator;
  const clients: KlingClient[] = [];
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 77 });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await sim.close();
  });
  it.each<['new' | 'legacy', VideoRequest]>([
    ['new', { prompt: 'p', duration: 5, sound: true, referenceImages: [img] }],
    ['legacy', { prompt: 'p', duration: 5, sound: true, referenceImages: [img] }],
    [
      'new',
      { prompt: 'p', duration: 6, sound: true, mode: 'pro', providerOptions: { kling: { model: 'omni' } } },
    ],
    ['legacy', { prompt: 'p', duration: 4, sound: true, providerOptions: { kling: { model: 'omni' } } }],
  ])('%s standard: %j', async (klingApi, request) => {
    const client = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-sim',
      baseUrl: sim.url,
      clock: sim.clientClock,
      klingApi,
    });
    clients.push(client);
    const estimate = client.estimate(request);
    expect(estimate.rateKey).toMatch(/^omni-/);
    const task = await client.generate(request);
    expect(task.cost).toEqual({ amount: estimate.total, unit: 'credits', reserved: false });
  });
});
