import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KlingClient,
  KlingResponseError,
  KlingValidationError,
  type SucceededTask,
} from '../../src/index.js';

let server: Server;
let origin: string;
let dir: string;
beforeAll(async () => {
  server = createServer((req, res) => {
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
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'kling-dl-'));
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await rm(dir, { recursive: true, force: true });
});

const taskWith = (url: string): SucceededTask => ({
  id: 't',
  gateway: 'evolink',
  raw: {},
  status: 'succeeded',
  videos: [{ url }],
});
const client = () =>
  new KlingClient({ gateway: 'evolink', apiKey: 'sk-download-key', baseUrl: 'https://api.evolink.ai' });

describe('download', () => {
  it('streams to the path and reports progress', async () => {
    const seen: number[] = [];
    const path = join(dir, 'ok.mp4');
    const result = await client().download(taskWith(`${origin}/ok.mp4`), path, {
      onProgress: (p) => seen.push(p.bytes),
    });
    expect(result).toEqual({ path, bytes: 6 });
    expect(await readFile(path, 'utf8')).toBe('abcdef');
    expect(seen.at(-1)).toBe(6);
  });
  it('leaves no file at all when the transfer is cut off', async () => {
    const path = join(dir, 'cut.mp4');
    await expect(client().download(taskWith(`${origin}/cut.mp4`), path)).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.includes('cut'))).toEqual([]);
  });
  it('caps the size', async () => {
    const path = join(dir, 'big.mp4');
    await expect(client().download(taskWith(`${origin}/big.mp4`), path, { maxBytes: 1000 })).rejects.toThrow(
      KlingResponseError,
    );
    expect((await readdir(dir)).filter((f) => f.includes('big'))).toEqual([]);
  });
  it('downloads only https result URLs (http only on loopback)', async () => {
    await expect(
      client().download(taskWith('http://cdn.example.com/v.mp4'), join(dir, 'x.mp4')),
    ).rejects.toThrow(KlingValidationError);
  });
  it('answers a missing video with a typed error', async () => {
    await expect(
      client().download(taskWith(`${origin}/gone.mp4`), join(dir, 'gone.mp4')),
    ).rejects.toMatchObject({
      name: 'KlingNotFoundError',
      status: 404,
    });
  });
});

describe('dispatcher option', () => {
  it('sends through the given undici dispatcher (a proxy agent, or a MockAgent in tests)', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://api.evolink.ai')
      .intercept({ path: '/v1/tasks/task-unified-1', method: 'GET' })
      .reply(200, { id: 'task-unified-1', status: 'processing', progress: 5 });
    const c = new KlingClient({ gateway: 'evolink', apiKey: 'k', dispatcher: agent });
    await expect(c.getTask('task-unified-1')).resolves.toMatchObject({ status: 'running', progress: 5 });
    await agent.close();
  });
});
