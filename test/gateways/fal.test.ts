import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fal } from '../../src/gateways/fal/adapter.js';
import type { Task } from '../../src/gateways/types.js';
import {
  KlingApiError,
  KlingClient,
  KlingNotFoundError,
  KlingResultExpiredError,
  KlingTaskFailedError,
  KlingUnsupportedError,
  KlingValidationError,
  type VideoRequest,
} from '../../src/index.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { type RunningSimulator, SAMPLE_VIDEO, startGatewaySimulator } from '../../src/testing/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';
import { manualClock } from '../testing/helpers.js';

const paths = fal.paths;
const wire = (input: unknown) => fal.toWire(parseVideoRequest(input), { paths });
type Body = Record<string, unknown>;
const doc = (name: string) => loadFixture('fal', name).body as Body;
const context = { now: Date.parse('2026-12-03T18:00:00Z') };
const img = 'https://example.com/first-frame.jpg';
const img2 = 'https://example.com/last-frame.jpg';

describe('fal toWire: path by mode and kind, every field as fal types it', () => {
  it('text-to-video: the documented prompt, with duration as a string and generate_audio always sent', () => {
    const d = doc('create-request-v3-standard-text-to-video');
    const w = wire({ prompt: d.prompt });
    expect(w.method).toBe('POST');
    expect(w.path).toBe('/fal-ai/kling-video/v3/standard/text-to-video');
    // fal's own default is generate_audio true: the SDK's default (off) is sent, so the price is ours.
    expect(w.body).toEqual({ ...d, duration: '5', generate_audio: false });
  });

  it('pro text-to-video with every field (negative prompt, 9:16, cfg_scale through providerOptions)', () => {
    const d = doc('create-request-v3-pro-text-to-video-explicit');
    const w = wire({
      prompt: d.prompt,
      negativePrompt: d.negative_prompt,
      duration: 10,
      aspectRatio: '9:16',
      mode: 'pro',
      sound: false,
      providerOptions: { fal: { cfg_scale: 0.5 } },
    });
    expect(w.path).toBe('/fal-ai/kling-video/v3/pro/text-to-video');
    expect(w.body).toEqual(d);
  });

  it('pro image-to-video: start and end frames, intelligent shots, no aspect_ratio', () => {
    const d = doc('create-request-v3-pro-image-to-video');
    const w = wire({
      prompt: d.prompt,
      startImage: d.start_image_url,
      endImage: d.end_image_url,
      mode: 'pro',
      sound: true,
      multiShot: { type: 'intelligence' },
    });
    expect(w.path).toBe('/fal-ai/kling-video/v3/pro/image-to-video');
    expect(w.body).toEqual(d);
  });

  it('4k customize shots: multi_prompt with string durations and no index, no prompt', () => {
    const d = doc('create-request-v3-4k-multi-prompt');
    const shots = (d.multi_prompt as { prompt: string; duration: string }[]).map((s) => ({
      prompt: s.prompt,
      duration: Number(s.duration),
    }));
    const w = wire({
      duration: 12,
      mode: '4k',
      sound: true,
      aspectRatio: '16:9',
      multiShot: { type: 'customize', shots },
    });
    expect(w.path).toBe('/fal-ai/kling-video/v3/4k/text-to-video');
    expect(w.body).toEqual(d);
  });

  it('every duration 3–15 is a string', () => {
    for (let duration = 3; duration <= 15; duration++) {
      expect(wire({ prompt: 'p', duration }).body?.duration).toBe(String(duration));
    }
  });

  it('a callbackUrl is the ?fal_webhook= query of the submit URL, not a body field', () => {
    const w = wire({ prompt: 'p', callbackUrl: 'https://hooks.example.com/fal?a=1&b=2' });
    expect(w.path).toBe(
      `/fal-ai/kling-video/v3/standard/text-to-video?fal_webhook=${encodeURIComponent('https://hooks.example.com/fal?a=1&b=2')}`,
    );
    expect(w.body).not.toHaveProperty('callback_url');
  });

  it('Authorization: Key, not Bearer', () => {
    expect(fal.authHeaders('id:secret')).toEqual({ authorization: 'Key id:secret' });
  });

  it('a prompt with customize shots is refused (fal: either, not both)', () => {
    expect(() =>
      wire({
        prompt: 'p',
        duration: 5,
        multiShot: { type: 'customize', shots: [{ prompt: 'a', duration: 5 }] },
      }),
    ).toThrow(KlingValidationError);
  });

  it('a providerOptions field that collides with a mapped one is refused', () => {
    expect(() => wire({ prompt: 'p', providerOptions: { fal: { duration: 5 } } })).toThrow(
      KlingValidationError,
    );
  });
});

