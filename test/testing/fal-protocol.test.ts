/**
 * The fal simulator protocol (src/testing/gateways/fal.ts), driven directly: not registered in the
 * simulator's route table yet, so these tests call its functions with a task record and a simulated
 * clock. Expectations come from the fixtures in test/fixtures/fal/ (fal's generated types and docs).
 */
import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Problems } from '../../src/testing/gateways/checks.js';
import {
  FAL_ENDPOINTS,
  FAL_RESULT_TTL_MS,
  FAL_SIMULATOR_JWKS,
  fal,
  falCancelReply,
  falDefaults,
  falEndpointOf,
  falInputFields,
  falQueuePosition,
  falResultExpiresAt,
  falResultReply,
  falResultTtlMs,
  falStatusReply,
  falWebhookBody,
  falWebhookTarget,
  readFalKey,
  validateFalInput,
} from '../../src/testing/gateways/fal.js';
import type { ReplyContext } from '../../src/testing/gateways/protocol.js';
import { type TaskRecord, viewTask } from '../../src/testing/lifecycle.js';
import type { GatewayId, JsonObject, JsonValue } from '../../src/testing/types.js';
import { loadFixture } from '../fixtures/load.js';

// `fal` is not a GatewayId yet: the fixture loader is typed with it.
const FAL = 'fal' as GatewayId;
const FIXTURES = resolve(__dirname, '../fixtures/fal');
const EPOCH = Date.UTC(2026, 11, 3, 18, 0, 0);
const ORIGIN = 'https://queue.fal.run';
const RENDER_MS = 100_000; // queued for the first 10 s, then running, done at 100 s

function fixture(name: string): JsonValue {
  return loadFixture(FAL, name).body as JsonValue;
}

/** Each create example with the endpoint its `// endpoint:` line names. */
function createExamples(): { name: string; endpoint: string; body: JsonObject }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.startsWith('create-request-') && file.endsWith('.jsonc'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.jsonc$/, '');
      const line = readFileSync(join(FIXTURES, file), 'utf8').match(/^\/\/ endpoint: (\S+)$/m);
      const id = line?.[1] ?? '';
      return { name, endpoint: id.replace(/^fal-ai\/kling-video\//, ''), body: fixture(name) as JsonObject };
    });
}

function problemsOf(
  endpoint: string | undefined,
  body: JsonObject,
  strict = true,
  explicit = false,
): string[] {
  const problems = new Problems(strict, explicit);
  validateFalInput(body, problems, endpoint);
  return [...problems.list];
}

function newTask(options: { failing?: boolean; held?: boolean } = {}): TaskRecord {
  return {
    gateway: FAL,
    id: '764cabcf-b745-4b3e-ae38-1200304cf45b',
    body: { prompt: 'a fox in the snow', duration: '5', generate_audio: false },
    createdAt: 0,
    renderMs: RENDER_MS,
    failing: options.failing ?? false,
    held: options.held ?? false,
  };
}

function context(now: number): ReplyContext {
  return {
    origin: ORIGIN,
    videoUrl: `${ORIGIN}/files/764cabcf-b745-4b3e-ae38-1200304cf45b.mp4`,
    dateOf: (ms) => EPOCH + ms,
    now,
    apiinoneShape: 'default',
  };
}

function status(task: TaskRecord, now: number, logs = false) {
  return falStatusReply(task, viewTask(task, now), context(now), { logs });
}

function result(task: TaskRecord, now: number) {
  return falResultReply(task, viewTask(task, now), context(now));
}

function asObject(value: JsonValue): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value;
}

const keys = (value: JsonValue) => Object.keys(asObject(value)).sort();

