/**
 * Issue 15 items 1 and 8 (fal): every body the adapter can produce validates against fal's own generated
 * input type for the endpoint it is sent to, rewritten as JSON Schema in test/fixtures/fal/schemas/
 * (fal-ai/fal-js `libs/client/src/types/endpoints.ts`@381105e1; SOURCE.md). The schemas are read closed:
 * fal ignores unknown fields, so one the SDK sent would be dropped in silence. `endpoints` and
 * `oneOfRequired` are the fixtures' own keys (which endpoints share a type; "either prompt or
 * multi_prompt"), checked here apart from the validator.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fal } from '../../src/gateways/fal/adapter.js';
import { estimateCost, KlingUnsupportedError, quote, type VideoRequest } from '../../src/index.js';
import { validateForGateway } from '../../src/request/index.js';
import { loadFixture } from '../fixtures/load.js';
import { fitTo, validRequest } from '../helpers/arbitraries.js';
import { type Schema, validateSchema } from '../helpers/json-schema.js';

interface EndpointSchema {
  name: string;
  schema: Schema;
  oneOfRequired: string[];
}

/** Each generated input type by the endpoint ids it serves (`fal-ai/kling-video/o3/pro/image-to-video`). */
const SCHEMAS = new Map<string, EndpointSchema>();
for (const file of readdirSync(resolve(__dirname, '../fixtures/fal/schemas'))) {
  if (!file.endsWith('.input.jsonc')) continue;
  const name = file.replace(/\.jsonc$/, '');
  const { endpoints, oneOfRequired, ...schema } = loadFixture('fal', `schemas/${name}`).body as Schema & {
    endpoints: string[];
    oneOfRequired: string[];
  };
  for (const id of endpoints) SCHEMAS.set(id, { name, schema, oneOfRequired });
}

const wire = (request: unknown) => fal.toWire(validateForGateway('fal', request), { paths: fal.paths });

