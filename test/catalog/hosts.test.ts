/**
 * The one host classifier (src/catalog/hosts.ts) behind callbackUrl (src/request/url-rules.ts) and the
 * download guard (src/http/address.ts): which addresses and names are not public, how IPv6 carries
 * IPv4, what it cannot read; and that its two callers now refuse the same hosts.
 */
import { describe, expect, it } from 'vitest';
import {
  bareHost,
  classifyHost,
  classifyHostName,
  classifyIp,
  embeddedIpv4,
  isLoopbackHost,
} from '../../src/catalog/hosts.js';
import { hostKind } from '../../src/http/address.js';
import { nonPublicHostReason } from '../../src/request/url-rules.js';

describe('classifyIp: every refused IPv4 block', () => {
  it.each([
    ['169.254.169.254', 'cloud metadata', undefined, '169.254.169.254/32'],
    ['168.63.129.16', 'cloud metadata', undefined, '168.63.129.16/32'],
    ['100.100.100.200', 'cloud metadata', undefined, '100.100.100.200/32'],
    ['255.255.255.255', 'broadcast', undefined, '255.255.255.255/32'],
    ['0.0.0.0', 'unspecified', '"this network"', '0.0.0.0/8'],
    ['0.255.255.255', 'unspecified', '"this network"', '0.0.0.0/8'],
    ['10.0.0.1', 'private', undefined, '10.0.0.0/8'],
    ['100.64.0.1', 'shared', 'CGNAT', '100.64.0.0/10'],
    ['100.127.255.255', 'shared', 'CGNAT', '100.64.0.0/10'],
    ['127.0.0.1', 'loopback', undefined, '127.0.0.0/8'],
    ['127.255.0.9', 'loopback', undefined, '127.0.0.0/8'],
    ['169.254.1.1', 'link-local', undefined, '169.254.0.0/16'],
    ['172.16.0.1', 'private', undefined, '172.16.0.0/12'],
    ['172.31.255.255', 'private', undefined, '172.16.0.0/12'],
    ['192.0.0.192', 'reserved', 'IETF protocol assignments', '192.0.0.0/24'],
    ['192.0.2.10', 'reserved', 'documentation', '192.0.2.0/24'],
    ['192.88.99.1', 'reserved', '6to4 relay anycast', '192.88.99.0/24'],
    ['192.168.1.1', 'private', undefined, '192.168.0.0/16'],
    ['198.19.255.255', 'reserved', 'benchmarking', '198.18.0.0/15'],
    ['198.51.100.7', 'reserved', 'documentation', '198.51.100.0/24'],
    ['203.0.113.7', 'reserved', 'documentation', '203.0.113.0/24'],
    ['224.0.0.1', 'multicast', undefined, '224.0.0.0/4'],
    ['255.255.255.254', 'reserved', undefined, '240.0.0.0/4'],
  ])('%s is %s (%s, %s)', (address, kind, detail, block) => {
    expect(classifyIp(address)).toEqual(detail === undefined ? { kind, block } : { kind, detail, block });
  });
});

describe('classifyIp: every refused IPv6 block', () => {
  it.each([
    ['::', 'unspecified', undefined, '::/128'],
    ['::1', 'loopback', undefined, '::1/128'],
    ['fd00:ec2::254', 'cloud metadata', undefined, 'fd00:ec2::254/128'],
    ['64:ff9b:1::a', 'private', 'local-use NAT64', '64:ff9b:1::/48'],
    ['100::1', 'reserved', 'discard', '100::/64'],
    ['2001:db8::1', 'reserved', 'documentation', '2001:db8::/32'],
    ['2001::1', 'reserved', 'IETF protocol assignments: Teredo, ORCHID and others', '2001::/23'],
    [
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      'reserved',
      'IETF protocol assignments: Teredo, ORCHID and others',
      '2001::/23',
    ],
    ['3fff::1', 'reserved', 'documentation', '3fff::/20'],
    ['fc00::1', 'unique-local', undefined, 'fc00::/7'],
    ['fd12:3456::1', 'unique-local', undefined, 'fc00::/7'],
    ['fe80::1', 'link-local', undefined, 'fe80::/10'],
    ['febf::1', 'link-local', undefined, 'fe80::/10'],
    ['fec0::1', 'site-local', undefined, 'fec0::/10'],
    ['feff:ffff::1', 'site-local', undefined, 'fec0::/10'],
    ['ff02::1', 'multicast', undefined, 'ff00::/8'],
  ])('%s is %s (%s, %s)', (address, kind, detail, block) => {
    expect(classifyIp(address)).toEqual(detail === undefined ? { kind, block } : { kind, detail, block });
  });

  it('refuses anything outside global unicast (2000::/3), in no block', () => {
    for (const address of ['4000::1', '1::1', 'e000::1']) {
      expect(classifyIp(address), address).toEqual({ kind: 'outside global unicast', detail: '2000::/3' });
    }
  });
});

