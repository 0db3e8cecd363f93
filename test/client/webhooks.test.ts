/**
 * parseWebhook over the documented payloads: apiframe's signature (HMAC-SHA256 of the raw body keyed
 * with the raw SHA-256 digest of the API key, research/gateways-apiinone-apiframe.md §2.6), computed
 * here independently of the adapter; EvoLink and API in One unsigned; Modellix none.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { readWebhook } from '../../src/client/webhooks.js';
import { ADAPTERS } from '../../src/gateways/index.js';
import {
  type ExpectedTask,
  KlingUnsupportedError,
  KlingValidationError,
  KlingWebhookError,
  type ParseWebhookInput,
  parseWebhook,
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
