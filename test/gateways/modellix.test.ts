import { describe, expect, it } from 'vitest';
import { modellix } from '../../src/gateways/modellix/adapter.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

const paths = modellix.paths;
const wire = (input: unknown) => modellix.toWire(parseVideoRequest(input), { paths }).body;
const context = { now: Date.parse('2026-11-22T12:00:00Z') };

describe('modellix toWire', () => {
  it('produces the documented example plus the explicit price-relevant defaults', () => {
    const documented = loadFixture('modellix', 'create-request-text-to-video').body as { prompt: string };
    expect(wire({ prompt: documented.prompt })).toEqual({
      ...documented,
      mode: 'std',
      duration: 5,
      sound: 'off',
    });
  });
  it('sends images and videos; with a video, no duration and sound off', () => {
    expect(
      wire({ prompt: 'p', referenceImages: ['https://e.com/a.png', 'data:image/png;base64,iVBORw0KGgo='] }),
    ).toMatchObject({ images: ['https://e.com/a.png', 'data:image/png;base64,iVBORw0KGgo='], duration: 5 });
    const body = wire({ prompt: 'p', referenceVideos: ['https://e.com/v.mp4'], mode: 'pro' });
    expect(body).toEqual({ prompt: 'p', mode: 'pro', sound: 'off', videos: ['https://e.com/v.mp4'] });
    expect(body).not.toHaveProperty('duration');
  });
  it('maps intelligence multi-shot, sound and aspect ratio', () => {
    expect(
      wire({ prompt: 'p', sound: true, aspectRatio: '9:16', multiShot: { type: 'intelligence' } }),
    ).toEqual({
      prompt: 'p',
      mode: 'std',
      duration: 5,
      sound: 'on',
      aspect_ratio: '9:16',
      multi_shot: true,
      shot_type: 'intelligence',
    });
  });
});

describe('modellix parsers (documented payloads)', () => {
  const parse = (name: string) => modellix.parseTask(loadFixture('modellix', name).body, context);

  it('reads the task id from the create reply, not get_result.url', () => {
    expect(modellix.parseSubmit(loadFixture('modellix', 'create-response').body)).toEqual({
      id: 'task-v2v-def456',
    });
  });
  it('reads pending, processing, success (resources) and failed', () => {
    expect(parse('status-pending').status).toBe('queued');
    expect(parse('status-processing').status).toBe('running');
    expect(parse('status-success')).toMatchObject({
      status: 'succeeded',
      videos: [{ url: 'https://cdn.example.com/image.png' }],
    });
    expect(parse('status-success-skill-example').status).toBe('succeeded');
    expect(parse('status-failed')).toMatchObject({
      status: 'failed',
      error: { message: 'the gateway reported the task failed without a reason' },
    });
  });
  it('reads result_expires_at in seconds or milliseconds', () => {
    const at = 1_790_000_000;
    for (const value of [at, at * 1000, new Date(at * 1000).toISOString()]) {
      const task = modellix.parseTask(
        {
          code: 0,
          data: {
            status: 'success',
            task_id: 't',
            result_expires_at: value,
            result: { resources: [{ url: 'https://v' }] },
          },
        },
        context,
      );
      expect(task.status === 'succeeded' && task.videos[0].expiresAt).toEqual(new Date(at * 1000));
    }
  });
  it("reads the CLI's spellings and both spellings of cancelled", () => {
    const status = (s: string) => modellix.parseTask({ data: { status: s, task_id: 't' } }, context).status;
    expect([status('running'), status('canceled'), status('cancelled'), status('error')]).toEqual([
      'running',
      'canceled',
      'canceled',
      'failed',
    ]);
  });
  it.each(fixtures('modellix', 'error-').map((f) => [f.name, f]))(
    '%s gives its message and category',
    (_, f) => {
      const body = f.body as { code: number; message: string };
      const details = modellix.parseError(f.http, f.body);
      expect(details).toMatchObject({ message: body.message, code: String(body.code) });
      expect(details.type).toBe(body.message.split(':')[0]);
    },
  );
});
