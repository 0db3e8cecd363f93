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
import { type GatewayId, KlingClient, type KlingClientOptions, KlingError } from '../../src/index.js';
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
