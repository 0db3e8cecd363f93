/**
 * Where an image in a request comes from. Pure string and type checks (no file system), so pricing and
 * `quote` can tell a local file from a URL and leave out the gateways that could not take it.
 */

/** An http(s) URL, a base64 payload, a local file path, or the bytes themselves. */
export type MediaSource = 'url' | 'base64' | 'path' | 'bytes';

const DATA_URI = /^data:[\w.+-]+\/[\w.+-]+;base64,[A-Za-z0-9+/]+={0,2}$/;
const RAW_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A URL scheme (`ftp:`, `data:`), but not a Windows drive letter (`C:\`, `C:/`). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;
const FILE_EXTENSION = /\.[A-Za-z0-9]{1,8}$/;

/** A `data:<type>;base64,` URI or a bare base64 string (Modellix takes either for media references). */
export function isBase64Media(value: string): boolean {
  if (DATA_URI.test(value)) return true;
  return value.length >= 4 && value.length % 4 === 0 && RAW_BASE64.test(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * A local file path: absolute (`/a.png`, `C:\a.png`, `\\server\a.png`), explicitly relative (`./a`,
 * `../a`), or relative with a directory or a file extension (`frames/a`, `a.png`). A bare word (`x`)
 * is not taken for a file name: write `./x`.
 */
function looksLikePath(value: string): boolean {
  if (value.trim() === '' || value.includes('\0')) return false;
  if (WINDOWS_DRIVE.test(value)) return true;
  if (SCHEME.test(value)) return false;
  return (
    value.startsWith('/') ||
    value.startsWith('\\') ||
    value.startsWith('./') ||
    value.startsWith('../') ||
    value.includes('/') ||
    value.includes('\\') ||
    FILE_EXTENSION.test(value)
  );
}

/**
 * Where one image value comes from, or undefined when it is none of the accepted kinds. With
 * `base64` (reference images), a string that is valid base64 is base64 data unless it has a file
 * extension (base64 has no dots): `pics/cat` is base64, `./pics/cat` and `pics/cat.png` are paths.
 */
export function mediaSource(value: unknown, options: { base64: boolean }): MediaSource | undefined {
  if (value instanceof Uint8Array) return value.byteLength > 0 ? 'bytes' : undefined;
  if (typeof value !== 'string') return undefined;
  if (isHttpUrl(value)) return 'url';
  if (options.base64 && isBase64Media(value) && !FILE_EXTENSION.test(value)) return 'base64';
  return looksLikePath(value) ? 'path' : undefined;
}

/** True for a local file path or bytes: media the SDK must upload before a gateway can use it. */
export function isLocalMedia(value: unknown, options: { base64: boolean }): boolean {
  const source = mediaSource(value, options);
  return source === 'path' || source === 'bytes';
}
