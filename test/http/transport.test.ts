import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlingConnectionError, KlingResponseError, KlingTimeoutError } from '../../src/errors.js';
import { createTransport, type HttpRequest, type Transport } from '../../src/http/transport.js';

const run = promisify(execFile);

/** A loopback server with a few misbehaving routes. */
let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, auth: req.headers.authorization ?? null, path: req.url }));
    } else if (req.url === '/big') {
      res.write('x'.repeat(64 * 1024));
      res.end('x'.repeat(64 * 1024));
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: `${origin}/ok` });
      res.end();
    } else if (req.url === '/ids') {
      res.writeHead(200, [
        ['X-Request-Id', 'a'],
        ['x-request-id', 'b'],
      ]);
      res.end(`{"path":${JSON.stringify(req.url)}}`);
    } else if (req.url === '/hang') {
      // never answers
    } else if (req.url === '/drip') {
      res.writeHead(200);
      res.write('{');
      // then nothing
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const base = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  gateway: 'evolink',
  method: 'GET',
  url: `${origin}${path}`,
  headers: { authorization: 'Bearer k' },
  timeoutMs: 2_000,
  maxBodyBytes: 100_000,
  ...extra,
});

const transports: [string, () => Transport][] = [
  ['undici', () => createTransport()],
  ['fetch', () => createTransport({ fetch: globalThis.fetch })],
];

describe.each(transports)('%s transport', (_, make) => {
  it('answers status, headers and body', async () => {
    const t = make();
    const response = await t.send(base('/ok'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ ok: true, auth: 'Bearer k', path: '/ok' });
    await t.close();
  });
  it('caps the body while streaming', async () => {
    await expect(make().send(base('/big'))).rejects.toThrow(KlingResponseError);
  });
  it('does not follow redirects (the key stays with the configured origin)', async () => {
    const response = await make().send(base('/redirect'));
    expect(response.status).toBe(302);
  });
  it('bounds a reply that never comes, and one that stalls mid-body, by one deadline', async () => {
    await expect(make().send(base('/hang', { timeoutMs: 200 }))).rejects.toThrow(KlingTimeoutError);
    await expect(make().send(base('/drip', { timeoutMs: 200 }))).rejects.toThrow(KlingTimeoutError);
  });
  it('rejects with the caller signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const pending = make().send(base('/hang', { signal: controller.signal }));
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });
  it('reports a refused connection with its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await make()
      .send(base('/ok', { url: `http://127.0.0.1:${port}/ok` }))
      .catch((e: unknown) => e);
    expect(KlingConnectionError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('undici transport', () => {
  it('a later request with a shorter deadline is cut at its own deadline, not the earlier one', async () => {
    const t = createTransport();
    const stopLong = new AbortController();
    const long = t
      .send(base('/hang', { timeoutMs: 20_000, signal: stopLong.signal }))
      .catch((e: unknown) => e);
    const started = performance.now();
    const error = await t.send(base('/hang', { timeoutMs: 100 })).catch((e: unknown) => e);
    expect(KlingTimeoutError.is(error), String(error)).toBe(true);
    // Generous: the point is that it did not wait for the 20 s deadline armed before it.
    expect(performance.now() - started).toBeLessThan(10_000);
    const reason = new Error('done');
    stopLong.abort(reason);
    expect(await long).toBe(reason);
    await t.close();
  });

  it('splits the URL as undici.request does: dot segments resolved, header values joined', async () => {
    const t = createTransport();
    const response = await t.send(base('/x/../ok'));
    expect(JSON.parse(response.body)).toMatchObject({ path: '/ok' });
    const ids = await t.send(base('/ids'));
    expect(ids.headers.get('X-REQUEST-ID')).toBe('a, b');
    expect(ids.headers.get('retry-after')).toBeNull();
    await t.close();
  });

  it('the deadline timer does not keep the process alive after the request', async () => {
    // A child process makes one request with a one-hour deadline, closes everything and must exit.
    const script = `
      import { createServer } from 'node:http';
      import { createTransport } from ${JSON.stringify(resolve(__dirname, '../../src/http/transport.ts'))};
      const server = createServer((req, res) => res.end('{}'));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const t = createTransport();
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      const r = await t.send({ gateway: 'evolink', method: 'GET', url, headers: {}, timeoutMs: 3_600_000, maxBodyBytes: 1000 });
      await t.close();
      server.close();
      console.log('status', r.status);
    `;
    const started = performance.now();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 60_000,
    });
    expect(stdout).toContain('status 200');
    expect(performance.now() - started).toBeLessThan(50_000);
  });
});
