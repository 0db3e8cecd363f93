/**
 * Local images (issue 10 item 15): a path must be a regular file whose own bytes are an image of a type
 * the gateway documents, within its size and, where documented (EvoLink), its pixel bounds read from
 * the header. Bytes given directly are checked the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES, GATEWAY_IDS, type GatewayId } from '../../src/catalog/index.js';
import { readImageHeader } from '../../src/client/image-header.js';
import { type ImageTarget, type LocalMedia, prepareAll, prepareFile } from '../../src/client/local-images.js';
import { KlingValidationError } from '../../src/errors.js';
import { jpegHeader, png, pngHeader, webpHeader } from '../helpers/images.js';

const target = (gateway: GatewayId): ImageTarget => ({ gateway, rules: CAPABILITIES[gateway].images });

/** The one issue message `prepareFile` fails with (or 'ok'). */
async function verdict(source: string | Uint8Array, gateway: GatewayId = 'evolink'): Promise<string> {
  try {
    await prepareFile(source, ['startImage'], target(gateway));
    return 'ok';
  } catch (error) {
    if (!KlingValidationError.is(error)) throw error;
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toEqual(['startImage']);
    return error.issues[0]?.message ?? '';
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kling-media-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('image header reader', () => {
  it('reads type and size from PNG, JPEG, WebP and GIF headers', () => {
    expect(readImageHeader(png(320, 200))).toEqual({ type: 'image/png', width: 320, height: 200 });
    expect(readImageHeader(pngHeader(3000, 1200))).toEqual({ type: 'image/png', width: 3000, height: 1200 });
    expect(readImageHeader(jpegHeader(640, 480))).toEqual({ type: 'image/jpeg', width: 640, height: 480 });
    expect(readImageHeader(webpHeader(512, 300))).toEqual({ type: 'image/webp', width: 512, height: 300 });
    const gif = Buffer.from('GIF89a\x40\x01\x2c\x01\x00\x00\x00', 'latin1');
    expect(readImageHeader(gif)).toEqual({ type: 'image/gif', width: 320, height: 300 });
  });

  it('walks JPEG segments (fill bytes, APPn, DHT) to the frame header; no size without one', () => {
    const dht = Buffer.from('ffc4000400ff', 'hex'); // a DHT (C4) is not a frame header
    const jpeg = jpegHeader(1000, 2500);
    const withExtras = Buffer.concat([jpeg.subarray(0, 20), Buffer.from([0xff]), dht, jpeg.subarray(20)]);
    expect(readImageHeader(withExtras)).toEqual({ type: 'image/jpeg', width: 1000, height: 2500 });
    expect(readImageHeader(Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex'))).toEqual({
      type: 'image/jpeg',
    });
  });

  it('is undefined for anything else, and gives no size from a truncated header', () => {
    expect(readImageHeader(Buffer.from('HOME=/root\0PATH=/usr/bin\0'))).toBeUndefined();
    expect(readImageHeader(new Uint8Array())).toBeUndefined();
    expect(readImageHeader(pngHeader(400, 400).subarray(0, 20))).toEqual({ type: 'image/png' });
  });
});

describe('local files must be regular image files', () => {
  it.runIf(existsSync('/proc/self/environ'))(
    "'/proc/self/environ' is refused (a pseudo-file: size 0, never read)",
    async () => {
      expect(await verdict('/proc/self/environ')).toMatch(/empty by its size \(0 bytes\).*not an image/);
      expect(await verdict('/proc/self/environ', 'apiframe')).toMatch(/0 bytes/);
    },
  );

  it('a directory, a FIFO and a device are refused without being opened', async () => {
    expect(await verdict(dir)).toMatch(/is not a regular file \(a directory\)/);
    expect(await verdict('/dev/null')).toMatch(/is not a regular file \(a character device\)/);
    const fifo = join(dir, 'frame.png');
    let made = true;
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      made = false;
    }
    // Opening a FIFO for reading would wait for a writer forever: the test would time out.
    if (made) expect(await verdict(fifo)).toMatch(/is not a regular file \(a FIFO \(named pipe\)\)/);
  });

  it('a text file named .png is refused by its content, not its name', async () => {
    const fake = join(dir, 'secrets.png');
    await writeFile(fake, 'API_KEY=sk-live-123\n');
    expect(await verdict(fake)).toBe(
      `'${fake}' is not an image by its content (its first bytes); EvoLink takes JPEG, PNG`,
    );
    expect(await verdict(Buffer.from('API_KEY=sk-live-123\n'))).toMatch(/^is not an image by its content/);
  });

  it('a missing file is named', async () => {
    expect(await verdict(join(dir, 'missing.png'))).toMatch(/missing\.png': no such file/);
  });
});

describe("EvoLink's documented bounds: JPEG/PNG, ≤ 10 MB, ≥ 300 px, aspect 1:2.5–2.5:1", () => {
  const bounds = 'EvoLink takes width and height of at least 300 px and an aspect ratio from 1:2.5 to 2.5:1';

  it('a 100×100 PNG is refused with a message naming the bounds (file and bytes alike)', async () => {
    const small = join(dir, 'small.png');
    await writeFile(small, png(100, 100));
    expect(await verdict(small)).toBe(`'${small}' is 100×100 px; ${bounds}`);
    expect(await verdict(png(100, 100))).toBe(`is 100×100 px; ${bounds}`);
  });

  it('3000×1200 (2.5:1) and 1200×3000 pass; 3000×1000 (3:1) and 1000×3000 are refused', async () => {
    expect(await verdict(pngHeader(3000, 1200))).toBe('ok');
    expect(await verdict(jpegHeader(1200, 3000))).toBe('ok');
    expect(await verdict(png(300, 300))).toBe('ok');
    expect(await verdict(pngHeader(3000, 1000))).toBe(`is 3000×1000 px (aspect 3:1); ${bounds}`);
    expect(await verdict(jpegHeader(1000, 3000))).toBe(`is 1000×3000 px (aspect 1:3); ${bounds}`);
    const wide = join(dir, 'wide.png');
    await writeFile(wide, pngHeader(3000, 1000));
    expect(await verdict(wide)).toMatch(/aspect 3:1/);
  });

  it('WebP and GIF are refused (not documented for the video model); a JPEG without a size too', async () => {
    expect(await verdict(webpHeader(600, 600))).toBe(
      'is a WEBP image by its content (its first bytes); EvoLink takes JPEG, PNG',
    );
    expect(await verdict(Buffer.from('GIF89a\x58\x02\x58\x02\x00\x00\x00', 'latin1'))).toMatch(/GIF image/);
    expect(await verdict(Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex'))).toBe(
      `has no readable size in its JPEG header; ${bounds}`,
    );
  });

  it('above 10 MB is refused, for a file (by its size, unread) and for bytes', async () => {
    const big = Buffer.concat([pngHeader(400, 400), Buffer.alloc(10 * 1024 * 1024)]);
    expect(await verdict(big)).toMatch(/^is 10485793 bytes, above EvoLink's limit of 10 MB/);
    const path = join(dir, 'big.png');
    await writeFile(path, big);
    expect(await verdict(path)).toMatch(/is 10485793 bytes, above EvoLink's limit of 10 MB/);
  });
});

describe('other gateways', () => {
  it('apiframe and Modellix document no pixel bounds: a 100×100 PNG passes; Modellix also takes WebP', async () => {
    expect(await verdict(png(100, 100), 'apiframe')).toBe('ok');
    expect(await verdict(png(100, 100), 'modellix')).toBe('ok');
    expect(await verdict(webpHeader(64, 64), 'modellix')).toBe('ok');
    expect(await verdict(webpHeader(64, 64), 'apiframe')).toMatch(/WEBP image.*apiframe takes JPEG, PNG/);
  });

  it('every gateway has image rules with a source; JPEG and PNG everywhere', () => {
    for (const gateway of GATEWAY_IDS) {
      const rules = CAPABILITIES[gateway].images;
      expect(rules.source.length, gateway).toBeGreaterThan(10);
      expect(rules.types, gateway).toEqual(expect.arrayContaining(['image/jpeg', 'image/png']));
      expect(rules.maxBytes, gateway).toBeGreaterThan(0);
    }
    expect(CAPABILITIES.evolink.images).toMatchObject({ minSide: 300, maxBytes: 10 * 1024 * 1024 });
  });

  it('the prepared file is named by its content type', async () => {
    const prepared = await prepareFile(jpegHeader(640, 480), ['file'], target('apiframe'));
    expect(prepared).toMatchObject({ contentType: 'image/jpeg', filename: 'image.jpg' });
  });
});

describe('prepareAll', () => {
  it('lists every problem with every image, each at its own path', async () => {
    const media: LocalMedia[] = [
      { field: 'startImage', source: png(100, 100) },
      { field: 'endImage', source: dir },
    ];
    const error = await prepareAll(media, target('evolink')).catch((e: unknown) => e);
    expect(KlingValidationError.is(error) && error.issues.map((i) => i.path)).toEqual([
      ['startImage'],
      ['endImage'],
    ]);
  });
});