/** The endpoint id a submit path names, and every problem with its body against that endpoint's type. */
function problemsOf(request: unknown): { endpoint: string; problems: string[] } {
  const w = wire(request);
  const endpoint = w.path.split('?')[0]?.replace(/^\//, '') ?? '';
  const found = SCHEMAS.get(endpoint);
  if (found === undefined) return { endpoint, problems: [`no generated type for ${endpoint}`] };
  const problems = validateSchema(found.schema, w.body, { closed: true });
  const given = found.oneOfRequired.filter((field) => w.body?.[field] !== undefined);
  if (given.length !== 1)
    problems.push(`$: exactly one of ${found.oneOfRequired.join(', ')}, got ${given.length}`);
  return { endpoint, problems };
}

const img = 'https://example.com/first.jpg';
const img2 = 'https://example.com/last.jpg';
const ref1 = 'https://example.com/ref-1.jpg';
const ref2 = 'https://example.com/ref-2.jpg';

describe("fal's generated input types (schemas/)", () => {
  it('cover the fifteen Kling 3.0 endpoints the adapter can send to, and the validator reads them', () => {
    expect([...SCHEMAS.keys()].sort()).toEqual(
      ['v3', 'o3']
        .flatMap((model) =>
          ['standard', 'pro', '4k'].flatMap((tier) =>
            (model === 'v3'
              ? ['text-to-video', 'image-to-video']
              : ['text-to-video', 'image-to-video', 'reference-to-video']
            ).map((kind) => `fal-ai/kling-video/${model}/${tier}/${kind}`),
          ),
        )
        .sort(),
    );
    const o3i2v = SCHEMAS.get('fal-ai/kling-video/o3/standard/image-to-video')?.schema as Schema;
    expect(
      validateSchema(o3i2v, { start_image_url: img, duration: 5, negative_prompt: 'x' }, { closed: true }),
    ).toEqual([
      "$: 'image_url' is required",
      '$.start_image_url: not a property the schema names',
      '$.duration: must be string, got integer',
      '$.negative_prompt: not a property the schema names',
    ]);
  });
});

describe('fal o3 (Omni): the endpoint and each field as the generated types declare them', () => {
  it.each<[string, VideoRequest, string, Record<string, unknown>]>([
    [
      'providerOptions.fal.model o3, text-to-video: aspect_ratio, shots, generate_audio sent',
      {
        prompt: 'a mecha lands',
        aspectRatio: '9:16',
        duration: 7,
        sound: true,
        multiShot: { type: 'intelligence' },
        providerOptions: { fal: { model: 'o3' } },
      },
      'fal-ai/kling-video/o3/standard/text-to-video',
      {
        prompt: 'a mecha lands',
        aspect_ratio: '9:16',
        duration: '7',
        generate_audio: true,
        shot_type: 'intelligent',
      },
    ],
    [
      'o3 image-to-video: the start frame is image_url, the end frame end_image_url, no aspect_ratio',
      {
        prompt: 'the boat drifts',
        startImage: img,
        endImage: img2,
        mode: 'pro',
        providerOptions: { fal: { model: 'o3' } },
      },
      'fal-ai/kling-video/o3/pro/image-to-video',
      {
        prompt: 'the boat drifts',
        image_url: img,
        end_image_url: img2,
        duration: '5',
        generate_audio: false,
      },
    ],
    [
      'reference images route to o3 reference-to-video by themselves: image_urls, aspect_ratio',
      { prompt: 'the cat from @Image1 on @Image2', referenceImages: [ref1, ref2], aspectRatio: '1:1' },
      'fal-ai/kling-video/o3/standard/reference-to-video',
      {
        prompt: 'the cat from @Image1 on @Image2',
        image_urls: [ref1, ref2],
        aspect_ratio: '1:1',
        duration: '5',
        generate_audio: false,
      },
    ],
    [
      'reference-to-video with frames: start_image_url (not image_url) and end_image_url, 4k shots',
      {
        referenceImages: [ref1],
        startImage: img,
        endImage: img2,
        mode: '4k',
        duration: 6,
        multiShot: {
          type: 'customize',
          shots: [
            { prompt: 'one', duration: 2 },
            { prompt: 'two', duration: 4 },
          ],
        },
      },
      'fal-ai/kling-video/o3/4k/reference-to-video',
      {
        image_urls: [ref1],
        start_image_url: img,
        end_image_url: img2,
        duration: '6',
        generate_audio: false,
        multi_prompt: [
          { prompt: 'one', duration: '2' },
          { prompt: 'two', duration: '4' },
        ],
        shot_type: 'customize',
      },
    ],
  ])('%s', (_, request, endpoint, body) => {
    const w = wire(request);
    expect(w.path).toBe(`/${endpoint}`);
    expect(w.body).toEqual(body);
    expect(problemsOf(request)).toEqual({ endpoint, problems: [] });
  });

  it('the documented o3 fixtures are what the adapter sends for the same request', () => {
    const doc = (name: string) => loadFixture('fal', name).body as Record<string, unknown>;
    const i2v = doc('create-request-o3-standard-image-to-video');
    expect(
      wire({
        prompt: i2v.prompt,
        startImage: i2v.image_url,
        sound: true,
        providerOptions: { fal: { model: 'o3' } },
      }).body,
    ).toEqual(i2v);
    const r2v = doc('create-request-o3-standard-reference-to-video');
    expect(
      wire({ prompt: r2v.prompt, referenceImages: r2v.image_urls, aspectRatio: r2v.aspect_ratio }).body,
    ).toEqual(r2v);
  });

  it('model is the SDK’s choice, never a wire field; v3 stays the default without references', () => {
    const v3 = wire({ prompt: 'p', providerOptions: { fal: { model: 'v3', cfg_scale: 0.4 } } });
    expect(v3.path).toBe('/fal-ai/kling-video/v3/standard/text-to-video');
    expect(v3.body).toEqual({ prompt: 'p', duration: '5', generate_audio: false, cfg_scale: 0.4 });
    expect(wire({ prompt: 'p', startImage: img }).path).toBe(
      '/fal-ai/kling-video/v3/standard/image-to-video',
    );
  });

  it.each<[string, VideoRequest, string, RegExp]>([
    [
      'reference images on v3',
      { prompt: 'p', referenceImages: [ref1], providerOptions: { fal: { model: 'v3' } } },
      'referenceImages',
      /only Omni's reference-to-video/,
    ],
    [
      'a negative prompt on o3 (no negative_prompt in its types)',
      { prompt: 'p', negativePrompt: 'blur', referenceImages: [ref1] },
      'negativePrompt',
      /Omni \(o3\)/,
    ],
    [
      'an unknown model',
      { prompt: 'p', providerOptions: { fal: { model: 'o1' } } },
      'providerOptions',
      /'v3' \(Kling 3\.0\) or 'o3'/,
    ],
    [
      'base64 reference images (image_urls are URLs)',
      { prompt: 'p', referenceImages: ['data:image/png;base64,iVBORw0KGgo='] },
      'referenceImages',
      /http\(s\) URLs/,
    ],
  ])('refused before sending: %s', (_, request, field, message) => {
    const error = (() => {
      try {
        validateForGateway('fal', request);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(KlingUnsupportedError.is(error)).toBe(true);
    expect(error).toMatchObject({ field });
    expect(String((error as Error).message)).toMatch(message);
  });

  it('every body the adapter produces validates against its endpoint’s type, for a few hundred requests', () => {
    const endpoints = new Set<string>();
    let checked = 0;
    fc.assert(
      fc.property(validRequest, fc.constantFrom(undefined, 'v3', 'o3'), (generated, model) => {
        const varied: Record<string, unknown> = { ...generated };
        if (model !== undefined) varied.providerOptions = { fal: { model } };
        const request = fitTo('fal', varied as VideoRequest);
        let result: { endpoint: string; problems: string[] };
        try {
          result = problemsOf(request);
        } catch {
          return; // refused before anything is sent: nothing reaches fal
        }
        checked++;
        endpoints.add(result.endpoint.replace(/\/(standard|pro|4k)\//, '/'));
        expect(result.problems, result.endpoint).toEqual([]);
      }),
      { numRuns: 400, seed: 15 },
    );
    expect(checked).toBeGreaterThan(250);
    expect([...endpoints].sort()).toEqual([
      'fal-ai/kling-video/o3/image-to-video',
      'fal-ai/kling-video/o3/reference-to-video',
      'fal-ai/kling-video/o3/text-to-video',
      'fal-ai/kling-video/v3/image-to-video',
      'fal-ai/kling-video/v3/text-to-video',
    ]);
  });
});

describe('fal o3 prices in estimates and quotes (the o3 rate rows)', () => {
  it('prices the endpoint the request goes to: o3 rows for o3, v3 rows otherwise', () => {
    const o3Audio = estimateCost('fal', {
      prompt: 'p',
      sound: true,
      providerOptions: { fal: { model: 'o3' } },
    });
    expect(o3Audio).toMatchObject({ rateKey: 'o3-standard+audio', perSecond: 0.112, usd: 0.56, exact: true });
    expect(estimateCost('fal', { prompt: 'p', sound: true })).toMatchObject({
      rateKey: 'v3-standard+audio',
      perSecond: 0.126,
    });
    expect(estimateCost('fal', { prompt: 'p', referenceImages: [ref1], mode: '4k' })).toMatchObject({
      rateKey: 'o3-4k',
      usd: 2.1,
    });
    // No o3 pro price was readable: the estimate says so rather than using v3's.
    expect(estimateCost('fal', { prompt: 'p', referenceImages: [ref1], mode: 'pro' })).toMatchObject({
      rateKey: 'o3-pro',
      exact: false,
      usd: null,
      reason: expect.stringMatching(/publishes no price for 'o3-pro'/),
    });
  });

  it('quote lists fal for reference images (o3) and prices it there; a refused o3 use leaves fal out', () => {
    const plan = quote({ prompt: 'p', referenceImages: [ref1], duration: 10 });
    expect(plan.find((e) => e.gateway === 'fal')).toMatchObject({ rateKey: 'o3-standard', usd: 0.84 });
    const refused = quote({ prompt: 'p', referenceImages: [ref1], negativePrompt: 'blur' });
    expect(refused.some((e) => e.gateway === 'fal')).toBe(false);
  });

  it('a local image on fal is refused saying the SDK does not upload to fal (not that fal has none)', () => {
    expect(() => validateForGateway('fal', { prompt: 'p', startImage: './frame.png' })).toThrow(
      /startImage is a local file or bytes, but the SDK does not upload to fal's CDN yet \(its upload is two requests/,
    );
  });
});
