import { describe, expect, it } from 'vitest';
import { apiinone } from '../../src/gateways/apiinone/adapter.js';
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

describe('apiinone status: the shapes of the resellers of this model family', () => {
  const parse = (body: unknown, taskId?: string) =>
    apiinone.parseTask(body, taskId === undefined ? context : { ...context, taskId });
  const url = 'https://cdn.e.com/v.mp4';
  const videoOf = (body: unknown, taskId?: string) => {
    const task = parse(body, taskId);
    return task.status === 'succeeded' ? task.videos[0].url : task.status;
  };

  it.each([
    [
      "Kling's own task_result.videos[0].url",
      {
        data: {
          task_id: 't',
          task_status: 'succeed',
          task_result: { videos: [{ id: 'v', url, duration: '5' }] },
        },
      },
    ],
    ['result.urls[0]', { data: { id: 't', status: 'completed', result: { urls: [url] } } }],
    ['output.url (no envelope)', { task_id: 't', status: 'succeeded', output: { url } }],
    ['resultUrls[0] (kie-style, taskId)', { data: { taskId: 't', state: 'success', resultUrls: [url] } }],
    [
      'a resultJson string',
      { data: { taskId: 't', state: 'success', resultJson: JSON.stringify({ resultUrls: [url] }) } },
    ],
    ['an output array', { id: 't', status: 'success', output: [url] }],
  ])('finds the video at %s', (_, body) => {
    expect(videoOf(body)).toBe(url);
    expect(parse(body).id).toBe('t');
  });

  it('reads the words fail, failed and error as failure, with the vendor reason', () => {
    expect(parse({ data: { taskId: 't', state: 'fail', failCode: '501', failMsg: 'nsfw' } })).toMatchObject({
      status: 'failed',
      error: { code: '501', message: 'nsfw' },
    });
    expect(parse({ data: { task_id: 't', task_status: 'failed', task_status_msg: 'bad' } })).toMatchObject({
      status: 'failed',
      error: { message: 'bad' },
    });
    expect(parse({ id: 't', status: 'error', error: { message: 'x' } }).status).toBe('failed');
  });

  it('reads the running words of Kling and kie', () => {
    for (const [word, status] of [
      ['submitted', 'queued'],
      ['waiting', 'queued'],
      ['queuing', 'queued'],
      ['processing', 'running'],
      ['generating', 'running'],
    ]) {
      expect(parse({ data: { taskId: 't', state: word } })).toMatchObject({ status, vendorStatus: word });
    }
  });

  it('takes the id that was asked for only when the reply names none', () => {
    expect(parse({ status: 'succeeded', output: { url } }, 'asked').id).toBe('asked');
    expect(parse({ data: { task_id: 'named', status: 'processing' } }, 'asked').id).toBe('named');
    expect(parse({ task_id: 'outer', data: { status: 'processing' } }, 'asked').id).toBe('outer');
  });

  it('never takes an input image, a still or a non-http URL for the video', () => {
    const param = JSON.stringify({ prompt: 'p', image: 'https://cdn.e.com/input.png' });
    expect(
      videoOf({
        data: { taskId: 't', state: 'success', param, resultJson: JSON.stringify({ resultUrls: [url] }) },
      }),
    ).toBe(url);
    expect(
      videoOf({
        data: {
          task_id: 't',
          status: 'completed',
          result: { cover_image_url: 'https://cdn.e.com/c.jpg', url },
        },
      }),
    ).toBe(url);
    expect(() =>
      parse({ data: { task_id: 't', status: 'completed', result: { url: 'ftp://cdn.e.com/v.mp4' } } }),
    ).toThrow(/success but carries no video URL/);
    expect(() =>
      parse({ data: { task_id: 't', status: 'completed', result: { url: 'javascript:alert(1)' } } }),
    ).toThrow(/success but carries no video URL/);
  });

  it('prefers a URL that looks like a video over another link in the result', () => {
    const body = {
      data: { id: 't', status: 'completed', result: { page: 'https://e.com/share/t', file: url } },
    };
    expect(videoOf(body)).toBe(url);
  });

  it('searches a result only so deep', () => {
    let deep: unknown = url;
    for (let i = 0; i < 12; i++) deep = { next: deep };
    expect(() => parse({ data: { id: 't', status: 'completed', result: deep } })).toThrow(/no video URL/);
    let shallow: unknown = url;
    for (let i = 0; i < 3; i++) shallow = { next: shallow };
    expect(videoOf({ data: { id: 't', status: 'completed', result: shallow } })).toBe(url);
  });

  it('names the fields it saw, never their values, when it cannot read a reply', () => {
    const secret = 'aio_SECRET_VALUE';
    const noId = () => parse({ code: 200, msg: secret, data: { state: 'success', token: secret } });
    expect(noId).toThrow(/no task id \(fields seen: code, msg, data; in data: state, token\)/);
    const noVideo = () => parse({ data: { task_id: 't', status: 'success', hint: secret } });
    expect(noVideo).toThrow(/no video URL \(fields seen: data; in data: task_id, status, hint\)/);
    try {
      noId();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
