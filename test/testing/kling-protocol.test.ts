/**
 * Issue 14 (simulator part): the official Kling API's protocol file, driven directly (it is not in the route
 * table yet). Every documented example request (test/fixtures/kling) is accepted at its path; documented
 * rules refuse what they refuse, in the vendor's envelope; legacy JWTs are checked; batch reads; billing; the
 * state machine over the simulated clock; signed callbacks against the vendor's published test vector.
 */
import { describe, expect, it } from 'vitest';
import type { GatewayId } from '../../src/catalog/gateways.js';
import { Problems } from '../../src/testing/gateways/checks.js';
import {
  chargeOf,
  createKlingProtocol,
  inferEndpoint,
  KLING_CREATE_PATHS,
  KLING_GATEWAY_ID,
  KLING_OUTPUT_TTL_MS,
  KLING_SIM_CREDENTIALS,
  type KlingEndpoint,
  kling,
  outputExpired,
  signKlingJwt,
  signKlingWebhook,
  validateAt,
  verifyKlingJwt,
} from '../../src/testing/gateways/kling.js';
import type { ReplyContext } from '../../src/testing/gateways/protocol.js';
import { type TaskRecord, viewTask } from '../../src/testing/lifecycle.js';
import { SeededRandom } from '../../src/testing/random.js';
import type { JsonObject, JsonValue } from '../../src/testing/types.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

/** 'kling' is not a GatewayId yet (see src/testing/gateways/kling.ts); the fixture loader only joins paths. */
const KLING = 'kling' as string as GatewayId;
const ORIGIN = 'https://api-singapore.klingai.com';
/** Simulated ms 0 is this epoch ms (2026-06-10T08:39:38.802Z, the docs' create_time). */
const EPOCH = 1781080778802;

function problemsAt(endpoint: KlingEndpoint, body: JsonValue, strict = true, explicit = false): string[] {
  const problems = new Problems(strict, explicit);
  validateAt(endpoint, body as JsonObject, problems);
  return [...problems.list];
}

function object(value: JsonValue | undefined): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value;
}

function array(value: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(value)) throw new Error('not an array');
  return value;
}

let nextId = 100;
function task(body: JsonObject, overrides: Partial<TaskRecord> = {}): TaskRecord {
  nextId += 1;
  return {
    gateway: KLING_GATEWAY_ID,
    id: `8${String(nextId).padStart(17, '0')}`,
    body,
    createdAt: 0,
    renderMs: 100_000,
    failing: false,
    held: false,
    ...overrides,
  };
}

function context(t: TaskRecord, now: number): ReplyContext {
  return {
    origin: ORIGIN,
    videoUrl: `${ORIGIN}/files/${t.id}.mp4`,
    dateOf: (ms) => EPOCH + ms,
    now,
    apiinoneShape: 'default',
  };
}

