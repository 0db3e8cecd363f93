/**
 * The official Kling API, legacy standard (`/v1/videos/…`, `model_name`): every request field as the wire
 * body carries it, what it cannot take refused, the legacy replies parsed, the handle's route reading the
 * task where it was created; access-key tokens (HS256 JWTs) signed, renewed and never shown; the client's
 * options for both; and the client end to end against the simulator's legacy routes on loopback.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adapterFor } from '../../src/gateways/adapters.js';
import { kling } from '../../src/gateways/kling/adapter.js';
import { KLING_JWT_HEADER, klingJwtAuth, signKlingToken } from '../../src/gateways/kling/jwt.js';
import { klingLegacy } from '../../src/gateways/kling/legacy.js';
import {
  KlingApiError,
  KlingClient,
  KlingResponseError,
  KlingRouter,
  KlingUnsupportedError,
  KlingValidationError,
  type SubmitRecord,
  type VideoRequest,
} from '../../src/index.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { KLING_SIM_CREDENTIALS, verifyKlingJwt } from '../../src/testing/gateways/kling.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';

const paths = klingLegacy.paths;
const toWire = (input: VideoRequest, externalId?: string) =>
  klingLegacy.toWire(parseVideoRequest(input), {
    paths,
    ...(externalId === undefined ? {} : { externalId }),
  });
const wire = (input: VideoRequest) => toWire(input).body;
const context = { now: Date.parse('2026-12-03T12:00:00Z') };
const img = 'https://cdn.example.com/first.png';
const img2 = 'https://cdn.example.com/last.png';
const shots = [
  { prompt: 'a fox wakes up', duration: 2 },
  { prompt: 'the fox runs into the snow', duration: 3 },
];

describe('kling legacy toWire: each request field', () => {
  it('text-to-video: model_name kling-v3, every price-changing default explicit, duration a string', () => {
    const request = toWire({ prompt: 'a fox' });
    expect(request).toMatchObject({ method: 'POST', path: '/v1/videos/text2video', route: 'text2video' });
    expect(request.body).toEqual({
      model_name: 'kling-v3',
      prompt: 'a fox',
      multi_shot: false,
      sound: 'off',
      mode: 'std',
      duration: '5',
    });
  });
  it('mode, sound on, duration, aspect ratio, negative prompt, watermark, callback', () => {
    expect(
      wire({
        prompt: 'p',
        mode: '4k',
        sound: true,
        duration: 12,
        aspectRatio: '9:16',
        negativePrompt: 'blur',
        watermark: true,
        callbackUrl: 'https://hooks.example.com/k',
      }),
    ).toEqual({
      model_name: 'kling-v3',
      prompt: 'p',
      negative_prompt: 'blur',
      multi_shot: false,
      sound: 'on',
      mode: '4k',
      duration: '12',
      aspect_ratio: '9:16',
      watermark_info: { enabled: true },
      callback_url: 'https://hooks.example.com/k',
    });
    expect(wire({ prompt: 'p', mode: 'pro' })).toMatchObject({ mode: 'pro' });
  });
  it('a caller-given create path (endpoints.create) is text-to-video’s; the other kinds keep theirs', () => {
    const custom = { ...paths, create: '/proxy/text2video' };
    const at = (input: VideoRequest) => klingLegacy.toWire(parseVideoRequest(input), { paths: custom });
    expect(at({ prompt: 'p' })).toMatchObject({ path: '/proxy/text2video', route: 'text2video' });
    expect(at({ prompt: 'p', startImage: img }).path).toBe('/v1/videos/image2video');
  });
  it('the external id goes to external_task_id', () => {
    expect(toWire({ prompt: 'p' }, 'ext-9').body).toMatchObject({ external_task_id: 'ext-9' });
    expect(wire({ prompt: 'p' })).not.toHaveProperty('external_task_id');
  });
  it('customize multi-shot: multi_prompt with index, prompt and a string duration; no prompt', () => {
    expect(wire({ multiShot: { type: 'customize', shots }, duration: 5 })).toEqual({
      model_name: 'kling-v3',
      multi_shot: true,
      shot_type: 'customize',
      multi_prompt: [
        { index: 1, prompt: 'a fox wakes up', duration: '2' },
        { index: 2, prompt: 'the fox runs into the snow', duration: '3' },
      ],
      sound: 'off',
      mode: 'std',
      duration: '5',
    });
  });
  it('intelligence multi-shot: multi_shot true, shot_type intelligence, the prompt kept', () => {
    expect(wire({ prompt: 'p', multiShot: { type: 'intelligence' } })).toMatchObject({
      prompt: 'p',
      multi_shot: true,
      shot_type: 'intelligence',
    });
  });
  it('image-to-video: image and image_tail (base64 without its data: prefix), element_list as numbers', () => {
    // Local frames reach toWire as data: URLs (the client inlines them; there is no upload API).
    const resolved = {
      ...parseVideoRequest({
        prompt: 'p',
        startImage: img,
        endImage: img2,
        elements: [{ id: '42' }, { id: '893605946402811985' }],
      }),
      startImage: 'data:image/png;base64,iVBORw0KGgo=',
    };
    const request = klingLegacy.toWire(resolved, { paths });
    expect(request).toMatchObject({ path: '/v1/videos/image2video', route: 'image2video' });
    expect(request.body).toMatchObject({
      model_name: 'kling-v3',
      image: 'iVBORw0KGgo=',
      image_tail: img2,
      // An id JSON cannot carry exactly as a number is sent as given.
      element_list: [{ element_id: 42 }, { element_id: '893605946402811985' }],
    });
  });
  it('omni: model_name kling-v3-omni, reference images in image_list, elements in element_list', () => {
    const request = toWire({ prompt: 'p', referenceImages: [img, img2], elements: [{ id: '7' }] });
    expect(request).toMatchObject({ path: '/v1/videos/omni-video', route: 'omni-video' });
    expect(request.body).toMatchObject({
      model_name: 'kling-v3-omni',
      image_list: [{ image_url: img }, { image_url: img2 }],
      element_list: [{ element_id: 7 }],
    });
  });
  it('providerOptions.kling adds raw fields (cfg_scale); a mapped field is refused', () => {
    expect(wire({ prompt: 'p', providerOptions: { kling: { cfg_scale: 0.4 } } })).toMatchObject({
      cfg_scale: 0.4,
    });
    expect(() => wire({ prompt: 'p', providerOptions: { kling: { mode: 'pro' } } })).toThrow();
  });
  it('what the legacy standard would drop is refused, naming the field', () => {
    const refused = (input: VideoRequest, field: string) => {
      const error = (() => {
        try {
          wire(input);
        } catch (e) {
          return e;
        }
      })();
      expect(KlingUnsupportedError.is(error), field).toBe(true);
      expect((error as KlingUnsupportedError).field).toBe(field);
      expect((error as Error).message).toMatch(/legacy standard/);
    };
    refused({ prompt: 'p', multiShot: { type: 'customize', shots } }, 'prompt');
    refused({ startImage: img }, 'prompt');
    refused({ prompt: 'p', startImage: img, aspectRatio: '16:9' }, 'aspectRatio');
    refused({ prompt: 'p', referenceVideos: ['https://cdn.example.com/v.mp4'] }, 'referenceVideos');
  });
});

describe('kling legacy replies', () => {
  const record = (fields: Record<string, unknown>) => ({
    code: 0,
    message: 'SUCCEED',
    request_id: 'r',
    data: {
      task_id: '867283741759111202',
      task_status: 'processing',
      task_info: { external_task_id: 'ext-1' },
      created_at: 1722769557708,
      updated_at: 1722769557708,
      ...fields,
    },
  });
  it('parseSubmit reads data.task_id', () => {
    expect(klingLegacy.parseSubmit(record({ task_status: 'submitted' }))).toEqual({
      id: '867283741759111202',
    });
    expect(() => klingLegacy.parseSubmit({ code: 0, data: { id: 'x' } })).toThrow(KlingResponseError);
  });
  it('submitted, processing, succeed (videos expiring 30 days after the update, units charged), failed', () => {
    expect(klingLegacy.parseTask(record({ task_status: 'submitted' }), context).status).toBe('queued');
    expect(klingLegacy.parseTask(record({}), context).status).toBe('running');
    const done = klingLegacy.parseTask(
      record({
        task_status: 'succeed',
        final_unit_deduction: '4.5',
        task_result: { videos: [{ id: 'v', url: 'https://cdn.example.com/v.mp4', duration: '5.0' }] },
      }),
      context,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      videos: [
        { url: 'https://cdn.example.com/v.mp4', expiresAt: new Date(1722769557708 + 30 * 86_400_000) },
      ],
      cost: { amount: 4.5, unit: 'credits', reserved: false },
    });
    const failed = klingLegacy.parseTask(
      record({ task_status: 'failed', task_status_msg: 'Content policy violation' }),
      context,
    );
    expect(failed).toMatchObject({ status: 'failed', error: { message: 'Content policy violation' } });
    expect(() => klingLegacy.parseTask({ code: 0, data: [] }, context)).toThrow(KlingResponseError);
  });
  it('the status path is the route the handle kept; a bare id is a KlingValidationError', () => {
    expect(klingLegacy.statusRequest('1 2', { paths, route: 'image2video' }).path).toBe(
      '/v1/videos/image2video/1%202',
    );
    expect(() => klingLegacy.statusRequest('123', { paths })).toThrow(KlingValidationError);
    // A status path the caller set (endpoints.status) is used as given.
    expect(klingLegacy.statusRequest('123', { paths: { ...paths, status: '/proxy/{id}' } }).path).toBe(
      '/proxy/123',
    );
  });
  it('the new-standard adapter reads a legacy route and reply too', () => {
    expect(kling.statusRequest('9', { paths: kling.paths, route: 'omni-video' }).path).toBe(
      '/v1/videos/omni-video/9',
    );
    expect(kling.statusRequest('9', { paths: kling.paths }).path).toBe('/tasks?task_ids=9');
    const videos = { videos: [{ url: 'https://cdn.example.com/v.mp4' }] };
    expect(kling.parseTask(record({ task_status: 'succeed', task_result: videos }), context)).toMatchObject({
      id: '867283741759111202',
      status: 'succeeded',
    });
  });
  it('the lookup by external id is the query under the kind (text-to-video without a route)', () => {
    expect(klingLegacy.lookupRequest?.('ext 1', { paths })?.path).toBe('/v1/videos/text2video/ext%201');
    expect(klingLegacy.lookupRequest?.('ext-1', { paths, route: 'omni-video' })?.path).toBe(
      '/v1/videos/omni-video/ext-1',
    );
    expect(klingLegacy.parseLookup?.(record({}), context)?.id).toBe('867283741759111202');
  });
  it('the client picks the adapter by the standard; errors and callbacks are shared', () => {
    expect(adapterFor('kling')).toBe(kling);
    expect(adapterFor('kling', 'new')).toBe(kling);
    expect(adapterFor('kling', 'legacy')).toBe(klingLegacy);
    expect(adapterFor('evolink', 'legacy').id).toBe('evolink');
    expect(klingLegacy.parseError).toBe(kling.parseError);
    expect(klingLegacy.externalIds).toBe(true);
    expect(klingLegacy.maxBatchStatusIds).toBeUndefined();
  });
});

describe('kling access-key tokens (HS256 JWT)', () => {
  const keys = { accessKey: 'ak-test-1', secretKey: 'sk-secret-test-1' };
  const decode = (token: string) =>
    token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  it('header {alg: HS256, typ: JWT}; iss the access key, exp now + 1800 s, nbf now - 5 s; verifiable', () => {
    const now = Date.parse('2026-12-03T12:00:00.750Z');
    const token = signKlingToken(keys, now);
    const seconds = Math.floor(now / 1000);
    expect(decode(token)).toEqual([
      { alg: 'HS256', typ: 'JWT' },
      { iss: 'ak-test-1', exp: seconds + 1800, nbf: seconds - 5 },
    ]);
    expect(token.startsWith(`${KLING_JWT_HEADER}.`)).toBe(true);
    // The simulator's verifier, written from the docs apart from this module.
    expect(verifyKlingJwt(token, keys, seconds)).toEqual({ ok: true });
    expect(verifyKlingJwt(token, { ...keys, secretKey: 'other' }, seconds)).toMatchObject({ ok: false });
  });
  it('is reused while more than 5 minutes are left, then signed again', () => {
    let now = Date.parse('2026-12-03T12:00:00Z');
    const auth = klingJwtAuth(keys, () => now);
    const first = auth().authorization;
    expect(first).toMatch(/^Bearer /);
    now += 24 * 60_000;
    expect(auth().authorization).toBe(first);
    now += 60_001; // 25 min and a bit: under 5 min left
    const second = auth().authorization;
    expect(second).not.toBe(first);
    expect(decode(second?.slice(7) ?? '')[1].exp).toBe(Math.floor(now / 1000) + 1800);
  });
});

describe('kling client options: access and secret keys, klingApi', () => {
  const issues = (options: Record<string, unknown>) => {
    try {
      new KlingClient(options as never);
      return [];
    } catch (error) {
      if (!KlingValidationError.is(error)) throw error;
      return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    }
  };
  const saved = { ...process.env };
  beforeEach(() => {
    for (const name of ['KLING_API_KEY', 'KLING_ACCESS_KEY', 'KLING_SECRET_KEY']) delete process.env[name];
  });
  afterAll(() => {
    process.env = saved;
  });
  it('access without secret, secret without access: each missing one named', () => {
    expect(issues({ gateway: 'kling', accessKey: 'ak' })).toEqual([
      expect.stringMatching(/^secretKey: is missing/),
    ]);
    expect(issues({ gateway: 'kling', secretKey: 'sk' })).toEqual([
      expect.stringMatching(/^accessKey: is missing/),
    ]);
  });
  it("the pair with klingApi 'new' is refused (API key only); both an API key and the pair too", () => {
    expect(issues({ gateway: 'kling', accessKey: 'ak', secretKey: 'sk', klingApi: 'new' })).toEqual([
      expect.stringMatching(/^klingApi: 'new' takes an API key only/),
    ]);
    expect(issues({ gateway: 'kling', apiKey: 'k-1234', accessKey: 'ak', secretKey: 'sk' })).toEqual([
      expect.stringMatching(/^accessKey: give apiKey or accessKey \+ secretKey, not both/),
    ]);
    expect(issues({ gateway: 'kling', apiKey: 'k-1234', klingApi: 'old' })).toEqual([
      expect.stringMatching(/^klingApi: must be 'new' or 'legacy'/),
    ]);
  });
  it('no credentials names both ways; the options belong to gateway kling only', () => {
    expect(issues({ gateway: 'kling' })).toEqual([
      expect.stringMatching(/^apiKey: .*accessKey \+ secretKey/),
    ]);
    expect(issues({ gateway: 'evolink', apiKey: 'k-1234', accessKey: 'ak', klingApi: 'legacy' })).toEqual([
      expect.stringMatching(/^accessKey: is only for gateway 'kling'/),
      expect.stringMatching(/^klingApi: is only for gateway 'kling'/),
    ]);
  });
  it('the pair from the environment alone is the legacy standard; an API key wins over it', async () => {
    process.env.KLING_ACCESS_KEY = 'ak';
    process.env.KLING_SECRET_KEY = 'sk';
    expect(issues({ gateway: 'kling' })).toEqual([]);
    process.env.KLING_API_KEY = 'k-1234';
    expect(issues({ gateway: 'kling', klingApi: 'new' })).toEqual([]);
  });
});

describe('kling legacy end to end on loopback (the simulator’s legacy routes)', () => {
  let sim: RunningSimulator;
  const clients: KlingClient[] = [];
  const make = (options: Record<string, unknown>) => {
    const client = new KlingClient({
      gateway: 'kling',
      baseUrl: sim.url,
      clock: sim.clientClock,
      ...options,
    } as never);
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 15, requireExplicitDefaults: true });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await sim.close();
  });
  beforeEach(() => sim.reset());

  it('an API key on the legacy standard: create, wait under the route, the units charged', async () => {
    const client = make({ apiKey: 'sk-sim', klingApi: 'legacy' });
    const handle = await client.submit({ prompt: 'a fox', mode: 'pro', sound: true, duration: 5 });
    expect(handle.route).toBe('text2video');
    expect(sim.tasks()[0]?.request).toMatchObject({
      model_name: 'kling-v3',
      external_task_id: handle.externalId,
    });
    const task = await client.wait(handle);
    expect(task.cost).toEqual({ amount: 6, unit: 'credits', reserved: false });
    const reads = sim.stats.requests.filter((r) => r.op === 'status');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.path === `/v1/videos/text2video/${handle.id}`)).toBe(true);
    // A saved handle (JSON) keeps the route.
    const again = await client.getTask(JSON.parse(JSON.stringify(handle)));
    expect(again.status).toBe('succeeded');
  });
  it('negativePrompt: sent on the legacy standard (which takes it), refused before sending on the new', async () => {
    const legacy = make({ apiKey: 'sk-sim', klingApi: 'legacy' });
    const request = { prompt: 'a fox', negativePrompt: 'blur', duration: 5 } as const;
    expect(legacy.estimate(request).gateway).toBe('kling');
    await legacy.submit(request);
    expect(sim.tasks()[0]?.request).toMatchObject({ negative_prompt: 'blur' });
    const current = make({ apiKey: 'sk-sim' });
    const error = await current.submit(request).catch((e: unknown) => e);
    expect(KlingUnsupportedError.is(error)).toBe(true);
    expect(String(error)).toContain('negative_prompt');
    expect(sim.tasks()).toHaveLength(1);
    // The router checks each client on its own standard: a legacy kling client serves the request.
    const router = new KlingRouter({ clients: [legacy] });
    const routed = await router.submit(request);
    expect(routed.gateway).toBe('kling');
    expect(sim.tasks()).toHaveLength(2);
  });

  it('image-to-video and omni are created on their paths and read under them', async () => {
    const client = make({ apiKey: 'sk-sim', klingApi: 'legacy' });
    const cases: [VideoRequest, string][] = [
      [{ prompt: 'p', startImage: img }, 'image2video'],
      [{ prompt: 'p', referenceImages: [img] }, 'omni-video'],
    ];
    for (const [request, route] of cases) {
      const handle = await client.submit(request);
      expect(handle.route).toBe(route);
      expect((await client.wait(handle)).status).toBe('succeeded');
    }
    expect(sim.stats).toMatchObject({ rejected: { kling: 0 }, created: { kling: 2 } });
  });
  it('a client on the new standard reads a legacy handle where it lives (its route)', async () => {
    const legacy = make({ apiKey: 'sk-sim', klingApi: 'legacy' });
    const handle = await legacy.submit({ prompt: 'p', startImage: img });
    await legacy.wait(handle);
    const fresh = make({ apiKey: 'sk-sim' });
    const task = await fresh.getTask(JSON.parse(JSON.stringify(handle)));
    expect(task).toMatchObject({ id: handle.id, status: 'succeeded' });
    expect(sim.stats.requests.at(-1)?.path).toBe(`/v1/videos/image2video/${handle.id}`);
  });
  it('recover: the record looks the task up by its external id under its kind; an unknown id proves nothing', async () => {
    const client = make({ apiKey: 'sk-sim', klingApi: 'legacy' });
    let record: SubmitRecord | undefined;
    const handle = await client.submit(
      { prompt: 'p', startImage: img },
      {
        onBeforeSend: (r) => {
          record = r;
        },
      },
    );
    if (record === undefined) throw new Error('no record');
    const found = await client.recover(record);
    expect(found).toMatchObject({ found: true, handle: { id: handle.id, route: 'image2video' } });
    expect(sim.stats.requests.at(-1)?.path).toBe(`/v1/videos/image2video/${handle.externalId}`);
    // An id no task carries: the legacy query answers an error, which is no proof of absence.
    const unknown = await client.recover({ ...record, externalId: 'never-sent' }).catch((e: unknown) => e);
    expect(KlingApiError.is(unknown)).toBe(true);
  });
  it('access and secret keys sign the requests (legacy by default); the token and secret are in no error', async () => {
    const client = make({ ...KLING_SIM_CREDENTIALS });
    const task = await client.generate({ prompt: 'a fox' });
    expect(task.status).toBe('succeeded');
    expect(sim.stats.requests.filter((r) => r.status === 401)).toHaveLength(0);

    // A gateway that echoes the Authorization header and the secret in an error.
    let sent = '';
    const echo = make({
      ...KLING_SIM_CREDENTIALS,
      maxRetries: 0,
      fetch: async (_url: string, init: RequestInit) => {
        sent = new Headers(init.headers).get('authorization') ?? '';
        const body = {
          code: 1201,
          message: `bad ${sent} ${KLING_SIM_CREDENTIALS.secretKey}`,
          request_id: 'r',
        };
        return new Response(JSON.stringify(body), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    const error = await echo.submit({ prompt: 'p' }).catch((e: unknown) => e);
    expect(KlingApiError.is(error)).toBe(true);
    const token = sent.replace(/^Bearer /, '');
    expect(token.split('.')).toHaveLength(3);
    const shown = `${String(error)} ${JSON.stringify(error)}`;
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(KLING_SIM_CREDENTIALS.secretKey);
    expect(shown).toContain('[redacted]');
  });
  it('a wrong secret: the simulator refuses the token (401, code 1002)', async () => {
    const client = make({
      accessKey: KLING_SIM_CREDENTIALS.accessKey,
      secretKey: 'wrong-secret',
      maxRetries: 0,
    });
    const error = await client.submit({ prompt: 'p' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: '1002', taskState: 'not-created' });
    expect(String(error)).not.toContain('wrong-secret');
  });
});