describe('classifyIp: public addresses', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '100.63.255.255', // just outside 100.64.0.0/10
    '100.128.0.0',
    '172.15.255.255', // just outside 172.16.0.0/12
    '172.32.0.0',
    '169.253.255.255',
    '192.0.1.1', // between 192.0.0.0/24 and 192.0.2.0/24
    '192.0.3.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2001:200::1', // just past 2001::/23
    '2a00:1450:4001:80b::200e',
  ])('%s is public', (address) => {
    expect(classifyIp(address)).toBeNull();
  });
});

describe('classifyIp: IPv6 that carries an IPv4 is judged by that IPv4', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1', 'IPv4-mapped', 'loopback'],
    ['::ffff:a00:1', '10.0.0.1', 'IPv4-mapped', 'private'],
    ['::ffff:169.254.169.254', '169.254.169.254', 'IPv4-mapped', 'cloud metadata'],
    ['::192.168.1.1', '192.168.1.1', 'IPv4-compatible', 'private'],
    ['64:ff9b::10.0.0.1', '10.0.0.1', 'NAT64', 'private'],
    ['64:ff9b::192.168.0.1', '192.168.0.1', 'NAT64', 'private'],
    ['2002:a00:1::', '10.0.0.1', '6to4', 'private'],
    ['2002:a9fe:a9fe::1', '169.254.169.254', '6to4', 'cloud metadata'],
  ])('%s is %s in %s form: %s', (address, ipv4, form, kind) => {
    expect(classifyIp(address)).toMatchObject({ kind, embedded: { ipv4, form } });
  });

  it('a public IPv4 inside makes the address public (DNS64 answers 64:ff9b::<public IPv4>)', () => {
    for (const address of [
      '64:ff9b::808:808',
      '[64:ff9b::808:808]',
      '::ffff:8.8.8.8',
      '2002:808:808::1',
      '::808:808',
    ]) {
      expect(classifyIp(address), address).toBeNull();
    }
  });
});

describe('embeddedIpv4: the IPv4 an IPv6 address writes, public or not', () => {
  it.each([
    ['::ffff:8.8.8.8', '8.8.8.8', 'IPv4-mapped'],
    ['[::ffff:808:808]', '8.8.8.8', 'IPv4-mapped'],
    ['::8.8.8.8', '8.8.8.8', 'IPv4-compatible'],
    ['::2', '0.0.0.2', 'IPv4-compatible'],
    ['64:ff9b::8.8.8.8', '8.8.8.8', 'NAT64'],
    ['2002:808:808::1', '8.8.8.8', '6to4'],
    ['2002:c0a8:101:5::9', '192.168.1.1', '6to4'],
  ])('%s carries %s (%s)', (address, ipv4, form) => {
    expect(embeddedIpv4(address)).toEqual({ ipv4, form });
  });

  it('finds none in :: and ::1, other IPv6, an IPv4 address or a name', () => {
    for (const text of ['::', '::1', '64:ff9b:1::808:808', '2606:4700::1111', '8.8.8.8', 'example.com']) {
      expect(embeddedIpv4(text), text).toBeNull();
    }
  });
});

describe('classifyIp: reading addresses', () => {
  it('reads brackets, a zone, a dotted tail and upper case', () => {
    expect(classifyIp('[fd00::8]')).toMatchObject({ kind: 'unique-local' });
    expect(classifyIp('fe80::1%eth0')).toMatchObject({ kind: 'link-local' });
    expect(classifyIp('::FFFF:10.0.0.1')).toMatchObject({ kind: 'private', embedded: { ipv4: '10.0.0.1' } });
    expect(classifyIp('1:2:3:4:5:6:7:8')).toEqual({ kind: 'outside global unicast', detail: '2000::/3' });
  });

  it('refuses what it cannot read rather than guess', () => {
    for (const text of [
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4::5:6:7:8', // `::` stands for one group or more
      '::ffff:1.2.3',
      '::ffff:1.2.3.256',
      'g::1',
      '1.2.3.256',
    ]) {
      expect(classifyIp(text), text).toEqual({
        kind: 'malformed',
        detail: 'not an address this SDK can read',
      });
    }
  });
});