describe('fal replies', () => {
  it.each(fixtures('fal', 'create-response').map((f) => [f.name, f]))('parseSubmit reads %s', (_, f) => {
    expect(fal.parseSubmit(f.body).id).toBe((f.body as Body).request_id);
  });

  it('IN_QUEUE is queued, IN_PROGRESS running, both without a result read', () => {
    const queued = fal.parseTask(doc('status-in-queue'), context);
    expect(queued).toMatchObject({ id: '764cabcf-b745-4b3e-ae38-1200304cf45b', status: 'queued' });
    expect(fal.needsResult?.(queued)).toBe(false);
    const running = fal.parseTask(doc('status-in-progress'), context);
    expect(running.status).toBe('running');
    expect(fal.needsResult?.(running)).toBe(false);
  });

  it('COMPLETED needs the result read; the result carries the video, kept one hour', () => {
    const completed = fal.parseTask(doc('status-completed'), context);
    expect(completed.status).toBe('running');
    expect(fal.needsResult?.(completed)).toBe(true);
    expect(fal.resultRequest?.(completed.id, { paths })).toEqual({
      method: 'GET',
      path: '/fal-ai/kling-video/requests/764cabcf-b745-4b3e-ae38-1200304cf45b',
      headers: {},
    });
    const result = doc('result-video');
    const task = fal.parseResult?.(result, completed, context) as Task;
    expect(task).toMatchObject({ status: 'succeeded', id: completed.id, gateway: 'fal' });
    if (task.status !== 'succeeded') throw new Error('not succeeded');
    expect(task.videos[0].url).toBe((result.video as Body).url);
    expect(task.videos[0].expiresAt).toEqual(new Date(context.now + 60 * 60 * 1000));
  });

  it('COMPLETED with an error is a failed task, never a success (no result read)', () => {
    const task = fal.parseTask(doc('status-completed-failed'), context);
    expect(task).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation', message: 'Invalid status code: 422' },
    });
    expect(fal.needsResult?.(task)).toBe(false);
  });

  it('a result without a video URL is malformed', () => {
    const completed = fal.parseTask(doc('status-completed'), context);
    expect(() => fal.parseResult?.({ video: {} }, completed, context)).toThrow(/video\.url/);
  });

  it("the model's error on the result read is the task's failure; auth, timeouts and 429 are the read's own", () => {
    const completed = fal.parseTask(doc('status-completed'), context);
    const failed = fal.resultFailure?.(
      { status: 422, message: 'fal: HTTP 422: prompt: flagged', code: 'content_policy_violation' },
      completed,
    );
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation', message: 'prompt: flagged' },
    });
    for (const status of [401, 403, 408, 429, 500, 503]) {
      expect(fal.resultFailure?.({ status, message: 'x' }, completed), String(status)).toBeUndefined();
    }
  });

  it('a result gone after COMPLETED (404 or 410) throws KlingResultExpiredError saying what to do', () => {
    const completed = fal.parseTask(doc('status-completed'), context);
    const expired = loadFixture('fal', 'result-expired');
    for (const status of [expired.http, 410]) {
      let thrown: unknown;
      try {
        fal.resultFailure?.({ status, message: fal.parseError(status, expired.body).message }, completed);
      } catch (error) {
        thrown = error;
      }
      expect(KlingResultExpiredError.is(thrown), String(status)).toBe(true);
      expect(thrown).toMatchObject({ gateway: 'fal', status });
      expect(String((thrown as Error).message)).toMatch(
        /is gone \(HTTP \d+\): fal keeps a result 1 hour .*Run the task again, and download the video as soon as it succeeds/,
      );
    }
  });

  it("IN_QUEUE carries queue_position as the task's queuePosition; other states carry none", () => {
    const queued = fal.parseTask(doc('status-in-queue'), context);
    expect(queued.queuePosition).toBe((doc('status-in-queue') as Body).queue_position);
    expect(fal.parseTask({ ...doc('status-in-queue'), queue_position: 7 }, context).queuePosition).toBe(7);
    expect(fal.parseTask({ ...doc('status-in-queue'), queue_position: 'x' }, context)).not.toHaveProperty(
      'queuePosition',
    );
    expect(fal.parseTask({ ...doc('status-in-progress'), queue_position: 3 }, context)).not.toHaveProperty(
      'queuePosition',
    );
  });

  it('cancel: PUT …/requests/{id}/cancel with no body (fal-js queue.ts), under the app only', () => {
    expect(fal.cancelRequest?.('764cabcf-b745', { paths })).toEqual({
      method: 'PUT',
      path: '/fal-ai/kling-video/requests/764cabcf-b745/cancel',
      headers: {},
    });
  });

  it('cancel replies: CANCELLATION_REQUESTED and OK are taken, ALREADY_COMPLETED too late', () => {
    const requested = loadFixture('fal', 'cancel-requested');
    expect(fal.parseCancel?.(requested.http, requested.body)).toMatchObject({
      outcome: 'canceled',
      message: expect.stringMatching(/running one is only signalled/),
    });
    expect(fal.parseCancel?.(200, { status: 'OK' })).toMatchObject({ outcome: 'canceled' });
    const done = loadFixture('fal', 'cancel-already-completed');
    expect(fal.parseCancel?.(done.http, done.body)).toMatchObject({ outcome: 'too-late' });
    const missing = loadFixture('fal', 'cancel-not-found');
    expect(() => fal.parseCancel?.(missing.http, missing.body)).toThrow(KlingNotFoundError);
    expect(() => fal.parseCancel?.(202, { detail: 'x' })).toThrow(/no status OK, CANCELLATION_REQUESTED/);
  });

  it.each(fixtures('fal', 'error').map((f) => [f.name, f]))('parseError reads %s', (_, f) => {
    const details = fal.parseError(f.http, f.body);
    expect(details.message).not.toMatch(/^HTTP \d+ from/);
    expect(details.message).not.toContain('[object');
  });

  it('a 422 detail[] names each field without the body prefix', () => {
    expect(fal.parseError(422, doc('error-422-duration-number'))).toMatchObject({
      message: expect.stringMatching(/^duration: Input should be/),
      code: 'enum',
    });
    expect(fal.parseError(504, doc('error-504-request-timeout'))).toEqual({
      message: 'Request timed out',
      code: 'request_timeout',
      type: 'request_timeout',
    });
  });
});

