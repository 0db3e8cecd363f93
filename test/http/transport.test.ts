import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlingConnectionError, KlingResponseError, KlingTimeoutError } from '../../src/errors.js';
import { createTransport, type HttpRequest, type Transport } from '../../src/http/transport.js';

/** A loopback server with a few misbehaving routes. */
let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, auth: req.headers.authorization ?? null }));
    } else if (req.url === '/big') {
      res.write('x'.repeat(64 * 1024));
      res.end('x'.repeat(64 * 1024));
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: `${origin}/ok` });
      res.end();
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
    expect(JSON.parse(response.body)).toEqual({ ok: true, auth: 'Bearer k' });
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
