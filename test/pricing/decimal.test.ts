import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactProduct, multiply } from '../../src/pricing/decimal.js';

describe('multiply (exact decimal products)', () => {
  it.each([
    [[0.1125, 7], 0.7875],
    [[8.1, 7], 56.7],
    [[7.1982, 10], 71.982],
    [[0.075, 5], 0.375],
    [[0.1, 3], 0.3],
    [[200, 0.01], 2],
    [[0.012, 35], 0.42],
    [[1e-7, 3], 3e-7],
    [[1e21, 2], 2e21],
  ])('%j = %d', (factors, expected) => {
    expect(multiply(...factors)).toBe(expected);
  });
  it('differs from naive float math where that drifts', () => {
    expect(0.1 * 3).not.toBe(0.3);
    expect(multiply(0.1, 3)).toBe(0.3);
  });
  it('refuses non-finite input', () => {
    expect(() => multiply(Number.POSITIVE_INFINITY, 2)).toThrow(RangeError);
  });
});

describe('multiply agrees with the exact BigInt product (fast-check)', () => {
  // A decimal written with up to 6 places, up to 1e6: the shapes rates, seconds and conversions take.
  const decimal = fc
    .tuple(fc.integer({ min: 0, max: 1_000_000_000_000 }), fc.integer({ min: 0, max: 6 }))
    .map(([units, places]) => Number((units / 10 ** places).toFixed(places)))
    .filter((value) => value <= 1_000_000);

  it('for every pair of decimals', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        expect(multiply(a, b)).toBe(exactProduct([a, b]));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 10_000) },
    );
  });

  it('for doubles with no short spelling (the fast path must step aside)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), decimal, (a, b) => {
        expect(multiply(a, b)).toBe(exactProduct([a, b]));
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 10_000) },
    );
  });
});
