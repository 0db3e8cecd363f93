/**
 * Exact decimal arithmetic for prices, so 0.1125 × 7 is 0.7875 and not 0.7875000000000001.
 * A price is turned into an integer count of 10^-scale units via its shortest decimal spelling,
 * multiplied as a bigint, and turned back by parsing the exact decimal string.
 */
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

/** The exact product of decimal numbers, rounded once to the nearest double. */
export function multiply(...factors: number[]): number {
  let product: Decimal = { units: 1n, scale: 0 };
  for (const factor of factors) {
    const d = toDecimal(factor);
    product = { units: product.units * d.units, scale: product.scale + d.scale };
  }
  return toNumber(product);
}
