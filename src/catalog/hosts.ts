/**
 * Which hosts and IP addresses are not the public internet: the one classifier behind the two places
 * that refuse them, `callbackUrl` (src/request/url-rules.ts: a gateway's servers connect there) and
 * downloads (src/http/address.ts: the SDK connects there). Pure functions over text, no DNS.
 *
 * It says what a host is (a block, a name) and never how a caller words or applies it: each caller
 * formats the class in its own vocabulary and adds its own policy (callbacks also refuse every IPv6
 * form that writes an IPv4, public or not; downloads judge such a form by its IPv4 alone).
 */

/** The IPv6 forms that carry an IPv4 address. */
export type Ipv4Form = 'IPv4-mapped' | 'IPv4-compatible' | 'NAT64' | '6to4';

/** The IPv4 address an IPv6 one writes inside it, and how. */
export interface EmbeddedIpv4 {
  /** Dotted: `'10.0.0.1'`. */
  readonly ipv4: string;
  readonly form: Ipv4Form;
}

/** Why an IP address is not public. */
export interface IpClass {
  /** What it is: `'loopback'`, `'private'`, `'reserved'`, `'cloud metadata'`, `'malformed'`... */
  readonly kind: string;
  /** What `kind` alone does not say: `'documentation'`, `'CGNAT'`, `'2000::/3'` (for outside global unicast). */
  readonly detail?: string;
  /** The block the address lies in, as CIDR (`'127.0.0.0/8'`); absent when it lies outside one. */
  readonly block?: string;
  /** Set when an IPv6 address was judged by the IPv4 it carries (kind, detail and block are that IPv4's). */
  readonly embedded?: EmbeddedIpv4;
}

/** Why a host name is not public. */
export interface HostNameClass {
  /**
   * `cloud metadata`: a metadata service's name; `loopback`: `localhost` or `*.localhost`;
   * `local-network`: a local or reserved suffix; `single-label`: answered only through local search
   * domains; `empty`: no name at all.
   */
  readonly kind: 'cloud metadata' | 'loopback' | 'local-network' | 'single-label' | 'empty';
  /** The suffix that decided it, without the dot: `'local'`, `'home.arpa'`, `'localhost'`. */
  readonly suffix?: string;
}

/** A host's class: an IP literal's or a name's. */
export type HostClass = ({ readonly of: 'address' } & IpClass) | ({ readonly of: 'name' } & HostNameClass);

/** A URL host without brackets, trailing dots or case: `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export function bareHost(hostname: string): string {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return host.toLowerCase().replace(/\.+$/, '');
}

/**
 * Why a host is not public, or null when it is (or when only DNS can tell): an IP literal (a URL
 * hostname, IPv6 in brackets, or a bare address as DNS returns it: `fd00::1`, `fe80::1%eth0`) by
 * {@link classifyIp}, anything else by {@link classifyHostName}.
 */
export function classifyHost(hostname: string): HostClass | null {
  const host = bareHost(hostname);
  if (host.includes(':') || parseIpv4(host) !== null) {
    const found = classifyIp(host);
    return found === null ? null : { of: 'address', ...found };
  }
  const found = classifyHostName(host);
  return found === null ? null : { of: 'name', ...found };
}

/** Whether a URL's hostname is this machine (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`). */
export function isLoopbackHost(hostname: string): boolean {
  return classifyHost(hostname)?.kind === 'loopback';
}

/**
 * Why an IP address is not public, or null when it is: loopback, private, link-local, unique-local,
 * CGNAT, cloud metadata, IANA's special-purpose blocks, and for IPv6 anything outside global unicast.
 * An IPv6 address that carries an IPv4 one (see {@link embeddedIpv4}) is judged by that IPv4: DNS64
 * resolvers hand out `64:ff9b::<public IPv4>` for ordinary public hosts. Text that is no address this
 * module can read is `malformed` (refused rather than guessed at).
 */
