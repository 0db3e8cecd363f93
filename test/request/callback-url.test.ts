/**
 * callbackUrl hosts (issue 10 item 17): local names, IPv6 addresses that embed an IPv4 one, and the
 * special-purpose blocks, through the request schema as a caller meets them; the host predicate
 * (shared with anything that checks a resolved address) on its own.
 */
import { describe, expect, it } from 'vitest';
import { KlingValidationError } from '../../src/errors.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { isNonPublicHost, nonPublicHostReason } from '../../src/request/url-rules.js';

const prompt = 'a lighthouse in a storm';

/** The callbackUrl problem a request produced, or null when it parsed. */
function problem(callbackUrl: string): string | null {
  try {
    parseVideoRequest({ prompt, callbackUrl });
    return null;
  } catch (error) {
    if (!KlingValidationError.is(error)) throw error;
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toEqual(['callbackUrl']);
    return error.issues[0]?.message ?? '';
  }
}

describe('callbackUrl: local and reserved names', () => {
  it.each([
    ['https://localhost/x', 'local or reserved name (.localhost)'],
    ['https://LocalHost./x', 'local or reserved name (.localhost)'],
    ['https://api.localhost/x', 'local or reserved name (.localhost)'],
    ['https://printer.local/x', 'local or reserved name (.local)'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'a cloud metadata name'],
    ['https://hooks.internal/x', 'local or reserved name (.internal)'],
    ['https://nas.lan/x', 'local or reserved name (.lan)'],
    ['https://NAS.LAN./x', 'local or reserved name (.lan)'],
    ['https://router.home.arpa/x', 'local or reserved name (.home.arpa)'],
    ['https://home.arpa/x', 'local or reserved name (.home.arpa)'],
    ['https://box.localdomain/x', 'local or reserved name (.localdomain)'],
    ['https://hooks.corp/x', 'local or reserved name (.corp)'],
    ['https://hooks.test/x', 'local or reserved name (.test)'],
    ['https://abc.onion/x', 'local or reserved name (.onion)'],
    ['https://hooks/x', 'single-label name'],
    ['https://intranet/x', 'local or reserved name (.intranet)'],
  ])('refuses %s', (url, reason) => {
    const message = problem(url);
    expect(message).toMatch(/^must point at a public host; '/);
    expect(message).toContain(reason);
  });

  it('judges the last labels, not a look-alike inside the name', () => {
    for (const url of [
      'https://local.example.com/x',
      'https://localhost.example.com/x',
      'https://internal.example.com/x',
      'https://lan.example.com/x',
      'https://home.arpa.example.com/x',
      'https://mylocal.io/x',
      'https://hooks.example.com/x', // example.com is a real domain; only the .example TLD is reserved
    ]) {
      expect(problem(url), url).toBeNull();
    }
  });
});

describe('callbackUrl: IPv6 that embeds a non-public IPv4', () => {
  it.each([
    // IPv4-mapped, as written and in the hex form the URL parser turns it into.
    ['https://[::ffff:127.0.0.1]/x', '127.0.0.1 in IPv4-mapped form, loopback'],
    ['https://[::ffff:7f00:1]/x', '127.0.0.1 in IPv4-mapped form, loopback'],
    ['https://[::ffff:10.0.0.1]/x', '10.0.0.1 in IPv4-mapped form, private'],
    ['https://[::ffff:a9fe:a9fe]/x', '169.254.169.254 in IPv4-mapped form, cloud metadata'],
    ['https://[::ffff:a9fe:101]/x', '169.254.1.1 in IPv4-mapped form, link-local (169.254.0.0/16)'],
    // IPv4-compatible (deprecated).
    ['https://[::127.0.0.1]/x', '127.0.0.1 in IPv4-compatible form, loopback'],
    ['https://[::192.168.1.1]/x', '192.168.1.1 in IPv4-compatible form, private'],
    // NAT64, the well-known prefix 64:ff9b::/96.
    ['https://[64:ff9b::10.0.0.1]/x', '10.0.0.1 in NAT64 form, private'],
    ['https://[64:ff9b::7f00:1]/x', '127.0.0.1 in NAT64 form, loopback'],
    ['https://[64:ff9b::169.254.169.254]/x', '169.254.169.254 in NAT64 form, cloud metadata'],
    ['https://[64:ff9b::169.254.0.1]/x', '169.254.0.1 in NAT64 form, link-local'],
    // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD in bits 16-48.
    ['https://[2002:a00:1::]/x', '10.0.0.1 in 6to4 form, private'],
    ['https://[2002:7f00:1::1]/x', '127.0.0.1 in 6to4 form, loopback'],
    ['https://[2002:c0a8:101:5::9]/x', '192.168.1.1 in 6to4 form, private'],
    ['https://[2002:a9fe:a9fe::]/x', '169.254.169.254 in 6to4 form, cloud metadata (169.254.169.254/32)'],
    ['https://[2002:a9fe:1::]/x', '169.254.0.1 in 6to4 form, link-local'],
    [
      'https://[2002:c000:1::]/x',
      '192.0.0.1 in 6to4 form, reserved (IETF protocol assignments, 192.0.0.0/24)',
    ],
  ])('refuses %s', (url, reason) => {
    const message = problem(url);
    expect(message).toMatch(/^must point at a public host; '\[/);
    expect(message).toContain(reason);
  });
});

describe('callbackUrl: IPv6 that embeds a public IPv4', () => {
  // Refused too: the gateway makes the connection, and these forms are no address it can be sure to
  // reach (mapped and compatible never go on the wire, NAT64 needs a translator in its network, 6to4
  // is deprecated); the IPv4 itself is accepted.
  it.each([
    ['https://[::ffff:8.8.8.8]/x', 'IPv4-mapped'],
    ['https://[::8.8.8.8]/x', 'IPv4-compatible'],
    ['https://[64:ff9b::8.8.8.8]/x', 'NAT64'],
    ['https://[2002:808:808::1]/x', '6to4'],
  ])('refuses %s and names the IPv4 to write instead', (url, form) => {
    expect(problem(url)).toBe(
      `must not write an IPv4 address inside an IPv6 one ('${new URL(url).hostname}' is 8.8.8.8 in ${form} form): use 8.8.8.8 itself`,
    );
    expect(problem('https://8.8.8.8/x')).toBeNull();
  });
});

describe('callbackUrl: special-purpose blocks', () => {
  it.each([
    ['https://192.0.0.1/x', '192.0.0.0/24'],
    ['https://192.0.0.9/x', '192.0.0.0/24'],
    ['https://192.0.0.255/x', '192.0.0.0/24'],
    ['https://192.0.2.10/x', '192.0.2.0/24'],
    ['https://198.51.100.7/x', '198.51.100.0/24'],
    ['https://203.0.113.7/x', '203.0.113.0/24'],
    ['https://198.19.255.255/x', '198.18.0.0/15'],
    ['https://255.255.255.254/x', '240.0.0.0/4'],
    ['https://255.255.255.255/x', 'broadcast (255.255.255.255/32)'],
    ['https://[fec0::1]/x', 'fec0::/10'],
    ['https://[feff:ffff::1]/x', 'fec0::/10'],
    ['https://[fe80::1]/x', 'fe80::/10'],
    ['https://[fd00::1]/x', 'fc00::/7'],
    ['https://[ff02::1]/x', 'ff00::/8'],
    ['https://[2001:db8::1]/x', '2001:db8::/32'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x', '2001::/23'], // Teredo
    ['https://[64:ff9b:1::a]/x', '64:ff9b:1::/48'],
    ['https://[100::1]/x', '100::/64'],
    ['https://[4000::1]/x', '2000::/3'],
  ])('refuses %s (%s)', (url, block) => {
    const message = problem(url);
    expect(message).toMatch(/^must point at a public host; '/);
    expect(message).toContain(block);
  });
});

describe('callbackUrl: what the download guard refused and callbacks let through', () => {
  // One classifier (src/catalog/hosts.ts) now decides for both; before it, these callback URLs passed.
  it.each([
    ['https://localhost../x', 'a local or reserved name (.localhost)'], // every trailing dot, not one
    ['https://printer.local../x', 'a local or reserved name (.local)'],
    ['https://metadata.goog/computeMetadata/v1/', 'a cloud metadata name'], // GCP's metadata server
    ['https://168.63.129.16/x', 'cloud metadata (168.63.129.16/32)'], // Azure's wireserver
  ])('refuses %s', (url, reason) => {
    expect(problem(url)).toBe(`must point at a public host; '${new URL(url).hostname}' is ${reason}`);
  });
});

describe('callbackUrl: public hosts still pass', () => {
  it.each([
    'https://example.com/hook',
    'https://hooks.example.com/kling?order=42',
    'https://8.8.8.8/hook',
    'https://192.0.1.1/hook', // next to 192.0.0.0/24 and 192.0.2.0/24
    'https://192.0.3.1/hook',
    'https://172.32.0.1/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://[2001:4860:4860::8888]/hook',
    'https://[2001:200::1]/hook', // just past 2001::/23
    'https://[2a00:1450:4001:80b::200e]:8443/hook',
  ])('accepts %s', (callbackUrl) => {
    expect(problem(callbackUrl)).toBeNull();
    expect(parseVideoRequest({ prompt, callbackUrl }).callbackUrl).toBe(callbackUrl);
  });
});

describe('isNonPublicHost and nonPublicHostReason (URL hostnames and resolved addresses)', () => {
  // What is public is src/catalog/hosts.ts's to decide (test/catalog/hosts.test.ts); these are its
  // words here, and the embedded-IPv4 rule: judged by the IPv4, unlike callbackUrl, which refuses them all.
  it('judges an embedded IPv4 by that IPv4: DNS64 hands out 64:ff9b::<public IPv4> for public hosts', () => {
    expect(isNonPublicHost('[64:ff9b::808:808]')).toBe(false);
    expect(isNonPublicHost('64:ff9b::10.0.0.1')).toBe(true);
    expect(nonPublicHostReason('::ffff:169.254.1.1')).toBe(
      '169.254.1.1 in IPv4-mapped form, link-local (169.254.0.0/16)',
    );
  });

  it('words each class with its block', () => {
    expect(nonPublicHostReason('fe80::1%eth0')).toBe('link-local (fe80::/10)');
    expect(nonPublicHostReason('10.0.0.1')).toBe('private (10.0.0.0/8)');
    expect(nonPublicHostReason('192.0.2.1')).toBe('reserved (documentation, 192.0.2.0/24)');
    expect(nonPublicHostReason('::1')).toBe('loopback (::1/128)');
    expect(nonPublicHostReason('4000::1')).toBe('outside global unicast (2000::/3)');
    expect(nonPublicHostReason('hooks')).toBe('a single-label name, which only a local resolver answers');
    expect(nonPublicHostReason('')).toBe('empty');
    expect(nonPublicHostReason('1.1.1.1')).toBeNull();
    expect(nonPublicHostReason('2606:4700::1111')).toBeNull();
  });

  it('refuses what it cannot read rather than guess', () => {
    expect(nonPublicHostReason('1::2::3')).toBe('malformed (not an address this SDK can read)');
  });
});
