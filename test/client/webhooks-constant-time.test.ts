/**
 * Kling's callback signatures are compared with crypto.timingSafeEqual, never `===` on strings: every v1
 * candidate of the header goes through it (no early exit), the right one included. node:crypto is
 * wrapped here (the rest of it untouched), so this file stands alone.
 */
import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const { verifyKlingWebhook } = await import('../../src/gateways/kling/webhook.js');

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const sign = (body: string, secret = SECRET) =>
  crypto
    .createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))
    .update(`msg_1.1614265330.${body}`)
    .digest('base64');

describe('constant-time comparison', () => {
  it('compares every v1 candidate with timingSafeEqual, the matching one first or last', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    const body = '{"id":"t","status":"processing"}';
    const good = sign(body);
    const wrong = sign(body, 'whsec_b3RoZXJzZWNyZXQ=');
    for (const list of [`v1,${good} v1,${wrong}`, `v1,${wrong} v1,${good}`]) {
      compare.mockClear();
      const header = (name: string) =>
        ({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1614265330', 'webhook-signature': list })[name];
      expect(
        verifyKlingWebhook(new TextEncoder().encode(body), header, {
          webhookSecret: SECRET,
          now: 1614265330_000,
        }),
      ).toBe(true);
      expect(compare).toHaveBeenCalledTimes(2);
      const given = compare.mock.calls.map(([a]) => Buffer.from(a as Uint8Array).toString('base64'));
      expect(given.sort()).toEqual([good, wrong].sort());
      for (const [, expected] of compare.mock.calls) {
        expect(Buffer.from(expected as Uint8Array).toString('base64')).toBe(good);
      }
    }
  });
});
