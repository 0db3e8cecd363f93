/**
 * parseWebhook over the documented payloads: apiframe's signature (HMAC-SHA256 of the raw body keyed
 * with the raw SHA-256 digest of the API key, research/gateways-apiinone-apiframe.md §2.6), computed
 * here independently of the adapter; EvoLink and API in One unsigned; Modellix none.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
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
      parseWebhook({ gateway: 'kling' as ParseWebhookInput['gateway'], rawBody: '{}', headers: {} }),
    );
    expect(KlingValidationError.is(unknown)).toBe(true);
  });
});
