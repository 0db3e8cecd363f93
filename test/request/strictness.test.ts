/**
 * Issue 17 item 6: the same strictness everywhere. `validateForGateway` with an unknown gateway is a
 * KlingValidationError (not a TypeError); `quote` and `estimateCost` refuse a request that `submit`
 * would refuse (the main entry validates it fully; the pure pricing entry checks its shape: unknown
 * fields and field types, without zod).
 */
import { describe, expect, it } from 'vitest';
import {
  GATEWAY_IDS,
  KlingValidationError,
  estimateCost as mainEstimate,
  quote as mainQuote,
  type VideoRequest,
  validateForGateway,
} from '../../src/index.js';
import { VIDEO_REQUEST_FIELDS } from '../../src/pricing/estimate.js';
import { estimateCost as pureEstimate, quote as pureQuote } from '../../src/pricing/index.js';
import { schemaFields } from '../../src/request/schema.js';

const prompt = 'a kite over a beach';

function refusal(fn: () => unknown): KlingValidationError {
  try {
    fn();
  } catch (error) {
    if (KlingValidationError.is(error)) return error;
    throw new Error(`expected a KlingValidationError, got ${String(error)}`);
  }
  throw new Error('expected a KlingValidationError, got none');
}

describe('validateForGateway', () => {
  it('refuses an unknown gateway with a KlingValidationError naming the gateways, not a TypeError', () => {
    const error = refusal(() => validateForGateway('nope' as never, { prompt }));
    expect(error.subject).toBe('gateway');
    expect(error.issues).toEqual([
      {
        path: ['gateway'],
        message: `unknown gateway 'nope'; use one of ${GATEWAY_IDS.join(', ')}`,
      },
    ]);
    expect(refusal(() => validateForGateway('evolnk' as never, { prompt })).issues[0]?.message).toMatch(
      /did you mean 'evolink'\?/,
    );
    expect(refusal(() => validateForGateway(undefined as never, { prompt })).subject).toBe('gateway');
  });

  it('and so do both estimateCost entries', () => {
    expect(refusal(() => mainEstimate('nope' as never, { prompt })).subject).toBe('gateway');
    expect(refusal(() => pureEstimate('nope' as never, { prompt })).subject).toBe('gateway');
  });
});

describe('quote and estimateCost refuse what submit refuses', () => {
  const withFoo = { prompt, foo: 1 } as VideoRequest;

  it('an unknown field, in both entries, with the same message as the request schema', () => {
    for (const fn of [
      () => mainQuote(withFoo),
      () => pureQuote(withFoo),
      () => mainEstimate('evolink', withFoo),
      () => pureEstimate('evolink', withFoo),
      () => validateForGateway('evolink', withFoo),
    ]) {
      expect(refusal(fn).issues).toEqual([
        {
          path: ['foo'],
          message: 'unknown field; pass raw gateway fields through providerOptions.<gateway>',
        },
      ]);
    }
    const snake = { prompt, aspect_ratio: '16:9' } as VideoRequest;
    expect(refusal(() => pureQuote(snake)).issues[0]?.message).toBe(
      "unknown field; did you mean 'aspectRatio'?",
    );
    expect(refusal(() => mainQuote(snake)).issues[0]?.message).toBe(
      "unknown field; did you mean 'aspectRatio'?",
    );
  });

  it('a field of the wrong type, in the pure entry too (every problem listed)', () => {
    const bad = {
      prompt: 42,
      aspectRatio: '4:3',
      watermark: 'no',
      referenceImages: 'https://x.test/a.png',
      multiShot: 'customize',
    } as unknown as VideoRequest;
    const paths = refusal(() => pureQuote(bad)).issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(['prompt', 'aspectRatio', 'watermark', 'referenceImages', 'multiShot']);
    expect(refusal(() => mainQuote(bad)).issues.map((i) => i.path[0])).toEqual(
      expect.arrayContaining(['prompt', 'aspectRatio', 'watermark', 'referenceImages', 'multiShot']),
    );
  });

  it('content rules (an empty prompt, a private callback host) in the main entry, which validates fully', () => {
    expect(refusal(() => mainQuote({ prompt: ' ' })).issues[0]?.path).toEqual(['prompt']);
    expect(
      refusal(() => mainEstimate('evolink', { prompt, callbackUrl: 'https://10.0.0.1/hook' })).issues[0]
        ?.path,
    ).toEqual(['callbackUrl']);
  });

  it('prices a valid request the same in both entries', () => {
    const request: VideoRequest = { prompt, mode: 'pro', duration: 8, sound: true, aspectRatio: '9:16' };
    expect(mainQuote(request)).toEqual(pureQuote(request));
    expect(mainEstimate('evolink', request)).toEqual(pureEstimate('evolink', request));
  });

  it('pricing knows exactly the fields the request schema has', () => {
    const fields = schemaFields();
    expect(fields.length).toBeGreaterThan(0);
    expect([...VIDEO_REQUEST_FIELDS].sort()).toEqual([...fields].sort());
    for (const field of fields) {
      // Left undefined, a known field is no problem to the pure entry's shape check.
      expect(() => pureEstimate('evolink', { prompt, [field]: undefined })).not.toThrow();
    }
  });
});