function request(token?: string): Request {
  return new Request(
    `${ORIGIN}/tasks`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
}

/** Which create path a fixture's request was written for, by its file name. */
function endpointOfFixture(name: string): KlingEndpoint {
  const table: [string, KlingEndpoint][] = [
    ['create-request-text-to-video', 't2v'],
    ['create-request-image-to-video', 'i2v'],
    ['create-request-omni', 'omni'],
    ['legacy-create-request-text2video', 'legacy-t2v'],
    ['legacy-create-request-image2video', 'legacy-i2v'],
  ];
  const hit = table.find(([prefix]) => name.startsWith(prefix));
  if (hit === undefined) throw new Error(`no endpoint for ${name}`);
  return hit[1];
}

const T2V = {
  prompt: 'a fox',
  settings: { resolution: '720p', audio: 'off', duration: 5, multi_shot: false },
};
const LEGACY_T2V = { model_name: 'kling-v3', prompt: 'a fox', mode: 'std', sound: 'off', duration: '5' };

describe('fixtures name their source and evidence', () => {
  it('every fixture loads with a source, DOCUMENTED or INFERRED evidence, and an http line', () => {
    const all = [...fixtures(KLING, ''), ...fixtures(KLING, 'legacy-')];
    expect(all.length).toBeGreaterThanOrEqual(30);
    for (const fixture of all) {
      expect(fixture.source, fixture.name).not.toBe('');
      expect(fixture.evidence, fixture.name).toMatch(/^(DOCUMENTED|INFERRED) — /);
    }
  });
});

describe('every documented example request is accepted at its path', () => {
  const requests = [...fixtures(KLING, 'create-request-'), ...fixtures(KLING, 'legacy-create-request-')];

  it.each(requests.map((f) => [f.name, f] as const))('%s', (name, fixture) => {
    const endpoint = endpointOfFixture(name);
    // The copy's image-to-video example sends multi_shot as the string "true": only the lax simulator takes it.
    if (name === 'legacy-create-request-image2video-multi-shot') {
      expect(problemsAt(endpoint, fixture.body as JsonValue)).toEqual([
        'multi_shot: must be a boolean, got the string "true"',
      ]);
      expect(problemsAt(endpoint, fixture.body as JsonValue, false)).toEqual([]);
      return;
    }
    expect(problemsAt(endpoint, fixture.body as JsonValue)).toEqual([]);
    // The body alone tells its standard apart (model_name), and the omni examples with a video or a
    // reference image apart from image-to-video.
    expect(standardOfName(inferEndpoint(fixture.body as JsonObject))).toBe(standardOfName(endpoint));
  });

  it('the same examples are refused at another standard’s path', () => {
    const newT2v = loadFixture(KLING, 'create-request-text-to-video').body as JsonValue;
    const legacy = loadFixture(KLING, 'legacy-create-request-text2video-kling-v3').body as JsonValue;
    expect(problemsAt('legacy-t2v', newT2v, false)).toEqual(
      expect.arrayContaining([
        'settings: belongs to the new standard (model in the path)',
        'options: belongs to the new standard (model in the path)',
      ]),
    );
    expect(problemsAt('t2v', legacy, false)).toContain(
      'model_name: belongs to the legacy standard (/v1/videos/…); here the model is in the path',
    );
  });
});

function standardOfName(endpoint: KlingEndpoint): string {
  return endpoint.startsWith('legacy-') ? 'legacy' : 'new';
}

describe('documented rules refuse what they refuse', () => {
  const i2v = (contents: JsonValue[], settings: JsonObject = {}) => ({
    contents,
    settings: { resolution: '720p', audio: 'off', duration: 5, multi_shot: false, ...settings },
  });
  const prompt = { type: 'prompt', text: 'x' };
  const first = { type: 'first_frame', url: 'https://example.com/a.png' };
  const last = { type: 'last_frame', url: 'https://example.com/b.png' };
  const element = (n: number) => ({ type: 'element', element_id: String(n), id: `element_${n}` });
  const video = (type: string) => ({ type, url: 'https://example.com/v.mp4', id: 'video_1' });

  it.each<[string, KlingEndpoint, JsonValue, string]>([
    [
      'duration above 15',
      't2v',
      { prompt: 'x', settings: { duration: 16 } },
      'settings.duration: must be between 3 and 15, got 16',
    ],
    [
      'duration as a string on the new standard',
      't2v',
      { prompt: 'x', settings: { duration: '5' } },
      'settings.duration: must be an integer, got a string',
    ],
    [
      'an unknown resolution',
      't2v',
      { prompt: 'x', settings: { resolution: '2k' } },
      'settings.resolution: must be one of "720p", "1080p", "4k"',
    ],
    ['no prompt on text-to-video', 't2v', { settings: {} }, 'prompt: is required'],
    [
      'a prompt over 3072 characters',
      't2v',
      { prompt: 'x'.repeat(3073) },
      'prompt: must be at most 3072 characters',
    ],
    [
      '"original" audio on text-to-video',
      't2v',
      { prompt: 'x', settings: { audio: 'original' } },
      'settings.audio: must be one of "native", "off"',
    ],
    [
      'shots that do not add up to the duration',
      't2v',
      { prompt: 'shot 1, 2, a fox; shot 2, 2, a hen;', settings: { duration: 5 } },
      'prompt: shot durations add up to 4 s, not the duration 5 s',
    ],
    [
      'seven shots',
      't2v',
      {
        prompt:
          'shot 1, 1, a; shot 2, 1, b; shot 3, 1, c; shot 4, 1, d; shot 5, 1, e; shot 6, 1, f; shot 7, 1, g;',
        settings: { duration: 7 },
      },
      'prompt: has 7 shots; at most 6',
    ],
    ['image-to-video without a first frame', 'i2v', i2v([prompt]), 'contents: needs a first_frame item'],
    [
      'a last frame only',
      'omni',
      i2v([prompt, last]),
      'contents: has a last_frame without a first_frame ("Last frame only" is not supported)',
    ],
    [
      'four elements on image-to-video',
      'i2v',
      i2v([prompt, first, element(1), element(2), element(3), element(4)]),
      'contents: has 4 elements; at most 3',
    ],
    [
      'an element without its id',
      'i2v',
      i2v([first, { type: 'element', element_id: '1' }]),
      'contents[1].id: is required',
    ],
    [
      'an omni content type on image-to-video',
      'i2v',
      i2v([first, { type: 'refer_image', url: 'https://example.com/r.png' }]),
      'contents[1].type: must be one of "prompt", "first_frame", "last_frame", "element"',
    ],
    [
      'a duplicated input id',
      'omni',
      i2v([
        { ...first, id: 'image_1' },
        { type: 'refer_image', url: 'https://e.com/r.png', id: 'image_1' },
      ]),
      'contents[1].id: "image_1" is used twice ("must not be duplicated")',
    ],
    [
      'two reference videos',
      'omni',
      i2v([video('feature_video'), { ...video('base_video'), id: 'video_2' }]),
      'contents: has 2 reference videos; at most 1',
    ],
    [
      'native audio with a feature video',
      'omni',
      i2v([video('feature_video')], { audio: 'native', multi_shot: true }),
      'settings.audio: must be "off" with a feature_video',
    ],
    [
      'a base video left to multi_shot’s default (true)',
      'omni',
      { contents: [video('base_video')], settings: { audio: 'off' } },
      'settings.multi_shot: must be false with a base_video (its default is true)',
    ],
    [
      'a base video with a first frame',
      'omni',
      i2v([video('base_video'), first]),
      'contents: a base_video cannot be combined with a first or last frame',
    ],
    [
      'a video given as base64',
      'omni',
      i2v([{ type: 'feature_video', url: 'AAAA' }], { multi_shot: true }),
      'contents[0].url: must be an absolute URL',
    ],
    [
      'eight reference images',
      'omni',
      i2v(
        Array.from({ length: 8 }, (_, n) => ({
          type: 'refer_image',
          url: `https://e.com/${n}.png`,
          id: `image_${n}`,
        })),
      ),
      'contents: has 8 reference images and elements; at most 7',
    ],
    [
      'customize without multi_prompt',
      'legacy-t2v',
      { ...LEGACY_T2V, prompt: '', multi_shot: true, shot_type: 'customize' },
      'multi_prompt: is required',
    ],
    [
      'multi_shot without shot_type',
      'legacy-t2v',
      { ...LEGACY_T2V, multi_shot: true },
      'shot_type: is required',
    ],
    [
      'no prompt on a single shot',
      'legacy-t2v',
      { ...LEGACY_T2V, prompt: '' },
      'prompt: is required unless multi_shot is true with shot_type "customize"',
    ],
    [
      'shots that do not add up',
      'legacy-t2v',
      {
        ...LEGACY_T2V,
        multi_shot: true,
        shot_type: 'customize',
        multi_prompt: [
          { index: 1, prompt: 'a', duration: '2' },
          { index: 2, prompt: 'b', duration: '2' },
        ],
      },
      'multi_prompt: shot durations add up to 4, not the duration 5',
    ],
    [
      'a shot duration as a number',
      'legacy-t2v',
      {
        ...LEGACY_T2V,
        multi_shot: true,
        shot_type: 'customize',
        multi_prompt: [{ index: 1, prompt: 'a', duration: 5 }],
      },
      'multi_prompt[0].duration: must be a string such as "5"',
    ],
    [
      'duration as a number on the legacy standard',
      'legacy-t2v',
      { ...LEGACY_T2V, duration: 5 },
      'duration: must be a string of whole seconds such as "5", got 5',
    ],
    [
      'mode 4k on kling-v2-6',
      'legacy-t2v',
      { ...LEGACY_T2V, model_name: 'kling-v2-6', mode: '4k' },
      'mode: must be one of "std", "pro"',
    ],
    [
      'a model text2video does not list',
      'legacy-t2v',
      { ...LEGACY_T2V, model_name: 'kling-v3-omni' },
      'model_name: must be one of "kling-v1", "kling-v1-6", "kling-v2-master", "kling-v2-1-master", "kling-v2-5-turbo", "kling-v2-6", "kling-v3"',
    ],
    [
      'three voices',
      'legacy-t2v',
      { ...LEGACY_T2V, voice_list: [{ voice_id: 'a' }, { voice_id: 'b' }, { voice_id: 'c' }] },
      'voice_list: must have at most 2 item(s)',
    ],
    [
      'image-to-video without a prompt (required there too)',
      'legacy-i2v',
      { ...LEGACY_T2V, prompt: '', image: 'https://e.com/a.png' },
      'prompt: is required unless multi_shot is true with shot_type "customize"',
    ],
    [
      'image-to-video without an image',
      'legacy-i2v',
      { ...LEGACY_T2V },
      'image: image or image_tail is required',
    ],
    [
      'base64 with a data: prefix',
      'legacy-i2v',
      { ...LEGACY_T2V, image: 'data:image/png;base64,iVBORw0KGgo=' },
      'image: base64 must be sent without a data: prefix',
    ],
    [
      'image_tail with camera_control',
      'legacy-i2v',
      {
        ...LEGACY_T2V,
        image: 'https://e.com/a.png',
        image_tail: 'https://e.com/b.png',
        camera_control: { type: 'simple' },
      },
      'image_tail: image_tail, dynamic_masks/static_mask and camera_control exclude each other',
    ],
    [
      'element_list with voice_list',
      'legacy-i2v',
      {
        ...LEGACY_T2V,
        image: 'https://e.com/a.png',
        element_list: [{ element_id: 1 }],
        voice_list: [{ voice_id: 'v' }],
      },
      'element_list: cannot be combined with voice_list',
    ],
  ])('%s', (_name, endpoint, body, problem) => {
    expect(problemsAt(endpoint, body, false)).toContain(problem);
  });

  it('refuses in the vendor envelope: HTTP 400, code 1201, every problem in the message', () => {
    const problems = problemsAt('t2v', { settings: { duration: 16 } });
    const reply = kling.errorReply({ kind: 'invalid', problems });
    expect(reply.status).toBe(400);
    const body = object(reply.body);
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
    expect(body.code).toBe(1201);
    expect(body.message).toBe('prompt: is required; settings.duration: must be between 3 and 15, got 16');
  });

  it('vendor defaults are accepted; requireExplicitDefaults refuses the price- and content-changing ones', () => {
    expect(problemsAt('t2v', { prompt: 'x' })).toEqual([]);
    expect(problemsAt('t2v', { prompt: 'x' }, true, true)).toEqual([
      'settings.multi_shot: must be sent explicitly (its default changes the price)',
      'settings.audio: must be sent explicitly (its default changes the price)',
      'settings.resolution: must be sent explicitly (its default changes the price)',
      'settings.duration: must be sent explicitly (its default changes the price)',
    ]);
    expect(problemsAt('t2v', T2V, true, true)).toEqual([]);
    expect(problemsAt('legacy-t2v', { prompt: 'x' })).toEqual([]);
    expect(problemsAt('legacy-t2v', { prompt: 'x' }, true, true)).toEqual([
      'model_name: must be sent explicitly (its default changes the price)',
      'duration: must be sent explicitly (its default changes the price)',
      'sound: must be sent explicitly (its default changes the price)',
      'mode: must be sent explicitly (its default changes the price)',
    ]);
    expect(problemsAt('legacy-t2v', LEGACY_T2V, true, true)).toEqual([]);
  });

  it('strict mode alone refuses what the docs only imply (unknown fields, cfg_scale beyond kling-v1.x)', () => {
    const body = { ...LEGACY_T2V, cfg_scale: 0.5, seed: 1 };
    expect(problemsAt('legacy-t2v', body, false)).toEqual([]);
    expect(problemsAt('legacy-t2v', body)).toEqual([
      'seed: unknown field (not in the gateway documentation)',
      'cfg_scale: is only supported by kling-v1.x, not kling-v3',
    ]);
  });
});

describe('auth', () => {
  const now = 1_781_080_000;
  const creds = KLING_SIM_CREDENTIALS;

  it('verifies the documented HS256 token: iss = access key, exp = now + 1800, nbf = now - 5', () => {
    const token = signKlingJwt(creds, now);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ iss: creds.accessKey, exp: now + 1800, nbf: now - 5 });
    expect(verifyKlingJwt(token, creds, now)).toEqual({ ok: true });
    expect(verifyKlingJwt(token, creds, now + 1799)).toEqual({ ok: true });
  });

  it('refuses a token signed with another secret (1002), an unknown access key (1002), an expired one (1004), one not yet valid (1003)', () => {
    const wrongSecret = signKlingJwt({ ...creds, secretKey: 'other' }, now);
    expect(verifyKlingJwt(wrongSecret, creds, now)).toMatchObject({ ok: false, code: 1002 });
    const wrongIssuer = signKlingJwt({ ...creds, accessKey: 'someone-else' }, now);
    expect(verifyKlingJwt(wrongIssuer, creds, now)).toMatchObject({ ok: false, code: 1002 });
    expect(verifyKlingJwt(signKlingJwt(creds, now), creds, now + 1800)).toMatchObject({
      ok: false,
      code: 1004,
    });
    expect(verifyKlingJwt(signKlingJwt(creds, now, { nbf: now + 60 }), creds, now)).toMatchObject({
      ok: false,
      code: 1003,
    });
    const tampered = signKlingJwt(creds, now).replace(
      /\.[^.]+\./,
      `.${Buffer.from(JSON.stringify({ iss: creds.accessKey, exp: now + 99_999, nbf: 0 })).toString('base64url')}.`,
    );
    expect(verifyKlingJwt(tampered, creds, now)).toMatchObject({ ok: false, code: 1002 });
  });

  it('legacy standard: a JWT from the configured pair or an API key; new standard: the API key only', () => {
    const sim = createKlingProtocol({ credentials: { accessKey: 'ak-1', secretKey: 'sk-1' } });
    const nowMs = now * 1000;
    const good = signKlingJwt({ accessKey: 'ak-1', secretKey: 'sk-1' }, now);
    expect(sim.authenticate(request(good), 'legacy', nowMs)).toEqual({ ok: true, key: 'ak-1', via: 'jwt' });
    expect(
      sim.authenticate(request(signKlingJwt({ accessKey: 'ak-1', secretKey: 'nope' }, now)), 'legacy', nowMs),
    ).toMatchObject({ ok: false, code: 1002 });
    expect(sim.authenticate(request(good), 'legacy', nowMs + 1_800_000)).toMatchObject({
      ok: false,
      code: 1004,
    });
    expect(sim.authenticate(request(good), 'new', nowMs)).toMatchObject({ ok: false, code: 1002 });
    expect(sim.authenticate(request('kling-api-key'), 'new', nowMs)).toEqual({
      ok: true,
      key: 'kling-api-key',
      via: 'api-key',
    });
    expect(sim.authenticate(request('kling-api-key'), 'legacy', nowMs)).toMatchObject({
      ok: true,
      via: 'api-key',
    });
    expect(sim.authenticate(request(), 'new', nowMs)).toMatchObject({ ok: false, code: 1001 });
    expect(sim.authenticate(request('sk-invalid'), 'new', nowMs)).toMatchObject({ ok: false, code: 1002 });
  });

  it('auth refusals are HTTP 401 with the documented codes', () => {
    for (const code of [1000, 1001, 1002, 1003, 1004]) expect(kling.codeReply(code).status).toBe(401);
    expect(kling.errorReply({ kind: 'unauthenticated', reason: 'missing' }).body).toMatchObject({
      code: 1001,
    });
    expect(kling.errorReply({ kind: 'unauthenticated', reason: 'invalid' }).body).toMatchObject({
      code: 1002,
    });
  });
});

