/**
 * The exchange and its classifier decide from the request's kind, the gateway's capabilities and the
 * attempt history; no gateway is named in them, so a new gateway needs no edit here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { KlingConnectionError } from '../../src/errors.js';
import { Exchange, type ExchangeConfig } from '../../src/http/exchange.js';
import { DEFAULT_RETRY_POLICY } from '../../src/http/retry.js';
import type { HttpRequest, HttpResponse, Transport } from '../../src/http/transport.js';
import { GATEWAY_IDS } from '../../src/index.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

/** How often p-retry was loaded: it must load on the first failure that may be retried, not at import. */
let pRetryLoads = 0;
vi.mock('p-retry', async (importOriginal) => {
  pRetryLoads++;
  return importOriginal();
});

const HTTP = resolve(__dirname, '../../src/http');

describe('the exchange and the classifier name no gateway', () => {
  it.each(['exchange.ts', 'retry.ts', 'limiter.ts'])('%s', (file) => {
    const text = readFileSync(resolve(HTTP, file), 'utf8');
    // A gateway id standing alone (`kling` the gateway, not `kling-sdk` the package in a log line).
    for (const id of GATEWAY_IDS)
      expect(text, `${file} names ${id}`).not.toMatch(new RegExp(`(?<![\\w-])${id}(?![\\w-])`, 'i'));
    expect(text).not.toMatch(/api in one|evolink|modellix|apiframe/i);
  });
});

/** A transport answering from a script, recording every request it was given. */
function scripted(replies: (HttpResponse | Error)[]) {
  const sent: HttpRequest[] = [];
  const transport: Transport = {
    async send(request) {
      sent.push(request);
      const next = replies.shift();
      if (next === undefined) throw new Error('no reply scripted');
      if (next instanceof Error) throw next;
      return next;
    },
    stream: () => Promise.reject(new Error('not used')),
    close: async () => {},
  };
  return { sent, transport };
}

const reply = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { get: () => null },
  body: JSON.stringify(body),
});

function exchange(transport: Transport, extra: Partial<ExchangeConfig> = {}): Exchange {
  return new Exchange({
    gateway: 'evolink',
    apiKey: 'sk-secret-key-0123',
    baseUrl: 'https://api.example.test',
    uploadBaseUrl: 'https://files.example.test',
    authHeaders: { authorization: 'Bearer sk-secret-key-0123' },
    headers: { accept: 'application/json', authorization: 'Bearer sk-secret-key-0123' },
    parseError: (_status, body) => ({ message: JSON.stringify(body) }),
    dedupes: false,
    transport,
    maxConcurrency: 4,
    clock: new VirtualClock(),
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 2 },
    timeoutMs: 60_000,
    maxResponseBytes: 1_000_000,
    logger: {},
    ...extra,
  });
}

const read = { kind: 'read', method: 'GET', path: '/v1/tasks/t', headers: {} } as const;

describe('the exchange', () => {
  it('loads p-retry only once a failure may be retried', async () => {
    const { transport } = scripted([
      reply(200, { ok: 1 }),
      reply(404, { error: 'nope' }), // a 404 read is not retried: still no p-retry
      reply(503, { error: 'busy' }),
      reply(200, { ok: 2 }),
    ]);
    const http = exchange(transport);
    await expect(http.send(read)).resolves.toEqual({ ok: 1 });
    await expect(http.send(read)).rejects.toMatchObject({ status: 404 });
    expect(pRetryLoads).toBe(0);
    await expect(http.send(read)).resolves.toEqual({ ok: 2 });
    expect(pRetryLoads).toBe(1);
  });

  it('retries by the policy: Retry-After when given, else backoff by retry number; maxRetries bounds them', async () => {
    const busy = (retryAfter?: string): HttpResponse => ({
      status: 503,
      headers: { get: (name) => (name === 'retry-after' ? (retryAfter ?? null) : null) },
      body: '{}',
    });
    const clock = new VirtualClock();
    const withHeader = scripted([busy('1'), busy('2'), busy('3')]);
    await expect(exchange(withHeader.transport, { clock }).send(read)).rejects.toMatchObject({ status: 503 });
    expect(withHeader.sent).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 2000]);

    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    try {
      const backoff = new VirtualClock();
      const plain = scripted([busy(), busy(), busy(), reply(200, { ok: true })]);
      const http = exchange(plain.transport, {
        clock: backoff,
        retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 3 },
      });
      await expect(http.send(read)).resolves.toEqual({ ok: true });
      expect(backoff.sleeps).toEqual([500, 1000, 2000]);
    } finally {
      random.mockRestore();
    }
  });

  it('status reads share one headers object; an authSource is asked once per attempt and wins', async () => {
    const plain = scripted([reply(200, {}), reply(200, {})]);
    const http = exchange(plain.transport);
    await http.send(read);
    await http.send(read);
    expect(plain.sent[0]?.headers).toBe(plain.sent[1]?.headers);

    let n = 0;
    const authSource = vi.fn(() => ({ authorization: `Bearer jwt-${++n}` }));
    const fresh = scripted([reply(500, {}), reply(200, { ok: true }), reply(200, {})]);
    const withJwt = exchange(fresh.transport, { authSource });
    await expect(
      withJwt.send({ ...read, headers: { authorization: 'Bearer from-the-request' } }),
    ).resolves.toEqual({ ok: true });
    await withJwt.send(read);
    expect(authSource).toHaveBeenCalledTimes(3);
    expect(fresh.sent.map((r) => r.headers.authorization)).toEqual([
      'Bearer jwt-1',
      'Bearer jwt-2',
      'Bearer jwt-3',
    ]);
  });

  it('a call that finds every slot taken queues, and its wait counts against its deadline', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: HttpRequest[] = [];
    const transport: Transport = {
      async send(request) {
        sent.push(request);
        if (sent.length === 1) await gate;
        return reply(200, { n: sent.length });
      },
      stream: () => Promise.reject(new Error('not used')),
      close: async () => {},
    };
    const http = exchange(transport, { maxConcurrency: 1 });
    const first = http.send(read);
    const second = http.send(read);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sent).toHaveLength(1);
    expect(http.stats().queued.control).toBe(1);
    release();
    await expect(first).resolves.toEqual({ n: 1 });
    await expect(second).resolves.toEqual({ n: 2 });
    expect(sent[1]?.timeoutMs).toBeLessThan(60_000);
    expect(http.stats()).toMatchObject({ inFlight: 0, queued: { poll: 0, control: 0 } });
  });

  it('a slot taken on the fast path is given back after a failure too', async () => {
    const { transport } = scripted([new KlingConnectionError('evolink: connection failed (ECONNRESET)')]);
    const http = exchange(transport, {
      maxConcurrency: 1,
      retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 0 },
    });
    await expect(http.send(read)).rejects.toBeInstanceOf(KlingConnectionError);
    expect(http.stats().inFlight).toBe(0);
  });

  it('scrubbing redacts the key from an error thrown synchronously or asynchronously', async () => {
    const http = exchange(scripted([]).transport);
    const key = 'sk-secret-key-0123';
    const sync = await http
      .scrubbing(() => {
        throw new Error(`bad ${key}`);
      })
      .catch((e: unknown) => e);
    const later = await http
      .scrubbing(async () => Promise.reject(new Error(`bad ${key}`)))
      .catch((e: unknown) => e);
    for (const error of [sync, later]) expect(String((error as Error).message)).not.toContain(key);
  });
});