describe('fal create bodies', () => {
  const examples = createExamples();

  it('has an example for each kind of endpoint', () => {
    const families = new Set(examples.map((e) => e.endpoint.replace(/\/(standard|pro|4k)\//, '/')));
    expect([...families].sort()).toEqual([
      'o3/image-to-video',
      'o3/reference-to-video',
      'o3/text-to-video',
      'v3/image-to-video',
      'v3/text-to-video',
    ]);
  });

  it.each(examples)('accepts $name on its endpoint, strict or not', ({ endpoint, body }) => {
    expect(FAL_ENDPOINTS[endpoint]).toBeDefined();
    expect(problemsOf(endpoint, body, true)).toEqual([]);
    expect(problemsOf(endpoint, body, false)).toEqual([]);
  });

  it('with requireExplicitDefaults, refuses only bodies that leave duration or generate_audio to fal', () => {
    for (const { name, endpoint, body } of examples) {
      const refused = problemsOf(endpoint, body, true, true);
      const missing = ['duration', 'generate_audio'].filter((field) => body[field] === undefined);
      expect(
        refused.map((p) => p.split(':')[0]),
        name,
      ).toEqual(missing);
    }
    // The vendor's minimal example relies on both defaults (generate_audio true is billed higher).
    expect(
      problemsOf(
        'v3/standard/text-to-video',
        fixture('create-request-v3-standard-text-to-video') as JsonObject,
        true,
        true,
      ),
    ).toHaveLength(2);
  });

  it('knows the fifteen Kling 3.0 endpoints (reference-to-video on o3 only) and finds one from a submit URL', () => {
    expect(Object.keys(FAL_ENDPOINTS)).toHaveLength(15);
    expect(Object.values(fal.createPathAliases ?? {})).toHaveLength(15);
    expect(falEndpointOf('/fal-ai/kling-video/o3/pro/reference-to-video')).toMatchObject({
      family: 'o3',
      kind: 'reference-to-video',
    });
    expect(falEndpointOf('/fal-ai/kling-video/v3/pro/reference-to-video')).toBeUndefined();
    expect(
      falEndpointOf('https://queue.fal.run/fal-ai/kling-video/o3/4k/image-to-video?fal_webhook=x'),
    ).toMatchObject({
      family: 'o3',
      tier: '4k',
      kind: 'image-to-video',
    });
    expect(falEndpointOf('/fal-ai/kling-video/v3/turbo/pro/text-to-video')).toBeUndefined();
  });

  it.each([
    ['v3-text-to-video.input', 'v3'],
    ['v3-image-to-video.input', 'v3'],
    ['o3-text-to-video.input', 'o3'],
    ['o3-image-to-video.input', 'o3'],
    ['o3-reference-to-video.input', 'o3'],
  ])('validates exactly the fields of the generated type in schemas/%s', (schemaName) => {
    const schema = asObject(fixture(`schemas/${schemaName}`));
    const properties = asObject(schema.properties ?? null);
    const endpoints = schema.endpoints as string[];
    expect(endpoints).toHaveLength(3);
    for (const id of endpoints) {
      const name = id.replace('fal-ai/kling-video/', '');
      expect(falInputFields(name).slice().sort(), name).toEqual(Object.keys(properties).sort());
      const defaults = falDefaults(name);
      for (const [field, spec] of Object.entries(properties)) {
        const declared = asObject(spec).default;
        if (declared !== undefined) expect(defaults[field], `${name} ${field}`).toEqual(declared);
      }
      // Each required field, left out, is refused.
      for (const field of schema.required as string[]) {
        const body = { prompt: 'x', duration: '5', generate_audio: false };
        expect(problemsOf(name, body)).toContain(`${field}: is required`);
      }
    }
  });
});

describe('fal refusals: 422 with detail[]', () => {
  const t2v = 'v3/pro/text-to-video';
  const i2v = 'v3/standard/image-to-video';
  const base = { prompt: 'a fox', duration: '5', generate_audio: false };

  it.each([
    [t2v, { ...base, duration: 5 }, ['body', 'duration'], 'enum'],
    [t2v, { duration: '5', generate_audio: false }, ['body', 'prompt'], 'missing'],
    [
      t2v,
      { ...base, multi_prompt: [{ prompt: 'one', duration: '5' }] },
      ['body', 'multi_prompt'],
      'value_error',
    ],
    [t2v, { ...base, shot_type: 'intelligence' }, ['body', 'shot_type'], 'enum'],
    [t2v, { ...base, aspect_ratio: '4:3' }, ['body', 'aspect_ratio'], 'enum'],
    [t2v, { ...base, cfg_scale: 2 }, ['body', 'cfg_scale'], 'value_error'],
    [t2v, { ...base, generate_audio: 'true' }, ['body', 'generate_audio'], 'value_error'],
    [
      t2v,
      {
        duration: '5',
        generate_audio: true,
        multi_prompt: [
          { prompt: 'a', duration: '2' },
          { prompt: 'b', duration: 3 },
        ],
      },
      ['body', 'multi_prompt', 1, 'duration'],
      'enum',
    ],
    [i2v, base, ['body', 'start_image_url'], 'missing'],
    [i2v, { ...base, start_image_url: null }, ['body', 'start_image_url'], 'missing'],
    [
      i2v,
      { ...base, start_image_url: 'ftp://example.com/a.png' },
      ['body', 'start_image_url'],
      'value_error',
    ],
    [
      i2v,
      {
        ...base,
        start_image_url: 'https://e.com/a.png',
        elements: [{ video_url: 'https://e.com/1.mp4' }, { video_url: 'https://e.com/2.mp4' }],
      },
      ['body', 'elements'],
      'value_error',
    ],
    [
      i2v,
      { ...base, start_image_url: 'https://e.com/a.png', elements: [{ voice_id: 'v1' }] },
      ['body', 'elements', 0],
      'value_error',
    ],
    [
      'o3/pro/image-to-video',
      { ...base, start_image_url: 'https://e.com/a.png' },
      ['body', 'image_url'],
      'missing',
    ],
    [
      'o3/pro/image-to-video',
      { ...base, start_image_url: 'https://e.com/a.png' },
      ['body', 'start_image_url'],
      'extra_forbidden',
    ],
  ] as const)('%s %j → loc %j', (endpoint, body, loc, type) => {
    const problems = problemsOf(endpoint, body as JsonObject);
    expect(problems.length).toBeGreaterThan(0);
    const reply = fal.errorReply({ kind: 'invalid', problems });
    expect(reply.status).toBe(422);
    const detail = asObject(reply.body).detail as JsonObject[];
    expect(detail).toHaveLength(problems.length);
    for (const item of detail) expect(Object.keys(item).sort()).toEqual(['loc', 'msg', 'type']);
    expect(detail).toContainEqual(expect.objectContaining({ loc, type }));
  });

  it('o3 reference-to-video: image_urls are files, frames optional, at most 4 with a video element', () => {
    const r2v = 'o3/standard/reference-to-video';
    const refs = { ...base, image_urls: ['https://e.com/1.png', 'https://e.com/2.png'] };
    expect(problemsOf(r2v, refs)).toEqual([]);
    expect(
      problemsOf(r2v, { ...refs, start_image_url: 'https://e.com/a.png', aspect_ratio: '9:16' }),
    ).toEqual([]);
    expect(problemsOf(r2v, { ...refs, image_urls: ['ftp://e.com/1.png'] })).toEqual([
      'image_urls[0]: must be an http(s) URL or a base64 data URI',
    ]);
    expect(problemsOf(r2v, { ...refs, image_urls: 'https://e.com/1.png' })).toHaveLength(1);
    expect(problemsOf(r2v, { ...refs, negative_prompt: 'blur' })).toEqual([
      'negative_prompt: unknown field (not in the gateway documentation)',
    ]);
    const four = ['1', '2', '3'].map((n) => `https://e.com/${n}.png`);
    expect(
      problemsOf(r2v, { ...base, image_urls: four, elements: [{ video_url: 'https://e.com/v.mp4' }] }),
    ).toEqual([]);
    expect(
      problemsOf(r2v, {
        ...base,
        image_urls: [...four, 'https://e.com/4.png'],
        elements: [{ video_url: 'https://e.com/v.mp4' }],
      }),
    ).toEqual(['image_urls: at most 4 elements and reference images in all with a video element, got 5']);
    expect(falDefaults(r2v)).toMatchObject({ aspect_ratio: '16:9', generate_audio: false });
  });

  it('has the documented 422 body shape', () => {
    const documented = (asObject(fixture('error-422-validation')).detail as JsonObject[])[0] as JsonObject;
    const reply = fal.errorReply({ kind: 'invalid', problems: ['prompt: is required'] });
    const ours = (asObject(reply.body).detail as JsonObject[])[0] as JsonObject;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(documented).sort());
    expect(ours.loc).toEqual(documented.loc);
  });

  it('ignores unknown fields unless strict (pydantic), and null optional fields', () => {
    const body = { ...base, seed: 42, multi_prompt: null, negative_prompt: null };
    expect(problemsOf(t2v, body, false)).toEqual([]);
    expect(problemsOf(t2v, body, true)).toEqual(['seed: unknown field (not in the gateway documentation)']);
    // aspect_ratio is not an image-to-video field: only strict mode refuses it.
    const framed = { ...base, start_image_url: 'https://e.com/a.png', aspect_ratio: '16:9' };
    expect(problemsOf(i2v, framed, false)).toEqual([]);
    expect(problemsOf(i2v, framed, true)).toHaveLength(1);
  });

  it('refuses prompt with multi_prompt even when not strict, except where fal does not say "not both"', () => {
    const both = { ...base, multi_prompt: [{ prompt: 'one', duration: '5' }] };
    expect(problemsOf(t2v, both, false)).toHaveLength(1);
    expect(
      problemsOf('o3/pro/image-to-video', { ...both, image_url: 'https://e.com/a.png' }, false),
    ).toHaveLength(1);
    // o3 text-to-video: "Required unless multi_prompt is provided".
    expect(problemsOf('o3/pro/text-to-video', both, false)).toEqual([]);
    expect(problemsOf('o3/pro/text-to-video', both, true)).toHaveLength(1);
  });

  it('checks multi-shot totals in strict mode only', () => {
    const shots = {
      duration: '10',
      generate_audio: true,
      multi_prompt: [{ prompt: 'a', duration: '3' }, { prompt: 'b' }],
    };
    expect(problemsOf(t2v, shots, false)).toEqual([]);
    expect(problemsOf(t2v, shots, true)).toEqual([
      'multi_prompt: shot durations add up to 8, not duration 10',
    ]);
  });

  it('refuses a body when it is not told the endpoint (the create handler must pass it)', () => {
    expect(problemsOf(undefined, base)).toHaveLength(1);
    expect(problemsOf('v3/turbo/pro/text-to-video', base)[0]).toContain('unknown fal endpoint');
    const problems = new Problems(true);
    fal.validate(base, problems);
    expect(problems.list).toHaveLength(1);
  });

  it('answers auth, balance and platform errors in the fixtures’ shapes', () => {
    const unauthorized = fal.errorReply({ kind: 'unauthenticated', reason: 'invalid' });
    expect(unauthorized).toEqual({ status: 401, body: fixture('error-401') });
    expect(fal.errorReply({ kind: 'no-credits', body: {} })).toEqual({
      status: 403,
      body: fixture('error-403-exhausted-balance'),
    });
    expect(fal.errorReply({ kind: 'unavailable', status: 504 })).toEqual({
      status: 504,
      body: fixture('error-504-request-timeout'),
    });
    for (const code of [429, 500, 502, 503] as const) {
      expect(keys(fal.errorReply({ kind: 'unavailable', status: code }).body)).toEqual([
        'detail',
        'error_type',
      ]);
    }
  });

  it('reads `Authorization: Key <key>`, not Bearer', () => {
    const request = (authorization?: string) =>
      new Request(
        'https://queue.fal.run/x',
        authorization === undefined ? {} : { headers: { authorization } },
      );
    expect(readFalKey(request('Key abc:def'))).toBe('abc:def');
    expect(readFalKey(request('Bearer abc:def'))).toBeUndefined();
    expect(readFalKey(request('Key '))).toBeUndefined();
    expect(readFalKey(request())).toBeUndefined();
  });
});

describe('fal queue', () => {
  it('answers a submit with the URLs to follow, under fal-ai/kling-video only', () => {
    const task = newTask();
    const reply = asObject(fal.createdReply(task, viewTask(task, 0), context(0)));
    expect(keys(reply)).toEqual(keys(fixture('create-response')));
    const base = `${ORIGIN}/fal-ai/kling-video/requests/${task.id}`;
    expect(reply).toMatchObject({
      status: 'IN_QUEUE',
      request_id: task.id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
    });
    expect(reply.queue_position).toBe(2);
  });

  it('goes IN_QUEUE (202, position falling) → IN_PROGRESS (202) → COMPLETED (200)', () => {
    const task = newTask();
    const positions: number[] = [];
    for (let now = 0; asObject(status(task, now).body).status === 'IN_QUEUE'; now += 1000) {
      const reply = status(task, now);
      expect(reply.status).toBe(202);
      expect(keys(reply.body)).toEqual(keys(fixture('status-in-queue')));
      positions.push(asObject(reply.body).queue_position as number);
    }
    expect(positions[0]).toBeGreaterThan(0);
    expect(positions.at(-1)).toBe(0);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    expect(falQueuePosition(task, 0)).toBe(positions[0]);

    const running = status(task, 50_000);
    expect(running.status).toBe(202);
    expect(asObject(running.body)).toMatchObject({ status: 'IN_PROGRESS', logs: null });
    const withLogs = status(task, 50_000, true);
    expect(keys(withLogs.body)).toEqual(keys(fixture('status-in-progress')));
    expect((asObject(withLogs.body).logs as JsonValue[]).length).toBeGreaterThan(0);

    const done = status(task, RENDER_MS);
    expect(done.status).toBe(200);
    expect(keys(done.body)).toEqual(keys(fixture('status-completed')));
    expect(asObject(done.body)).toMatchObject({ status: 'COMPLETED', metrics: { inference_time: 90 } });
    expect(asObject(done.body).error).toBeUndefined();
    // The protocol's statusReply is the same body.
    expect(fal.statusReply(task, viewTask(task, RENDER_MS), context(RENDER_MS))).toEqual(done.body);
  });

  it('serves the result only once COMPLETED, as { video: File }', () => {
    const task = newTask();
    expect(result(task, 50_000).status).toBe(400);
    const reply = result(task, RENDER_MS);
    expect(reply.status).toBe(200);
    const video = asObject(asObject(reply.body).video ?? null);
    expect(keys(video)).toEqual(keys(asObject(fixture('result-video')).video ?? null));
    expect(video).toMatchObject({ url: context(0).videoUrl, content_type: 'video/mp4' });
    expect(video.file_size).toBeGreaterThan(0);
  });

  it('reports a failed render as COMPLETED with an error, and its result as the model error', () => {
    const task = newTask({ failing: true });
    const done = status(task, RENDER_MS);
    expect(done.status).toBe(200);
    expect(keys(done.body)).toEqual(keys(fixture('status-completed-failed')));
    expect(asObject(done.body)).toMatchObject({ status: 'COMPLETED', error: 'Invalid status code: 422' });
    const reply = result(task, RENDER_MS);
    expect(reply.status).toBe(422);
    expect(keys(reply.body)).toEqual(keys(fixture('result-failed-422')));
    expect(asObject(reply.body).detail).toEqual([
      expect.objectContaining({ type: 'content_policy_violation' }),
    ]);
  });

  it('keeps a held render IN_PROGRESS', () => {
    const task = newTask({ held: true });
    expect(asObject(status(task, 10 * RENDER_MS).body).status).toBe('IN_PROGRESS');
  });
});

describe('fal result retention', () => {
  it('forgets the result an hour after completion', () => {
    const task = newTask();
    expect(falResultExpiresAt(task, viewTask(task, 50_000), context(50_000))).toBeUndefined();
    const expiresAt = RENDER_MS + 60 * 60 * 1000; // "fal keeps the result for 1 hour"
    expect(FAL_RESULT_TTL_MS).toBe(60 * 60 * 1000);
    expect(falResultExpiresAt(task, viewTask(task, RENDER_MS), context(RENDER_MS))).toBe(expiresAt);
    expect(result(task, expiresAt - 1).status).toBe(200);
    const gone = result(task, expiresAt);
    expect(gone).toEqual({ status: 404, body: fixture('result-expired') });
    // The status still says COMPLETED: only the result is gone.
    expect(status(task, expiresAt).status).toBe(200);
  });

  it('keeps a failed result for the same hour', () => {
    const task = newTask({ failing: true });
    expect(result(task, RENDER_MS + FAL_RESULT_TTL_MS - 1).status).toBe(422);
    expect(result(task, RENDER_MS + FAL_RESULT_TTL_MS).status).toBe(404);
  });

  it('keeps results of 10 KB or more for 6 minutes', () => {
    expect(falResultTtlMs({ video: { url: 'https://e.com/v.mp4' } })).toBe(60 * 60 * 1000);
    expect(falResultTtlMs({ blob: 'x'.repeat(10 * 1024) })).toBe(6 * 60 * 1000);
  });
});

describe('fal cancel', () => {
  it('removes a queued request: later polls say COMPLETED with client_cancelled', () => {
    const task = newTask();
    const reply = falCancelReply(task, viewTask(task, 1000), 1000);
    expect(reply).toEqual({ status: 202, body: fixture('cancel-requested') });
    const after = status(task, RENDER_MS * 2);
    expect(after.status).toBe(200);
    expect(asObject(after.body)).toMatchObject({ status: 'COMPLETED', error_type: 'client_cancelled' });
    expect(result(task, RENDER_MS * 2).status).toBe(499);
    expect(falCancelReply(task, viewTask(task, 2000), 2000)).toEqual({
      status: 400,
      body: fixture('cancel-already-completed'),
    });
  });

  it('signals a running request, which the simulated model finishes anyway', () => {
    const task = newTask();
    expect(falCancelReply(task, viewTask(task, 50_000), 50_000).status).toBe(202);
    expect(result(task, RENDER_MS).status).toBe(200);
  });

  it('refuses a finished or unknown request', () => {
    const task = newTask();
    expect(falCancelReply(task, viewTask(task, RENDER_MS), RENDER_MS)).toEqual({
      status: 400,
      body: fixture('cancel-already-completed'),
    });
    expect(falCancelReply(undefined, undefined, 0)).toEqual({
      status: 404,
      body: fixture('cancel-not-found'),
    });
  });
});

describe('fal webhooks', () => {
  it('are registered by the fal_webhook query parameter of the submit URL', () => {
    const hook = 'https://example.com/hooks/fal?x=1';
    const submit = `${ORIGIN}/fal-ai/kling-video/v3/pro/text-to-video?fal_webhook=${encodeURIComponent(hook)}`;
    expect(falWebhookTarget(submit)).toEqual({ url: hook, events: ['completed', 'failed'] });
    expect(falWebhookTarget(`${ORIGIN}/fal-ai/kling-video/v3/pro/text-to-video`)).toBeUndefined();
    // The create body alone cannot register one.
    expect(fal.callbacks?.target({ prompt: 'x' })).toBeUndefined();
  });

  it('deliver {request_id, status: OK, payload: result} and ERROR with the model error', () => {
    const ok = newTask();
    const okBody = falWebhookBody(ok, viewTask(ok, RENDER_MS), context(RENDER_MS));
    expect(keys(okBody)).toEqual(keys(fixture('webhook-ok')));
    expect(okBody).toMatchObject({ status: 'OK', request_id: ok.id, error: null });
    expect(okBody.payload).toEqual(result(ok, RENDER_MS).body);

    const failed = newTask({ failing: true });
    const errorBody = falWebhookBody(failed, viewTask(failed, RENDER_MS), context(RENDER_MS));
    expect(keys(errorBody)).toEqual(keys(fixture('webhook-error')));
    expect(errorBody).toMatchObject({ status: 'ERROR', error: 'Invalid status code: 422' });
    expect(asObject(errorBody.payload ?? null).detail).toBeDefined();
  });

  it('are signed: Ed25519 over request id, user id, timestamp and the body’s SHA-256, verifiable with the JWKS', () => {
    const task = newTask();
    const callbacks = fal.callbacks;
    if (callbacks === undefined) throw new Error('fal has callbacks');
    const { body, headers } = callbacks.request(
      task,
      viewTask(task, RENDER_MS),
      context(RENDER_MS),
      'completed',
      'k',
    );
    const verifies = (raw: string) => {
      const message = [
        headers['x-fal-webhook-request-id'],
        headers['x-fal-webhook-user-id'],
        headers['x-fal-webhook-timestamp'],
        createHash('sha256').update(raw).digest('hex'),
      ].join('\n');
      return FAL_SIMULATOR_JWKS.keys.some((jwk) =>
        verify(
          null,
          Buffer.from(message),
          createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }),
          Buffer.from(headers['x-fal-webhook-signature'] ?? '', 'hex'),
        ),
      );
    };
    expect(headers['x-fal-webhook-request-id']).toBe(task.id);
    expect(headers['x-fal-webhook-timestamp']).toBe(String(Math.floor((EPOCH + RENDER_MS) / 1000)));
    expect(headers['x-fal-webhook-signature']).toMatch(/^[0-9a-f]{128}$/);
    expect(verifies(body)).toBe(true);
    expect(verifies(body.replace('"OK"', '"ERROR"'))).toBe(false);
  });

  it('retry 10 times within about 2 hours', () => {
    const delays = fal.callbacks?.retryDelaysMs ?? [];
    expect(delays).toHaveLength(10);
    const total = delays.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeLessThanOrEqual(2 * 60 * 60 * 1000);
    expect(total).toBeGreaterThan(90 * 60 * 1000);
  });
});
