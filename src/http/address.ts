/**
 * Where a download may connect: public addresses only. A result URL comes from a gateway's reply (or a
 * webhook anyone can post), so without this check a hostile or confused reply could make the SDK fetch
 * `http://169.254.169.254/` (cloud credentials), an intranet host or a loopback service and write the
 * answer to disk. Refused: loopback, private, link-local, unique-local, CGNAT, unspecified, multicast,
 * reserved and documentation ranges, cloud metadata addresses and names, and IPv6 forms that embed a
 * refused IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4).
 *
 * The check runs on the resolved addresses, and the connection goes to the address that was checked:
 * `guardedLookup` is the `lookup` of the socket itself (undici's `connect` options), so a DNS answer
 * cannot change between the check and the connect (DNS rebinding).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** One resolved address, as `dns.lookup(host, { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (default: `dns.lookup` with `all: true`). */
export type LookupAll = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true });

/** The reason a host or address is refused (`'loopback'`, `'private'`, `'cloud metadata'`...). */
export type AddressKind = string;

/** A download host that resolves to (or is) an address downloads may not reach. */
export class BlockedAddressError extends Error {
  readonly code = 'KLING_BLOCKED_ADDRESS';
  readonly hostname: string;
  /** The refused address; absent when the host name itself is refused. */
  readonly address?: string;
  readonly kind: AddressKind;

  constructor(hostname: string, kind: AddressKind, address?: string) {
    super(
      address === undefined || address === hostname
        ? `${hostname} is a ${kind} host`
        : `${hostname} resolves to ${address}, a ${kind} address`,
    );
    this.name = 'BlockedAddressError';
    this.hostname = hostname;
    this.kind = kind;
    if (address !== undefined) this.address = address;
  }
}

/** Finds a `BlockedAddressError` in an error's cause chain (transports wrap connection errors). */
export function findBlocked(error: unknown): BlockedAddressError | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    if (e instanceof BlockedAddressError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

// --- addresses --------------------------------------------------------------------------------------

/** `[prefix bytes, prefix length in bits, kind]`. */
type Range = readonly [readonly number[], number, AddressKind];

/** IPv4 ranges that are not the public internet (RFC 6890 and the cloud metadata addresses). */
const IPV4_RANGES: readonly Range[] = [
  [[169, 254, 169, 254], 32, 'cloud metadata'], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  [[168, 63, 129, 16], 32, 'cloud metadata'], // Azure platform (wireserver)
  [[100, 100, 100, 200], 32, 'cloud metadata'], // Alibaba Cloud
  [[0], 8, 'unspecified ("this network")'],
  [[10], 8, 'private'],
  [[100, 64], 10, 'shared (CGNAT)'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link-local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved (IETF protocol assignments)'],
  [[192, 0, 2], 24, 'reserved (documentation)'],
  [[192, 88, 99], 24, 'reserved (6to4 relay anycast)'],
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved (benchmarking)'],
  [[198, 51, 100], 24, 'reserved (documentation)'],
  [[203, 0, 113], 24, 'reserved (documentation)'],
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'],
];

/** IPv6 ranges that are not the public internet (those that embed IPv4 are handled apart). */
const IPV6_RANGES: readonly Range[] = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, 'cloud metadata'], // fd00:ec2::254 (AWS)
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'private (local-use NAT64)'],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved (discard)'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'reserved (documentation)'],
  [[0x20, 0x01, 0x00], 23, 'reserved (IETF protocol assignments: Teredo, ORCHID and others)'],
  [[0x3f, 0xff], 20, 'reserved (documentation)'],
  [[0xfc], 7, 'unique-local'],
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'site-local'],
  [[0xff], 8, 'multicast'],
];

