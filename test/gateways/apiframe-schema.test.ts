/**
 * Issue 11 item 9 (apiframe): every body the adapter can produce validates against the vendor's own
 * schema for the create request, the `kling-3.0` member of `GenerateVideoRequest` in apiframe's OpenAPI
 * document (test/fixtures/apiframe/openapi.json; source and commit in SOURCE.md). That schema is closed
 * (`additionalProperties: false` at the top level and in `klingParams`), as the vendor declares it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES, findUnsupported } from '../../src/catalog/index.js';
import { apiframe } from '../../src/gateways/apiframe/adapter.js';
import type { VideoRequest } from '../../src/index.js';
import { validateForGateway } from '../../src/request/index.js';
import { fixtures } from '../fixtures/load.js';
import { fitTo, validRequest } from '../helpers/arbitraries.js';
import { type Schema, validateSchema } from '../helpers/json-schema.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: Schema }> } } }>;
  components: { schemas: Record<string, Schema> };
}

const DOCUMENT = JSON.parse(
  readFileSync(resolve(__dirname, '../fixtures/apiframe/openapi.json'), 'utf8'),
) as OpenApi;

/** `#/components/schemas/<name>` → the schema. */
function deref(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  const found = name === undefined ? undefined : DOCUMENT.components.schemas[name];
  if (found === undefined) throw new Error(`unresolved $ref ${ref}`);
  return found;
}

/** The request schema of `POST /v2/videos/generate`, narrowed to the member whose model is `kling-3.0`. */
function kling3Schema(): Schema {
  const body =
    DOCUMENT.paths['/v2/videos/generate']?.post?.requestBody?.content?.['application/json']?.schema;
  if (body === undefined) throw new Error('no request body schema for POST /v2/videos/generate');
  const members = (deref(body).oneOf ?? []) as Schema[];
  const matching = members.map(deref).filter((member) => {
    const model = (member.properties as Record<string, Schema> | undefined)?.model;
    return JSON.stringify(model?.enum) === '["kling-3.0"]';
  });
  if (matching.length !== 1) throw new Error(`expected one kling-3.0 member, found ${matching.length}`);
  return matching[0] as Schema;
}

const SCHEMA = kling3Schema();
const schemaProblems = (body: unknown) => validateSchema(SCHEMA, body);

const wire = (request: unknown) =>
  apiframe.toWire(validateForGateway('apiframe', request), { paths: apiframe.paths }).body;

describe("apiframe's OpenAPI document", () => {
  it('is the checked-in 3.1 document, and its kling-3.0 request schema is closed at both levels', () => {
    expect(DOCUMENT.openapi).toBe('3.1.0');
    expect(SCHEMA.additionalProperties).toBe(false);
    expect(SCHEMA.required).toEqual(['prompt', 'model']);
    const params = (SCHEMA.properties as Record<string, Schema>).klingParams as Schema;
    expect(params.additionalProperties).toBe(false);
    // The schema, not the docs' example list (3/5/8/10/15), decides durations: any integer 3–15.
    expect((params.properties as Record<string, Schema>).duration).toEqual({
      maximum: 15,
      minimum: 3,
      type: 'integer',
    });
  });

  it('is read by the validator: documented examples pass, wrong bodies fail', () => {
    const examples = fixtures('apiframe', 'create-request');
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const f of examples) expect(schemaProblems(f.body), f.name).toEqual([]);
    expect(
      schemaProblems({
        model: 'kling-3.0',
        prompt: 'x'.repeat(4001),
        sound: true,
        klingParams: { duration: 16, mode: 'std', generate_audio: 'yes', start_image: 'frame.jpg', seed: 1 },
      }),
    ).toEqual([
      '$.prompt: longer than 4000 characters',
      '$.sound: not a property the schema names',
      '$.klingParams.duration: more than 15',
      '$.klingParams.mode: must be one of ["standard","pro","4k"], got "std"',
      '$.klingParams.generate_audio: must be boolean, got string',
      '$.klingParams.start_image: not a URI',
      '$.klingParams.seed: not a property the schema names',
    ]);
    expect(schemaProblems({ model: 'kling-3.0' })).toEqual(["$: 'prompt' is required"]);
  });

  it('a prompt of 4,000 characters is taken by apiframe (its own limit) and passes the schema', () => {
    expect(CAPABILITIES.apiframe.maxPromptLength).toBe(4000);
    const body = wire({ prompt: 'x'.repeat(4000) });
    expect(schemaProblems(body)).toEqual([]);
    expect(findUnsupported('modellix', { prompt: 'x'.repeat(2501) }).map((p) => p.field)).toEqual(['prompt']);
  });

  it('every body the adapter produces validates, for a few hundred generated requests', () => {
    let checked = 0;
    fc.assert(
      fc.property(validRequest, fc.integer({ min: 1, max: 4000 }), (generated, promptLength) => {
        const varied: Record<string, unknown> = { ...generated };
        // Prompts of every length up to apiframe's own limit, not only the arbitraries' short ones.
        if (promptLength > 2000) varied.prompt = 'p'.repeat(promptLength);
        const request = fitTo('apiframe', varied as VideoRequest);
        let body: Record<string, unknown> | undefined;
        try {
          body = wire(request);
        } catch {
          return; // refused before anything is sent: nothing reaches the vendor
        }
        checked++;
        expect(schemaProblems(body)).toEqual([]);
      }),
      { numRuns: 400, seed: 23 },
    );
    expect(checked).toBeGreaterThan(300);
  });
});
