import fc from 'fast-check';
import {
  findMissingRequired,
  findUnsupported,
  GATEWAY_IDS,
  type GatewayId,
  type VideoRequest,
} from '../../src/catalog/index.js';

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

const httpsImage = fc.constantFrom(
  'https://cdn.example.com/first.png',
  'https://images.example.org/a/b/frame.jpg?sig=abc',
  'http://media.example.net/last.jpeg',
);
const media = fc.oneof(
  httpsImage,
  fc.constant('data:image/png;base64,iVBORw0KGgo='),
  fc.constant('iVBORw0KGgo='),
);
const shortText = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '');

/** Shots whose durations add up to `total`, 1–6 of them, each at least 1 s. */
function shotsSumming(total: number) {
  return fc
    .integer({ min: 1, max: Math.min(6, total) })
    .chain((count) =>
      fc
        .uniqueArray(fc.integer({ min: 1, max: total - 1 }), { minLength: count - 1, maxLength: count - 1 })
        .map((cuts) => {
          const bounds = [0, ...cuts.sort((a, b) => a - b), total];
          return bounds.slice(1).map((end, i) => end - (bounds[i] ?? 0));
        }),
    )
    .chain((durations) =>
      fc.tuple(
        ...durations.map((duration) =>
          shortText.map((prompt) => ({ prompt: prompt.slice(0, 512), duration })),
        ),
      ),
    );
}

/** Requests valid by construction (every field, every cross-field rule), for any gateway to take or refuse. */
export const validRequest = fc
  .record({
    prompt: fc.option(shortText, { nil: undefined, freq: 8 }),
    negativePrompt: fc.option(shortText, { nil: undefined }),
    mode: fc.option(fc.constantFrom('std', 'pro', '4k'), { nil: undefined }),
    duration: fc.integer({ min: 3, max: 15 }),
    aspectRatio: fc.option(fc.constantFrom('16:9', '9:16', '1:1'), { nil: undefined }),
    sound: fc.option(fc.boolean(), { nil: undefined }),
    frames: fc.option(fc.tuple(httpsImage, fc.option(httpsImage, { nil: undefined })), { nil: undefined }),
    referenceImages: fc.option(fc.array(media, { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 4 }),
    referenceVideo: fc.option(fc.constantFrom('https://cdn.example.com/in.mp4'), { nil: undefined, freq: 4 }),
    multiShot: fc.option(fc.constantFrom('customize', 'intelligence'), { nil: undefined, freq: 3 }),
    elements: fc.option(
      fc.array(
        fc.integer({ min: 1, max: 99999 }).map((n) => ({ id: String(n) })),
        { minLength: 1, maxLength: 3 },
      ),
      {
        nil: undefined,
        freq: 4,
      },
    ),
    watermark: fc.option(fc.boolean(), { nil: undefined }),
    callbackUrl: fc.option(fc.constantFrom('https://hooks.example.com/kling', 'https://8.8.8.8/cb'), {
      nil: undefined,
    }),
  })
  .chain((r) => {
    const base: Record<string, unknown> = {};
    for (const key of [
      'prompt',
      'negativePrompt',
      'mode',
      'aspectRatio',
      'watermark',
      'callbackUrl',
      'elements',
      'referenceImages',
    ] as const) {
      if (r[key] !== undefined) base[key] = r[key];
    }
    if (r.frames !== undefined) {
      base.startImage = r.frames[0];
      if (r.frames[1] !== undefined) base.endImage = r.frames[1];
    }
    if (r.referenceVideo !== undefined) {
      base.referenceVideos = [r.referenceVideo];
      if (r.sound === false) base.sound = false;
    } else {
      base.duration = r.duration;
      if (r.sound !== undefined) base.sound = r.sound;
    }
    if (r.multiShot === 'intelligence') return fc.constant({ ...base, multiShot: { type: 'intelligence' } });
    if (r.multiShot === 'customize' && r.referenceVideo === undefined) {
      return shotsSumming(r.duration).map((shots) => ({ ...base, multiShot: { type: 'customize', shots } }));
    }
    return fc.constant(base);
  });

/**
 * Drops what `gateway` can't take (per the catalog), filling a missing prompt or mode, so generated
 * requests reach the adapter and the accepting side of a property gets exercised.
 */
export function fitTo(gateway: GatewayId, request: VideoRequest): VideoRequest {
  const fitted: Record<string, unknown> = { ...request };
  for (let i = 0; i < 20; i++) {
    const problem = [...findUnsupported(gateway, fitted), ...findMissingRequired(gateway, fitted)][0];
    if (problem === undefined) break;
    if (problem.field === 'prompt') fitted.prompt = 'a fox in the snow';
    else if (problem.field === 'mode') fitted.mode = 'pro';
    else delete fitted[problem.field];
  }
  return fitted as VideoRequest;
}
