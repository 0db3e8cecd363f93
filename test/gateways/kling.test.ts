/**
 * The official Kling API, new standard: every request field as the wire body carries it, what it can't
 * take refused before any request, every documented reply parsed, and the client end to end against the
 * simulator's Kling protocol (written from the vendor's docs, not from this adapter) on loopback.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KLING_PATHS, kling } from '../../src/gateways/kling/adapter.js';
import {
  KlingApiError,
  KlingAuthError,
  KlingClient,
  KlingResponseError,
  KlingTaskFailedError,
  KlingUnsupportedError,
  type VideoRequest,
} from '../../src/index.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { type RunningSimulator, SAMPLE_VIDEO, startGatewaySimulator } from '../../src/testing/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

const paths = kling.paths;
const toWire = (input: VideoRequest) => kling.toWire(parseVideoRequest(input), { paths });
const wire = (input: VideoRequest) => toWire(input).body;
const context = { now: Date.parse('2026-12-03T12:00:00Z') };
const img = 'https://cdn.example.com/first.png';
const img2 = 'https://cdn.example.com/last.png';
const shots = [
  { prompt: 'a fox wakes up', duration: 2 },
  { prompt: 'the fox runs into the snow', duration: 3 },
];

describe('kling toWire: text-to-video', () => {
  it('produces the documented example (its settings and options) from the request fields', () => {
    const documented = loadFixture('kling', 'create-request-text-to-video').body as {
      prompt: string;
      settings: Record<string, unknown>;
      options: Record<string, unknown>;
    };
    const request = toWire({
      prompt: documented.prompt,
      mode: '4k',
      aspectRatio: '16:9',
      duration: 15,
      sound: false,
      multiShot: { type: 'intelligence' },
      callbackUrl: 'https://hooks.example.com/callback',
      watermark: false,
    });
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/text-to-video/kling-3.0');
    expect(request.body).toEqual({
      prompt: documented.prompt,
      settings: documented.settings,
      // The example's external_task_id "" is "none"; the SDK sends none.
      options: { callback_url: 'https://hooks.example.com/callback', watermark_info: { enabled: false } },
    });
  });
  it('sends every price- and content-changing default, multi_shot false (the vendor default is true)', () => {
    expect(wire({ prompt: 'p' })).toEqual({
      prompt: 'p',
      settings: { multi_shot: false, audio: 'off', resolution: '720p', duration: 5 },
    });
  });
  it('maps mode to resolution, sound to audio, duration as an integer', () => {
    expect(wire({ prompt: 'p', mode: 'pro', sound: true, duration: 12 })).toMatchObject({
      settings: { resolution: '1080p', audio: 'native', duration: 12 },
    });
    expect(wire({ prompt: 'p', mode: '4k' })).toMatchObject({ settings: { resolution: '4k' } });
  });
  it('writes customize multi-shot in the prompt exactly as documented ("shot n, m, words;")', () => {
    expect(wire({ multiShot: { type: 'customize', shots } })).toEqual({
      prompt: 'shot 1, 2, a fox wakes up; shot 2, 3, the fox runs into the snow;',
      settings: { multi_shot: true, audio: 'off', resolution: '720p', duration: 5 },
    });
  });
  it('merges providerOptions.kling into settings and options, refusing a mapped field', () => {
    expect(
      wire({ prompt: 'p', providerOptions: { kling: { options: { external_task_id: 'mine-1' } } } }),
    ).toMatchObject({ options: { external_task_id: 'mine-1' } });
    expect(() =>
      wire({ prompt: 'p', providerOptions: { kling: { settings: { resolution: '4k' } } } }),
    ).toThrow(/providerOptions/);
  });
});

describe('kling toWire: image-to-video and omni', () => {
  it('a first frame goes to image-to-video as contents[] (prompt, frames, elements), no aspect ratio', () => {
    const request = toWire({
      prompt: '<<<element_1>>> on a train',
      startImage: img,
      endImage: img2,
      elements: [{ id: '163' }],
      sound: true,
      mode: 'pro',
      duration: 10,
      watermark: true,
    });
    expect(request.path).toBe(KLING_PATHS.i2v);
    expect(request.body).toEqual({
      contents: [
        { type: 'prompt', text: '<<<element_1>>> on a train' },
        { type: 'first_frame', url: img },
        { type: 'last_frame', url: img2 },
        { type: 'element', element_id: '163', id: 'element_1' },
      ],
      settings: { multi_shot: false, audio: 'native', resolution: '1080p', duration: 10 },
      options: { watermark_info: { enabled: true } },
    });
  });
  it('image-to-video takes no prompt when the request has none, and customize shots as its prompt item', () => {
    expect(wire({ startImage: img })).toMatchObject({ contents: [{ type: 'first_frame', url: img }] });
    expect(wire({ startImage: img, multiShot: { type: 'customize', shots } })).toMatchObject({
      contents: [
        { type: 'prompt', text: 'shot 1, 2, a fox wakes up; shot 2, 3, the fox runs into the snow;' },
        { type: 'first_frame', url: img },
      ],
      settings: { multi_shot: true },
    });
  });
  it('reference images, a reference video, or elements without a first frame go to omni', () => {
    const refs = toWire({ prompt: 'p', referenceImages: [img, img2], aspectRatio: '9:16' });
    expect(refs.path).toBe(KLING_PATHS.omni);
    expect(refs.body).toEqual({
      contents: [
        { type: 'prompt', text: 'p' },
        { type: 'refer_image', url: img },
        { type: 'refer_image', url: img2 },
      ],
      settings: { multi_shot: false, audio: 'off', resolution: '720p', aspect_ratio: '9:16', duration: 5 },
    });
    const elements = toWire({ prompt: 'p', elements: [{ id: '1' }, { id: '2' }] });
    expect(elements.path).toBe(KLING_PATHS.omni);
    expect(elements.body).toMatchObject({
      contents: [
        { type: 'prompt', text: 'p' },
        { type: 'element', element_id: '1', id: 'element_1' },
        { type: 'element', element_id: '2', id: 'element_2' },
      ],
    });
  });
  it('a caller-given create path (endpoints.create) is text-to-video’s; the other kinds keep theirs', () => {
    const custom = { ...paths, create: '/proxy/text-to-video/kling-3.0' };
    expect(kling.toWire(parseVideoRequest({ prompt: 'p' }), { paths: custom }).path).toBe(custom.create);
    expect(kling.toWire(parseVideoRequest({ prompt: 'p', startImage: img }), { paths: custom }).path).toBe(
      KLING_PATHS.i2v,
    );
  });
  it('a prompt with customize shots has no place on the wire: refused, not dropped', () => {
    expect(() => wire({ prompt: 'p', multiShot: { type: 'customize', shots } })).toThrow(
      expect.objectContaining({ field: 'prompt', gateway: 'kling' }),
    );
  });
});

describe('kling status request', () => {
  it('is the batch read with one id', () => {
    expect(kling.statusRequest('893605946402811985', { paths })).toEqual({
      method: 'GET',
      path: '/tasks?task_ids=893605946402811985',
      headers: {},
    });
  });
});

describe('kling parsers (documented payloads)', () => {
  const record = (fields: Record<string, unknown>) => ({
    code: 0,
    message: 'SUCCEED',
    request_id: 'r-1',
    data: [
      { id: 't-1', status: 'processing', create_time: 1781080778802, update_time: 1781080794151, ...fields },
    ],
  });

  it('reads the task id from the create reply', () => {
    expect(kling.parseSubmit(loadFixture('kling', 'create-response').body)).toEqual({ id: 'string' });
    expect(() => kling.parseSubmit({ code: 0, data: {} })).toThrow(KlingResponseError);
  });
  it('reads the documented status example (placeholders: status unknown, no video, raw kept)', () => {
    const f = loadFixture('kling', 'status-response');
    const task = kling.parseTask(f.body, context);
    expect(task).toMatchObject({ id: '893605946402811985', status: 'running', statusUnknown: true });
    expect(task.raw).toBe(f.body);
  });
  it('reads submitted, processing, succeeded (outputs[] video, expiring 30 days after its update) and failed', () => {
    expect(kling.parseTask(record({ status: 'submitted' }), context).status).toBe('queued');
    expect(kling.parseTask(record({ status: 'processing' }), context).status).toBe('running');
    const done = kling.parseTask(
      record({
        status: 'succeeded',
        outputs: [
          { type: 'image', url: 'https://cdn.example.com/still.png' },
          { type: 'video', id: 'v', url: 'https://cdn.example.com/v.mp4', duration: '5.0' },
        ],
      }),
      context,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      videos: [
        { url: 'https://cdn.example.com/v.mp4', expiresAt: new Date(1781080794151 + 30 * 86_400_000) },
      ],
    });
    expect(kling.parseTask(record({ status: 'failed', message: 'risk control' }), context)).toMatchObject({
      status: 'failed',
      error: { message: 'risk control' },
    });
    expect(kling.parseTask(record({ status: 'failed', message: '' }), context)).toMatchObject({
      error: { message: 'the gateway reported the task failed without a reason' },
    });
  });
  it('billing[] is the actual charge: units or USD, never a reservation; CNY or mixed charges are left out', () => {
    const cost = (billing: unknown) => kling.parseTask(record({ billing }), context).cost;
    expect(cost([{ charge_type: 'unit', amount: '4.5', package_type: 'video' }])).toEqual({
      amount: 4.5,
      unit: 'credits',
      reserved: false,
    });
    expect(
      cost([
        { charge_type: 'cash', cash_type: 'balance', amount: '0.63', currency: 'USD', list_price: '0.63' },
      ]),
    ).toEqual({ amount: 0.63, unit: 'usd', reserved: false });
    expect(cost([{ charge_type: 'cash', amount: '4.5', currency: 'CNY' }])).toBeUndefined();
    expect(
      cost([
        { charge_type: 'unit', amount: '1' },
        { charge_type: 'cash', amount: '1', currency: 'USD' },
      ]),
    ).toBeUndefined();
    expect(cost([])).toBeUndefined();
  });
  it('a batch reply: the item for the id asked for; none for it is a KlingResponseError', () => {
    const two = {
      code: 0,
      data: [
        { id: 'a', status: 'processing' },
        { id: 'b', status: 'submitted' },
      ],
    };
    expect(kling.parseTask(two, { ...context, taskId: 'b' })).toMatchObject({ id: 'b', status: 'queued' });
    expect(() => kling.parseTask({ code: 0, data: [] }, { ...context, taskId: 'x' })).toThrow(
      KlingResponseError,
    );
    expect(() => kling.parseTask(two, { ...context, taskId: 'x' })).toThrow(/lists no task for task x/);
    expect(() => kling.parseTask({ code: 0, data: { id: 'a' } }, context)).toThrow(/no data\[\] list/);
  });
  it.each(fixtures('kling', 'error-4').map((f) => [f.name, f]))('parseError reads %s', (_, f) => {
    const body = f.body as { code: number; message: string; request_id: string };
    // The class the code names is tested in kling-errors.test.ts.
    expect(kling.parseError(f.http, f.body)).toMatchObject({
      code: String(body.code),
      message: `${body.message} (request_id ${body.request_id})`,
    });
  });
  it('parseError without the envelope names the vendor', () => {
    expect(kling.parseError(502, null)).toEqual({ message: 'HTTP 502 from Kling (official)' });
  });
  it('authenticates with the API key as Bearer', () => {
    expect(kling.authHeaders('sk-1')).toEqual({ authorization: 'Bearer sk-1' });
  });
});

describe('kling: what it cannot take is refused before any request', () => {
  let calls = 0;
  const counting = new KlingClient({
    gateway: 'kling',
    apiKey: 'sk-test',
    fetch: async () => {
      calls += 1;
      return new Response('{}', { status: 500 });
    },
  });
  beforeEach(() => {
    calls = 0;
  });
  it.each<[string, VideoRequest]>([
    ['negativePrompt', { prompt: 'p', negativePrompt: 'blur' }],
    [
      'a reference video (rules unverified)',
      { prompt: 'p', referenceVideos: ['https://cdn.example.com/in.mp4'] },
    ],
    ['aspectRatio with a first frame', { prompt: 'p', startImage: img, aspectRatio: '16:9' }],
    ['a prompt beside customize shots', { prompt: 'p', multiShot: { type: 'customize', shots } }],
    ['an idempotency key', { prompt: 'p' }],
    ['a prompt over 3072 characters', { prompt: 'x'.repeat(3073) }],
  ])('%s', async (name, request) => {
    const options = name === 'an idempotency key' ? { idempotencyKey: 'k' } : {};
    await expect(counting.submit(request, options)).rejects.toSatisfy(KlingUnsupportedError.is);
    expect(calls).toBe(0);
  });
});

describe('kling end to end on loopback (the simulator’s Kling protocol)', () => {
  let sim: RunningSimulator;
  let dir: string;
  let client: KlingClient;
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 14, requireExplicitDefaults: true });
    dir = await mkdtemp(join(tmpdir(), 'kling-gw-'));
    client = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-sim',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => sim.reset());

  it('submit → wait (batch GET /tasks) → download; the actual charge equals the estimate', async () => {
    const request: VideoRequest = { prompt: 'a fox in the snow', mode: 'pro', sound: true, duration: 5 };
    const estimate = client.estimate(request);
    expect(estimate).toMatchObject({ exact: true, total: 6, unit: 'credits', usd: 0.84 });
    const task = await client.generate(request);
    expect(task.cost).toEqual({ amount: 6, unit: 'credits', reserved: false });
    expect(task.videos[0].expiresAt).toBeInstanceOf(Date);
    const statusReads = sim.stats.requests.filter((r) => r.op === 'status');
    expect(statusReads.length).toBeGreaterThan(0);
    expect(statusReads.every((r) => r.gateway === 'kling' && r.path === '/tasks')).toBe(true);
    expect(sim.stats).toMatchObject({ created: { kling: 1 }, rejected: { kling: 0 } });

    const path = join(dir, 'fox.mp4');
    expect(await client.download(task, path)).toEqual({ path, bytes: SAMPLE_VIDEO.byteLength });
    expect((await readFile(path)).equals(Buffer.from(SAMPLE_VIDEO))).toBe(true);
  });
  it.each<[string, VideoRequest, string]>([
    [
      'image-to-video',
      { prompt: 'p', startImage: img, endImage: img2, elements: [{ id: '7' }] },
      KLING_PATHS.i2v,
    ],
    ['omni with a reference image', { prompt: 'p', referenceImages: [img] }, KLING_PATHS.omni],
    ['omni with elements and no first frame', { prompt: 'p', elements: [{ id: '7' }] }, KLING_PATHS.omni],
    ['customize multi-shot', { multiShot: { type: 'customize', shots } }, KLING_PATHS.t2v],
  ])('%s is accepted at its path and finishes', async (_, request, path) => {
    const task = await client.generate(request);
    expect(task.status).toBe('succeeded');
    expect(sim.stats.requests.find((r) => r.op === 'create')).toMatchObject({ path, status: 200 });
  });
  it('a failed render is a KlingTaskFailedError with the vendor’s message', async () => {
    const error = await client.generate({ prompt: 'SIM_FAIL please' }).catch((e: unknown) => e);
    expect(KlingTaskFailedError.is(error)).toBe(true);
    expect(error).toMatchObject({
      task: { status: 'failed', gateway: 'kling', error: { message: /SIM_FAIL/ } },
    });
  });
  it('a bad key: 401 code 1002, the key in no message', async () => {
    const bad = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-invalid',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    const error = await bad.submit({ prompt: 'p' }).catch((e: unknown) => e);
    await bad.close();
    expect(KlingAuthError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 401, code: '1002', taskState: 'not-created' });
    expect((error as Error).message).not.toContain('sk-invalid');
  });
  it('a body the vendor refuses: 400 code 1201 naming the field, nothing created', async () => {
    const error = await client
      .submit({ prompt: 'p', providerOptions: { kling: { settings: { aspect_ratio: '4:3' } } } })
      .catch((e: unknown) => e);
    expect(KlingApiError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: '1201', taskState: 'not-created' });
    expect((error as Error).message).toMatch(/settings\.aspect_ratio/);
    expect(sim.stats.created.kling).toBe(0);
  });
  it('an exhausted resource pack: HTTP 429 code 1102, nothing created', async () => {
    const once = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-sim',
      baseUrl: sim.url,
      clock: sim.clientClock,
      maxRetries: 0,
    });
    const error = await once.submit({ prompt: 'SIM_NO_CREDITS' }).catch((e: unknown) => e);
    await once.close();
    expect(error).toMatchObject({ status: 429, code: '1102', taskState: 'not-created' });
    expect(sim.stats.created.kling).toBe(0);
  });
});