describe('error codes follow the documented table', () => {
  it('each code answers the HTTP status the table gives it', () => {
    const rows = loadFixture(KLING, 'error-codes').body as { http: number; code: number }[];
    for (const row of rows.filter((r) => r.code !== 0))
      expect(kling.codeReply(row.code).status, String(row.code)).toBe(row.http);
  });

  it('no credits is HTTP 429 code 1102 (not 402): billing refusals share 429 with rate limits', () => {
    const reply = kling.errorReply({ kind: 'no-credits', body: {} });
    expect(reply.status).toBe(429);
    expect(reply.body).toMatchObject({ code: 1102 });
    expect(kling.errorReply({ kind: 'unavailable', status: 429 }).body).toMatchObject({ code: 1302 });
    expect(kling.errorReply({ kind: 'unavailable', status: 503 })).toMatchObject({
      status: 503,
      body: { code: 5001 },
    });
    expect(kling.errorReply({ kind: 'unavailable', status: 504 })).toMatchObject({
      status: 504,
      body: { code: 5002 },
    });
  });

  it('the 1303 concurrency refusal is the documented body, and a submit under the limit is admitted', () => {
    const sim = createKlingProtocol({ maxConcurrentTasks: 2 });
    const running = [task(T2V), task(T2V)];
    for (const t of running) sim.remember(t.id, 't2v');
    const view = (t: TaskRecord) => viewTask(t, 50_000);
    const refused = sim.admit('t2v', T2V, running, view);
    const documented = loadFixture(KLING, 'error-429-1303');
    expect(refused?.status).toBe(documented.http);
    expect({ ...object(refused?.body), request_id: 'x' }).toEqual({
      ...(documented.body as JsonObject),
      request_id: 'x',
    });
    // Counted per model version: Omni has its own slots; finished tasks hold none.
    expect(sim.admit('omni', {}, running, view)).toBeUndefined();
    expect(sim.admit('t2v', T2V, running, (t) => viewTask(t, 200_000))).toBeUndefined();
  });
});

