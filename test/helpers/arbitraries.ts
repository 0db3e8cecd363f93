import fc from 'fast-check';
import { GATEWAY_IDS } from '../../src/catalog/index.js';

// fc.webUrl is slow to generate; sample a pool once (seeded) and draw from it.
const urlPool = fc.sample(fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true }), {
  numRuns: 200,
  seed: 7,
});
export const url = fc.constantFrom(
  ...urlPool,
  'https://cdn.example.com/a.png',
  'data:image/png;base64,iVBORw0KGgo=',
  'iVBORw0KGgo=',
  'ftp://example.com/a.png',
  '/relative.png',
);

/** Any value at all, for the fields to receive garbage too. */
export const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
);

/** Usually absent, usually plausible when present, sometimes garbage. */
export const maybe = <T>(arb: fc.Arbitrary<T>, presentWeight = 3) =>
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
export function nearValidRequest(options: { providerOptions?: boolean } = {}) {
  return fc.record(
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
      callbackUrl: maybe(
        fc.oneof(url, fc.constantFrom('https://127.0.0.1/x', 'https://hooks.example.com/k')),
      ),
      providerOptions:
        options.providerOptions === false
          ? fc.constant(undefined)
          : maybe(fc.dictionary(fc.constantFrom(...GATEWAY_IDS, 'kling'), fc.object())),
    },
    { requiredKeys: [] },
  );
}
