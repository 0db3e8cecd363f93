/**
 * Exact decimal arithmetic for prices, so 0.1125 × 7 is 0.7875 and not 0.7875000000000001: each factor
 * is read as the decimal it was written as (its shortest spelling), the product is taken exactly, and
 * rounded once to the nearest double.
 *
 * Fast path (every published rate): a factor with at most 9 decimals is an integer count of 10^-k
 * units, the product of two such counts stays below 2^53, and dividing by 10^(k1+k2) (exact as a
 * double up to 10^22) rounds once. Anything else takes the BigInt path, which spells the numbers out.
 */

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
];
const MAX_FAST_SCALE = 9;
/** Below 2^52 a count of 10^-k units is the only one that spells its double (the ulp is under 10^-k). */
const MAX_FAST_UNITS = 2 ** 52;

/** The decimals `value` was written with (0–9), or -1 when it needs the exact path. */
function fastScale(value: number): number {
  for (let k = 0; k <= MAX_FAST_SCALE; k++) {
    const units = Math.round(value * (POW10[k] as number));
    if (Math.abs(units) >= MAX_FAST_UNITS) return -1;
    if (units / (POW10[k] as number) === value) return k;
  }
  return -1;
}

/** The exact product of two decimals, rounded once to the nearest double. */
function multiplyTwo(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`not a finite number: ${a} × ${b}`);
  const ka = fastScale(a);
  const kb = ka < 0 ? -1 : fastScale(b);
  if (kb >= 0) {
    const product = Math.round(a * (POW10[ka] as number)) * Math.round(b * (POW10[kb] as number));
    if (Math.abs(product) <= Number.MAX_SAFE_INTEGER) return product / (POW10[ka + kb] as number);
  }
  return exactProduct([a, b]);
}

/** The exact product of decimal numbers, rounded once to the nearest double. */
export function multiply(...factors: number[]): number {
  if (factors.length === 2) return multiplyTwo(factors[0] as number, factors[1] as number);
  return exactProduct(factors);
}

// The exact path: a number as an integer count of 10^-scale units via its shortest decimal spelling.

interface Decimal {
  units: bigint;
  scale: number;
}

function toDecimal(value: number): Decimal {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const [mantissa = '0', exponentText] = value.toString().split('e');
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const units = BigInt(whole + fraction);
  const scale = fraction.length - exponent;
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

function toNumber({ units, scale }: Decimal): number {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return Number(negative ? `-${text}` : text);
}

/** The BigInt reference: exact for any finite numbers. Exported for the property test. */
export function exactProduct(factors: readonly number[]): number {
  let product: Decimal = { units: 1n, scale: 0 };
  for (const factor of factors) {
    const d = toDecimal(factor);
    product = { units: product.units * d.units, scale: product.scale + d.scale };
  }
  return toNumber(product);
}