describe('classifyHostName', () => {
  it.each([
    ['metadata.google.internal', 'cloud metadata', undefined],
    ['METADATA.google.internal.', 'cloud metadata', undefined],
    ['metadata.goog', 'cloud metadata', undefined],
    ['instance-data', 'cloud metadata', undefined],
    ['localhost', 'loopback', 'localhost'],
    ['LocalHost.', 'loopback', 'localhost'],
    ['localhost..', 'loopback', 'localhost'],
    ['api.localhost', 'loopback', 'localhost'],
    ['printer.local', 'local-network', 'local'],
    ['db.corp.internal', 'local-network', 'internal'],
    ['NAS.LAN.', 'local-network', 'lan'],
    ['router.home.arpa', 'local-network', 'home.arpa'],
    ['home.arpa', 'local-network', 'home.arpa'],
    ['1.in-addr.arpa', 'local-network', 'arpa'],
    ['box.localdomain', 'local-network', 'localdomain'],
    ['intranet', 'local-network', 'intranet'],
    ['videos.example', 'local-network', 'example'],
    ['cdn.test', 'local-network', 'test'],
    ['abc.onion', 'local-network', 'onion'],
    ['fileserver', 'single-label', undefined],
    ['', 'empty', undefined],
    ['.', 'empty', undefined],
  ])('%s is %s (%s)', (name, kind, suffix) => {
    expect(classifyHostName(name)).toEqual(suffix === undefined ? { kind } : { kind, suffix });
  });

  it('judges the last labels, not a look-alike inside the name', () => {
    for (const name of [
      'local.example.com',
      'localhost.example.com',
      'internal.example.com',
      'lan.example.com',
      'home.arpa.example.com',
      'mylocal.io',
      'metadata.google.internal.example.com',
      'cdn.example.com', // example.com is a real domain; only the .example TLD is reserved
    ]) {
      expect(classifyHostName(name), name).toBeNull();
    }
  });
});

describe('classifyHost and bareHost', () => {
  it('sends IP literals to classifyIp and names to classifyHostName', () => {
    expect(classifyHost('[::1]')).toEqual({ of: 'address', kind: 'loopback', block: '::1/128' });
    expect(classifyHost('10.1.2.3')).toEqual({ of: 'address', kind: 'private', block: '10.0.0.0/8' });
    expect(classifyHost('printer.local')).toEqual({ of: 'name', kind: 'local-network', suffix: 'local' });
    expect(classifyHost('cdn.example.com')).toBeNull();
    expect(classifyHost('[2606:4700::1]')).toBeNull();
  });

  it('drops brackets, every trailing dot and case', () => {
    expect(bareHost('[::1]')).toBe('::1');
    expect(bareHost('Example.COM..')).toBe('example.com');
    expect(bareHost('[::1')).toBe('[::1');
  });
});

describe('the two callers refuse the same hosts', () => {
  // callbackUrl's nonPublicHostReason and the download guard's hostKind word the classes differently and
  // callbackUrl adds a rule of its own (every IPv6 form that writes an IPv4); which hosts are not public is
  // one decision. Before it, the hosts marked * were refused by downloads and let through by callbacks.
  it.each([
    'localhost..', // *
    'printer.local..', // *
    'metadata.goog', // *
    '168.63.129.16', // *
    '169.254.169.254',
    '255.255.255.255',
    'metadata.google.internal',
    'intranet',
    '[::ffff:a00:1]',
    '[64:ff9b::a9fe:a9fe]',
    '[2002:a00:1::]',
    '[fd00:ec2::254]',
    '[fec0::1]',
    '[4000::1]',
    // public
    'example.com',
    '8.8.8.8',
    '[2606:4700:4700::1111]',
    '[64:ff9b::808:808]',
    '[::ffff:808:808]',
  ])('%s', (host) => {
    expect(nonPublicHostReason(host) === null).toBe(hostKind(host) === undefined);
  });
});

describe('isLoopbackHost (the http exception for base URLs and downloads)', () => {
  it.each(['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.9.8.7', '[::1]'])(
    '%s is this machine',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );
  it.each(['localhost.example.com', '10.0.0.1', '169.254.169.254', '[::2]', 'example.com', '128.0.0.1'])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});
