import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GATEWAY_IDS } from '../../src/catalog/index.js';
import { KlingUnsupportedError, KlingValidationError } from '../../src/errors.js';
import { estimateCost } from '../../src/pricing/index.js';
import { parseVideoRequest, validateForGateway } from '../../src/request/index.js';
import { junk, nearValidRequest as nearValidRequestArbitrary } from '../helpers/arbitraries.js';

/** 10,000 runs in CI; `FC_RUNS=1000000 npm run fuzz` for a long soak. */
const numRuns = Number(process.env.FC_RUNS ?? 10_000);

const nearValidRequest = nearValidRequestArbitrary();

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