describe('fal through the simulator (loopback)', () => {
  let sim: RunningSimulator;
  let client: KlingClient;
  let dir: string;
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 15, requireExplicitDefaults: true });
    client = new KlingClient({
      gateway: 'fal',
      apiKey: 'key-id:secret',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    dir = await mkdtemp(join(tmpdir(), 'kling-fal-'));
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => sim.reset());

  const cases: [string, VideoRequest, string][] = [
    ['text-to-video', { prompt: 'a fox in the snow' }, '/fal-ai/kling-video/v3/standard/text-to-video'],
    [
      'pro image-to-video with an end frame, sound',
      { prompt: 'the fox blinks', startImage: img, endImage: img2, mode: 'pro', sound: true },
      '/fal-ai/kling-video/v3/pro/image-to-video',
    ],
    [
      '4k customize shots',
      {
        duration: 5,
        mode: '4k',
        multiShot: {
          type: 'customize',
          shots: [
            { prompt: 'a fox wakes up', duration: 2 },
            { prompt: 'the fox runs', duration: 3 },
          ],
        },
      },
      '/fal-ai/kling-video/v3/4k/text-to-video',
    ],
    [
      'a webhook, negative prompt, intelligent shots',
      {
        prompt: 'a fox',
        negativePrompt: 'blur',
        multiShot: { type: 'intelligence' },
        callbackUrl: 'https://hooks.example.com/fal',
      },
      '/fal-ai/kling-video/v3/standard/text-to-video',
    ],
  ];

  it.each(cases)('%s: submit → wait (status, then result) → download', async (_, request, path) => {
    const task = await client.generate(request);
    expect(task.gateway).toBe('fal');
    expect(sim.stats.created.fal).toBe(1);
    expect(sim.stats.rejected.fal).toBe(0);
    const ops = sim.stats.requests.map((r) => `${r.op} ${r.path}`);
    expect(ops[0]).toBe(`create ${path}`);
    // Status reads, then one result read after COMPLETED.
    expect(ops.at(-1)).toBe(`status /fal-ai/kling-video/requests/${task.id}`);
    expect(
      ops.slice(1, -1).every((op) => op === `status /fal-ai/kling-video/requests/${task.id}/status`),
    ).toBe(true);
    expect(task.videos[0].expiresAt).toBeInstanceOf(Date);

    const file = join(dir, `${task.id}.mp4`);
    expect(await client.download(task, file)).toEqual({ path: file, bytes: SAMPLE_VIDEO.byteLength });
    expect((await readFile(file)).equals(Buffer.from(SAMPLE_VIDEO))).toBe(true);
  });

  it('the body fal received: string durations, generate_audio sent, no index', async () => {
    await client.submit({
      duration: 5,
      multiShot: {
        type: 'customize',
        shots: [
          { prompt: 'a', duration: 2 },
          { prompt: 'b', duration: 3 },
        ],
      },
    });
    expect(sim.tasks()[0]?.request).toEqual({
      duration: '5',
      generate_audio: false,
      shot_type: 'customize',
      multi_prompt: [
        { prompt: 'a', duration: '2' },
        { prompt: 'b', duration: '3' },
      ],
    });
  });

  it('a failed render (COMPLETED with an error) ends the wait as KlingTaskFailedError', async () => {
    const handle = await client.submit({ prompt: 'SIM_FAIL a fox' });
    const error = await client.wait(handle).catch((e: unknown) => e);
    expect(KlingTaskFailedError.is(error)).toBe(true);
    expect((error as KlingTaskFailedError).task).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation' },
    });
  });

  it('a 422 from fal names each field (detail[].loc), and creates nothing', async () => {
    const error = await client
      .submit({ prompt: 'p', providerOptions: { fal: { cfg_scale: 7 } } })
      .catch((e: unknown) => e);
    expect(KlingApiError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 422, taskState: 'not-created' });
    expect(String((error as Error).message)).toMatch(/cfg_scale: must be between 0 and 1/);
    expect(sim.stats.created.fal).toBe(0);
  });

  it('unsupported fields never reach fal', async () => {
    const refused: VideoRequest[] = [
      { prompt: 'p', elements: [{ id: '1' }], startImage: img },
      { prompt: 'p', watermark: false },
      { prompt: 'p', referenceImages: [img], providerOptions: { fal: { model: 'v3' } } },
      { prompt: 'p', negativePrompt: 'blur', providerOptions: { fal: { model: 'o3' } } },
      { prompt: 'p', referenceVideos: ['https://example.com/in.mp4'] },
      { prompt: 'p', startImage: img, aspectRatio: '16:9' },
    ];
    for (const request of refused) {
      await expect(client.submit(request)).rejects.toSatisfy(KlingUnsupportedError.is);
    }
    await expect(
      client.submit({ prompt: 'p', multiShot: { type: 'customize', shots: [{ prompt: 'a', duration: 5 }] } }),
    ).rejects.toSatisfy(KlingValidationError.is);
    expect(sim.stats.requests).toHaveLength(0);
  });
});