describe('replies in the documented shapes', () => {
  it('new create reply: the documented keys; external_id echoes options.external_task_id', () => {
    const sim = createKlingProtocol();
    const t = task({ ...T2V, options: { external_task_id: 'order-42' } });
    sim.remember(t.id, 't2v');
    const reply = object(sim.createdReply(t, viewTask(t, 0), context(t, 0)));
    const documented = object(loadFixture(KLING, 'create-response').body as JsonValue);
    expect(Object.keys(reply).sort()).toEqual(Object.keys(documented).sort());
    expect(Object.keys(object(reply.data)).sort()).toEqual(Object.keys(object(documented.data)).sort());
    expect(reply.data).toEqual({
      id: t.id,
      status: 'submitted',
      create_time: EPOCH,
      update_time: EPOCH,
      external_id: 'order-42',
    });
    expect(reply.code).toBe(0);
  });

  it('legacy create reply: the documented keys, task_info.external_task_id', () => {
    const sim = createKlingProtocol();
    const t = task({ ...LEGACY_T2V, external_task_id: 'order-43' });
    sim.remember(t.id, 'legacy-t2v');
    const reply = object(sim.createdReply(t, viewTask(t, 0), context(t, 0)));
    const documented = object(loadFixture(KLING, 'legacy-create-response-doc').body as JsonValue);
    expect(Object.keys(object(reply.data)).sort()).toEqual(Object.keys(object(documented.data)).sort());
    expect(reply.data).toMatchObject({
      task_id: t.id,
      task_status: 'submitted',
      task_info: { external_task_id: 'order-43' },
    });
  });

  it('a new task read: only documented keys; outputs and billing once succeeded', () => {
    const sim = createKlingProtocol();
    const t = task({ ...T2V, options: { watermark_info: { enabled: true } } });
    sim.remember(t.id, 't2v');
    const done = sim.taskRecord(t, viewTask(t, 100_000), context(t, 100_000));
    const documented = object(array(object(loadFixture(KLING, 'status-response').body as JsonValue).data)[0]);
    const documentedKeys = Object.keys(documented);
    for (const key of Object.keys(done)) expect(documentedKeys).toContain(key);
    const video = object(array(done.outputs)[0]);
    expect(Object.keys(video).sort()).toEqual(Object.keys(object(array(documented.outputs)[0])).sort());
    expect(video).toEqual({
      type: 'video',
      id: `${t.id}-video-1`,
      url: `${ORIGIN}/files/${t.id}.mp4`,
      watermark_url: `${ORIGIN}/files/${t.id}.mp4?watermark=1`,
      duration: '5.0',
    });
    const billingKeys = Object.keys(object(array(documented.billing)[0]));
    for (const key of Object.keys(object(array(done.billing)[0]))) expect(billingKeys).toContain(key);
    expect(done.billing).toEqual([{ charge_type: 'unit', amount: '3', package_type: 'video' }]);
  });

  it('a legacy task read: succeed (not succeeded), task_result.videos[], final_unit_deduction', () => {
    const sim = createKlingProtocol();
    const t = task({ ...LEGACY_T2V, sound: 'on', mode: 'pro' });
    sim.remember(t.id, 'legacy-t2v');
    const data = sim.legacyRecord(t, viewTask(t, 100_000), context(t, 100_000));
    const doc = object(object(loadFixture(KLING, 'legacy-status-doc').body as JsonValue).data);
    const sdk = object(object(loadFixture(KLING, 'legacy-status-succeed').body as JsonValue).data);
    const known = new Set([...Object.keys(doc), ...Object.keys(sdk)]);
    for (const key of Object.keys(data)) expect(known).toContain(key);
    expect(data).toMatchObject({
      task_status: 'succeed',
      final_unit_deduction: '6',
      task_result: {
        videos: [{ id: `${t.id}-video-1`, url: `${ORIGIN}/files/${t.id}.mp4`, duration: '5.0' }],
      },
      watermark_info: { enabled: false },
    });
  });

  it('a failed task: failed with the reason, no outputs, no charge (the cost of a failure is undocumented)', () => {
    const sim = createKlingProtocol();
    const t = task(T2V, { failing: true });
    sim.remember(t.id, 't2v');
    const record = sim.taskRecord(t, viewTask(t, 100_000), context(t, 100_000));
    expect(record).toMatchObject({ status: 'failed', outputs: [], billing: [] });
    expect(record.message).toMatch(/Content policy violation/);
    const u = task(LEGACY_T2V, { failing: true });
    sim.remember(u.id, 'legacy-t2v');
    const legacy = sim.legacyRecord(u, viewTask(u, 100_000), context(u, 100_000));
    expect(legacy).toMatchObject({ task_status: 'failed' });
    expect(legacy.task_status_msg).toMatch(/Content policy violation/);
    expect(legacy.final_unit_deduction).toBeUndefined();
  });
});

