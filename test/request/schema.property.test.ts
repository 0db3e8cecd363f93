import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GATEWAY_IDS } from '../../src/catalog/index.js';
import { KlingUnsupportedError, KlingValidationError } from '../../src/errors.js';
import { estimateCost } from '../../src/pricing/index.js';
import { parseVideoRequest, validateForGateway } from '../../src/request/index.js';

/** 10,000 runs in CI; `FC_RUNS=1000000 npm run fuzz` for a long soak. */
const numRuns = Number(process.env.FC_RUNS ?? 10_000);

// fc.webUrl is slow to generate; sample a pool once (seeded) and draw from it.
const urlPool = fc.sample(fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true }), {
  numRuns: 200,
  seed: 7,
});
const url = fc.constantFrom(
  ...urlPool,
  'https://cdn.example.com/a.png',
  'data:image/png;base64,iVBORw0KGgo=',
  'iVBORw0KGgo=',
  'ftp://example.com/a.png',
  '/relative.png',
);
/** Any value at all, for the fields to receive garbage too. */
const junk = fc.oneof(fc.anything({ maxDepth: 2 }), fc.string({ maxLength: 8 }), fc.integer(), fc.double());
/** Usually absent, usually plausible when present, sometimes garbage. */
const maybe = <T>(arb: fc.Arbitrary<T>, presentWeight = 3) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: presentWeight, arbitrary: arb },
    { weight: 1, arbitrary: junk },
  );
const text = (max: number) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
    fc.constant('x'.repeat(max + 1)),
    fc.constant(' '),
  );
const shots = fc.array(fc.record({ prompt: text(512), duration: fc.integer({ min: 0, max: 6 }) }), {
  maxLength: 7,
});

/** Requests near the valid space: most fields plausible, some wrong, so every rule gets exercised. */
const nearValidRequest = fc.record(
  {
    prompt: maybe(text(2500), 30),
    negativePrompt: maybe(text(2500)),
    mode: maybe(fc.constantFrom('std', 'pro', '4k', 'hd'), 10),
    duration: maybe(fc.integer({ min: 1, max: 17 }), 10),
    aspectRatio: maybe(fc.constantFrom('16:9', '9:16', '1:1', '4:3')),
    sound: maybe(fc.boolean(), 10),
    startImage: maybe(url),
    endImage: maybe(url),
    referenceImages: maybe(fc.array(url, { maxLength: 3 })),
    referenceVideos: maybe(fc.array(url, { maxLength: 2 })),
    multiShot: maybe(
      fc.oneof(
        fc.record({ type: fc.constant('customize'), shots }),
        fc.constant({ type: 'intelligence' }),
        fc.record({ type: fc.string() }),
      ),
    ),
    elements: maybe(fc.array(fc.record({ id: fc.string({ maxLength: 5 }) }), { maxLength: 4 })),
    watermark: maybe(fc.boolean()),
    callbackUrl: maybe(fc.oneof(url, fc.constantFrom('https://127.0.0.1/x', 'https://hooks.example.com/k'))),
    providerOptions: maybe(fc.dictionary(fc.constantFrom(...GATEWAY_IDS, 'kling'), fc.object())),
  },
  { requiredKeys: [] },
);

const anyInput = fc.oneof({ weight: 5, arbitrary: nearValidRequest }, { weight: 1, arbitrary: junk });

function outcome(run: () => unknown): 'ok' | 'validation' | 'unsupported' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (KlingValidationError.is(error)) {
      const wellFormed = error.issues.every((i) => Array.isArray(i.path) && i.message.length > 0);
      if (error.issues.length === 0 || !wellFormed) throw new Error(`malformed issues: ${error.message}`);
      return 'validation';
    }
    if (KlingUnsupportedError.is(error)) return 'unsupported';
    throw error;
  }
}

describe('VideoRequest validation (property)', () => {
  it('any input either parses or throws KlingValidationError, never another error', () => {
    const seen = { ok: 0, validation: 0, unsupported: 0 };
    fc.assert(
      fc.property(anyInput, (input) => {
        const result = outcome(() => parseVideoRequest(input));
        if (result === 'unsupported') throw new Error('parse must not check gateway support');
        seen[result]++;
      }),
      { numRuns },
    );
    // The generator must reach both sides, or the property proves little.
    expect(seen.ok).toBeGreaterThan(numRuns / 100);
    expect(seen.validation).toBeGreaterThan(numRuns / 100);
  });

  it('a parsed request parses again to itself (defaults are stable)', () => {
    fc.assert(
      fc.property(nearValidRequest, (input) => {
        let parsed: unknown;
        try {
          parsed = parseVideoRequest(input);
        } catch {
          return;
        }
        expect(parseVideoRequest(parsed)).toEqual(parsed);
      }),
      { numRuns: Math.ceil(numRuns / 5) },
    );
  });

  it('per gateway: validation, support and pricing throw only typed errors, and agree', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GATEWAY_IDS), nearValidRequest, (gateway, input) => {
        const validated = outcome(() => validateForGateway(gateway, input));
        if (validated === 'validation') return;
        const priced = outcome(() => estimateCost(gateway, parseVideoRequest(input)));
        if (priced === 'validation') throw new Error('pricing rejected a request that validated');
        // A request the gateway can serve always has a price row (possibly unknown), never a surprise.
        if (validated === 'ok' && priced !== 'ok') throw new Error('pricing refused a servable request');
      }),
      { numRuns },
    );
  });
});