export function classifyIp(address: string): IpClass | null {
  const host = bareHost(address);
  const v4 = host.includes(':') ? null : parseIpv4(host);
  if (v4 !== null) return classifyIpv4(v4);
  const v6 = parseIpv6(host);
  if (v6 === null) return MALFORMED;
  const special = V6_BLOCKS.find((b) => inBlock(v6, b));
  if (special !== undefined) return special.class;
  const carried = carriedIpv4(v6);
  if (carried !== null) {
    const found = classifyIpv4(carried.bytes);
    const embedded = { ipv4: carried.bytes.join('.'), form: carried.form };
    return found === null ? null : { ...found, embedded };
  }
  // Only global unicast (2000::/3) is routed on the internet.
  return ((v6[0] ?? 0) & 0xe0) === 0x20 ? null : { kind: 'outside global unicast', detail: '2000::/3' };
}

/**
 * The IPv4 address an IPv6 one writes inside it, public or not: IPv4-mapped (`::ffff:0:0/96`),
 * IPv4-compatible (`::/96`, but not `::` or `::1`), NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`, the
 * IPv4 in bits 16-48). Null for any other text, an IPv4 address included.
 */
export function embeddedIpv4(address: string): EmbeddedIpv4 | null {
  const v6 = parseIpv6(bareHost(address));
  const carried = v6 === null ? null : carriedIpv4(v6);
  return carried === null ? null : { ipv4: carried.bytes.join('.'), form: carried.form };
}

/**
 * Why a host name (not an IP literal) never reaches a public host, or null when only DNS can tell:
 * a cloud metadata name, `localhost` and `*.localhost` (RFC 6761), a local or reserved suffix, or a
 * single label (resolved through the local search domains).
 */
export function classifyHostName(name: string): HostNameClass | null {
  const host = bareHost(name);
  if (host === '') return { kind: 'empty' };
  if (METADATA_NAMES.has(host)) return { kind: 'cloud metadata' };
  const suffix = LOCAL_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix !== undefined) return { kind: suffix === 'localhost' ? 'loopback' : 'local-network', suffix };
  return host.includes('.') ? null : { kind: 'single-label' };
}

// --- names ------------------------------------------------------------------------------------------

/** Names of cloud metadata services (GCP's; `metadata` and `instance-data` as resolved inside a cloud). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data']);

/**
 * Names that never reach a public host: loopback (RFC 6761), multicast DNS (RFC 6762) and the private
 * suffixes its appendix G found in use, ICANN's reserved `.internal`, residential `home.arpa`
 * (RFC 8375), the RFC 2606/6761 test names, Tor's `.onion` (RFC 7686) and the `.arpa` infrastructure.
 * `home.arpa` stands before `arpa` so that it is the one named.
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

// --- addresses --------------------------------------------------------------------------------------

const MALFORMED: IpClass = { kind: 'malformed', detail: 'not an address this SDK can read' };

interface Block {
  readonly bytes: readonly number[];
  readonly bits: number;
  readonly class: IpClass;
}

/** `[prefix, length, kind, detail]`, read once into bytes; the prefix as written is the CIDR shown. */
type BlockRow = readonly [prefix: string, bits: number, kind: string, detail?: string];

function blocks(rows: readonly BlockRow[], parse: (text: string) => number[] | null): readonly Block[] {
  return rows.map(([prefix, bits, kind, detail]) => {
    const bytes = parse(prefix);
    if (bytes === null) throw new Error(`hosts.ts: bad block ${prefix}`);
    const block = `${prefix}/${bits}`;
    return { bytes, bits, class: detail === undefined ? { kind, block } : { kind, detail, block } };
  });
}

/**
 * IANA's IPv4 special-purpose registry, the blocks that are not globally reachable (and multicast),
 * and the cloud metadata addresses. The first match wins: single addresses stand first.
 */
