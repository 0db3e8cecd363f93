/** The download address check (issue 10 item 13): which hosts and addresses a download may reach. */
import { describe, expect, it } from 'vitest';
import {
  addressKind,
  BlockedAddressError,
  guardedLookup,
  hostKind,
  type LookupAll,
  resolvePublic,
} from '../../src/http/address.js';

describe('addressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['100.100.100.200', 'cloud metadata'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.192', 'reserved (IETF protocol assignments)'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (embedded IPv4 127.0.0.1)'],
    ['::ffff:a00:1', 'private (embedded IPv4 10.0.0.1)'],
    ['::ffff:169.254.169.254', 'cloud metadata (embedded IPv4 169.254.169.254)'],
    ['64:ff9b::192.168.0.1', 'private (embedded IPv4 192.168.0.1)'],
    ['2002:a9fe:a9fe::1', 'cloud metadata (embedded IPv4 169.254.169.254)'],
    ['fe80::1%eth0', 'link-local'],
    ['2001:db8::1', 'reserved (documentation)'],
    ['2001::1', 'reserved (IETF protocol assignments: Teredo, ORCHID and others)'],
    ['4000::1', 'outside global unicast (2000::/3)'],
    ['168.63.129.16', 'cloud metadata'],
    ['255.255.255.254', 'reserved'],
    ['198.18.0.1', 'reserved (benchmarking)'],
    ['64:ff9b:1::1', 'private (local-use NAT64)'],
  ])('%s is %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });

  // Which addresses are public is the catalog's (test/catalog/hosts.test.ts); here, that it is asked.
  it.each(['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:0808:0808::1'])(
    '%s is public (an IPv6 form that carries a public IPv4 included)',
    (address) => {
      expect(addressKind(address)).toBeUndefined();
    },
  );

  it('is undefined for what is not an IP address', () => {
    expect(addressKind('cdn.example.com')).toBeUndefined();
  });
});

describe('hostKind (before DNS)', () => {
  it.each([
    ['metadata.google.internal', 'cloud metadata'],
    ['METADATA.google.internal.', 'cloud metadata'],
    ['metadata.goog', 'cloud metadata'],
    ['localhost', 'loopback'],
    ['api.localhost', 'loopback'],
    ['printer.local', 'local-network (*.local)'],
    ['db.corp.internal', 'local-network (*.internal)'],
    ['router.home.arpa', 'local-network (*.home.arpa)'],
    ['fileserver', 'single-label (local network)'],
    ['intranet', 'local-network (*.intranet)'],
    ['videos.example', 'local-network (*.example)'],
    ['cdn.test', 'local-network (*.test)'],
    ['[::1]', 'loopback'],
    ['[fd00::8]', 'unique-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['10.1.2.3', 'private'],
    ['printer.local..', 'local-network (*.local)'],
    ['', 'empty'],
  ])('%s is %s', (host, kind) => {
    expect(hostKind(host)).toBe(kind);
  });

  it('a public-looking name needs DNS to tell', () => {
    expect(hostKind('cdn.example.com')).toBeUndefined();
    expect(hostKind('[2606:4700::1]')).toBeUndefined();
  });
});

describe('resolvePublic', () => {
  const answers =
    (...addresses: string[]): LookupAll =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name that resolves to a private address, even next to a public one', async () => {
    await expect(resolvePublic('cdn.example.com', answers('10.0.0.5'))).rejects.toMatchObject({
      name: 'BlockedAddressError',
      hostname: 'cdn.example.com',
      address: '10.0.0.5',
      kind: 'private',
    });
    await expect(
      resolvePublic('cdn.example.com', answers('93.184.216.34', 'fd00::1')),
    ).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(resolvePublic('cdn.example.com', answers('93.184.216.34'))).resolves.toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
  });

  it('does not ask DNS about a refused name or an IP literal', async () => {
    let asked = 0;
    const counting: LookupAll = async () => {
      asked++;
      return [{ address: '93.184.216.34', family: 4 }];
    };
    await expect(resolvePublic('metadata.google.internal', counting)).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
    await expect(resolvePublic('[::1]', counting)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(resolvePublic('8.8.8.8', counting)).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
    expect(asked).toBe(0);
  });
});

describe('guardedLookup (the socket’s own lookup)', () => {
  const call = (lookup: LookupAll, options: unknown) =>
    new Promise<{ error: unknown; address: unknown; family: unknown }>((resolve) => {
      guardedLookup(lookup)('cdn.example.com', options, (error, address, family) =>
        resolve({ error, address, family }),
      );
    });
  const both: LookupAll = async () => [
    { address: '2606:4700::1', family: 6 },
    { address: '93.184.216.34', family: 4 },
  ];

  it('answers in the form the socket asked for: all, one, one of a family', async () => {
    expect(await call(both, { all: true })).toMatchObject({
      error: null,
      address: [
        { address: '2606:4700::1', family: 6 },
        { address: '93.184.216.34', family: 4 },
      ],
    });
    expect(await call(both, {})).toMatchObject({ error: null, address: '2606:4700::1', family: 6 });
    expect(await call(both, { family: 4 })).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(await call(both, 4)).toMatchObject({ address: '93.184.216.34', family: 4 });
  });

  it('fails the connection with a BlockedAddressError for a private answer', async () => {
    const result = await call(async () => [{ address: '127.0.0.1', family: 4 }], { all: true });
    expect(result.error).toBeInstanceOf(BlockedAddressError);
  });
});