describe('the state machine over the simulated clock', () => {
  it('submitted, processing, succeeded, with update_time at each change and the URL cleared after 30 days', () => {
    const sim = createKlingProtocol();
    const t = task(T2V, { renderMs: 120_000 });
    sim.remember(t.id, 't2v');
    const at = (now: number) => sim.taskRecord(t, viewTask(t, now), context(t, now));
    expect(at(0)).toMatchObject({ status: 'submitted', update_time: EPOCH, outputs: [], billing: [] });
    expect(at(11_999)).toMatchObject({ status: 'submitted' });
    // Running from 10% of the render on; update_time is when it started, not when it was read.
    expect(at(12_000)).toMatchObject({ status: 'processing', update_time: EPOCH + 12_000, outputs: [] });
    expect(at(119_999)).toMatchObject({ status: 'processing', update_time: EPOCH + 12_000 });
    expect(at(120_000)).toMatchObject({ status: 'succeeded', update_time: EPOCH + 120_000 });
    expect(at(500_000)).toMatchObject({ status: 'succeeded', update_time: EPOCH + 120_000 });
    const done = viewTask(t, 120_000);
    expect(outputExpired(done, 120_000 + KLING_OUTPUT_TTL_MS - 1)).toBe(false);
    expect(outputExpired(done, 120_000 + KLING_OUTPUT_TTL_MS)).toBe(true);
    expect(outputExpired(viewTask(t, 50_000), 10 ** 12)).toBe(false);
  });

  it('the legacy words follow the same clock', () => {
    const sim = createKlingProtocol();
    const t = task(LEGACY_T2V, { renderMs: 120_000 });
    sim.remember(t.id, 'legacy-t2v');
    const word = (now: number) => sim.legacyRecord(t, viewTask(t, now), context(t, now)).task_status;
    expect([0, 12_000, 120_000].map(word)).toEqual(['submitted', 'processing', 'succeed']);
  });
});

