/**
 * URL rules for request fields. Hosts are judged on the URL parser's normalized form, so
 * `https://2130706433/` and `https://[::ffff:127.0.0.1]/` are seen as the loopback they are.
 */

export function isHttpUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** A `data:<type>;base64,` URI or a bare base64 string (one definition, in the catalog). */
export { isBase64Media } from '../catalog/media.js';

/** Why a callback URL is refused, or null when it is acceptable. */
export function callbackUrlProblem(value: string, maxLength: number): string | null {
  if (value.length > maxLength) return `must be at most ${maxLength} characters (got ${value.length})`;
  const url = parseUrl(value);
  if (url === null) return 'must be an absolute https URL';
  if (url.protocol !== 'https:') return `must use https (got ${url.protocol.replace(':', '')})`;
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (isNonPublicHost(host)) {
    return `must point at a public host; '${url.hostname}' is private, loopback, link-local or localhost`;
  }
  return null;
}

/** True for localhost names and for private, loopback, link-local and other non-routable IP literals. */
export function isNonPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  if (host.startsWith('[') && host.endsWith(']')) return isNonPublicIpv6(host.slice(1, -1));
  const v4 = parseIpv4(host);
  return v4 !== null && isNonPublicIpv4(v4);
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function isNonPublicIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast and reserved
  );
}

/** Expands a normalized IPv6 literal (no zone, hex only, as the URL parser emits) into 8 groups. */
function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

function isNonPublicIpv6(text: string): boolean {
  const g = parseIpv6(text);
  if (g === null) return true; // not understood: refuse rather than guess
  const [g0 = 0, , , , g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g.slice(0, 6).every((x) => x === 0)) return g6 === 0 || isNonPublicIpv4(embeddedV4); // ::, ::1, ::a.b.c.d
  if (g.slice(0, 5).every((x) => x === 0) && g5 === 0xffff) return isNonPublicIpv4(embeddedV4); // mapped
  if (g0 === 0x64 && g[1] === 0xff9b && g4 === 0 && g5 === 0) return isNonPublicIpv4(embeddedV4); // NAT64
  return (
    (g0 & 0xfe00) === 0xfc00 || // unique local
    (g0 & 0xffc0) === 0xfe80 || // link-local
    (g0 & 0xff00) === 0xff00 // multicast
  );
}
