import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewaySimulator } from '../../src/testing/index.js';
import { create, manualClock, poll } from './helpers.js';

const clock = manualClock();
const simulator = createGatewaySimulator({ seed: 4, now: clock.now });
const server = setupServer(...simulator.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('EvoLink usage.credits_reserved (1/10,000 credit × per-second credits × duration)', () => {
  it.each([
    ['720p', 'off', 5, 270_000], // the docs' own example
    ['720p', 'on', 5, 405_000],
    ['1080p', 'off', 5, 359_910],
    ['1080p', 'on', 10, 1_080_000],
  ] as const)('%s sound %s, %i s → %i', async (quality, sound, duration, reserved) => {
    const body = { model: 'kling-v3-text-to-video', prompt: 'x', quality, sound, duration };
    const reply = await create('https://api.evolink.ai', 'evolink', body);
    expect(reply.json).toMatchObject({
      usage: { billing_rule: 'per_second', credits_reserved: reserved, user_group: 'default' },
      task_info: { can_cancel: true, video_duration: duration, estimated_time: expect.any(Number) },
    });
    const estimated = (reply.json.task_info as { estimated_time: number }).estimated_time;
    expect(estimated).toBeGreaterThanOrEqual(120);
    expect(estimated).toBeLessThanOrEqual(240);
  });

  it('leaves usage out for 4k, whose rate is unpublished', async () => {
    const body = { model: 'kling-v3-text-to-video', prompt: 'x', quality: '4k', sound: 'off', duration: 5 };
    expect((await create('https://api.evolink.ai', 'evolink', body)).json.usage).toBeUndefined();
  });
});

describe('apiframe creditCost (per-second credits × duration)', () => {
  it.each([
    ['standard', false, 5, 15],
    ['standard', true, 5, 20],
    ['pro', false, 5, 25],
    ['pro', true, 5, 35], // "a 5-second pro clip with audio costs 7 × 5 = 35 credits"
    ['4k', true, 5, null],
  ] as const)('%s audio %s, %i s → %s', async (mode, audio, duration, cost) => {
    const body = { model: 'kling-3.0', prompt: 'x', klingParams: { mode, generate_audio: audio, duration } };
    const created = await create('https://api.apiframe.ai', 'apiframe', body);
    const job = await poll('https://api.apiframe.ai', 'apiframe', String(created.json.jobId));
    expect(job.json).toMatchObject({
      creditCost: cost,
      model: 'kling-3.0',
      webhookStatus: null,
      expired: false,
    });
  });

  it('402 says how many credits the job needed', async () => {
    const body = {
      model: 'kling-3.0',
      prompt: 'SIM_NO_CREDITS',
      klingParams: { mode: 'pro', generate_audio: true, duration: 10 },
    };
    const reply = await create('https://api.apiframe.ai', 'apiframe', body);
    expect(reply).toMatchObject({
      status: 402,
      json: { error: 'Insufficient credits', creditsRequired: 70, creditsAvailable: 0 },
    });
  });

  it('a failed job is refunded and dated', async () => {
    const body = {
      model: 'kling-3.0',
      prompt: 'SIM_FAIL',
      klingParams: { mode: 'pro', generate_audio: true, duration: 5 },
    };
    const created = await create('https://api.apiframe.ai', 'apiframe', body);
    clock.advance(200);
    const job = await poll('https://api.apiframe.ai', 'apiframe', String(created.json.jobId));
    expect(job.json).toMatchObject({
      status: 'FAILED',
      creditCost: 0,
      error: expect.stringMatching(/SIM_FAIL/),
    });
    expect(Date.parse(String(job.json.completedAt))).toBeGreaterThan(Date.parse(String(job.json.createdAt)));
  });
});

describe('Modellix result expiry', () => {
  it('gives result_expires_at in unix seconds, 24 h after completion', async () => {
    const body = { prompt: 'x', mode: 'pro', sound: 'on', duration: 5 };
    const created = await create('https://api.modellix.ai', 'modellix', body);
    clock.advance(200);
    const id = String((created.json.data as { task_id: string }).task_id);
    const done = (await poll('https://api.modellix.ai', 'modellix', id)).json.data as Record<string, unknown>;
    expect(done.status).toBe('success');
    expect(done.result).toEqual({
      resources: [{ type: 'video', url: `https://api.modellix.ai/files/${id}.mp4` }],
    });
    expect(Number.isInteger(done.result_expires_at)).toBe(true);
    expect(Number(done.result_expires_at) * 1000).toBeGreaterThan(clock.now() + 23 * 3600 * 1000);
  });
});