describe('fal through the simulator (loopback): Omni, queue position, cancel, expiry', () => {
  let sim: RunningSimulator;
  let client: KlingClient;
  let dir: string;
  const clock = manualClock();
  /** Simulated ms per wall ms: the simulator's default time scale is 0.001. */
  const advance = (simulatedMs: number) => clock.advance(simulatedMs * 0.001);
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 16, requireExplicitDefaults: true, now: clock.now });
    client = new KlingClient({ gateway: 'fal', apiKey: 'key-id:secret', baseUrl: sim.url });
    dir = await mkdtemp(join(tmpdir(), 'kling-fal-o3-'));
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => sim.reset());

  it('reference images go to o3 reference-to-video, which the simulator validates and renders', async () => {
    const handle = await client.submit({
      prompt: 'the cat from @Image1 on the sofa from @Image2',
      referenceImages: [img, img2],
      mode: 'pro',
      aspectRatio: '9:16',
    });
    expect(handle.estimate).toMatchObject({ rateKey: 'o3-pro', exact: false });
    expect(sim.stats.requests[0]?.path).toBe('/fal-ai/kling-video/o3/pro/reference-to-video');
    expect(sim.tasks()[0]?.request).toEqual({
      prompt: 'the cat from @Image1 on the sofa from @Image2',
      image_urls: [img, img2],
      aspect_ratio: '9:16',
      duration: '5',
      generate_audio: false,
    });
    advance(600_000);
    expect(await client.getTask(handle)).toMatchObject({ status: 'succeeded' });
  });

  it('o3 image-to-video by providerOptions: image_url, priced on the o3 rows', async () => {
    const handle = await client.submit({
      prompt: 'the boat drifts',
      startImage: img,
      sound: true,
      providerOptions: { fal: { model: 'o3' } },
    });
    expect(handle.estimate).toMatchObject({ rateKey: 'o3-standard+audio', usd: 0.56, exact: true });
    expect(sim.stats.requests[0]?.path).toBe('/fal-ai/kling-video/o3/standard/image-to-video');
    expect(sim.tasks()[0]?.request).toMatchObject({ image_url: img, generate_audio: true });
    expect(sim.stats.rejected.fal).toBe(0);
  });

  it('a queued task reports its queue_position as queuePosition; a running one none', async () => {
    const handle = await client.submit({ prompt: 'a fox' });
    const queued = await client.getTask(handle);
    expect(queued.status).toBe('queued');
    expect(queued.queuePosition).toBeTypeOf('number');
    expect(queued.queuePosition).toBeGreaterThan(0);
    advance(60_000);
    const running = await client.getTask(handle);
    expect(running.status).toBe('running');
    expect(running).not.toHaveProperty('queuePosition');
  });

  it("the adapter's cancel request, sent to the simulator: taken while queued, too late once completed", async () => {
    const send = async (id: string) => {
      const wire = fal.cancelRequest?.(id, { paths }) as { method: string; path: string };
      const response = await fetch(`${sim.url}${wire.path}`, {
        method: wire.method,
        headers: fal.authHeaders('key-id:secret'),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const queued = await client.submit({ prompt: 'a fox' });
    const first = await send(queued.id);
    expect(fal.parseCancel?.(first.status, first.body)).toMatchObject({ outcome: 'canceled' });
    // Cancelled while queued: the status says COMPLETED with error type client_cancelled.
    advance(1_000);
    expect(await client.getTask(queued)).toMatchObject({ status: 'canceled' });

    const done = await client.submit({ prompt: 'a hare' });
    advance(600_000);
    expect((await client.getTask(done)).status).toBe('succeeded');
    const late = await send(done.id);
    expect(fal.parseCancel?.(late.status, late.body)).toMatchObject({ outcome: 'too-late' });
  });

  it('a result read after fal stopped keeping it (1 h) is KlingResultExpiredError, not a success or a bare 404', async () => {
    const handle = await client.submit({ prompt: 'a fox' });
    advance(600_000);
    expect((await client.getTask(handle)).status).toBe('succeeded');
    advance(61 * 60_000);
    const error = await client.getTask(handle).catch((e: unknown) => e);
    expect(KlingResultExpiredError.is(error)).toBe(true);
    expect(error).toMatchObject({ gateway: 'fal', status: 404 });
    expect(String((error as Error).message)).toMatch(/Run the task again, and download the video as soon/);
  });

  it('client.upload on fal is refused before sending, saying why the SDK does not upload there', async () => {
    const error = await client.upload(new Uint8Array([0x89, 0x50, 0x4e, 0x47])).catch((e: unknown) => e);
    expect(KlingUnsupportedError.is(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(
      /does not upload to fal's CDN yet \(its upload is two requests/,
    );
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('download of a link past its expiresAt that the host refuses says it expired and what to do', async () => {
    const handle = await client.submit({ prompt: 'a fox' });
    advance(600_000);
    const task = await client.getTask(handle);
    if (task.status !== 'succeeded') throw new Error('not succeeded');
    const expiresAt = new Date(Date.now() - 1000);
    const gone = {
      ...task,
      videos: [{ url: `${sim.url}/files/no-such-video.mp4`, expiresAt }],
    } as typeof task;
    const error = await client.download(gone, join(dir, 'gone.mp4')).catch((e: unknown) => e);
    expect(KlingResultExpiredError.is(error)).toBe(true);
    expect(error).toMatchObject({ gateway: 'fal', status: 404, expiresAt });
    expect(String((error as Error).message)).toMatch(
      /link expired at .* \(the download answered HTTP 404\).*Run the task again, and download the video as soon as it succeeds/,
    );
    // The same refusal before expiresAt is a plain not-found: nothing says the link expired.
    const fresh = {
      ...gone,
      videos: [{ url: gone.videos[0].url, expiresAt: new Date(Date.now() + 3_600_000) }],
    };
    const plain = await client
      .download(fresh as typeof task, join(dir, 'fresh.mp4'))
      .catch((e: unknown) => e);
    expect(KlingNotFoundError.is(plain)).toBe(true);
    expect(KlingResultExpiredError.is(plain)).toBe(false);
    // A link past expiresAt that still works downloads as usual.
    const stale = { ...task, videos: [{ url: task.videos[0].url, expiresAt }] } as typeof task;
    expect(await client.download(stale, join(dir, 'stale.mp4'))).toMatchObject({
      bytes: SAMPLE_VIDEO.byteLength,
    });
  });
});
