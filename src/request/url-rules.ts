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

/**
 * Why a callback URL is refused, or null when it is acceptable. Beyond non-public hosts, a callback
 * URL may not write an IPv4 address inside an IPv6 one (IPv4-mapped, IPv4-compatible, NAT64, 6to4)
 * even when that IPv4 is public: the gateway's servers make the connection, the mapped and compatible
 * forms are no address on the wire, NAT64 works only inside a network that runs a translator, 6to4 is
 * deprecated (RFC 7526), and the IPv4 itself is the spelling every gateway reads the same way.
 */
export function callbackUrlProblem(value: string, maxLength: number): string | null {
  if (value.length > maxLength) return `must be at most ${maxLength} characters (got ${value.length})`;
  const url = parseUrl(value);
  if (url === null) return 'must be an absolute https URL';
  if (url.protocol !== 'https:') return `must use https (got ${url.protocol.replace(':', '')})`;
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const reason = nonPublicHostReason(url.hostname);
  if (reason !== null) return `must point at a public host; '${url.hostname}' is ${reason}`;
  const groups = url.hostname.startsWith('[') ? parseIpv6(url.hostname.slice(1, -1)) : null;
  const embedded = groups === null ? null : embeddedIpv4(groups);
  if (embedded !== null) {
    const v4 = embedded.v4.join('.');
    return `must not write an IPv4 address inside an IPv6 one ('${url.hostname}' is ${v4} in ${embedded.form} form): use ${v4} itself`;
  }
  return null;
}

/**
 * True for local names and for private, loopback, link-local and other non-global IP addresses:
 * a URL hostname (IPv6 in brackets) or a bare address as DNS returns it (`fd00::1`, `fe80::1%eth0`).
 */
export function isNonPublicHost(hostname: string): boolean {
  return nonPublicHostReason(hostname) !== null;
}

/**
 * Why a host is not public (`"loopback (127.0.0.0/8)"`), or null when it is. An IPv6 address that
 * embeds an IPv4 one is judged by that IPv4: DNS64 resolvers hand out `64:ff9b::<public IPv4>` for
 * ordinary public hosts, so only a non-public embedded IPv4 makes the address non-public here.
 */
export function nonPublicHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.includes(':')) {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    return ipv6Reason(bare.replace(/%.*$/, ''));
  }
  const v4 = parseIpv4(host);
  if (v4 !== null) return ipv4Reason(v4);
  if (host === '') return 'empty';
  const suffix = LOCAL_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix !== undefined) return `a local or reserved name (.${suffix})`;
  return host.includes('.') ? null : 'a single-label name, which only a local resolver answers';
}

/**
 * Names that never reach a public host: loopback (RFC 6761), multicast DNS (RFC 6762), the private
 * suffixes RFC 6762 appendix G found in use, ICANN's reserved `.internal`, residential `home.arpa`
 * (RFC 8375), the RFC 2606/6761 test names, Tor's `.onion` (RFC 7686) and the `.arpa` infrastructure.
 */
const LOCAL_SUFFIXES = [
  'localhost',
  'localdomain',
  'local',
  'internal',
  'lan',
  'home',
  'corp',
  'intranet',
  'private',
  'home.arpa',
  'arpa',
  'test',
  'invalid',
  'example',
  'onion',
];

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

/** IANA's IPv4 special-purpose registry, the blocks that are not globally reachable (and multicast). */
const IPV4_SPECIAL: readonly [prefix: readonly number[], bits: number, name: string][] = [
  [[0, 0, 0, 0], 8, 'in "this network"'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared (carrier-grade NAT)'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved for IETF protocol assignments'],
  [[192, 0, 2, 0], 24, 'reserved for documentation'],
  [[192, 88, 99, 0], 24, '6to4 relay anycast'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved for benchmarking'],
  [[198, 51, 100, 0], 24, 'reserved for documentation'],
  [[203, 0, 113, 0], 24, 'reserved for documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function ipv4Reason(octets: readonly number[]): string | null {
  const value = toUint32(octets);
  for (const [prefix, bits, name] of IPV4_SPECIAL) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === toUint32(prefix)) return `${name} (${prefix.join('.')}/${bits})`;
  }
  return null;
}

function toUint32([a = 0, b = 0, c = 0, d = 0]: readonly number[]): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * Expands an IPv6 address into 8 groups: hex groups as the URL parser emits them, or a trailing
 * dotted IPv4 as DNS and people write (`::ffff:10.0.0.1`). Null when it is not one.
 */
function parseIpv6(text: string): number[] | null {
  let source = text;
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted !== null) {
    const v4 = parseIpv4(dotted[2] ?? '');
    if (v4 === null) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    source = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = source.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) {
    return null;
  }
  const all = [...head, ...new Array<string>(missing).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}

/** The IPv4 address an IPv6 one carries, where the form is one that routes to it. */
function embeddedIpv4(g: readonly number[]): { v4: number[]; form: string } | null {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = g;
  const low = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0xffff) return { v4: low, form: 'IPv4-mapped' };
    if (g5 === 0) return { v4: low, form: 'IPv4-compatible' }; // :: and ::1 are judged before this
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return { v4: low, form: 'NAT64' };
  }
  if (g0 === 0x2002 && g1 !== undefined && g2 !== undefined) {
    return { v4: [g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff], form: '6to4' }; // 2002:AABB:CCDD::/48
  }
  return null;
}

/** IANA's IPv6 special-purpose blocks (after the embedded-IPv4 forms), by prefix groups. */
const IPV6_SPECIAL: readonly [prefix: readonly number[], bits: number, name: string][] = [
  [[0x64, 0xff9b, 1], 48, 'local-use NAT64'],
  [[0x100], 64, 'discard-only'],
  [[0x2001, 0xdb8], 32, 'reserved for documentation'],
  [[0x2001], 23, 'reserved for IETF protocol assignments (Teredo, ORCHID and others)'],
  [[0x3fff], 20, 'reserved for documentation'],
  [[0xfc00], 7, 'unique-local'],
  [[0xfe80], 10, 'link-local'],
  [[0xfec0], 10, 'site-local (deprecated)'],
  [[0xff00], 8, 'multicast'],
];

function ipv6Reason(text: string): string | null {
  const g = parseIpv6(text);
  if (g === null) return 'not an address this SDK can read'; // refuse rather than guess
  if (g.every((x) => x === 0)) return 'unspecified (::)';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback (::1)';
  const embedded = embeddedIpv4(g);
  if (embedded !== null) {
    const reason = ipv4Reason(embedded.v4);
    return reason === null ? null : `${embedded.v4.join('.')} in ${embedded.form} form, ${reason}`;
  }
  for (const [prefix, bits, name] of IPV6_SPECIAL) {
    if (matchesV6(g, prefix, bits)) return `${name} (${v6Prefix(prefix)}/${bits})`;
  }
  // Only global unicast (2000::/3) is routed on the internet.
  return ((g[0] ?? 0) & 0xe000) === 0x2000 ? null : 'outside global unicast (2000::/3)';
}

function matchesV6(g: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0, left = bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((g[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function v6Prefix(prefix: readonly number[]): string {
  return `${prefix.map((x) => x.toString(16)).join(':')}${prefix.length < 8 ? '::' : ''}`;
}