const V4_BLOCKS = blocks(
  [
    ['169.254.169.254', 32, 'cloud metadata'], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    ['168.63.129.16', 32, 'cloud metadata'], // Azure platform (wireserver), reachable only inside Azure
    ['100.100.100.200', 32, 'cloud metadata'], // Alibaba Cloud
    ['255.255.255.255', 32, 'broadcast'],
    ['0.0.0.0', 8, 'unspecified', '"this network"'],
    ['10.0.0.0', 8, 'private'],
    ['100.64.0.0', 10, 'shared', 'CGNAT'],
    ['127.0.0.0', 8, 'loopback'],
    ['169.254.0.0', 16, 'link-local'],
    ['172.16.0.0', 12, 'private'],
    ['192.0.0.0', 24, 'reserved', 'IETF protocol assignments'],
    ['192.0.2.0', 24, 'reserved', 'documentation'],
    ['192.88.99.0', 24, 'reserved', '6to4 relay anycast'],
    ['192.168.0.0', 16, 'private'],
    ['198.18.0.0', 15, 'reserved', 'benchmarking'],
    ['198.51.100.0', 24, 'reserved', 'documentation'],
    ['203.0.113.0', 24, 'reserved', 'documentation'],
    ['224.0.0.0', 4, 'multicast'],
    ['240.0.0.0', 4, 'reserved'],
  ],
  parseIpv4,
);

/**
 * IANA's IPv6 special-purpose blocks and the AWS metadata address. None overlaps a form that carries an
 * IPv4 address except `::` and `::1`, which are these and not IPv4-compatible ones.
 */
const V6_BLOCKS = blocks(
  [
    ['::', 128, 'unspecified'],
    ['::1', 128, 'loopback'],
    ['fd00:ec2::254', 128, 'cloud metadata'], // AWS (IPv6 instance metadata)
    ['64:ff9b:1::', 48, 'private', 'local-use NAT64'],
    ['100::', 64, 'reserved', 'discard'],
    ['2001:db8::', 32, 'reserved', 'documentation'],
    ['2001::', 23, 'reserved', 'IETF protocol assignments: Teredo, ORCHID and others'],
    ['3fff::', 20, 'reserved', 'documentation'],
    ['fc00::', 7, 'unique-local'],
    ['fe80::', 10, 'link-local'],
    ['fec0::', 10, 'site-local'],
    ['ff00::', 8, 'multicast'],
  ],
  parseIpv6,
);

function classifyIpv4(bytes: readonly number[]): IpClass | null {
  return V4_BLOCKS.find((b) => inBlock(bytes, b))?.class ?? null;
}

function inBlock(bytes: readonly number[], { bytes: prefix, bits }: Block): boolean {
  if (bytes.length !== prefix.length) return false;
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

const isZero = (bytes: readonly number[], from: number, to: number) =>
  bytes.slice(from, to).every((b) => b === 0);

/** The IPv4 bytes an IPv6 address (16 bytes) carries, and the form. */
function carriedIpv4(b: readonly number[]): { bytes: number[]; form: Ipv4Form } | null {
  if (isZero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) {
    return { bytes: b.slice(12), form: 'IPv4-mapped' };
  }
  if (isZero(b, 0, 12) && !(isZero(b, 12, 15) && (b[15] ?? 0) <= 1)) {
    return { bytes: b.slice(12), form: 'IPv4-compatible' }; // deprecated (RFC 4291); not :: or ::1
  }
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && isZero(b, 4, 12)) {
    return { bytes: b.slice(12), form: 'NAT64' }; // the well-known prefix 64:ff9b::/96 (RFC 6052)
  }
  if (b[0] === 0x20 && b[1] === 0x02) return { bytes: b.slice(2, 6), form: '6to4' }; // 2002:AABB:CCDD::/48
  return null;
}

/** Four bytes from dotted-decimal text (`10.0.0.1`), or null. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/**
 * Sixteen bytes from any textual IPv6 form: hex groups as the URL parser emits them, `::` (standing for
 * one group or more), a dotted IPv4 tail as DNS and people write (`::ffff:10.0.0.1`), a `%zone`. Null
 * when it is not one.
 */
function parseIpv6(text: string): number[] | null {
  let rest = text.replace(/%.*$/, '');
  let tail: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (lastColon >= 0 && rest.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(rest.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = v4;
    rest = `${rest.slice(0, lastColon + 1)}0:0`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const back = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - back.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const bytes: number[] = [];
  for (const group of [...head, ...Array<string>(missing).fill('0'), ...back]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
