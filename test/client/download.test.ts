import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  KlingClient,
  type KlingClientOptions,
  KlingConnectionError,
  KlingError,
  KlingFileError,
  KlingResponseError,
  KlingTimeoutError,
  KlingValidationError,
  type SucceededTask,
} from '../../src/index.js';

/** Every request the loopback video server saw (its path). */
let seen: string[] = [];
let server: Server;
let origin: string;
let port: number;
let dir: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/ok.mp4') {
      res.writeHead(200, { 'content-length': '6' });
      res.end('abcdef');
    } else if (req.url === '/cut.mp4') {
      // Promises 1000 bytes, sends 10, then the connection dies.
      res.writeHead(200, { 'content-length': '1000' });
      res.write('0123456789');
      setTimeout(() => res.destroy(), 20);
    } else if (req.url === '/big.mp4') {
      res.writeHead(200);
      res.end(Buffer.alloc(5000));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  dir = await mkdtemp(join(tmpdir(), 'kling-dl-'));
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  seen = [];
});

const taskWith = (url: string): SucceededTask => ({
  id: 't',
  gateway: 'evolink',
  raw: {},
  status: 'succeeded',
  videos: [{ url }],
});
/** A client for the production origin: downloads reach public hosts only. */
const client = (extra: Partial<KlingClientOptions> = {}) =>
  new KlingClient({
    gateway: 'evolink',
    apiKey: 'sk-download-key',
    baseUrl: 'https://api.evolink.ai',
    ...extra,
  });
/** A client whose own base URL is loopback (the simulator's case): loopback videos are fine. */
const loopbackClient = (extra: Partial<KlingClientOptions> = {}) =>
  new KlingClient({ gateway: 'evolink', apiKey: 'sk-download-key', baseUrl: origin, ...extra });
const viaFetch = { fetch: globalThis.fetch } as const;

describe('download', () => {
  it('streams to the path and reports progress', async () => {
    const progress: number[] = [];
    const path = join(dir, 'ok.mp4');
    const result = await loopbackClient().download(taskWith(`${origin}/ok.mp4`), path, {
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(result).toEqual({ path, bytes: 6 });
    expect(await readFile(path, 'utf8')).toBe('abcdef');
    expect(progress.at(-1)).toBe(6);
  });
  it('leaves no file at all when the transfer is cut off', async () => {
    const path = join(dir, 'cut.mp4');
    await expect(loopbackClient().download(taskWith(`${origin}/cut.mp4`), path)).rejects.toSatisfy(
      KlingConnectionError.is,
    );
    expect((await readdir(dir)).filter((f) => f.includes('cut'))).toEqual([]);
  });
  it('caps the size', async () => {
    const path = join(dir, 'big.mp4');
    await expect(
      loopbackClient().download(taskWith(`${origin}/big.mp4`), path, { maxBytes: 1000 }),
    ).rejects.toThrow(KlingResponseError);
    expect((await readdir(dir)).filter((f) => f.includes('big'))).toEqual([]);
  });
  it('downloads only https result URLs (http only on loopback)', async () => {
    await expect(
      client().download(taskWith('http://cdn.example.com/v.mp4'), join(dir, 'x.mp4')),
    ).rejects.toThrow(KlingValidationError);
  });
  it('answers a missing video with a typed error', async () => {
    await expect(
      loopbackClient().download(taskWith(`${origin}/gone.mp4`), join(dir, 'gone.mp4')),
    ).rejects.toMatchObject({
      name: 'KlingNotFoundError',
      status: 404,
    });
  });
  it('a malformed URL or option is a KlingValidationError listing every problem, not a TypeError', async () => {
    for (const url of ['not a url', 'https://exa mple.com/v.mp4', 'https://[::1/v.mp4', '']) {
      const error = await client()
        .download(taskWith(url), join(dir, 'm.mp4'))
        .catch((e: unknown) => e);
      expect(KlingValidationError.is(error), `${url}: ${String(error)}`).toBe(true);
      expect((error as KlingValidationError).issues[0]?.path).toEqual(['videos', 0, 'url']);
    }
    const error = await client()
      .download(taskWith(`${origin}/ok.mp4`), '', {
        index: -1,
        maxBytes: 0,
        timeoutMs: Number.NaN,
        allowPrivateHosts: 'yes' as unknown as boolean,
      })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path[0])).toEqual([
      'path',
      'index',
      'maxBytes',
      'timeoutMs',
      'allowPrivateHosts',
    ]);
    expect(seen).toEqual([]);
  });
});