describe('batch status: GET /tasks?task_ids=a,b and ?external_task_ids=…', () => {
  const sim = createKlingProtocol();
  const a = task({ ...T2V, options: { external_task_id: 'ext-a' } }, { renderMs: 100_000 });
  const b = task(
    { ...T2V, settings: { resolution: '1080p', audio: 'native', duration: 10 } },
    { createdAt: 40_000, renderMs: 100_000 },
  );
  const c = task(T2V, { createdAt: 95_000, renderMs: 100_000 });
  const legacy = task({ ...LEGACY_T2V, external_task_id: 'ext-l' });
  for (const t of [a, b, c]) sim.remember(t.id, 't2v');
  sim.remember(legacy.id, 'legacy-t2v');
  const tasks = [a, b, c, legacy];
  const now = 100_000;
  const read = (query: string) =>
    sim.batchStatusReply(
      new URLSearchParams(query),
      tasks,
      (t) => viewTask(t, now),
      (t) => context(t, now),
    );

  it('answers several ids in one reply, in the order asked, each in its own state', () => {
    const reply = read(`task_ids=${c.id},${a.id},${b.id}`);
    expect(reply.status).toBe(200);
    const body = object(reply.body);
    expect(body.code).toBe(0);
    const data = array(body.data).map(object);
    expect(data.map((d) => d.id)).toEqual([c.id, a.id, b.id]);
    expect(data.map((d) => d.status)).toEqual(['submitted', 'succeeded', 'processing']);
    expect(data[1]).toMatchObject({ external_id: 'ext-a', billing: [{ charge_type: 'unit', amount: '3' }] });
    expect(array(data[1]?.outputs)).toHaveLength(1);
    expect(data[2]).toMatchObject({ outputs: [], billing: [] });
  });

  it('by external ids; unknown ids and legacy tasks are left out; both kinds of id at once is a 1201', () => {
    expect(array(object(read('external_task_ids=ext-a,nope').body).data).map((d) => object(d).id)).toEqual([
      a.id,
    ]);
    expect(array(object(read(`task_ids=${legacy.id},missing`).body).data)).toEqual([]);
    expect(read(`task_ids=${a.id}&external_task_ids=ext-a`)).toMatchObject({
      status: 400,
      body: { code: 1201 },
    });
    expect(read('task_ids=')).toMatchObject({ status: 400, body: { code: 1201 } });
  });

  it('the documented request line (GET /tasks?external_task_ids=123) finds the task created with that id', () => {
    const line = loadFixture(KLING, 'status-request-external-task-ids').body as {
      method: string;
      path: string;
    };
    const url = new URL(line.path, ORIGIN);
    expect([line.method, url.pathname]).toEqual(['GET', '/tasks']);
    const mine = task({ ...T2V, options: { external_task_id: '123' } });
    sim.remember(mine.id, 't2v');
    const reply = sim.batchStatusReply(
      url.searchParams,
      [...tasks, mine],
      (t) => viewTask(t, 0),
      (t) => context(t, 0),
    );
    expect(array(object(reply.body).data).map((d) => object(d).external_id)).toEqual(['123']);
  });

  it('the actual charge of each finished task: 1080p with native audio, 10 s = 12 units', () => {
    const later = sim.batchStatusReply(
      new URLSearchParams(`task_ids=${b.id}`),
      tasks,
      (t) => viewTask(t, 200_000),
      (t) => context(t, 200_000),
    );
    expect(object(array(object(later.body).data)[0]).billing).toEqual([
      { charge_type: 'unit', amount: '12', package_type: 'video' },
    ]);
  });

  it('legacy per-kind reads by task id or external task id; another kind does not see it', () => {
    const view = (t: TaskRecord) => viewTask(t, now);
    const ctx = (t: TaskRecord) => context(t, now);
    expect(sim.legacyStatusReply('text2video', legacy.id, tasks, view, ctx)).toMatchObject({
      status: 200,
      body: { code: 0, data: { task_id: legacy.id } },
    });
    expect(sim.legacyStatusReply('text2video', 'ext-l', tasks, view, ctx)).toMatchObject({
      status: 200,
      body: { data: { task_id: legacy.id } },
    });
    expect(sim.legacyStatusReply('image2video', legacy.id, tasks, view, ctx)).toMatchObject({
      status: 404,
      body: { code: 1203 },
    });
    expect(sim.legacyStatusReply('text2video', a.id, tasks, view, ctx)).toMatchObject({ status: 404 });
  });

  it('external ids are unique per account', () => {
    expect(sim.externalIdTaken({ prompt: 'x', options: { external_task_id: 'ext-a' } }, tasks)).toBe(true);
    expect(sim.externalIdTaken({ ...LEGACY_T2V, external_task_id: 'ext-a' }, tasks)).toBe(true);
    expect(sim.externalIdTaken({ prompt: 'x', options: { external_task_id: '' } }, tasks)).toBe(false);
    expect(sim.externalIdTaken({ prompt: 'x', options: { external_task_id: 'fresh' } }, tasks)).toBe(false);
  });
});

