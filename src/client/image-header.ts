/**
 * An image's type and pixel size, read from its first bytes (the header), without decoding it: what a
 * gateway checks first, so an image it would refuse is refused here, before any upload.
 * PNG (IHDR), JPEG (the first SOFn frame header), WebP (VP8, VP8L, VP8X) and GIF.
 */

import type { ImageType } from '../catalog/index.js';

export type { ImageType };

export interface ImageHeader {
  type: ImageType;
  /** Pixels, when the header states them (a truncated or odd file may not). */
  width?: number;
  height?: number;
}

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
const u16be = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u16le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, i: number): number => u16le(b, i) | ((b[i + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, i: number): number => u16be(b, i) * 0x10000 + u16be(b, i + 2);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image type by magic bytes, with its size where the header gives it; undefined when not an image. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return png(bytes);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpeg(bytes);
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return webp(bytes);
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) return gif(bytes);
  return undefined;
}

function sized(type: ImageType, width: number, height: number): ImageHeader {
  return width > 0 && height > 0 ? { type, width, height } : { type };
}

/** The IHDR chunk comes first: length 13, then width and height, 4 bytes each, big-endian. */
function png(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 24 || ascii(bytes, 12, 16) !== 'IHDR') return { type: 'image/png' };
  return sized('image/png', u32be(bytes, 16), u32be(bytes, 20));
}

/**
 * Walks the marker segments to the first frame header (SOF0–SOF15, except DHT C4, JPG C8 and DAC CC):
 * precision (1 byte), then height and width (2 bytes each, big-endian).
 */
function jpeg(bytes: Uint8Array): ImageHeader {
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) return { type: 'image/jpeg' };
    const marker = bytes[i + 1] ?? 0;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI. EOI or the scan (SOS) before a frame header: no size.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return { type: 'image/jpeg' };
    const length = u16be(bytes, i + 2);
    if (length < 2) return { type: 'image/jpeg' };
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (i + 9 > bytes.length) return { type: 'image/jpeg' };
      return sized('image/jpeg', u16be(bytes, i + 7), u16be(bytes, i + 5));
    }
    i += 2 + length;
  }
  return { type: 'image/jpeg' };
}

function webp(bytes: Uint8Array): ImageHeader {
  const chunk = ascii(bytes, 12, 16);
  // Lossy: a frame tag (3 bytes), the start code 9d 01 2a, then 14-bit width and height.
  if (
    chunk === 'VP8 ' &&
    bytes.length >= 30 &&
    bytes[23] === 0x9d &&
    bytes[24] === 0x01 &&
    bytes[25] === 0x2a
  ) {
    return sized('image/webp', u16le(bytes, 26) & 0x3fff, u16le(bytes, 28) & 0x3fff);
  }
  // Lossless: signature 0x2f, then width − 1 and height − 1 in 14 bits each.
  if (chunk === 'VP8L' && bytes.length >= 25 && bytes[20] === 0x2f) {
    const bits =
      (bytes[21] ?? 0) | ((bytes[22] ?? 0) << 8) | ((bytes[23] ?? 0) << 16) | ((bytes[24] ?? 0) << 24);
    return sized('image/webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  // Extended: flags (4 bytes), then canvas width − 1 and height − 1 in 24 bits each.
  if (chunk === 'VP8X' && bytes.length >= 30) {
    return sized('image/webp', u24le(bytes, 24) + 1, u24le(bytes, 27) + 1);
  }
  return { type: 'image/webp' };
}

/** The logical screen: width and height, 2 bytes each, little-endian. */
function gif(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 10) return { type: 'image/gif' };
  return sized('image/gif', u16le(bytes, 6), u16le(bytes, 8));
}
