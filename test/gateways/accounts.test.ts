/** Balance and upload replies, read from the documented examples (test/fixtures/<gateway>/). */
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../src/gateways/index.js';
import { KlingResponseError } from '../../src/index.js';
import { loadFixture } from '../fixtures/load.js';

describe('parseBalance', () => {
  it('apiframe: team.credits', () => {
    expect(ADAPTERS.apiframe.parseBalance?.(loadFixture('apiframe', 'balance-me').body)).toEqual({
      amount: 1000,
      unit: 'credits',
    });
  });
  it("EvoLink: the account's remaining credits (data.user), not the key's cap (data.token)", () => {
    expect(ADAPTERS.evolink.parseBalance?.(loadFixture('evolink', 'balance-credits').body)).toEqual({
      amount: 1095.3996,
      unit: 'credits',
    });
  });
  it('Modellix: data.balance in USD', () => {
    expect(ADAPTERS.modellix.parseBalance?.(loadFixture('modellix', 'balance-team').body)).toEqual({
      amount: 12.3456,
      unit: 'usd',
    });
  });
  it('API in One has none; a reply without the amount is malformed', () => {
    expect(ADAPTERS.apiinone.balanceRequest).toBeUndefined();
    expect(() => ADAPTERS.apiframe.parseBalance?.({ user: {}, team: null })).toThrow(KlingResponseError);
  });
});

describe('parseUpload', () => {
  it('apiframe: url and expiresAt', () => {
    expect(ADAPTERS.apiframe.parseUpload?.(loadFixture('apiframe', 'upload-response').body)).toEqual({
      url: 'https://cdn/x.png',
      id: '00000000-0000-0000-0000-000000000111',
      expiresAt: new Date('2026-05-01T12:00:00.000Z'),
    });
  });
  it('EvoLink: data.file_url and data.expires_at (72 h); success: false is refused', () => {
    expect(ADAPTERS.evolink.parseUpload?.(loadFixture('evolink', 'upload-response').body)).toEqual({
      url: 'https://files.evolink.ai/photos/photo.png',
      id: 'file_abc123',
      expiresAt: new Date('2025-10-12T00:00:00+08:00'),
    });
    expect(() =>
      ADAPTERS.evolink.parseUpload?.({ success: false, code: 400, msg: 'quota exhausted' }),
    ).toThrow(/quota exhausted/);
  });
  it('Modellix: data.url', () => {
    expect(ADAPTERS.modellix.parseUpload?.(loadFixture('modellix', 'upload-response').body)).toMatchObject({
      url: 'https://cdn.modellix.ai/media/file-0123456789abcdef.png',
      id: 'file-0123456789abcdef',
    });
  });
  it('the multipart request carries the file under "file", with its type and name', async () => {
    const file = { bytes: new Uint8Array([1, 2, 3]), filename: 'a.png', contentType: 'image/png' };
    for (const gateway of ['apiframe', 'evolink', 'modellix'] as const) {
      const wire = ADAPTERS[gateway].uploadRequest?.(file);
      const part = wire?.body.get('file');
      expect(part).toBeInstanceOf(Blob);
      expect([(part as File).name, (part as Blob).type, (part as Blob).size]).toEqual([
        'a.png',
        'image/png',
        3,
      ]);
    }
    expect(ADAPTERS.evolink.uploadBaseUrl).toBe('https://files-api.evolink.ai');
  });
});