describe('billing: units from the pricing page', () => {
  it.each<[KlingEndpoint, JsonObject, number]>([
    ['t2v', { prompt: 'x' }, 3], // defaults: 720p, audio off, 5 s × 0.6
    ['t2v', { prompt: 'x', settings: { resolution: '720p', audio: 'native', duration: 10 } }, 9],
    ['i2v', { contents: [], settings: { resolution: '1080p', audio: 'off', duration: 5 } }, 4],
    ['t2v', { prompt: 'x', settings: { resolution: '4k', audio: 'native', duration: 5 } }, 15],
    ['omni', { contents: [], settings: { resolution: '720p', audio: 'native', duration: 5 } }, 4], // 0.8 < 0.9
    ['omni', { contents: [], settings: { resolution: '1080p', audio: 'native', duration: 5 } }, 5],
    [
      'omni',
      {
        contents: [{ type: 'base_video', url: 'u' }],
        settings: { resolution: '1080p', audio: 'original', duration: 5 },
      },
      6,
    ],
    [
      'omni',
      {
        contents: [{ type: 'first_frame', url: 'u' }],
        settings: { resolution: '720p', audio: 'off', duration: 3 },
      },
      1.8,
    ],
    ['legacy-t2v', { model_name: 'kling-v3', mode: 'pro', sound: 'on', duration: '5' }, 6],
    ['legacy-t2v', { model_name: 'kling-v3', mode: '4k', duration: '10' }, 30],
    ['legacy-omni', { model_name: 'kling-v3-omni', mode: 'std', sound: 'on', duration: '5' }, 4],
    ['legacy-t2v', { model_name: 'kling-v2-6', mode: 'pro', sound: 'on', duration: '5' }, 5],
  ])('%s %j → %s units', (endpoint, body, units) => {
    expect(chargeOf(endpoint, body).units).toBe(units);
  });

  it('no price where the page has none (kling-v1, kling-v2-6 720p with audio)', () => {
    expect(chargeOf('legacy-t2v', { prompt: 'x' }).units).toBeUndefined();
    expect(chargeOf('legacy-t2v', { model_name: 'kling-v2-6', sound: 'on' }).units).toBeUndefined();
  });

  it('charged to the balance: cash in USD at $0.14 a unit, list_price alongside', () => {
    const sim = createKlingProtocol({ charge: 'cash' });
    const t = task({ prompt: 'x', settings: { resolution: '1080p', audio: 'native', duration: 5 } });
    sim.remember(t.id, 't2v');
    expect(sim.billingOf(t, viewTask(t, 100_000))).toEqual([
      { charge_type: 'cash', cash_type: 'balance', amount: '0.84', currency: 'USD', list_price: '0.84' },
    ]);
    const u = task(LEGACY_T2V);
    sim.remember(u.id, 'legacy-t2v');
    expect(sim.legacyRecord(u, viewTask(u, 100_000), context(u, 100_000))).toMatchObject({
      final_balance_deduction: { quota: '0.42', list_price: '0.42' },
    });
  });
});

describe('callbacks', () => {
  it('reproduces the vendor’s published signature test vector', () => {
    const v = loadFixture(KLING, 'callback-signature-test-vector').body as Record<string, string>;
    expect(
      signKlingWebhook(v.secret ?? '', v.webhookId ?? '', v.webhookTimestamp ?? '', v.rawBody ?? ''),
    ).toBe(v.expectedSignature);
  });

  it('posts the new task record, signed (Standard Webhooks) when a secret is configured', () => {
    const secret = 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI=';
    const sim = createKlingProtocol({ webhookSecret: secret });
    const t = task({ ...T2V, options: { callback_url: 'https://hooks.example.com/kling' } });
    sim.remember(t.id, 't2v');
    expect(sim.callbacks?.target(t.body)).toEqual({
      url: 'https://hooks.example.com/kling',
      events: ['completed', 'failed'],
    });
    const sent = sim.callbacks?.request(t, viewTask(t, 100_000), context(t, 100_000), 'completed', 'key');
    const body = JSON.parse(sent?.body ?? '{}') as JsonObject;
    const documented = Object.keys(object(loadFixture(KLING, 'callback-new').body as JsonValue));
    for (const key of Object.keys(body)) expect(documented).toContain(key);
    expect(body).toMatchObject({ id: t.id, status: 'succeeded' });
    const headers = sent?.headers ?? {};
    expect(headers['webhook-timestamp']).toBe(String(Math.floor((EPOCH + 100_000) / 1000)));
    expect(headers['webhook-signature']).toBe(
      signKlingWebhook(
        secret,
        headers['webhook-id'] ?? '',
        headers['webhook-timestamp'] ?? '',
        sent?.body ?? '',
      ),
    );
    // The same id on every delivery of one event (a retry), another for another event.
    const again = sim.callbacks?.request(t, viewTask(t, 100_000), context(t, 200_000), 'completed', 'key');
    expect(again?.headers['webhook-id']).toBe(headers['webhook-id']);
  });

  it('posts the legacy task record (no envelope, no watermark_url) and nothing is signed without a secret', () => {
    const sim = createKlingProtocol();
    const t = task({
      ...LEGACY_T2V,
      callback_url: 'https://hooks.example.com/k',
      watermark_info: { enabled: true },
    });
    sim.remember(t.id, 'legacy-t2v');
    const sent = sim.callbacks?.request(t, viewTask(t, 100_000), context(t, 100_000), 'completed', 'key');
    expect(Object.keys(sent?.headers ?? {})).toEqual(['content-type']);
    const body = JSON.parse(sent?.body ?? '{}') as JsonObject;
    const documented = Object.keys(object(loadFixture(KLING, 'legacy-callback').body as JsonValue));
    for (const key of Object.keys(body)) expect(documented).toContain(key);
    expect(body).toMatchObject({ task_id: t.id, task_status: 'succeed', final_unit_deduction: '3' });
    expect(object(array(object(body.task_result).videos)[0]).watermark_url).toBeUndefined();
  });

  it('an empty callback_url (as every documented example sends) registers none', () => {
    expect(
      kling.callbacks?.target(loadFixture(KLING, 'legacy-create-request-text2video-doc').body as JsonObject),
    ).toBeUndefined();
    expect(kling.callbacks?.target({ prompt: 'x', options: { callback_url: '' } })).toBeUndefined();
  });
});

