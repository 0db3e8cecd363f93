import { describe, expect, it } from 'vitest';
import { KlingResponseError, KlingUnsupportedError } from '../../src/errors.js';
import { apiframe } from '../../src/gateways/apiframe/adapter.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

const paths = apiframe.paths;
const toWire = (input: unknown, idempotencyKey?: string) =>
  apiframe.toWire(parseVideoRequest(input), {
    paths,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
const wire = (input: unknown) => toWire(input).body;
const context = { now: Date.parse('2026-03-15T11:00:00Z') };

describe('apiframe toWire', () => {
  it('produces the documented text-to-video example', () => {
    const documented = loadFixture('apiframe', 'create-request-text-to-video').body as { prompt: string };
    expect(
      wire({ prompt: documented.prompt, mode: 'pro', duration: 10, aspectRatio: '16:9', sound: true }),
    ).toEqual(documented);
  });
  it('produces the documented image-to-video example, plus the audio flag it always sends', () => {
    const documented = loadFixture('apiframe', 'create-request-image-to-video').body as {
      prompt: string;
      klingParams: Record<string, unknown>;
    };
    const body = wire({
      prompt: documented.prompt,
      startImage: 'https://example.com/frame.jpg',
      mode: 'pro',
      duration: 5,
      aspectRatio: '16:9',
    });
    expect(body).toEqual({
      ...documented,
      klingParams: { ...documented.klingParams, generate_audio: false },
    });
  });
  it("sends mode 'standard' and audio off explicitly (its own defaults are pro with audio)", () => {
    expect(wire({ prompt: 'p' })).toEqual({
      model: 'kling-3.0',
      prompt: 'p',
      klingParams: { duration: 5, mode: 'standard', generate_audio: false },
    });
    expect(wire({ prompt: 'p', mode: '4k' })).toMatchObject({ klingParams: { mode: '4k' } });
  });
  it('nests frames and the negative prompt in klingParams', () => {
    const body = wire({
      prompt: 'p',
      startImage: 'https://e.com/a.png',
      endImage: 'https://e.com/b.png',
      negativePrompt: 'blur',
    });
    expect(body).toMatchObject({
      klingParams: {
        start_image: 'https://e.com/a.png',
        end_image: 'https://e.com/b.png',
        negative_prompt: 'blur',
      },
    });
  });
  it('sends multi_prompt as a JSON string', () => {
    const body = wire({
      prompt: 'a day',
      duration: 8,
      multiShot: {
        type: 'customize',
        shots: [
          { prompt: 'dawn', duration: 3 },
          { prompt: 'dusk', duration: 5 },
        ],
      },
    }) as { klingParams: { multi_prompt: string } };
    expect(typeof body.klingParams.multi_prompt).toBe('string');
    expect(JSON.parse(body.klingParams.multi_prompt)).toEqual([
      { prompt: 'dawn', duration: 3 },
      { prompt: 'dusk', duration: 5 },
    ]);
  });
  it('maps callbackUrl to webhookUrl with the completed and failed events', () => {
    expect(wire({ prompt: 'p', callbackUrl: 'https://hooks.e.com/k' })).toMatchObject({
      webhookUrl: 'https://hooks.e.com/k',
      webhookEvents: ['completed', 'failed'],
    });
  });
  it('sends the Idempotency-Key header it is given', () => {
    expect(toWire({ prompt: 'p' }, 'key-1').headers).toMatchObject({ 'idempotency-key': 'key-1' });
    expect(toWire({ prompt: 'p' }).headers).not.toHaveProperty('idempotency-key');
  });
  it('never sends a key its schema does not list', () => {
    const attempt = () => wire({ prompt: 'p', providerOptions: { apiframe: { seed: 42 } } });
    expect(attempt).toThrow(KlingUnsupportedError);
    expect(attempt).toThrow(/does not list seed/);
    expect(() =>
      wire({ prompt: 'p', providerOptions: { apiframe: { klingParams: { cfg_scale: 1 } } } }),
    ).toThrow(/klingParams\.cfg_scale/);
  });
  it('takes listed raw fields through providerOptions and refuses collisions', () => {
    expect(
      wire({ prompt: 'p', providerOptions: { apiframe: { webhookEvents: ['progress'] } } }),
    ).toMatchObject({
      webhookEvents: ['progress'],
    });
    expect(() =>
      wire({ prompt: 'p', providerOptions: { apiframe: { klingParams: { mode: 'pro' } } } }),
    ).toThrow(/providerOptions\.apiframe\.klingParams\.mode: collides/);
  });
});

describe('apiframe parsers (documented payloads)', () => {
  it('reads the 202 create reply', () => {
    expect(apiframe.parseSubmit(loadFixture('apiframe', 'create-response').body).id).toBe(
      'b2c3d4e5-f6a7-8901-bcde-f23456789012',
    );
  });
  it.each([
    ['status-queued', 'queued', 0],
    ['status-processing', 'running', 65],
    ['status-failed', 'failed', 0],
  ])('%s → %s', (name, status, progress) => {
    const f = loadFixture('apiframe', name);
    expect(apiframe.parseTask(f.body, context)).toMatchObject({ status, progress, raw: f.body });
  });
  it('reads a completed kling job: the video, its 24 h expiry and the final credit cost', () => {
    const task = apiframe.parseTask(loadFixture('apiframe', 'status-completed-kling').body, context);
    expect(task).toMatchObject({
      status: 'succeeded',
      cost: { amount: 10, unit: 'credits', reserved: false },
    });
    expect(task.status === 'succeeded' && task.videos[0]).toEqual({
      url: 'https://cdn2.apiframe.ai/videos/….mp4',
      expiresAt: new Date('2026-03-16T10:00:32.000Z'),
    });
  });
  it('reads the older bare-string result', () => {
    const task = apiframe.parseTask(loadFixture('apiframe', 'status-completed-string-result').body, context);
    expect(task.status === 'succeeded' && task.videos[0].url).toBe(
      'https://cdn.apiframe.ai/results/a1b2c3d4.png',
    );
  });
  it('refuses a completed job without a video (the documented Midjourney image example)', () => {
    expect(() => apiframe.parseTask(loadFixture('apiframe', 'status-completed').body, context)).toThrow(
      KlingResponseError,
    );
  });
  it('marks the credit cost of an unfinished job as a reservation, and reads the failure reason', () => {
    expect(apiframe.parseTask(loadFixture('apiframe', 'status-processing').body, context).cost).toEqual({
      amount: 10,
      unit: 'credits',
      reserved: true,
    });
    expect(apiframe.parseTask(loadFixture('apiframe', 'status-failed').body, context)).toMatchObject({
      error: { message: 'Provider returned an error: content policy violation' },
    });
  });
  it('reads both spellings of cancelled', () => {
    for (const status of ['CANCELLED', 'CANCELED']) {
      expect(apiframe.parseTask({ id: 'j', status }, context).status).toBe('canceled');
    }
  });
  it.each(fixtures('apiframe', 'error-').map((f) => [f.name, f]))('%s gives its message', (_, f) => {
    const details = apiframe.parseError(f.http, f.body);
    expect(details.message).toContain((f.body as { error: string }).error);
  });
  it('spells out validation details and the credit shortfall', () => {
    expect(apiframe.parseError(400, loadFixture('apiframe', 'error-400').body).message).toBe(
      'Bad (foo.bar: nope)',
    );
    expect(apiframe.parseError(402, loadFixture('apiframe', 'error-402').body).message).toBe(
      'Insufficient credits (50 credits required, 10 available)',
    );
  });
  it.each(fixtures('apiframe', 'webhook-').map((f) => [f.name, f]))(
    'webhook %s names a known event',
    (_, f) => {
      expect(['completed', 'failed', 'progress']).toContain((f.body as { event: string }).event);
    },
  );
});
