/**
 * Where a download may connect: public addresses only. A result URL comes from a gateway's reply (or a
 * webhook anyone can post), so without this check a hostile or confused reply could make the SDK fetch
 * `http://169.254.169.254/` (cloud credentials), an intranet host or a loopback service and write the
 * answer to disk. Refused: loopback, private, link-local, unique-local, CGNAT, unspecified, multicast,
 * reserved and documentation ranges, cloud metadata addresses and names, and IPv6 forms that embed a
 * refused IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4). The classes are decided once, in
 * src/catalog/hosts.ts (shared with `callbackUrl`); this module words them and applies them.
 *
 * The check runs on the resolved addresses, and the connection goes to the address that was checked:
 * `guardedLookup` is the `lookup` of the socket itself (undici's `connect` options), so a DNS answer
 * cannot change between the check and the connect (DNS rebinding).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { bareHost, classifyHost, classifyIp, type HostNameClass, type IpClass } from '../catalog/hosts.js';

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

// --- classification (src/catalog/hosts.ts), in this module's words -----------------------------------

/** `private`, `reserved (documentation)`, `loopback (embedded IPv4 127.0.0.1)`. */
function ipKind({ kind, detail, embedded }: IpClass): AddressKind {
  const own = detail === undefined ? kind : `${kind} (${detail})`;
  return embedded === undefined ? own : `${own} (embedded IPv4 ${embedded.ipv4})`;
}

/** `cloud metadata`, `loopback`, `local-network (*.local)`, `single-label (local network)`, `empty`. */
function nameKind({ kind, suffix }: HostNameClass): AddressKind {
  if (kind === 'local-network') return `local-network (*.${suffix})`;
  if (kind === 'single-label') return 'single-label (local network)';
  return kind;
}

/**
 * Why an IP address may not be downloaded from, or undefined for a public address (or not an IP). An
 * IPv6 form that carries an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) is refused only
 * when that IPv4 is: DNS64 resolvers hand out `64:ff9b::<public IPv4>` for ordinary public hosts.
 * (`callbackUrl` refuses every such form; the gateway's servers connect there, not the SDK.)
 */
export function addressKind(address: string): AddressKind | undefined {
  if (isIP(address) === 0) return undefined;
  const found = classifyIp(address);
  return found === null ? undefined : ipKind(found);
}

/** A URL host without brackets, trailing dots or case: `[::1]` → `::1`, `Example.COM.` → `example.com`. */
export { bareHost };

/**
 * Why a URL's host may not be downloaded from, before any DNS: an IP literal in a refused range, a
 * metadata name, `localhost`, a local-only suffix (`.local`, `.internal`...) or a single-label name
 * (`intranet`: resolved through the local search domains). Undefined when only DNS can tell.
 */
export function hostKind(hostname: string): AddressKind | undefined {
  const found = classifyHost(hostname);
  if (found === null) return undefined;
  return found.of === 'address' ? ipKind(found) : nameKind(found);
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