describe('GatewayProtocol surface', () => {
  it('one view per create path validates with that path’s rules and remembers the path of the ids it issues', () => {
    const sim = createKlingProtocol();
    expect(Object.values(sim.createPathAliases ?? {})).toEqual(Object.values(KLING_CREATE_PATHS));
    const omni = sim.at('omni');
    expect(omni.createPath).toBe('/omni-video/kling-3.0-omni');
    const problems = new Problems(true);
    omni.validate({ contents: [{ type: 'refer_image', url: 'https://e.com/r.png' }] }, problems);
    expect(problems.list).toEqual([]);
    const id = omni.newTaskId(new SeededRandom(1), EPOCH);
    expect(id).toMatch(/^\d{18}$/);
    // A body that would read as image-to-video is still priced as the omni task it was created as.
    const t = task({ contents: [{ type: 'first_frame', url: 'u' }], settings: { audio: 'native' } }, { id });
    expect(sim.endpointOf(t)).toBe('omni');
    expect(chargeOf(sim.endpointOf(t), t.body).units).toBe(4);
    sim.reset();
    expect(sim.endpointOf(t)).toBe('i2v');
  });

  it('the single-task status reply answers in the task’s standard', () => {
    const sim = createKlingProtocol();
    const t = task(T2V);
    const l = task(LEGACY_T2V);
    sim.remember(t.id, 't2v');
    sim.remember(l.id, 'legacy-t2v');
    expect(array(object(sim.statusReply(t, viewTask(t, 0), context(t, 0))).data)).toHaveLength(1);
    expect(object(object(sim.statusReply(l, viewTask(l, 0), context(l, 0))).data).task_status).toBe(
      'submitted',
    );
  });

  it('request ids are UUID-shaped and the same run repeats them', () => {
    const one = createKlingProtocol();
    const two = createKlingProtocol();
    const ids = (p: typeof one) =>
      [p.codeReply(1201), p.codeReply(5000)].map((r) => object(r.body).request_id);
    expect(ids(one)).toEqual(ids(two));
    expect(ids(one)[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('admission: duplicate external ids, an exhausted resource pack, then concurrency', () => {
  const tasksOf = (tasks: TaskRecord[], now = 0) => ({
    tasks,
    view: (t: TaskRecord) => viewTask(t, now),
    contextOf: (t: TaskRecord) => context(t, now),
  });
  it('a second create with an external_task_id in use is refused (1201, INFERRED), another id is admitted', () => {
    const sim = createKlingProtocol();
    const first = task({ ...T2V, options: { external_task_id: 'order-1' } });
    sim.remember(first.id, 't2v');
    const again = sim.admitCreate?.({ ...T2V, options: { external_task_id: 'order-1' } }, tasksOf([first]));
    expect(again?.status).toBe(400);
    expect(object(again?.body)).toMatchObject({ code: 1201, message: /order-1.*already exists/ });
    // Across standards too: the id is unique "within a single user account".
    const legacy = sim.admitCreate?.({ ...LEGACY_T2V, external_task_id: 'order-1' }, tasksOf([first]));
    expect(object(legacy?.body).code).toBe(1201);
    expect(sim.admitCreate?.({ ...T2V, options: { external_task_id: 'order-2' } }, tasksOf([first]))).toBe(
      undefined,
    );
  });
  it('units: a create whose charge exceeds what is left is 1102 at HTTP 429; failed tasks used none', () => {
    // T2V is 5 s at 720p without audio: 3 units.
    const sim = createKlingProtocol({ units: 5 });
    const done = task(T2V);
    sim.remember(done.id, 't2v');
    const refused = sim.admitCreate?.(T2V, tasksOf([done], 200_000));
    expect(refused?.status).toBe(429);
    expect(object(refused?.body).code).toBe(1102);
    const failed = task(T2V, { failing: true });
    sim.remember(failed.id, 't2v');
    expect(sim.admitCreate?.(T2V, tasksOf([failed], 200_000))).toBeUndefined();
    expect(createKlingProtocol().admitCreate?.(T2V, tasksOf([done, done, done]))).toBeUndefined();
  });
  it('the legacy status path finds a task by its external_task_id, under its own kind only', () => {
    const sim = createKlingProtocol();
    const legacy = task({ ...LEGACY_T2V, external_task_id: 'order-9' });
    sim.remember(legacy.id, 'legacy-t2v');
    const newer = task({ ...T2V, options: { external_task_id: 'order-10' } });
    sim.remember(newer.id, 't2v');
    expect(sim.findByCallerId?.('order-9', [legacy, newer])?.id).toBe(legacy.id);
    // New-standard tasks are read through GET /tasks, not the legacy path.
    expect(sim.findByCallerId?.('order-10', [legacy, newer])).toBeUndefined();
    const at = (kind: string) =>
      sim.statusWireReply?.(
        legacy,
        viewTask(legacy, 0),
        context(legacy, 0),
        new Request(`${ORIGIN}/v1/videos/${kind}/order-9`),
      );
    expect(at('text2video')?.status).toBe(200);
    expect(object(object(at('text2video')?.body).data)).toMatchObject({
      task_id: legacy.id,
      task_info: { external_task_id: 'order-9' },
    });
    expect(at('image2video')?.status).toBe(404);
  });
});
