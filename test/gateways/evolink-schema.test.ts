/**
 * Issue 11 item 9 (EvoLink): every body the adapter can produce validates against EvoLink's own published
 * request schemas (test/fixtures/evolink/schemas/, copied with source and commit), read as closed: the SDK
 * sends no field the vendor does not name. Bodies come from the request arbitraries, fitted to what the
 * catalog says EvoLink takes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolink } from '../../src/gateways/evolink/adapter.js';
import type { VideoRequest } from '../../src/index.js';
import { validateForGateway } from '../../src/request/index.js';
import { fixtures, loadFixture } from '../fixtures/load.js';
import { fitTo, validRequest } from '../helpers/arbitraries.js';
import { type Schema, validateSchema } from '../helpers/json-schema.js';

const SCHEMAS: Record<string, Schema> = {
  'kling-v3-text-to-video': loadFixture('evolink', 'schemas/kling-v3-text-to-video.request').body as Schema,
  'kling-v3-image-to-video': loadFixture('evolink', 'schemas/kling-v3-image-to-video.request').body as Schema,
};

/** The vendor's schema for a body (by its `model`), closed. */
function schemaProblems(body: Record<string, unknown> | undefined): string[] {
  const schema = SCHEMAS[String(body?.model)];
  if (schema === undefined) return [`no EvoLink schema for model ${String(body?.model)}`];
  return validateSchema(schema, body, { closed: true });
}

const wire = (request: unknown) =>
  evolink.toWire(validateForGateway('evolink', request), { paths: evolink.paths }).body;

describe("EvoLink's request schemas", () => {
  it('are read by the validator: documented examples pass, wrong bodies fail', () => {
    for (const f of fixtures('evolink', 'create-request')) {
      const body = f.body as Record<string, unknown>;
      const problems = schemaProblems(body);
      // The vendor's own text-to-video multi-shot example leaves out the `prompt` its schema requires.
      if (f.name === 'create-request-text-to-video-multi-shot')
        expect(problems).toEqual(["$: 'prompt' is required"]);
      else expect(problems, f.name).toEqual([]);
    }
    expect(
      schemaProblems({
        model: 'kling-v3-text-to-video',
        prompt: 'x'.repeat(2501),
        duration: 16,
        sound: true,
        quality: '8k',
        model_params: { multi_prompt: [{ index: 1, prompt: 'a', duration: 5 }], extra: 1 },
        seed: 3,
      }),
    ).toEqual([
      '$.prompt: longer than 2500 characters',
      '$.duration: more than 15',
      '$.sound: must be string, got boolean',
      '$.quality: must be one of ["720p","1080p","4k"], got "8k"',
      '$.model_params.multi_prompt[0].duration: must be string, got integer',
      '$.model_params.extra: not a property the schema names',
      '$.seed: not a property the schema names',
    ]);
    expect(schemaProblems({ model: 'kling-v3-image-to-video', image_start: 'not a url' })).toEqual([
      '$.image_start: not a URI',
    ]);
  });

  it('a customize multi-shot text-to-video without a prompt is sent with the prompt the schema requires', () => {
    const body = wire({
      duration: 6,
      multiShot: {
        type: 'customize',
        shots: [
          { prompt: 'a', duration: 3 },
          { prompt: 'b', duration: 3 },
        ],
      },
    });
    expect(body?.prompt).toBe('');
    expect(schemaProblems(body)).toEqual([]);
  });

  it('every body the adapter produces validates (closed), for a few hundred generated requests', () => {
    let checked = 0;
    fc.assert(
      // Half without a prompt and half text-to-video, so the cross-field cases come up often.
      fc.property(validRequest, fc.boolean(), fc.boolean(), (generated, noPrompt, textOnly) => {
        const varied: Record<string, unknown> = { ...generated };
        if (noPrompt) delete varied.prompt;
        if (textOnly) {
          delete varied.startImage;
          delete varied.endImage;
        }
        const request = fitTo('evolink', varied as VideoRequest);
        let body: Record<string, unknown> | undefined;
        try {
          body = wire(request);
        } catch {
          return; // refused before anything is sent: nothing reaches the vendor
        }
        checked++;
        expect(schemaProblems(body)).toEqual([]);
      }),
      { numRuns: 400, seed: 11 },
    );
    expect(checked).toBeGreaterThan(300);
  });
});
