/**
 * parseWebhook over the documented payloads: apiframe's signature (HMAC-SHA256 of the raw body keyed
 * with the raw SHA-256 digest of the API key, research/gateways-apiinone-apiframe.md §2.6), the official
 * Kling API's Standard Webhooks signatures (checked against the spec's and the vendor's published
 * vectors) and fal's Ed25519 ones (a key generated here), each computed here independently of the
 * adapters; EvoLink and API in One unsigned; Modellix none.
 */
import { createHash, createHmac, sign as edSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { readWebhook } from '../../src/client/webhooks.js';
import { clearFalWebhookKeyCache } from '../../src/gateways/fal/webhook.js';
import { ADAPTERS } from '../../src/gateways/index.js';
import { verifyKlingWebhook } from '../../src/gateways/kling/webhook.js';
import {
  type ExpectedTask,
  fetchFalWebhookKeys,
  KlingClient,
  KlingConnectionError,
  KlingResponseError,
  KlingTimeoutError,
  KlingUnsupportedError,
  KlingValidationError,
  KlingWebhookError,
  type ParseWebhookInput,
  parseWebhook,
  type WebhookKeySet,
} from '../../src/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';

const KEY = 'afk_test_0123456789abcdef';

/** The vendor's recipe, written out here: the secret is the digest's 32 raw bytes, not its hex text. */
function sign(body: string | Uint8Array, key = KEY): string {
  const secret = createHash('sha256').update(key).digest();
  return createHmac('sha256', secret).update(body).digest('hex');
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const apiframeEvents = fixtures('apiframe', 'webhook-');
const raw = (name: string) => JSON.stringify(loadFixture('apiframe', name).body);

describe('apiframe signatures', () => {
  it.each(apiframeEvents.map((f) => [f.name, f]))('%s: a good signature verifies', (_, f) => {
    const body = JSON.stringify(f.body, null, 2); // any bytes: the HMAC covers them as sent
    for (const header of [`sha256=${sign(body)}`, sign(body), `sha256=${sign(body).toUpperCase()}`]) {
      const parsed = parseWebhook({
        gateway: 'apiframe',
        rawBody: Buffer.from(body),
        headers: { 'X-Webhook-Signature': header, 'x-webhook-event': 'x' },
        apiKey: KEY,
      });
      expect(parsed.verified).toBe(true);
      expect(parsed.event).toBe((f.body as { event: string }).event);
      expect(parsed.task.raw).toEqual(f.body);
    }
  });

  it('maps the documented events to tasks', () => {
    const read = (name: string) => {
      const body = raw(name);
      return parseWebhook({
        gateway: 'apiframe',
        rawBody: body,
        headers: new Headers({ 'x-webhook-signature': `sha256=${sign(body)}` }),
        apiKey: KEY,
      }).task;
    };
    expect(read('webhook-progress')).toMatchObject({
      id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      gateway: 'apiframe',
      status: 'running',
      progress: 45,
    });
    expect(read('webhook-completed')).toMatchObject({
      status: 'succeeded',
      videos: [{ url: 'https://cdn.apiframe.ai/results/a1b2c3d4.png' }],
      cost: { amount: 10, unit: 'credits', reserved: false },
    });
    expect(read('webhook-failed')).toMatchObject({
      status: 'failed',
      error: { message: 'Provider returned an error: content policy violation' },
    });
  });

  const body = raw('webhook-completed');
  const good = `sha256=${sign(body)}`;
  const cases: [string, Partial<ParseWebhookInput>, RegExp][] = [
    ['a tampered body', { rawBody: body.replace('"progress":100', '"progress":99') }, /does not match/],
    ['one extra byte', { rawBody: `${body}\n` }, /does not match/],
    ['another API key', { apiKey: 'afk_someone_else' }, /does not match/],
    ['no header', { headers: {} }, /no X-Webhook-Signature/],
    ['an empty header', { headers: { 'x-webhook-signature': ' ' } }, /no X-Webhook-Signature/],
    ['a short signature', { headers: { 'x-webhook-signature': good.slice(0, -2) } }, /malformed/],
    ['a long signature', { headers: { 'x-webhook-signature': `${good}00` } }, /malformed/],
    ['not hex', { headers: { 'x-webhook-signature': `sha256=${'z'.repeat(64)}` } }, /malformed/],
    ['another scheme', { headers: { 'x-webhook-signature': `sha1=${sign(body)}` } }, /malformed/],
    ['a doubled header', { headers: { 'x-webhook-signature': [good, good] } }, /malformed/],
    [
      'the hex digest used as the key (the wrong recipe)',
      {
        headers: {
          'x-webhook-signature': createHmac('sha256', createHash('sha256').update(KEY).digest('hex'))
            .update(body)
            .digest('hex'),
        },
      },
      /does not match/,
    ],
  ];
  it.each(cases)('refuses %s with KlingWebhookError, never verified: false', (_, change, message) => {
    const error = thrown(() =>
      parseWebhook({
        gateway: 'apiframe',
        rawBody: body,
        headers: { 'x-webhook-signature': good },
        apiKey: KEY,
        ...change,
      }),
    );
    expect(KlingWebhookError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect((error as Error).message).not.toContain(KEY);
  });

  it('takes the key from APIFRAME_API_KEY, and refuses to check without one', () => {
    const saved = process.env.APIFRAME_API_KEY;
    try {
      process.env.APIFRAME_API_KEY = KEY;
      expect(
        parseWebhook({ gateway: 'apiframe', rawBody: body, headers: { 'x-webhook-signature': good } })
          .verified,
      ).toBe(true);
      delete process.env.APIFRAME_API_KEY;
      const error = thrown(() =>
        parseWebhook({ gateway: 'apiframe', rawBody: body, headers: { 'x-webhook-signature': good } }),
      );
      expect(KlingValidationError.is(error) && error.issues[0]?.path).toEqual(['apiKey']);
    } finally {
      if (saved === undefined) delete process.env.APIFRAME_API_KEY;
      else process.env.APIFRAME_API_KEY = saved;
    }
  });
});

describe('unsigned gateways', () => {
  it.each(fixtures('evolink', 'status-').map((f) => [f.name, f]))(
    'EvoLink %s (a callback is the task query body): verified false',
    (_, f) => {
      const parsed = parseWebhook({ gateway: 'evolink', rawBody: JSON.stringify(f.body), headers: {} });
      expect(parsed.verified).toBe(false);
      expect(parsed.task.gateway).toBe('evolink');
      expect(parsed.task.raw).toEqual(f.body);
    },
  );

  it('API in One: the payload is undocumented, read defensively, raw kept', () => {
    const body = {
      code: 200,
      message: 'success',
      data: { task_id: 'n75abc_kling3', status: 'COMPLETED', video_url: 'https://cdn.example.com/v.mp4' },
    };
    const parsed = parseWebhook({ gateway: 'apiinone', rawBody: JSON.stringify(body), headers: {} });
    expect(parsed).toMatchObject({
      verified: false,
      task: { id: 'n75abc_kling3', status: 'succeeded', videos: [{ url: 'https://cdn.example.com/v.mp4' }] },
    });
    expect(parsed.task.raw).toEqual(body);
  });

  it('a body that is not a task, or not JSON, is a KlingWebhookError', () => {
    for (const rawBody of ['{"hello":"world"}', 'not json', '']) {
      expect(
        KlingWebhookError.is(thrown(() => parseWebhook({ gateway: 'evolink', rawBody, headers: {} }))),
      ).toBe(true);
    }
  });
});

describe('input', () => {
  it('Modellix sends no callbacks', () => {
    const error = thrown(() => parseWebhook({ gateway: 'modellix', rawBody: '{}', headers: {} }));
    expect(KlingUnsupportedError.is(error) && error.gateway).toBe('modellix');
  });

  it('refuses parsed JSON for rawBody, and an unknown gateway', () => {
    const parsedBody = JSON.parse(raw('webhook-completed')) as unknown as string;
    const error = thrown(() => parseWebhook({ gateway: 'evolink', rawBody: parsedBody, headers: {} }));
    expect(KlingValidationError.is(error) && error.issues[0]?.path).toEqual(['rawBody']);
    const unknown = thrown(() =>
      parseWebhook({ gateway: 'nope' as ParseWebhookInput['gateway'], rawBody: '{}', headers: {} }),
    );
    expect(KlingValidationError.is(unknown)).toBe(true);
  });
});

describe('hostile depth (issue 10 item 11): any depth is a KlingWebhookError, never a RangeError', () => {
  const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const deepObject = (n: number, key = 'a') => `${`{"${key}":`.repeat(n)}1${'}'.repeat(n)}`;
  const bodies: [string, string][] = [
    ["'['.repeat(1e6) (not JSON)", '['.repeat(1e6)],
    ['{"a":×1e6 (over the size limit)', '{"a":'.repeat(1e6)],
    // Closed and under 1 MB: JSON.parse builds them, and a recursive walker would overflow.
    ['[…] 500,000 deep', deepArray(500_000)],
    ['{"a":…} 100,000 deep', deepObject(100_000)],
    ['{"data":…} 100,000 deep', deepObject(100_000, 'data')],
    [
      'a task whose results nest 100,000 deep',
      `{"id":"t1","status":"completed","results":${deepArray(100_000)}}`,
    ],
    [
      'a task whose error nests 100,000 deep (read fine, handed out un-walkable)',
      `{"id":"t1","status":"failed","error":${deepObject(100_000)},"data":{"task_id":"t1","status":"FAILED"}}`,
    ],
    ['65 levels', `{"id":"t1","status":"processing","x":${deepArray(64)}}`],
    [
      'an escaped quote does not end a string early',
      `{"id":"t1","status":"processing","x":"\\"]]]]","y":${deepArray(64)}}`,
    ],
  ];
  const cases = (['evolink', 'apiinone', 'apiframe'] as const).flatMap((gateway) =>
    bodies.map(([name, body]) => [gateway, name, body] as const),
  );
  it.each(cases)('%s: %s', (gateway, _, body) => {
    for (const rawBody of [body, new TextEncoder().encode(body)]) {
      const error = thrown(() =>
        parseWebhook({
          gateway,
          rawBody,
          headers: { 'x-webhook-signature': sign(rawBody) }, // apiframe: past the signature check
          apiKey: KEY,
        }),
      );
      expect(error).not.toBeInstanceOf(RangeError);
      expect(KlingWebhookError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(/nests deeper than 64 levels|not JSON|larger than/);
    }
  });

  it('64 levels are read (the limit is not off by one)', () => {
    // Brackets inside strings, at the deepest level, do not count.
    const body = `{"id":"t1","status":"processing","x":${'['.repeat(63)}"[[{{\\"[{"${']'.repeat(63)}}`;
    expect(parseWebhook({ gateway: 'evolink', rawBody: body, headers: {} }).task.id).toBe('t1');
  });

  it('a RangeError inside a gateway reader is refused as a KlingWebhookError, the cause kept', () => {
    const overflow = new RangeError('Maximum call stack size exceeded');
    const spy = vi.spyOn(ADAPTERS.evolink, 'parseWebhook').mockImplementation(() => {
      throw overflow;
    });
    try {
      const error = thrown(() => parseWebhook({ gateway: 'evolink', rawBody: '{"id":"t"}', headers: {} }));
      expect(KlingWebhookError.is(error) && error.cause).toBe(overflow);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('expected (issue 10 item 16): a callback for another task is refused', () => {
  const evolinkBody = (id: string) =>
    JSON.stringify({ id, status: 'completed', results: ['https://cdn.example.com/v.mp4'] });

  it('accepts the expected task, by id or by handle', () => {
    const handle = { gateway: 'evolink' as const, id: 'task-A' };
    for (const expected of ['task-A', handle]) {
      expect(
        parseWebhook({ gateway: 'evolink', rawBody: evolinkBody('task-A'), headers: {}, expected }).task.id,
      ).toBe('task-A');
    }
  });

  it('refuses an unsigned callback naming another task, whatever the body says', () => {
    const error = thrown(() =>
      parseWebhook({ gateway: 'evolink', rawBody: evolinkBody('task-B'), headers: {}, expected: 'task-A' }),
    );
    expect(KlingWebhookError.is(error)).toBe(true);
    expect((error as Error).message).toBe(
      'evolink: the callback is for task "task-B", not the expected "task-A"',
    );
    const aio = JSON.stringify({ data: { task_id: 'task-B', status: 'COMPLETED' } });
    expect(
      KlingWebhookError.is(
        thrown(() => parseWebhook({ gateway: 'apiinone', rawBody: aio, headers: {}, expected: 'task-A' })),
      ),
    ).toBe(true);
  });

  it('refuses a signed apiframe delivery replayed to another job’s URL (the signature covers no URL)', () => {
    const body = raw('webhook-completed'); // job a1b2c3d4-…
    const input = { gateway: 'apiframe' as const, rawBody: body, apiKey: KEY };
    const headers = { 'x-webhook-signature': `sha256=${sign(body)}` };
    expect(parseWebhook({ ...input, headers }).verified).toBe(true);
    const error = thrown(() => parseWebhook({ ...input, headers, expected: 'another-job' }));
    expect(KlingWebhookError.is(error)).toBe(true);
  });

  it('quotes an attacker’s id in the message: control characters escaped, cut short', () => {
    const id = `\u001b]0;pwned\u0007${'x'.repeat(500)}`;
    const message = (
      thrown(() =>
        parseWebhook({ gateway: 'evolink', rawBody: evolinkBody(id), headers: {}, expected: 'A' }),
      ) as Error
    ).message;
    expect([...message].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20)).toBe(false);
    expect(message).toContain('\\u001b]0;pwned\\u0007');
    expect(message.length).toBeLessThan(200);
  });

  it.each([
    ['an empty id', '', ['expected']],
    ['a blank id', '  ', ['expected']],
    ['a number', 42, ['expected']],
    ['null', null, ['expected']],
    ['a handle without an id', { gateway: 'evolink' }, ['expected', 'id']],
    ['a handle of another gateway', { gateway: 'apiframe', id: 'task-A' }, ['expected', 'gateway']],
  ])('refuses %s as expected with a KlingValidationError, before anything else', (_, expected, path) => {
    const error = thrown(() =>
      parseWebhook({
        gateway: 'evolink',
        rawBody: 'not even json',
        headers: {},
        expected: expected as ExpectedTask,
      }),
    );
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path)).toEqual([path]);
  });
});

describe('time', () => {
  it("EvoLink's estimated_time is the seconds remaining, whenever the callback is read", () => {
    const created = Date.parse('2026-11-22T12:00:00Z');
    const body = JSON.stringify({
      id: 't1',
      status: 'processing',
      created: created / 1000,
      task_info: { estimated_time: 100 },
    });
    const at = (now: number) => readWebhook({ gateway: 'evolink', rawBody: body, headers: {} }, now).task;
    expect(at(created + 30_000).etaSeconds).toBe(100);
    expect(at(created + 90_000).etaSeconds).toBe(100);
  });
});

// ---------------------------------------------------------------------------------------------------
// The official Kling API: Standard Webhooks (issue 14 item 6)

/** The recipe, written out here: Base64(HMAC-SHA256(base64decode(secret sans whsec_), "id.ts.body")). */
function klingSign(secret: string, id: string, timestamp: string, body: string | Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

const KLING_SECRET = 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI=';
const KLING_TS = 1_781_080_794;
const KLING_NOW = KLING_TS * 1000;
const klingRecord = JSON.stringify({
  id: '893605946402811985',
  status: 'succeeded',
  message: '',
  create_time: 1781080778802,
  update_time: 1781080794151,
  external_id: 'ext-1',
  outputs: [{ type: 'video', id: 'v1', url: 'https://cdn.klingai.example/v.mp4', duration: '5' }],
  billing: [{ charge_type: 'unit', amount: '3', package_type: 'video' }],
});
const klingHeaders = (body: string, overrides: Record<string, string | undefined> = {}) => {
  const headers: Record<string, string | undefined> = {
    'webhook-id': 'msg-1',
    'webhook-timestamp': String(KLING_TS),
    'webhook-signature': klingSign(KLING_SECRET, 'msg-1', String(KLING_TS), body),
    ...overrides,
  };
  return headers;
};
/** A change to a parse input; `undefined` leaves an option out. */
type Change = { [K in keyof ParseWebhookInput]?: ParseWebhookInput[K] | undefined };
const readKling = (input: Change, now = KLING_NOW) =>
  readWebhook(
    {
      gateway: 'kling',
      rawBody: klingRecord,
      headers: klingHeaders(klingRecord),
      webhookSecret: KLING_SECRET,
      ...input,
    } as ParseWebhookInput,
    now,
  );

describe('kling signatures (Standard Webhooks)', () => {
  const vectors = ['callback-signature-standard-webhooks-vector', 'callback-signature-test-vector'];
  it.each(vectors)('the published vector %s: the recipe reproduces it, and it verifies', (name) => {
    const v = loadFixture('kling', name).body as Record<string, string>;
    const [secret, id, ts, body, expected] = [
      v.secret,
      v.webhookId,
      v.webhookTimestamp,
      v.rawBody,
      v.expectedSignature,
    ] as string[];
    expect(klingSign(secret as string, id as string, ts as string, body as string)).toBe(expected);
    const header = (n: string) =>
      ({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': expected })[n];
    const now = Number(ts) * 1000;
    const check = (b: string, s = secret) =>
      verifyKlingWebhook(new TextEncoder().encode(b), header, { webhookSecret: s, now });
    expect(check(body as string)).toBe(true);
    // The same secret without its prefix (the reference libraries take both).
    expect(check(body as string, (secret as string).replace(/^whsec_/, ''))).toBe(true);
    expect(() => check(`${body} `)).toThrow(/does not match/);
  });

  it('a signed new-standard callback: verified, read as the task record (outputs, billing)', () => {
    const parsed = readKling({});
    expect(parsed.verified).toBe(true);
    expect(parsed.task).toMatchObject({
      id: '893605946402811985',
      gateway: 'kling',
      status: 'succeeded',
      videos: [{ url: 'https://cdn.klingai.example/v.mp4' }],
      cost: { amount: 3, unit: 'credits', reserved: false },
    });
    expect(parsed.task.raw).toEqual(JSON.parse(klingRecord));
    // Header names in any case, a fetch Headers object too.
    expect(
      readKling({ headers: new Headers(klingHeaders(klingRecord) as Record<string, string>) }).verified,
    ).toBe(true);
  });

  it('the documented callback bodies: new standard, its console test callback, legacy', () => {
    const context = { now: KLING_NOW };
    for (const name of ['callback-new', 'callback-test', 'legacy-callback']) {
      const body = loadFixture('kling', name).body;
      const reply = ADAPTERS.kling.parseWebhook?.(body, context);
      expect(reply?.task.raw).toBe(body);
      expect(reply?.task.gateway).toBe('kling');
    }
    expect(
      ADAPTERS.kling.parseWebhook?.(loadFixture('kling', 'callback-test').body, context).task,
    ).toMatchObject({
      id: '913827032734642185',
      status: 'queued',
    });
  });

  it('a legacy callback (task_id, task_status succeed, task_result.videos) is read as the legacy task', () => {
    const legacy = JSON.stringify({
      task_id: '867283741759111202',
      task_status: 'succeed',
      task_status_msg: '',
      created_at: 1781080778802,
      updated_at: 1781080794151,
      final_unit_deduction: '4.5',
      task_info: { external_task_id: 'ext-9' },
      task_result: { videos: [{ id: 'v', url: 'https://cdn.klingai.example/l.mp4', duration: '5.0' }] },
    });
    const parsed = readKling({ rawBody: legacy, headers: klingHeaders(legacy) });
    expect(parsed).toMatchObject({
      verified: true,
      task: {
        id: '867283741759111202',
        status: 'succeeded',
        vendorStatus: 'succeed',
        cost: { amount: 4.5, unit: 'credits', reserved: false },
        videos: [
          { url: 'https://cdn.klingai.example/l.mp4', expiresAt: new Date(1781080794151 + 30 * 86_400_000) },
        ],
      },
    });
    const failed = JSON.stringify({
      task_id: 't2',
      task_status: 'failed',
      task_status_msg: 'Content policy',
    });
    expect(readKling({ rawBody: failed, headers: {}, webhookSecret: undefined }).task).toMatchObject({
      id: 't2',
      status: 'failed',
      error: { message: 'Content policy' },
    });
  });

  const body = klingRecord;
  const good = klingSign(KLING_SECRET, 'msg-1', String(KLING_TS), body);
  const other = klingSign('whsec_b3RoZXJzZWNyZXRvdGhlcnNlY3JldA==', 'msg-1', String(KLING_TS), body);
  const cases: [string, Change, RegExp][] = [
    ['a tampered body', { rawBody: body.replace('"3"', '"0"') }, /does not match/],
    ['one extra byte', { rawBody: `${body}\n` }, /does not match/],
    ['another webhook-id', { headers: klingHeaders(body, { 'webhook-id': 'msg-2' }) }, /does not match/],
    [
      'another timestamp (a replay re-dated)',
      { headers: klingHeaders(body, { 'webhook-timestamp': String(KLING_TS + 1) }) },
      /does not match/,
    ],
    ['another secret', { webhookSecret: 'whsec_b3RoZXJzZWNyZXRvdGhlcnNlY3JldA==' }, /does not match/],
    [
      'no signature header',
      { headers: klingHeaders(body, { 'webhook-signature': undefined }) },
      /no webhook-signature/,
    ],
    ['no id header', { headers: klingHeaders(body, { 'webhook-id': undefined }) }, /no webhook-id/],
    [
      'no timestamp header',
      { headers: klingHeaders(body, { 'webhook-timestamp': undefined }) },
      /no webhook-timestamp/,
    ],
    ['no headers at all', { headers: {} }, /no webhook-id, webhook-timestamp, webhook-signature/],
    [
      'a timestamp in ms',
      { headers: klingHeaders(body, { 'webhook-timestamp': `${KLING_TS}000` }) },
      /malformed|tolerance/,
    ],
    [
      'a timestamp that is not a number',
      { headers: klingHeaders(body, { 'webhook-timestamp': 'soon' }) },
      /malformed/,
    ],
    [
      'only another version',
      { headers: klingHeaders(body, { 'webhook-signature': good.replace('v1,', 'v1a,') }) },
      /malformed/,
    ],
    [
      'a bare signature',
      { headers: klingHeaders(body, { 'webhook-signature': good.slice(3) }) },
      /malformed/,
    ],
    [
      'a truncated signature',
      { headers: klingHeaders(body, { 'webhook-signature': good.slice(0, -4) }) },
      /does not match/,
    ],
    [
      'two wrong signatures',
      { headers: klingHeaders(body, { 'webhook-signature': `${other} ${other}` }) },
      /does not match/,
    ],
  ];
  it.each(cases)('refuses %s with KlingWebhookError, never verified: false', (_, change, message) => {
    const error = thrown(() => readKling(change));
    expect(KlingWebhookError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(JSON.stringify(error)).not.toContain('dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI');
    expect((error as Error).message).not.toContain('dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI');
  });

  it('rotation: any v1 signature of the space-separated list may match, others and other versions skipped', () => {
    const v1a =
      'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==';
    for (const list of [`${other} ${good}`, `${good} ${other}`, `${v1a} ${good}`, `${other}  ${good}`]) {
      expect(readKling({ headers: klingHeaders(body, { 'webhook-signature': list }) }).verified).toBe(true);
    }
    // The receiver still holding the old secret verifies the old signature of a rotation-era delivery.
    const both = `${good} ${other}`;
    const old = 'whsec_b3RoZXJzZWNyZXRvdGhlcnNlY3JldA==';
    expect(
      readKling({ headers: klingHeaders(body, { 'webhook-signature': both }), webhookSecret: old }).verified,
    ).toBe(true);
  });

  it('±5 minutes: 300 s either side of now is accepted, 301 s refused, both ways', () => {
    expect(readKling({}, KLING_NOW + 300_000).verified).toBe(true);
    expect(readKling({}, KLING_NOW - 300_000).verified).toBe(true);
    expect(readKling({}, KLING_NOW + 300_999).verified).toBe(true); // whole seconds
    const late = thrown(() => readKling({}, KLING_NOW + 301_000));
    expect((late as Error).message).toMatch(/301 s old, outside the ±300 s tolerance/);
    const early = thrown(() => readKling({}, KLING_NOW - 301_000));
    expect((early as Error).message).toMatch(/301 s in the future/);
    expect(KlingWebhookError.is(late) && KlingWebhookError.is(early)).toBe(true);
  });

  it('without webhookSecret: a signed callback is refused naming the option; an unsigned one is verified: false', () => {
    const error = thrown(() => readKling({ webhookSecret: undefined }));
    expect(KlingWebhookError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/no webhookSecret was given: pass webhookSecret/);
    // Any one of the headers is enough to say the account signs.
    const oneHeader = thrown(() => readKling({ webhookSecret: undefined, headers: { 'webhook-id': 'x' } }));
    expect(KlingWebhookError.is(oneHeader)).toBe(true);
    const unsigned = readKling({ webhookSecret: undefined, headers: {} });
    expect(unsigned).toMatchObject({
      verified: false,
      task: { id: '893605946402811985', status: 'succeeded' },
    });
    // The API key is never what Kling signs with, and is not needed to read a callback.
    expect(() => readKling({ webhookSecret: undefined, apiKey: KLING_SECRET })).toThrow(/webhookSecret/);
  });

  it.each([
    ['no prefix and not base64', 'not a secret!'],
    ['an empty secret', 'whsec_'],
    ['a number', 42],
    ['base64url', 'whsec_ab-_'],
  ])('refuses %s as webhookSecret with a KlingValidationError, before anything else', (_, secret) => {
    const error = thrown(() => readKling({ webhookSecret: secret as string }));
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path)).toEqual([['webhookSecret']]);
  });

  it('a callback naming another task than expected is refused, signed or not', () => {
    expect(() => readKling({ expected: 'another-task' })).toThrow(/not the expected "another-task"/);
    expect(readKling({ expected: { gateway: 'kling', id: '893605946402811985' } }).verified).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// fal: Ed25519 over documented headers, keys from a JWKS (issue 15 item 5; the recipe is unconfirmed)

function falKeyPair(kid: string): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, jwk: { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid } };
}
const FAL_A = falKeyPair('a');
const FAL_B = falKeyPair('b');
const FAL_JWKS: WebhookKeySet = { keys: [FAL_A.jwk, FAL_B.jwk] };
const FAL_TS = 1_796_320_800;
const FAL_NOW = FAL_TS * 1000;
const FAL_ID = '764cabcf-b745-4b3e-ae38-1200304cf45b';
const falBody = JSON.stringify(loadFixture('fal', 'webhook-ok').body);

/** The recipe as written out in test/fixtures/fal/webhook-signature.jsonc, computed here. */
function falHeaders(
  body: string,
  key: KeyObject = FAL_A.privateKey,
  overrides: Record<string, string | undefined> = {},
  signed: { requestId?: string; userId?: string; timestamp?: string } = {},
): Record<string, string | undefined> {
  const requestId = signed.requestId ?? FAL_ID;
  const userId = signed.userId ?? 'user-42';
  const timestamp = signed.timestamp ?? String(FAL_TS);
  const digest = createHash('sha256').update(body).digest('hex');
  const signature = edSign(null, Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`), key);
  return {
    'x-fal-webhook-request-id': FAL_ID,
    'x-fal-webhook-user-id': 'user-42',
    'x-fal-webhook-timestamp': String(FAL_TS),
    'x-fal-webhook-signature': signature.toString('hex'),
    ...overrides,
  };
}
const readFal = (input: Change, now = FAL_NOW) =>
  readWebhook(
    {
      gateway: 'fal',
      rawBody: falBody,
      headers: falHeaders(falBody),
      webhookKeys: FAL_JWKS,
      ...input,
    } as ParseWebhookInput,
    now,
  );

describe('fal signatures (Ed25519, JWKS)', () => {
  it('a delivery signed per the recipe verifies against the JWKS, by any of its keys (rotation)', () => {
    const parsed = readFal({});
    expect(parsed).toMatchObject({ verified: true, event: 'OK', task: { id: FAL_ID, status: 'succeeded' } });
    expect(readFal({ headers: falHeaders(falBody, FAL_B.privateKey) }).verified).toBe(true);
    expect(readFal({ headers: new Headers(falHeaders(falBody) as Record<string, string>) }).verified).toBe(
      true,
    );
  });

  it('without webhookKeys a delivery is unsigned (verified: false), signature headers or not', () => {
    expect(readFal({ webhookKeys: undefined }).verified).toBe(false);
    expect(readFal({ webhookKeys: undefined, headers: {} }).verified).toBe(false);
    // A garbled signature is not looked at either: nothing claims it verified.
    expect(
      readFal({
        webhookKeys: undefined,
        headers: falHeaders(falBody, undefined, { 'x-fal-webhook-signature': 'zz' }),
      }).verified,
    ).toBe(false);
  });

  const stranger = falKeyPair('stranger');
  const cases: [string, Change, RegExp][] = [
    ['a tampered body', { rawBody: falBody.replace('"OK"', '"ERROR"') }, /does not verify/],
    ['one extra byte', { rawBody: `${falBody}\n` }, /does not verify/],
    [
      'a re-dated timestamp header',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-timestamp': String(FAL_TS + 1) }) },
      /does not verify/,
    ],
    [
      'another request id header',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-request-id': 'x' }) },
      /does not verify/,
    ],
    [
      'another user id header',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-user-id': 'u' }) },
      /does not verify/,
    ],
    ['a key not in the JWKS', { headers: falHeaders(falBody, stranger.privateKey) }, /does not verify/],
    ['a JWKS without the signing key', { webhookKeys: { keys: [FAL_B.jwk] } }, /does not verify/],
    [
      'a signature over another timestamp',
      { headers: falHeaders(falBody, undefined, {}, { timestamp: String(FAL_TS - 10) }) },
      /does not verify/,
    ],
    [
      'no signature header',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-signature': undefined }) },
      /no x-fal-webhook-signature/,
    ],
    [
      'no user id header',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-user-id': undefined }) },
      /no x-fal-webhook-user-id/,
    ],
    ['no headers', { headers: {} }, /no x-fal-webhook-request-id, x-fal-webhook-user-id/],
    [
      'a base64 signature',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-signature': 'AAAA' }) },
      /malformed/,
    ],
    [
      'a timestamp in ms',
      { headers: falHeaders(falBody, undefined, { 'x-fal-webhook-timestamp': `${FAL_TS}000` }) },
      /malformed|tolerance/,
    ],
  ];
  it.each(cases)('refuses %s with KlingWebhookError', (_, change, message) => {
    const error = thrown(() => readFal(change));
    expect(KlingWebhookError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('±5 minutes: 300 s either side of now is accepted, 301 s refused, both ways', () => {
    expect(readFal({}, FAL_NOW + 300_000).verified).toBe(true);
    expect(readFal({}, FAL_NOW - 300_000).verified).toBe(true);
    expect(() => readFal({}, FAL_NOW + 301_000)).toThrow(/301 s old/);
    expect(() => readFal({}, FAL_NOW - 301_000)).toThrow(/301 s in the future/);
  });

  it.each([
    ['not a JWKS', 'keys', [['webhookKeys']]],
    ['no keys', { keys: [] }, [['webhookKeys']]],
    ['an RSA key', { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }, [['webhookKeys', 'keys', 0]]],
    [
      'a short x',
      { keys: [FAL_A.jwk, { kty: 'OKP', crv: 'Ed25519', x: 'abc' }] },
      [['webhookKeys', 'keys', 1]],
    ],
    ['a private key', { keys: [FAL_A.privateKey.export({ format: 'jwk' })] }, [['webhookKeys', 'keys', 0]]],
  ])('refuses %s as webhookKeys with a KlingValidationError naming each bad key', (_, keys, paths) => {
    const error = thrown(() => readFal({ webhookKeys: keys as unknown as WebhookKeySet }));
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path)).toEqual(paths);
  });
});

describe('fetchFalWebhookKeys: once, cached, with a deadline', () => {
  const jwksReply = () =>
    new Response(JSON.stringify({ keys: [FAL_A.jwk, { kty: 'RSA', n: 'x', e: 'AQAB' }] }));

  it('fetches the JWKS, keeps the Ed25519 keys, and reuses it until maxAgeMs', async () => {
    clearFalWebhookKeyCache();
    let now = 1_000;
    const fetch = vi.fn(async () => jwksReply());
    const options = { url: 'https://keys.example/jwks.json', fetch, now: () => now, maxAgeMs: 60_000 };
    const [a, b] = await Promise.all([fetchFalWebhookKeys(options), fetchFalWebhookKeys(options)]);
    expect(a.keys).toEqual([FAL_A.jwk]);
    expect(b).toBe(a);
    expect(fetch).toHaveBeenCalledTimes(1); // concurrent callers share one request
    now += 59_999;
    expect(await fetchFalWebhookKeys(options)).toBe(a);
    expect(fetch).toHaveBeenCalledTimes(1);
    now += 1;
    await fetchFalWebhookKeys(options);
    expect(fetch).toHaveBeenCalledTimes(2);
    // The keys work as webhookKeys.
    expect(readFal({ webhookKeys: a }).verified).toBe(true);
  });

  it('a fetch that does not answer ends at timeoutMs with KlingTimeoutError', async () => {
    clearFalWebhookKeyCache();
    const fetch = vi.fn(
      (_url: unknown, init?: RequestInit) =>
        new Promise<Response>((_, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const error = await fetchFalWebhookKeys({ fetch, timeoutMs: 20 }).catch((e: unknown) => e);
    expect(KlingTimeoutError.is(error)).toBe(true);
    expect(fetch.mock.calls[0]?.[0]).toBe('https://rest.alpha.fal.ai/.well-known/jwks.json');
  });

  it('the caller’s signal aborts it; a refused connection, a non-JWKS and an HTTP error are typed', async () => {
    clearFalWebhookKeyCache();
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(fetchFalWebhookKeys({ fetch: vi.fn(), signal: controller.signal })).rejects.toThrow(
      'shutting down',
    );
    const refused = vi.fn(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(fetchFalWebhookKeys({ fetch: refused })).rejects.toSatisfy(KlingConnectionError.is);
    for (const reply of [
      new Response('<html>'),
      new Response(JSON.stringify({ keys: [{ kty: 'RSA' }] })),
      new Response('{}', { status: 503 }),
    ]) {
      await expect(fetchFalWebhookKeys({ fetch: async () => reply })).rejects.toSatisfy(
        KlingResponseError.is,
      );
    }
  });

  it('refuses a non-https URL and a bad timeout before fetching', async () => {
    const fetch = vi.fn();
    const error = await fetchFalWebhookKeys({
      url: 'http://keys.example/jwks.json',
      timeoutMs: 0,
      fetch,
    }).catch((e: unknown) => e);
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path)).toEqual([
      ['url'],
      ['timeoutMs'],
    ]);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('client options webhookSecret and webhookKeys', () => {
  it('are validated with the other options, every problem listed', () => {
    const error = thrown(
      () =>
        new KlingClient({
          gateway: 'kling',
          apiKey: 'k',
          webhookSecret: 'whsec_!!',
          webhookKeys: { keys: [{ kty: 'RSA' }] },
        }),
    );
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path)).toEqual([
      ['webhookSecret'],
      ['webhookKeys', 'keys', 0],
    ]);
  });
});