describe('downloads reach public addresses only (issue 10 item 13)', () => {
  it.each([
    ['undici', {}],
    ['fetch', viaFetch],
  ] as const)(
    '%s: a 127.0.0.1 video with a production baseUrl is refused before any connection',
    async (_, extra) => {
      const error = await client(extra)
        .download(taskWith(`https://127.0.0.1:${port}/ok.mp4`), join(dir, 'a.mp4'))
        .catch((e: unknown) => e);
      expect(KlingValidationError.is(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/127\.0\.0\.1 is a loopback host.*allowPrivateHosts/);
      const plain = await client(extra)
        .download(taskWith(`${origin}/ok.mp4`), join(dir, 'a.mp4'))
        .catch((e: unknown) => e);
      expect(KlingValidationError.is(plain), String(plain)).toBe(true);
      expect(seen).toEqual([]);
      expect(await readdir(dir)).not.toContain('a.mp4');
    },
  );

  it.each([
    ['undici', {}],
    ['fetch', viaFetch],
  ] as const)(
    '%s: allowed when the client’s baseUrl is loopback, or with allowPrivateHosts',
    async (_, extra) => {
      const first = join(dir, 'allowed-1.mp4');
      const second = join(dir, 'allowed-2.mp4');
      await expect(loopbackClient(extra).download(taskWith(`${origin}/ok.mp4`), first)).resolves.toEqual({
        path: first,
        bytes: 6,
      });
      await expect(
        client(extra).download(taskWith(`${origin}/ok.mp4`), second, { allowPrivateHosts: true }),
      ).resolves.toEqual({ path: second, bytes: 6 });
      expect(seen).toEqual(['/ok.mp4', '/ok.mp4']);
      // And the caller can turn it off on a loopback client too.
      await expect(
        loopbackClient(extra).download(taskWith(`${origin}/ok.mp4`), first, { allowPrivateHosts: false }),
      ).rejects.toSatisfy(KlingValidationError.is);
      expect(seen).toHaveLength(2);
    },
  );

  it.each([
    'https://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://[fd00:ec2::254]/latest/meta-data/',
    'https://10.0.0.8/v.mp4',
    'https://100.64.1.1/v.mp4',
    'https://0.0.0.0/v.mp4',
    'https://[::1]/v.mp4',
    'https://[fe80::1]/v.mp4',
    'https://[fd12::1]/v.mp4',
    'https://[::ffff:10.0.0.1]/v.mp4',
    'https://localhost/v.mp4',
    'https://2130706433/v.mp4', // 127.0.0.1, as the URL parser reads it
    'https://intranet/v.mp4',
  ])('%s is refused before DNS or a connection (both transports)', async (url) => {
    let asked = 0;
    let fetched = 0;
    const lookup = async () => {
      asked++;
      return [{ address: '93.184.216.34', family: 4 }];
    };
    const countingFetch: typeof globalThis.fetch = async () => {
      fetched++;
      return new Response('x');
    };
    for (const c of [client(), client({ fetch: countingFetch })]) {
      const error = await c.download(taskWith(url), join(dir, 'm.mp4'), { lookup }).catch((e: unknown) => e);
      expect(KlingValidationError.is(error), String(error)).toBe(true);
      expect((error as KlingValidationError).issues[0]?.path).toEqual(['videos', 0, 'url']);
    }
    expect([asked, fetched]).toEqual([0, 0]);
  });

  it('undici: a name that resolves to a private address is refused by the socket’s own lookup', async () => {
    const asked: string[] = [];
    const error = await client()
      .download(taskWith(`https://videos.example.com:${port}/ok.mp4`), join(dir, 'n.mp4'), {
        lookup: async (hostname) => {
          asked.push(hostname);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /videos\.example\.com resolves to 127\.0\.0\.1, a loopback address/,
    );
    expect(asked).toEqual(['videos.example.com']);
    expect(seen).toEqual([]);
    expect((await readdir(dir)).filter((f) => f.includes('n.mp4'))).toEqual([]);
  });

  it('undici: the socket connects to the address that was checked (a second, rebound answer is never used)', async () => {
    // A rebinding resolver: public first, loopback (our server) after. The check and the connect use
    // one answer, so the loopback server is never reached, whatever happens to the public address.
    let calls = 0;
    const rebinding = async () => {
      calls++;
      return [{ address: calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    };
    const error = await client()
      .download(taskWith(`https://videos.example.com:${port}/ok.mp4`), join(dir, 'r.mp4'), {
        lookup: rebinding,
        timeoutMs: 1500,
      })
      .catch((e: unknown) => e);
    expect(KlingConnectionError.is(error) || KlingTimeoutError.is(error), String(error)).toBe(true);
    expect(calls).toBe(1);
    expect(seen).toEqual([]);
  });

  it('fetch: the host is resolved and checked before fetch is called', async () => {
    let fetched = 0;
    const countingFetch: typeof globalThis.fetch = async () => {
      fetched++;
      return new Response('abcdef', { headers: { 'content-length': '6' } });
    };
    const c = client({ fetch: countingFetch });
    const url = 'https://videos.example.com/v.mp4';
    const refused = await c
      .download(taskWith(url), join(dir, 'f.mp4'), {
        lookup: async () => [{ address: '192.168.1.20', family: 4 }],
      })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(refused) && refused.message).toMatch(/192\.168\.1\.20, a private address/);
    expect(fetched).toBe(0);
    // A public answer, or none at all (a host only msw knows), is left to fetch.
    await c.download(taskWith(url), join(dir, 'f.mp4'), {
      lookup: async () => [{ address: '93.184.216.34', family: 4 }],
    });
    await c.download(taskWith(url), join(dir, 'f2.mp4'), {
      lookup: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    expect(fetched).toBe(2);
  });

  it('a caller’s dispatcher (a proxy, a MockAgent): checked by a lookup first', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://videos.example.com')
      .intercept({ path: '/v.mp4', method: 'GET' })
      .reply(200, 'abcdef', { headers: { 'content-length': '6' } })
      .times(2);
    const c = client({ dispatcher: agent });
    const refused = await c
      .download(taskWith('https://videos.example.com/v.mp4'), join(dir, 'd.mp4'), {
        lookup: async () => [{ address: 'fd00::5', family: 6 }],
      })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(refused) && refused.message).toMatch(/fd00::5, a unique-local address/);
    expect(agent.pendingInterceptors()).toHaveLength(1);
    await expect(
      c.download(taskWith('https://videos.example.com/v.mp4'), join(dir, 'd.mp4'), {
        lookup: async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
        },
      }),
    ).resolves.toMatchObject({ bytes: 6 });
    await agent.close();
  });
});

describe('local file-system failures are KlingFileError naming the path (issue 10 item 14)', () => {
  it('a missing directory: ENOENT, before any request', async () => {
    const path = join(dir, 'no-such-dir', 'v.mp4');
    const error = await loopbackClient()
      .download(taskWith(`${origin}/ok.mp4`), path)
      .catch((e: unknown) => e);
    expect(KlingFileError.is(error), String(error)).toBe(true);
    expect(error).toMatchObject({ path, code: 'ENOENT' });
    expect((error as Error).message).toBe(
      `cannot save the video to '${path}': its directory does not exist (ENOENT)`,
    );
    expect(KlingConnectionError.is(error)).toBe(false);
    expect(KlingError.is(error)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('a directory at the path: EISDIR, before any request; a file in the way: ENOTDIR', async () => {
    const folder = join(dir, 'a-folder');
    await mkdir(folder, { recursive: true });
    await expect(loopbackClient().download(taskWith(`${origin}/ok.mp4`), folder)).rejects.toMatchObject({
      name: 'KlingFileError',
      path: folder,
      code: 'EISDIR',
    });
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await expect(
      loopbackClient().download(taskWith(`${origin}/ok.mp4`), join(file, 'v.mp4')),
    ).rejects.toMatchObject({ name: 'KlingFileError', code: 'ENOTDIR' });
    expect(seen).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'a write that fails mid-stream (EFBIG under a file size limit) is a KlingFileError, and leaves no file',
    async () => {
      const child = join(dir, 'efbig-child.mts');
      const out = join(dir, 'efbig', 'v.mp4');
      await mkdir(join(dir, 'efbig'));
      const index = new URL('../../src/index.ts', import.meta.url).pathname;
      await writeFile(
        child,
        `import { KlingClient } from ${JSON.stringify(index)};
const c = new KlingClient({ gateway: 'evolink', apiKey: 'k', baseUrl: ${JSON.stringify(origin)} });
const task = { id: 't', gateway: 'evolink', raw: {}, status: 'succeeded', videos: [{ url: ${JSON.stringify(`${origin}/big.mp4`)} }] };
const e = await c.download(task, ${JSON.stringify(out)}).then(() => ({ name: 'none' }), (e) => e);
console.log(JSON.stringify({ name: e.name, code: e.code, path: e.path }));
await c.close();`,
      );
      const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
      // 2 KiB limit on files written: the 5,000-byte video cannot be saved.
      // Asynchronously: the video server runs in this process.
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          'sh',
          ['-c', `ulimit -f 2 && exec "${tsx}" "${child}"`],
          { env: { ...process.env, TSX_DISABLE_CACHE: '1' }, encoding: 'utf8' },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        );
      });
      expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({
        name: 'KlingFileError',
        code: 'EFBIG',
        path: out,
      });
      expect(await readdir(join(dir, 'efbig'))).toEqual([]);
    },
    60_000,
  );
});

describe('the caller’s signal keeps no listener per download (issue 10 item 14)', () => {
  it.each([
    ['undici', {}],
    ['fetch', viaFetch],
  ] as const)('%s: 300 downloads (ok, 404, refused) leave 0 abort listeners', async (_, extra) => {
    const controller = new AbortController();
    const { signal } = controller;
    const c = loopbackClient(extra);
    const path = join(dir, `listeners-${_}.mp4`);
    for (let i = 0; i < 100; i++) {
      await c.download(taskWith(`${origin}/ok.mp4`), path, { signal });
      await c.download(taskWith(`${origin}/gone.mp4`), path, { signal }).catch(() => {});
      await c.download(taskWith(`${origin}/cut.mp4`), path, { signal }).catch(() => {});
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await c.close();
  });
});
