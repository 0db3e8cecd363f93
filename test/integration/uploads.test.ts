/**
 * Local images and balances, end to end over real HTTP on loopback against the simulator: a path or a
 * Buffer in the request is uploaded through the gateway's upload API before the paid create, and the
 * create names the URL the simulator stored it at. Plus the production origins through msw.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GatewayId,
  KlingAuthError,
  KlingClient,
  type KlingClientOptions,
  KlingUnsupportedError,
  KlingValidationError,
  type SubmitRecord,
} from '../../src/index.js';
import {
  createGatewaySimulator,
  type RunningSimulator,
  startGatewaySimulator,
} from '../../src/testing/index.js';
import { jpegHeader, png } from '../helpers/images.js';

/**
 * A real 320×320 PNG (EvoLink takes ≥ 300 px), and a different image (a JPEG header) so the two
 * uploads are told apart.
 */
const PNG = png(320, 320);
const JPEG = jpegHeader(640, 480);

let sim: RunningSimulator;
let dir: string;
let pngPath: string;
beforeAll(async () => {
  sim = await startGatewaySimulator({
    seed: 21,
    faults: [{ op: 'balance', kind: 'http-503', gateway: 'evolink', times: 1, retryAfter: 0 }],
  });
  dir = await mkdtemp(join(tmpdir(), 'kling-uploads-'));
  pngPath = join(dir, 'first frame.png');
  await writeFile(pngPath, PNG);
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => sim.reset());

function client(gateway: GatewayId, extra: Partial<KlingClientOptions> = {}): KlingClient {
  return new KlingClient({ gateway, apiKey: 'sk-sim', baseUrl: sim.url, clock: sim.clientClock, ...extra });
}

async function bytesAt(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe('getBalance', () => {
  it.each([
    ['apiframe', 1000, 'credits'],
    ['evolink', 1000, 'credits'],
    ['modellix', 100, 'usd'],
  ] as const)('%s: %d %s, raw kept', async (gateway, amount, unit) => {
    const balance = await client(gateway).getBalance();
    expect(balance).toMatchObject({ gateway, amount, unit });
    expect(balance.raw).toBeTypeOf('object');
  });

  it('is a read: retried after a 503', async () => {
    await expect(client('evolink').getBalance()).resolves.toMatchObject({ amount: 1000 });
    expect(sim.stats.requests.filter((r) => r.op === 'balance').map((r) => r.status)).toEqual([503, 200]);
  });

  it('API in One documents none: KlingUnsupportedError, nothing sent', async () => {
    await expect(client('apiinone').getBalance()).rejects.toSatisfy(
      (e) => KlingUnsupportedError.is(e) && e.field === 'getBalance',
    );
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('a bad key is a KlingAuthError', async () => {
    await expect(client('modellix', { apiKey: 'sk-invalid' }).getBalance()).rejects.toSatisfy(
      KlingAuthError.is,
    );
  });
});

describe('local images through submit', () => {
  it('apiframe: a Buffer and a path are uploaded (POST /v2/uploads), then sent as start_image and end_image', async () => {
    const records: SubmitRecord[] = [];
    const handle = await client('apiframe').submit(
      { prompt: 'the fox turns its head', startImage: PNG, endImage: pngPath },
      { onBeforeSend: (r) => void records.push(r) },
    );
    const [first, last] = sim.uploads();
    expect(sim.uploads()).toHaveLength(2);
    const [task] = sim.tasks();
    expect(task?.id).toBe(handle.id);
    expect(task?.request.klingParams).toMatchObject({ start_image: first?.url, end_image: last?.url });
    expect(last?.filename).toBe('first frame.png');
    // Uploads went first, then the one paid create.
    expect(sim.stats.requests.map((r) => r.op)).toEqual(['upload', 'upload', 'create']);
    // What the caller persists names the URLs, not the bytes.
    expect(records[0]?.request).toMatchObject({ startImage: first?.url, endImage: last?.url });
    expect((await bytesAt(first?.url ?? '')).equals(PNG)).toBe(true);
  });

  it('EvoLink: a path becomes image_start (its file API at uploadBaseUrl, here the simulator)', async () => {
    const task = await client('evolink').generate({ prompt: 'the fox runs', startImage: pngPath });
    const [upload] = sim.uploads();
    expect(upload).toMatchObject({ gateway: 'evolink', contentType: 'image/png', bytes: PNG.length });
    expect(sim.tasks()[0]?.request).toMatchObject({
      model: 'kling-v3-image-to-video',
      image_start: upload?.url,
    });
    expect(task.status).toBe('succeeded');
    expect(sim.stats.requests.find((r) => r.op === 'upload')?.path).toBe('/api/v1/files/upload/stream');
  });

  it('Modellix: local reference images are uploaded (POST /api/v1/media/files); URLs pass through', async () => {
    const remote = 'https://cdn.example.com/ref.png';
    await client('modellix').submit({ prompt: 'this fox', referenceImages: [JPEG, remote, pngPath] });
    const uploads = sim.uploads();
    expect(uploads.map((u) => u.contentType)).toEqual(['image/jpeg', 'image/png']);
    expect(sim.tasks()[0]?.request.images).toEqual([uploads[0]?.url, remote, uploads[1]?.url]);
  });

  it('client.upload on its own: the URL and when the gateway deletes it', async () => {
    const apiframe = await client('apiframe').upload(PNG, { filename: 'cat.png' });
    expect(apiframe.url).toBe(sim.uploads()[0]?.url);
    expect(apiframe.expiresAt).toBeInstanceOf(Date);
    expect(apiframe.id).toBe(sim.uploads()[0]?.id);
    const evolink = await client('evolink').upload(pngPath);
    expect(evolink.expiresAt?.getTime()).toBeGreaterThan(Date.now());
    expect(sim.uploads()[1]).toMatchObject({ filename: 'first frame.png' });
    await expect(client('apiinone').upload(PNG)).rejects.toSatisfy(KlingUnsupportedError.is);
  });

  it('API in One has no upload API: local media is refused with zero requests', async () => {
    for (const startImage of [PNG, pngPath]) {
      await expect(client('apiinone').submit({ prompt: 'a fox', startImage })).rejects.toSatisfy(
        (e) => KlingUnsupportedError.is(e) && e.field === 'startImage' && e.taskState === 'not-created',
      );
    }
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('files that cannot be read are all reported at once, before any request', async () => {
    const error = await client('apiframe')
      .submit({ prompt: 'p', startImage: join(dir, 'missing.png'), endImage: dir })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(error) && error.issues.map((i) => [i.path, i.message])).toEqual([
      [['startImage'], expect.stringContaining('no such file')],
      [['endImage'], expect.stringContaining('is not a regular file (a directory)')],
    ]);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('bytes that are not an image are refused before any upload: not-created, nothing sent', async () => {
    const error = await client('evolink')
      .submit({ prompt: 'p', startImage: Buffer.from('not an image') })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(error) && [error.issues[0]?.path, error.taskState]).toEqual([
      ['startImage'],
      'not-created',
    ]);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it.runIf(process.platform === 'linux')(
    "startImage: '/proc/self/environ' is refused: the environment is never uploaded",
    async () => {
      for (const gateway of ['evolink', 'apiframe'] as const) {
        const error = await client(gateway)
          .submit({ prompt: 'p', startImage: '/proc/self/environ' })
          .catch((e: unknown) => e);
        expect(KlingValidationError.is(error), String(error)).toBe(true);
        expect((error as Error).message).toMatch(/startImage: '\/proc\/self\/environ' is empty by its size/);
      }
      expect(sim.stats.requests).toHaveLength(0);
      expect(sim.uploads()).toHaveLength(0);
    },
  );

  it("EvoLink's pixel bounds are checked before the upload; apiframe, which states none, takes the image", async () => {
    const small = png(100, 100);
    const error = await client('evolink')
      .submit({ prompt: 'p', startImage: small })
      .catch((e: unknown) => e);
    expect(KlingValidationError.is(error) && error.issues[0]?.message).toBe(
      'is 100×100 px; EvoLink takes width and height of at least 300 px and an aspect ratio from 1:2.5 to 2.5:1',
    );
    expect(sim.stats.requests).toHaveLength(0);
    await client('apiframe').submit({ prompt: 'p', startImage: small });
    expect(sim.stats.requests.map((r) => r.op)).toEqual(['upload', 'create']);
  });

  it('client.upload checks the same rules', async () => {
    await expect(client('evolink').upload(png(100, 100))).rejects.toSatisfy(
      (e) => KlingValidationError.is(e) && e.issues[0]?.path[0] === 'file',
    );
    await expect(client('apiframe').upload('/dev/null')).rejects.toSatisfy(KlingValidationError.is);
    expect(sim.stats.requests).toHaveLength(0);
  });
});

describe('origins', () => {
  it('uploadBaseUrl must be an https origin (http only on loopback)', () => {
    expect(() => client('evolink', { uploadBaseUrl: 'http://files.example.com' })).toThrow(
      KlingValidationError,
    );
  });

  it('at the production origins (through msw), the key goes only to the API and its upload host', async () => {
    const inProcess = createGatewaySimulator({ seed: 3 });
    const server = setupServer(...inProcess.handlers);
    server.listen({ onUnhandledRequest: 'error' });
    const seen: string[] = [];
    const recording: typeof globalThis.fetch = (input, init) => {
      seen.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return globalThis.fetch(input, init);
    };
    try {
      for (const gateway of ['evolink', 'apiframe', 'modellix'] as const) {
        const c = new KlingClient({
          gateway,
          apiKey: 'sk-test',
          fetch: recording,
          clock: inProcess.clientClock,
        });
        const request =
          gateway === 'modellix' ? { prompt: 'p', referenceImages: [PNG] } : { prompt: 'p', startImage: PNG };
        await c.submit(request);
      }
      expect(seen).toEqual([
        'POST https://files-api.evolink.ai/api/v1/files/upload/stream',
        'POST https://api.evolink.ai/v1/videos/generations',
        'POST https://api.apiframe.ai/v2/uploads',
        'POST https://api.apiframe.ai/v2/videos/generate',
        'POST https://api.modellix.ai/api/v1/media/files',
        'POST https://api.modellix.ai/api/v1/kling/kling-v3-omni-video',
      ]);
      expect(inProcess.tasks().find((t) => t.gateway === 'evolink')?.request.image_start).toMatch(
        /^https:\/\/files-api\.evolink\.ai\/sim-uploads\//,
      );
    } finally {
      server.close();
    }
  });
});
