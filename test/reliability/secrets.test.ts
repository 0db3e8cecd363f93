/**
 * The API key never leaks: not in an error message, JSON.stringify(error), util.inspect(error),
 * util.inspect(client) or a logger call, on every error path, even when a gateway echoes the key back.
 * And it is sent only to the configured origin: not to video hosts, not through redirects.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GatewayId,
  KlingClient,
  type KlingClientOptions,
  KlingError,
  KlingTaskFailedError,
  KlingTimeoutError,
} from '../../src/index.js';
import { json, networkError, type Step, scriptedFetch } from '../helpers/scripted-fetch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { figure } from './figures.js';

const KEY = 'sk-live-SECRET-7f3a9c2e41d8';
const logs: string[] = [];
const logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (message: string, meta?: Record<string, unknown>) =>
      logs.push(`${level} ${message} ${inspect(meta, { depth: 10 })}`),
  ]),
);

function clientWith(gateway: GatewayId, steps: Step[], extra: Partial<KlingClientOptions> = {}) {
  const { fetch } = scriptedFetch(steps);
  return new KlingClient({
    gateway,
    apiKey: KEY,
    baseUrl: 'https://gw.test',
    fetch,
    logger,
    clock: new VirtualClock(),
    ...extra,
  });
}

/** Every way a call can fail, most of them with the key echoed back by the "gateway". */
const paths: [string, () => Promise<unknown>][] = [
  ['validation', () => clientWith('evolink', []).submit({ prompt: 'p', duration: 99 })],
  [
    'unsupported',
    () => clientWith('modellix', []).submit({ prompt: 'p', startImage: 'https://e.com/a.png' }),
  ],
  ['budget', () => clientWith('evolink', []).submit({ prompt: 'p', mode: 'pro' }, { maxCost: 0.01 })],
  [
    '401 echoing the key',
    () => clientWith('evolink', [json(401, { error: { message: `bad key ${KEY}` } })]).getTask('t'),
  ],
  [
    '403 HTML echoing the key',
    () => clientWith('apiframe', [{ status: 403, text: `<h1>Forbidden for ${KEY}</h1>` }]).getTask('t'),
  ],
  [
    '402',
    () =>
      clientWith('apiframe', [
        json(402, { error: `Insufficient credits for key ${KEY}`, creditsRequired: 1 }),
      ]).submit({ prompt: 'p' }),
  ],
  [
    '404',
    () => clientWith('modellix', [json(404, { code: 404, message: `Not found: ${KEY}` })]).getTask('t'),
  ],
  [
    '429 after retries',
    () =>
      clientWith('evolink', [json(429, { error: { message: KEY } }, { 'retry-after': '1' })]).getTask('t'),
  ],
  [
    '5xx on a submit (uncertain)',
    () => clientWith('evolink', [json(500, { error: { message: `boom ${KEY}` } })]).submit({ prompt: 'p' }),
  ],
  [
    'reset on a submit (uncertain)',
    () => clientWith('modellix', [networkError('ECONNRESET')]).submit({ prompt: 'p' }),
  ],
  [
    'connection error whose cause echoes the key',
    () =>
      clientWith('evolink', [
        { throws: Object.assign(new TypeError('fetch failed'), { cause: new Error(`refused for ${KEY}`) }) },
      ]).getTask('t'),
  ],
  [
    '2xx that is not JSON, echoing the key',
    () =>
      clientWith('evolink', [{ status: 200, text: `<html>${KEY}</html>` }]).getTask('t', { maxRetries: 0 }),
  ],
  [
    '2xx create with no id, echoing the key',
    () => clientWith('apiinone', [json(200, { message: KEY })]).submit({ prompt: 'p' }),
  ],
  [
    'task failed',
    () =>
      clientWith('evolink', [
        json(200, { id: 't', status: 'failed', error: { code: 'x', message: 'blocked' } }),
      ]).wait('t'),
  ],
  [
    'wait deadline',
    () =>
      clientWith('evolink', [json(200, { id: 't', status: 'processing' })]).wait('t', { timeoutMs: 60_000 }),
  ],
  ['resume garbage', async () => clientWith('evolink', []).resume(`{"v":2,"key":"x"}`)],
  ['no key configured', async () => new KlingClient({ gateway: 'evolink', apiKey: '' })],
  [
    'plain-http base URL',
    async () => new KlingClient({ gateway: 'evolink', apiKey: KEY, baseUrl: 'http://api.evolink.ai' }),
  ],
];