function inRange(bytes: readonly number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

/** 16 bytes, from any textual IPv6 form (`::`, an IPv4 tail, a `%zone`). */
function parseIpv6(text: string): number[] | undefined {
  let rest = text.replace(/%.*$/, '');
  let tail: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (rest.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(rest.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4;
    rest = `${rest.slice(0, lastColon + 1)}0:0`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const back = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - back.length;
  if (halves.length === 2 ? missing < 0 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...back];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function ipv4Kind(bytes: readonly number[]): AddressKind | undefined {
  if (bytes.every((b) => b === 255)) return 'broadcast';
  return IPV4_RANGES.find((range) => inRange(bytes, range))?.[2];
}

const isZero = (bytes: readonly number[], from: number, to: number) =>
  bytes.slice(from, to).every((b) => b === 0);

function ipv6Kind(bytes: readonly number[]): AddressKind | undefined {
  if (isZero(bytes, 0, 16)) return 'unspecified';
  if (isZero(bytes, 0, 15) && bytes[15] === 1) return 'loopback';
  // Forms that carry an IPv4 address: judged by it (`::ffff:10.0.0.1` is 10.0.0.1).
  let embedded: readonly number[] | undefined;
  if (isZero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff)
    embedded = bytes.slice(12); // mapped
  else if (isZero(bytes, 0, 12))
    embedded = bytes.slice(12); // IPv4-compatible (deprecated)
  else if (inRange(bytes, [[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, ''])) {
    embedded = bytes.slice(12); // NAT64 well-known prefix
  } else if (bytes[0] === 0x20 && bytes[1] === 0x02) embedded = bytes.slice(2, 6); // 6to4
  if (embedded !== undefined) {
    const kind = ipv4Kind(embedded);
    return kind === undefined ? undefined : `${kind} (embedded IPv4 ${embedded.join('.')})`;
  }
  const special = IPV6_RANGES.find((range) => inRange(bytes, range))?.[2];
  if (special !== undefined) return special;
  // Only global unicast (2000::/3) is routed on the internet.
  return ((bytes[0] ?? 0) & 0xe0) === 0x20 ? undefined : 'outside global unicast (2000::/3)';
}

/** Why an IP address may not be downloaded from, or undefined for a public address (or not an IP). */
export function addressKind(address: string): AddressKind | undefined {
  const family = isIP(address);
  if (family === 4) {
    const bytes = parseIpv4(address);
    return bytes === undefined ? 'malformed' : ipv4Kind(bytes);
  }
  if (family === 6) {
    const bytes = parseIpv6(address);
    return bytes === undefined ? 'malformed' : ipv6Kind(bytes);
  }
  return undefined;
}

// --- host names -------------------------------------------------------------------------------------

/** Names of cloud metadata services. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data']);
/**
 * Names that never reach a public host (the same list as `callbackUrl`'s, src/request/url-rules.ts):
 * multicast DNS (RFC 6762) and the private suffixes its appendix G found in use, ICANN's `.internal`,
 * `home.arpa` (RFC 8375), the RFC 2606/6761 test names, `.onion` (RFC 7686) and `.arpa`.
 */
const LOCAL_SUFFIXES = [
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
].map((suffix) => `.${suffix}`);

/** A URL host without brackets, trailing dots or case: `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export function bareHost(hostname: string): string {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return host.toLowerCase().replace(/\.+$/, '');
}

/**
 * Why a URL's host may not be downloaded from, before any DNS: an IP literal in a refused range, a
 * metadata name, `localhost`, a local-only suffix (`.local`, `.internal`...) or a single-label name
 * (`intranet`: resolved through the local search domains). Undefined when only DNS can tell.
 */
export function hostKind(hostname: string): AddressKind | undefined {
  const host = bareHost(hostname);
  if (isIP(host) !== 0) return addressKind(host);
  if (host === '') return 'empty';
  if (METADATA_NAMES.has(host)) return 'cloud metadata';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const suffix = LOCAL_SUFFIXES.find((s) => host.endsWith(s) || host === s.slice(1));
  if (suffix !== undefined) return `local-network (*${suffix})`;
  if (!host.includes('.')) return 'single-label (local network)';
  return undefined;
}

/**
 * Every address `hostname` resolves to, once each is known to be public; a `BlockedAddressError` when
 * the name or any of its addresses is refused (a name that answers with one public and one private
 * address is refused: a CDN never does that, a rebinding attack does).
 */
export async function resolvePublic(
  hostname: string,
  lookup: LookupAll,
): Promise<readonly ResolvedAddress[]> {
  const host = bareHost(hostname);
  const byName = hostKind(host);
  if (byName !== undefined) throw new BlockedAddressError(host, byName, isIP(host) ? host : undefined);
  if (isIP(host) !== 0) return [{ address: host, family: isIP(host) }];
  const addresses = await lookup(host);
  for (const { address } of addresses) {
    const kind = addressKind(address);
    if (kind !== undefined) throw new BlockedAddressError(host, kind, address);
  }
  return addresses;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | ResolvedAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `net.connect` / `tls.connect` (undici: `new Agent({ connect: { lookup } })`) that
 * resolves with `lookup`, refuses the host unless every address is public, and hands the socket the
 * checked addresses: the socket connects to exactly what was checked.
 */
export function guardedLookup(
  lookup: LookupAll = systemLookup,
): (hostname: string, options: unknown, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    const opts = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
    const rawFamily = typeof options === 'number' ? options : opts.family;
    const family = rawFamily === 'IPv4' ? 4 : rawFamily === 'IPv6' ? 6 : Number(rawFamily ?? 0) || 0;
    resolvePublic(hostname, lookup).then(
      (addresses) => {
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const first = usable[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`${hostname}: no IPv${family} address`);
          error.code = 'ENOTFOUND';
          callback(error, '');
        } else if (opts.all === true) {
          callback(
            null,
            usable.map((a) => ({ address: a.address, family: a.family })),
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
