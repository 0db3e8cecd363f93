/**
 * End to end over real HTTP on loopback: the SDK against the gateway simulator, whose validators were
 * written from the vendors' docs independently of the adapters. submit → wait → download the bytes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GatewayId,
  KlingAuthError,
  KlingClient,
  KlingInsufficientCreditsError,
  KlingTaskFailedError,
  KlingUnsupportedError,
  type VideoRequest,
} from '../../src/index.js';
import { type RunningSimulator, SAMPLE_VIDEO, startGatewaySimulator } from '../../src/testing/index.js';

let sim: RunningSimulator;
let dir: string;
beforeAll(async () => {
  sim = await startGatewaySimulator({ seed: 42, requireExplicitDefaults: true });
  dir = await mkdtemp(join(tmpdir(), 'kling-it-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => sim.reset());

const clients = new Map<string, KlingClient>();
function client(gateway: GatewayId, apiKey = 'sk-sim-key'): KlingClient {
  const key = `${gateway}:${apiKey}`;
  let c = clients.get(key);
  if (c === undefined) {
    c = new KlingClient({ gateway, apiKey, baseUrl: sim.url, clock: sim.clientClock });
    clients.set(key, c);
  }
  return c;
}

const img = 'https://cdn.example.com/first.png';
const img2 = 'https://cdn.example.com/last.png';
const shots = [
  { prompt: 'a fox wakes up', duration: 2 },
  { prompt: 'the fox runs into the snow', duration: 3 },
];

const scenarios: Record<GatewayId, [string, VideoRequest][]> = {
  apiinone: [
    ['text-to-video', { prompt: 'a fox in the snow' }],
    [
      'image-to-video, pro, sound, 9:16',
      { prompt: 'the fox blinks', startImage: img, mode: 'pro', sound: true, aspectRatio: '9:16' },
    ],
    ['customize multi-shot', { multiShot: { type: 'customize', shots } }],
    ['callback', { prompt: 'a fox', callbackUrl: 'https://hooks.example.com/kling' }],
  ],
  apiframe: [
    ['text-to-video', { prompt: 'a fox in the snow', duration: 10, aspectRatio: '16:9' }],
    [
      'start and end frames, negative prompt, audio',
      {
        prompt: 'day to night',
        startImage: img,
        endImage: img2,
        negativePrompt: 'blur',
        sound: true,
        mode: 'pro',
      },
    ],
    ['customize multi-shot', { prompt: 'a fox story', multiShot: { type: 'customize', shots } }],
    ['4k with a webhook', { prompt: 'a fox', mode: '4k', callbackUrl: 'https://hooks.example.com/kling' }],
  ],
  evolink: [
    [
      'text-to-video, 1080p with sound',
      { prompt: 'a fox in the snow', mode: 'pro', sound: true, aspectRatio: '1:1' },
    ],
    [
      'image-to-video with end frame and elements',
      { prompt: '<<<element_1>>> runs', startImage: img, endImage: img2, elements: [{ id: '123456' }] },
    ],
    [
      'customize multi-shot, watermark off',
      { duration: 5, multiShot: { type: 'customize', shots }, watermark: false },
    ],
    [
      'intelligence multi-shot, negative prompt, 4k',
      { prompt: 'a fox story', negativePrompt: 'text', multiShot: { type: 'intelligence' }, mode: '4k' },
    ],
    ['callback', { prompt: 'a fox', callbackUrl: 'https://hooks.example.com/kling' }],
  ],
  modellix: [
    [
      'text-to-video with sound',
      { prompt: 'a fox in the snow', sound: true, mode: 'pro', aspectRatio: '16:9' },
    ],
    [
      'reference images (URL and base64)',
      { prompt: 'this fox, running', referenceImages: [img, 'data:image/png;base64,iVBORw0KGgo='] },
    ],
    [
      'reference video (no duration, sound off)',
      { prompt: 'restyle as watercolor', referenceVideos: ['https://cdn.example.com/in.mp4'] },
    ],
    ['intelligence multi-shot', { prompt: 'a fox story', multiShot: { type: 'intelligence' } }],
  ],
  kling: [
    ['text-to-video, 4k, 9:16', { prompt: 'a fox in the snow', mode: '4k', aspectRatio: '9:16' }],
    [
      'image-to-video, end frame, element, sound',
      { prompt: 'day to night', startImage: img, endImage: img2, elements: [{ id: '163' }], sound: true },
    ],
    ['customize multi-shot, watermark', { multiShot: { type: 'customize', shots }, watermark: true }],
    ['omni: reference image, 1080p', { prompt: 'this fox, running', referenceImages: [img], mode: 'pro' }],
    ['callback', { prompt: 'a fox', callbackUrl: 'https://hooks.example.com/kling' }],
  ],
  fal: [
    ['text-to-video', { prompt: 'a fox in the snow', aspectRatio: '9:16' }],
    [
      'pro image-to-video, end frame, sound',
      { prompt: 'day to night', startImage: img, endImage: img2, mode: 'pro', sound: true },
    ],
    ['4k customize multi-shot', { mode: '4k', multiShot: { type: 'customize', shots } }],
    ['webhook', { prompt: 'a fox', callbackUrl: 'https://hooks.example.com/kling' }],
  ],
};

describe.each(Object.entries(scenarios) as [GatewayId, [string, VideoRequest][]][])(
  '%s',
  (gateway, cases) => {
    it.each(cases)('%s: submit → wait → download', async (_, request) => {
      const c = client(gateway);
      const progress: string[] = [];
      const task = await c.generate(request, { onProgress: (t) => progress.push(t.status) });
      expect(task.gateway).toBe(gateway);
      expect(progress.at(-1)).toBe('succeeded');
      expect(sim.stats.created[gateway]).toBe(1);
      expect(sim.stats.rejected[gateway]).toBe(0);

      const path = join(dir, `${gateway}-${Math.random().toString(36).slice(2)}.mp4`);
      const saved = await c.download(task, path);
      const bytes = await readFile(path);
      expect(saved).toEqual({ path, bytes: SAMPLE_VIDEO.byteLength });
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
      expect(bytes.equals(Buffer.from(SAMPLE_VIDEO))).toBe(true);
    });
  },
);

describe('what the gateway received', () => {
  it('EvoLink got string shot durations, a string element id, and every price-relevant default', async () => {
    await client('evolink').generate({
      startImage: img,
      elements: [{ id: '7' }],
      multiShot: { type: 'customize', shots },
    });
    const [task] = sim.tasks();
    expect(task?.request).toEqual({
      model: 'kling-v3-image-to-video',
      image_start: img,
      duration: 5,
      quality: '720p',
      sound: 'off',
      model_params: {
        multi_shot: true,
        shot_type: 'customize',
        multi_prompt: [
          { index: 1, prompt: 'a fox wakes up', duration: '2' },
          { index: 2, prompt: 'the fox runs into the snow', duration: '3' },
        ],
        element_list: [{ element_id: '7' }],
      },
    });
  });
  it('Modellix got no duration with a reference video', async () => {
    await client('modellix').generate({ prompt: 'p', referenceVideos: ['https://cdn.example.com/in.mp4'] });
    expect(sim.tasks()[0]?.request).toEqual({
      prompt: 'p',
      mode: 'std',
      sound: 'off',
      videos: ['https://cdn.example.com/in.mp4'],
    });
  });
  it('apiframe got one Idempotency-Key, recorded on the handle', async () => {
    const handle = await client('apiframe').submit({ prompt: 'p' });
    expect(sim.tasks()[0]?.idempotencyKey).toBe(handle.idempotencyKey);
  });
});

describe('unsupported combinations never reach the gateway', () => {
  const refused: [GatewayId, VideoRequest][] = [
    ['apiinone', { prompt: 'p', endImage: img2, startImage: img }],
    ['apiinone', { prompt: 'p', mode: '4k' }],
    ['apiinone', { prompt: 'p', multiShot: { type: 'intelligence' } }],
    ['apiframe', { prompt: 'p', referenceImages: [img] }],
    ['apiframe', { prompt: 'p', elements: [{ id: '1' }] }],
    ['apiframe', { multiShot: { type: 'customize', shots } }],
    ['evolink', { prompt: 'p', elements: [{ id: '1' }] }],
    ['evolink', { prompt: 'p', startImage: img, aspectRatio: '16:9' }],
    ['evolink', { prompt: 'p', referenceVideos: ['https://cdn.example.com/in.mp4'] }],
    ['modellix', { prompt: 'p', startImage: img }],
    ['modellix', { prompt: 'p', callbackUrl: 'https://hooks.example.com/k' }],
    ['modellix', { prompt: 'p', multiShot: { type: 'customize', shots } }],
    ['modellix', { prompt: 'p', mode: '4k' }],
  ];
  it.each(refused)('%s refuses %j', async (gateway, request) => {
    await expect(client(gateway).submit(request)).rejects.toSatisfy(KlingUnsupportedError.is);
    expect(sim.stats.requests).toHaveLength(0);
  });
  it('an idempotencyKey outside apiframe', async () => {
    await expect(client('modellix').submit({ prompt: 'p' }, { idempotencyKey: 'k' })).rejects.toSatisfy(
      KlingUnsupportedError.is,
    );
    expect(sim.stats.requests).toHaveLength(0);
  });
});

describe('failures, typed', () => {
  it.each(['apiinone', 'apiframe', 'evolink', 'modellix'] as GatewayId[])(
    '%s: a failed render',
    async (gateway) => {
      const error = await client(gateway)
        .generate({ prompt: 'SIM_FAIL please' })
        .catch((e: unknown) => e);
      expect(KlingTaskFailedError.is(error)).toBe(true);
      expect(error).toMatchObject({ task: { status: 'failed', gateway } });
    },
  );
  it.each(['apiinone', 'apiframe', 'evolink', 'modellix'] as GatewayId[])(
    '%s: no credits, nothing created',
    async (gateway) => {
      const error = await client(gateway)
        .submit({ prompt: 'SIM_NO_CREDITS' })
        .catch((e: unknown) => e);
      expect(KlingInsufficientCreditsError.is(error)).toBe(true);
      expect(error).toMatchObject({ status: 402, taskState: 'not-created' });
      expect(sim.stats.created[gateway]).toBe(0);
    },
  );
  it.each(['apiinone', 'apiframe', 'evolink', 'modellix'] as GatewayId[])(
    '%s: a bad key',
    async (gateway) => {
      const error = await client(gateway, 'sk-invalid')
        .submit({ prompt: 'p' })
        .catch((e: unknown) => e);
      expect(KlingAuthError.is(error)).toBe(true);
      expect((error as Error).message).not.toContain('sk-invalid');
    },
  );
});