describe('the key in errors and logs', () => {
  it.each(paths)('%s', async (_, run) => {
    const error = await run().then(
      () => {
        throw new Error('expected an error');
      },
      (e: unknown) => e,
    );
    expect(KlingError.is(error), String(error)).toBe(true);
    const surfaces = [
      String(error),
      (error as Error).message,
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
    ];
    for (const surface of surfaces) expect(surface).not.toContain(KEY);
  });

  it('not in util.inspect(client), JSON.stringify(client) or any logger call', () => {
    const client = clientWith('apiframe', []);
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(JSON.stringify(client)).not.toContain(KEY);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((line) => line.includes(KEY))).toEqual([]);
    figure(
      'secrets',
      `${paths.length} error paths (most with the key echoed back by the gateway) × 4 surfaces, util.inspect(client) and ${logs.length} logger calls: 0 occurrences of the key`,
    );
  });
});

/** Every 8-character piece of the key found in `text` (an excerpt cut mid-key leaks a prefix). */
function pieces(text: string): string[] {
  const found = new Set<string>();
  for (let i = 0; i + 8 <= KEY.length; i++)
    if (text.includes(KEY.slice(i, i + 8))) found.add(KEY.slice(i, i + 8));
  return [...found];
}

describe('the key echoed into structured fields (raw, error.message, status word, logger metadata)', () => {
  const lines: string[] = [];
  const recording = Object.fromEntries(
    (['debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (message: string, meta?: Record<string, unknown>) =>
        lines.push(`${level} ${message} ${inspect(meta, { depth: null, showHidden: true })}`),
    ]),
  );
  const clientOf = (gateway: GatewayId, steps: Step[], extra: Partial<KlingClientOptions> = {}) =>
    clientWith(gateway, steps, { logger: recording, ...extra });
  const surfaces = (value: unknown) => [
    String(value),
    JSON.stringify(value) ?? String(value),
    inspect(value, { depth: null, showHidden: true }),
  ];
  /** Asserts no piece of the key on any surface of `value` nor in any logger line so far. */
  const expectClean = (value: unknown) => {
    for (const surface of surfaces(value)) expect(pieces(surface), surface.slice(0, 300)).toEqual([]);
    expect(lines.filter((line) => pieces(line).length > 0)).toEqual([]);
  };
  const expectError = async (promise: Promise<unknown>, is: (e: unknown) => boolean) => {
    const error = await promise.then(
      () => {
        throw new Error('expected an error');
      },
      (e: unknown) => e,
    );
    expect(is(error), String(error)).toBe(true);
    expectClean(error);
    return error;
  };

  it('a status reply echoing the key: the returned task (raw) holds none of it', async () => {
    const client = clientOf('evolink', [
      json(200, { id: 't', status: 'processing', echo: { nested: [`key=${KEY}`] }, [KEY]: KEY }),
    ]);
    const task = await client.getTask('t');
    expect(task.status).toBe('running');
    expectClean(task);
  });

  it('every gateway: the key in a succeeded task raw is gone from what wait returns', async () => {
    const replies: [GatewayId, unknown][] = [
      ['evolink', { id: 't', status: 'completed', results: ['https://cdn.example.com/v.mp4'], note: KEY }],
      [
        'apiframe',
        { id: 't', status: 'completed', result: { videoUrl: 'https://cdn.example.com/v.mp4' }, note: KEY },
      ],
      [
        'modellix',
        {
          code: 0,
          data: {
            task_id: 't',
            status: 'success',
            result: { resources: ['https://cdn.example.com/v.mp4'] },
            note: KEY,
          },
        },
      ],
      [
        'apiinone',
        {
          code: 200,
          data: { task_id: 't', status: 'completed', video_url: 'https://cdn.example.com/v.mp4', note: KEY },
        },
      ],
    ];
    for (const [gateway, reply] of replies) {
      const task = await clientOf(gateway, [json(200, reply)]).getTask('t');
      expectClean(task);
    }
  });

  it('a failed task whose error message echoes the key: KlingTaskFailedError (message, task.error, task.raw)', async () => {
    const client = clientOf('evolink', [
      json(200, {
        id: 't',
        status: 'failed',
        error: { code: 'x', message: `rejected for key ${KEY}` },
        key: KEY,
      }),
    ]);
    const error = await expectError(client.wait('t'), KlingTaskFailedError.is);
    expect(JSON.stringify((error as KlingTaskFailedError).task)).toContain('rejected for key [redacted]');
  });

  it('an unknown status word that is the key: the task, the warning, and the timeout lastTask', async () => {
    const client = clientOf('evolink', [json(200, { id: 't', status: KEY, progress: 10, echo: KEY })]);
    const task = await client.getTask('t');
    expect(task).toMatchObject({ statusUnknown: true, vendorStatus: '[redacted]' });
    expectClean(task);
    expect(lines.some((line) => line.includes('unknown task status'))).toBe(true);
    await expectError(client.wait('t', { timeoutMs: 60_000 }), KlingTimeoutError.is);
  });

  it('the retry debug line (logged before the error is scrubbed)', async () => {
    const client = clientOf('evolink', [
      { throws: new TypeError(`fetch failed for ${KEY}`) },
      json(200, { id: 't', status: 'processing' }),
    ]);
    await client.getTask('t');
    expect(lines.some((line) => line.includes('kling-sdk: retrying'))).toBe(true);
    expectClean(undefined);
  });

  it('a request id header echoing the key (KlingApiError.requestId)', async () => {
    const client = clientOf('modellix', [json(400, { code: 400, message: 'no' }, { 'x-request-id': KEY })]);
    await expectError(client.getTask('t'), KlingError.is);
  });

  it.each([100, 105, 110, 115, 119])(
    'an excerpt cut in the middle of the key (key at %i): none of it, 2xx and 4xx',
    async (at) => {
      const text = `${'x'.repeat(at)}${KEY} and more text after it`;
      await expectError(
        clientOf('evolink', [{ status: 200, text }]).getTask('t', { maxRetries: 0 }),
        KlingError.is,
      );
      await expectError(
        clientOf('evolink', [{ status: 400, text: `<p>${text}</p>` }]).getTask('t'),
        KlingError.is,
      );
      // A reply cut upstream in the middle of the key (a prefix is all there is).
      await expectError(
        clientOf('evolink', [{ status: 200, text: `${'x'.repeat(at)}${KEY.slice(0, 14)}` }]).getTask('t', {
          maxRetries: 0,
        }),
        KlingError.is,
      );
    },
  );

  it('a create reply with no id echoing the key in a long body (an excerpt of it)', async () => {
    const body = { message: 'y'.repeat(170), key: KEY };
    await expectError(clientOf('apiinone', [json(200, body)]).submit({ prompt: 'p' }), KlingError.is);
  });

  it('a key spelled with JSON escapes is redacted too', async () => {
    const escaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const client = clientOf('evolink', [
      { status: 200, text: `{"id":"t","status":"processing","m":"${escaped}"}` },
    ]);
    expectClean(await client.getTask('t'));
  });

  it('summary', () => {
    expect(lines.length).toBeGreaterThan(0);
    figure(
      'secrets (structured)',
      `key echoed in raw, error.message, status word, request id, retry line, excerpts cut mid-key: 0 pieces of 8+ characters in tasks, JSON.stringify/util.inspect of errors and ${lines.length} logger lines`,
    );
  });
});

