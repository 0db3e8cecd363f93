/**
 * URL rules for request fields. Hosts are judged on the URL parser's normalized form, so
 * `https://2130706433/` and `https://[::ffff:127.0.0.1]/` are seen as the loopback they are; which
 * hosts are not public is decided once, in src/catalog/hosts.ts.
 */
import { classifyHost, embeddedIpv4, type HostNameClass } from '../catalog/hosts.js';

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
 * deprecated (RFC 7526), and the IPv4 itself is the spelling every gateway reads the same way. (Downloads,
 * src/http/address.ts, judge those forms by their IPv4 alone: there the SDK's own resolver answered.)
 */
export function callbackUrlProblem(value: string, maxLength: number): string | null {
  if (value.length > maxLength) return `must be at most ${maxLength} characters (got ${value.length})`;
  const url = parseUrl(value);
  if (url === null) return 'must be an absolute https URL';
  if (url.protocol !== 'https:') return `must use https (got ${url.protocol.replace(':', '')})`;
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const reason = nonPublicHostReason(url.hostname);
  if (reason !== null) return `must point at a public host; '${url.hostname}' is ${reason}`;
  const embedded = url.hostname.startsWith('[') ? embeddedIpv4(url.hostname) : null;
  if (embedded !== null) {
    const { ipv4, form } = embedded;
    return `must not write an IPv4 address inside an IPv6 one ('${url.hostname}' is ${ipv4} in ${form} form): use ${ipv4} itself`;
  }
  return null;
}

/**
 * True for local names and for private, loopback, link-local, cloud metadata and other non-global IP
 * addresses: a URL hostname (IPv6 in brackets) or a bare address as DNS returns it (`fd00::1`,
 * `fe80::1%eth0`). The classes are src/catalog/hosts.ts's, the same the download guard refuses.
 */
export function isNonPublicHost(hostname: string): boolean {
  return classifyHost(hostname) !== null;
}

/**
 * Why a host is not public (`"loopback (127.0.0.0/8)"`), or null when it is. An IPv6 address that
 * embeds an IPv4 one is judged by that IPv4: DNS64 resolvers hand out `64:ff9b::<public IPv4>` for
 * ordinary public hosts, so only a non-public embedded IPv4 makes the address non-public here.
 */
export function nonPublicHostReason(hostname: string): string | null {
  const found = classifyHost(hostname);
  if (found === null) return null;
  if (found.of === 'name') return nameReason(found);
  const where = [found.detail, found.block].filter((part) => part !== undefined).join(', ');
  const reason = where === '' ? found.kind : `${found.kind} (${where})`;
  return found.embedded === undefined
    ? reason
    : `${found.embedded.ipv4} in ${found.embedded.form} form, ${reason}`;
}

function nameReason({ kind, suffix }: HostNameClass): string {
  if (kind === 'empty') return 'empty';
  if (kind === 'cloud metadata') return 'a cloud metadata name';
  if (kind === 'single-label') return 'a single-label name, which only a local resolver answers';
  return `a local or reserved name (.${suffix})`;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}
