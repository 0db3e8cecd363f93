import { describe, expect, it } from 'vitest';
import { apiinone } from '../../src/gateways/apiinone.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

const paths = apiinone.paths;
const wire = (input: unknown) => apiinone.toWire(parseVideoRequest(input), { paths }).body;
const context = { now: Date.parse('2026-11-22T12:00:00Z') };

describe('apiinone toWire', () => {
  it('produces the documented example request from the equivalent normalized request', () => {
    const documented = loadFixture('apiinone', 'create-request-text-to-video').body as Record<
      string,
      unknown
    >;
    const body = wire({
      prompt: documented.prompt,
      mode: 'std',
      duration: 5,
      aspectRatio: '16:9',
      sound: true,
    });
    expect(body).toEqual(documented);
  });
  it('always sends mode, duration and sound (its own sound default is true)', () => {
    expect(wire({ prompt: 'p' })).toEqual({
      model: 'kling-3',
      prompt: 'p',
      mode: 'std',
      duration: 5,
      sound: false,
    });
  });
  it('maps startImage to image, callbackUrl to callback_url', () => {
    const body = wire({
      prompt: 'p',
      startImage: 'https://e.com/a.png',
      callbackUrl: 'https://hooks.e.com/k',
    });
    expect(body).toMatchObject({ image: 'https://e.com/a.png', callback_url: 'https://hooks.e.com/k' });
  });
  it('maps customize multi-shot to multi_shots + multi_prompt, with no prompt needed', () => {
    const body = wire({
      duration: 7,
      multiShot: {
        type: 'customize',
        shots: [
          { prompt: 'a', duration: 3 },
          { prompt: 'b', duration: 4 },
        ],
      },
    });
    expect(body).toEqual({
      model: 'kling-3',
      mode: 'std',
      duration: 7,
      sound: false,
      multi_shots: true,
      multi_prompt: [
        { prompt: 'a', duration: 3 },
        { prompt: 'b', duration: 4 },
      ],
    });
  });
  it('passes raw fields through providerOptions and refuses collisions', () => {
    expect(
      wire({ prompt: 'p', providerOptions: { apiinone: { kling_elements: [{ name: 'dog' }] } } }),
    ).toMatchObject({
      kling_elements: [{ name: 'dog' }],
    });
    expect(() => wire({ prompt: 'p', providerOptions: { apiinone: { mode: 'pro' } } })).toThrow(
      /providerOptions\.apiinone\.mode: collides/,
    );
  });
  it('uses the configured paths', () => {
    const w = apiinone.toWire(parseVideoRequest({ prompt: 'p' }), {
      paths: { create: '/v9/create', status: '/v9/t/{id}' },
    });
    expect([w.method, w.path]).toEqual(['POST', '/v9/create']);
    expect(apiinone.statusRequest('n75 x', { paths }).path).toBe('/api/v1/tasks/n75%20x');
  });
});

describe('apiinone parsers (documented payloads)', () => {
  it.each(fixtures('apiinone', 'create-response').map((f) => [f.name, f]))('%s gives a task id', (_, f) => {
    expect(apiinone.parseSubmit(f.body).id).toMatch(/^(n75xxxx_kling3|task_abc123)$/);
  });
  it.each(fixtures('apiinone', 'error-').map((f) => [f.name, f]))(
    '%s gives message, code and type',
    (_, f) => {
      const body = f.body as { error: { message: string; code: number } };
      const details = apiinone.parseError(f.http, f.body);
      expect(details.message).toBe(body.error.message);
      expect(details.code).toBe(String(body.error.code));
    },
  );
});

describe('apiinone status (undocumented: parsed defensively)', () => {
  const parse = (body: unknown) => apiinone.parseTask(body, context);

  it('reads the envelope seen on create, and keeps raw', () => {
    const body = {
      code: 200,
      message: 'success',
      data: { task_id: 'n75a_kling3', status: 'IN_PROGRESS', progress: 40 },
    };
    const task = parse(body);
    expect(task).toMatchObject({
      id: 'n75a_kling3',
      status: 'running',
      progress: 40,
      vendorStatus: 'IN_PROGRESS',
      raw: body,
    });
  });
  it.each([
    ['COMPLETED', { video_url: 'https://cdn.e.com/v.mp4' }],
    ['SUCCESS', { output: { video_url: 'https://cdn.e.com/v.mp4' } }],
    ['succeeded', { result: { video_url: 'https://cdn.e.com/v.mp4' } }],
    ['done?', { urls: ['https://cdn.e.com/v.mp4'] }],
  ])('finds the video for status %s', (status, extra) => {
    const task = parse({ data: { task_id: 't', status, ...extra } });
    expect(task.status).toBe('succeeded');
    expect(task.status === 'succeeded' && task.videos[0].url).toBe('https://cdn.e.com/v.mp4');
  });
  it('reads failure and both spellings of cancelled', () => {
    expect(parse({ data: { task_id: 't', status: 'FAILED', error: 'nsfw' } })).toMatchObject({
      status: 'failed',
      error: { message: 'nsfw' },
    });
    expect(parse({ data: { task_id: 't', status: 'CANCELLED' } }).status).toBe('canceled');
    expect(parse({ data: { task_id: 't', status: 'canceled' } }).status).toBe('canceled');
  });
  it('treats an unknown word as still running, flagged, never success', () => {
    expect(parse({ data: { task_id: 't', status: 'RENDERING_PASS_2' } })).toMatchObject({
      status: 'running',
      statusUnknown: true,
    });
  });
  it('lets statusMap add spellings', () => {
    expect(
      apiinone.parseTask({ data: { task_id: 't', status: 'Finito', video_url: 'https://v' } }, context)
        .status,
    ).toBe('succeeded');
    expect(
      apiinone.parseTask(
        { data: { task_id: 't', status: 'KAPUTT' } },
        { ...context, statusMap: { kaputt: 'failed' } },
      ).status,
    ).toBe('failed');
  });
  it('refuses a "success" with no video and a reply with no id', () => {
    expect(() => parse({ data: { task_id: 't', status: 'COMPLETED' } })).toThrow(
      /success but carries no video/,
    );
    expect(() => parse({ data: { status: 'COMPLETED' } })).toThrow(/no task id/);
    expect(() => parse('<html>')).toThrow(/not an object/);
  });
});