describe('where the key goes', () => {
  let api: Server;
  let other: Server;
  let apiOrigin: string;
  let otherOrigin: string;
  const seenByOther: IncomingHttpHeaders[] = [];
  let dir: string;

  beforeAll(async () => {
    other = createServer((req, res) => {
      seenByOther.push(req.headers);
      res.writeHead(200, { 'content-length': '4' });
      res.end('mp4!');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    // The "gateway" redirects every request to the other host.
    api = createServer((req, res) => {
      res.writeHead(307, { location: `${otherOrigin}${req.url}` });
      res.end();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiOrigin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'kling-secrets-'));
  });
  afterAll(async () => {
    for (const s of [api, other]) {
      s.closeAllConnections();
      s.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['undici', 'fetch'] as const)('redirects are not followed (%s transport)', async (transport) => {
    const client = new KlingClient({
      gateway: 'evolink',
      apiKey: KEY,
      baseUrl: apiOrigin,
      maxRetries: 0,
      ...(transport === 'fetch' ? { fetch: globalThis.fetch } : {}),
    });
    const error = await client.getTask('t').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/HTTP 307.*redirects are not followed/);
    expect(seenByOther).toHaveLength(0);
    await client.close();
  });

  it('downloads send no key to the video host', async () => {
    const client = new KlingClient({ gateway: 'evolink', apiKey: KEY, baseUrl: apiOrigin });
    await client.download(
      {
        id: 't',
        gateway: 'evolink',
        raw: {},
        status: 'succeeded',
        videos: [{ url: `${otherOrigin}/v.mp4` }],
      },
      join(dir, 'v.mp4'),
    );
    expect(seenByOther).toHaveLength(1);
    expect(JSON.stringify(seenByOther[0])).not.toContain(KEY);
    expect(seenByOther[0]?.authorization).toBeUndefined();
    await client.close();
  });
});
