import { describe, expect, it } from 'vitest';
import { evolink } from '../../src/gateways/evolink/adapter.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

const paths = evolink.paths;
const wire = (input: unknown) => evolink.toWire(parseVideoRequest(input), { paths }).body;
type Body = Record<string, unknown>;
const doc = (name: string) => loadFixture('evolink', name).body as Body;

describe('evolink toWire reproduces every documented example request', () => {
  // Each documented body plus the defaults the SDK always sends (sound off where the doc left it out).
  it('text-to-video', () => {
    const d = doc('create-request-text-to-video');
    expect(wire({ prompt: d.prompt, duration: 5, aspectRatio: '16:9', mode: 'std' })).toEqual({
      ...d,
      sound: 'off',
    });
  });
  it('text-to-video, 1080p with sound', () => {
    const d = doc('create-request-text-to-video-1080p-sound');
    expect(wire({ prompt: d.prompt, duration: 10, aspectRatio: '16:9', mode: 'pro', sound: true })).toEqual(
      d,
    );
  });
  it('text-to-video with a negative prompt', () => {
    const d = doc('create-request-text-to-video-negative-prompt');
    const body = wire({
      prompt: d.prompt,
      negativePrompt: d.negative_prompt,
      aspectRatio: '16:9',
      mode: 'pro',
    });
    expect(body).toEqual({ ...d, sound: 'off' });
  });
  it('text-to-video multi-shot (string durations, 1-based index, an empty prompt)', () => {
    const d = doc('create-request-text-to-video-multi-shot');
    const shots = (d.model_params as { multi_prompt: { prompt: string }[] }).multi_prompt.map((s) => ({
      prompt: s.prompt,
      duration: 5,
    }));
    const body = wire({
      duration: 10,
      aspectRatio: '16:9',
      mode: 'pro',
      sound: true,
      multiShot: { type: 'customize', shots },
    });
    // The example leaves `prompt` out, but the schema requires it ("can be empty" with customize).
    expect(body).toEqual({ ...d, prompt: '' });
  });
  it('image-to-video (model chosen by startImage, no aspect_ratio)', () => {
    const d = doc('create-request-image-to-video');
    expect(wire({ prompt: d.prompt, startImage: d.image_start })).toEqual({ ...d, sound: 'off' });
  });
  it('image-to-video with first and last frames', () => {
    const d = doc('create-request-image-to-video-first-last-frame');
    const body = wire({
      prompt: d.prompt,
      startImage: d.image_start,
      endImage: d.image_end,
      duration: 10,
      mode: 'pro',
      sound: true,
    });
    expect(body).toEqual(d);
  });
  it('image-to-video with an element (element_id as a string)', () => {
    const d = doc('create-request-image-to-video-element');
    const body = wire({
      prompt: d.prompt,
      startImage: d.image_start,
      duration: 8,
      mode: 'pro',
      elements: [{ id: '123456' }],
    });
    expect(body).toEqual({ ...d, sound: 'off' });
  });
  it('image-to-video multi-shot', () => {
    const d = doc('create-request-image-to-video-multi-shot');
    const shots = (d.model_params as { multi_prompt: { prompt: string }[] }).multi_prompt.map((s) => ({
      prompt: s.prompt,
      duration: 5,
    }));
    const body = wire({
      startImage: d.image_start,
      duration: 10,
      mode: 'pro',
      multiShot: { type: 'customize', shots },
    });
    expect(body).toEqual({ ...d, sound: 'off' });
  });
});

describe('evolink toWire, the rest', () => {
  it('maps 4k, intelligence multi-shot, watermark and callbackUrl', () => {
    expect(
      wire({
        prompt: 'p',
        mode: '4k',
        multiShot: { type: 'intelligence' },
        watermark: false,
        callbackUrl: 'https://hooks.e.com/k',
      }),
    ).toEqual({
      model: 'kling-v3-text-to-video',
      prompt: 'p',
      duration: 5,
      quality: '4k',
      sound: 'off',
      callback_url: 'https://hooks.e.com/k',
      model_params: { multi_shot: true, shot_type: 'intelligence', watermark_info: { enabled: false } },
    });
  });
  it('merges raw model_params and refuses collisions', () => {
    const body = wire({
      prompt: 'p',
      watermark: true,
      providerOptions: { evolink: { model_params: { cfg_scale: 0.5 } } },
    });
    expect(body?.model_params).toEqual({ watermark_info: { enabled: true }, cfg_scale: 0.5 });
    expect(() => wire({ prompt: 'p', providerOptions: { evolink: { quality: '1080p' } } })).toThrow(
      /providerOptions\.evolink\.quality: collides/,
    );
  });
});

describe('evolink parsers (documented payloads)', () => {
  const now = (1757169743 + 100) * 1000;
  const parse = (name: string) => evolink.parseTask(loadFixture('evolink', name).body, { now });

  it('reads the create reply and its reservation (credits_reserved is in 1/10,000 credit)', () => {
    expect(evolink.parseSubmit(doc('create-response'))).toEqual({
      id: 'task-unified-1757169743-7cvnl5zw',
      cost: { amount: 27, unit: 'credits', reserved: true },
    });
  });
  it('reads estimated_time as the seconds still to go, whenever the task was created', () => {
    // `now` is 100 s after `created`: the hint is what is left at the reply, not a total.
    expect(parse('status-pending')).toMatchObject({ status: 'queued', etaSeconds: 300, progress: 0 });
    const later = { ...(doc('status-pending') as Body), task_info: { estimated_time: 40 } };
    expect(evolink.parseTask(later, { now: now + 3_600_000 }).etaSeconds).toBe(40);
  });
  it('reads progress', () => {
    expect(parse('status-processing')).toMatchObject({ status: 'running', progress: 50 });
  });
  it('reads results[0] as the video, valid 24 h', () => {
    const task = parse('status-completed-video');
    expect(task.status === 'succeeded' && task.videos[0]).toEqual({
      url: 'https://example.com/video.mp4',
      expiresAt: new Date((1757169743 + 86400) * 1000),
    });
    expect(parse('status-completed').status).toBe('succeeded');
  });
  it('reads a failure with its string code', () => {
    expect(parse('status-failed')).toMatchObject({
      status: 'failed',
      error: { code: 'content_policy_violation' },
    });
  });
  it('reads cancelled (not in the enum, but callbacks fire on it)', () => {
    expect(evolink.parseTask({ id: 't', status: 'cancelled' }, { now }).status).toBe('canceled');
  });
  it.each(fixtures('evolink', 'error-').map((f) => [f.name, f]))(
    '%s gives message, code and type',
    (_, f) => {
      const body = f.body as { error: { message: string; code: string | number; type: string } };
      const details = evolink.parseError(f.http, f.body);
      expect(details.message).toContain(body.error.message);
      expect(details.code).toBe(String(body.error.code));
      expect(details.type).toBe(body.error.type);
    },
  );
});
