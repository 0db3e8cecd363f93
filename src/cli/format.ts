import { type CostEstimate, GATEWAYS } from 'kling-sdk';

export function usd(amount: number): string {
  return `$${amount}`;
}

/** The total in the gateway's own unit, e.g. "$0.7875" or "56 credits"; "unknown" with no price. */
export function total(estimate: CostEstimate): string {
  if (estimate.total === null) return 'unknown';
  return estimate.unit === 'usd' ? usd(estimate.total) : `${estimate.total} credits`;
}

/** The total in dollars where known ("~$6.4" where the vendor's own conversion is approximate). */
export function inUsd(estimate: CostEstimate): string {
  if (estimate.usd === null) return '—';
  return `${estimate.usdApproximate ? '~' : ''}${usd(estimate.usd)}`;
}

export function perSecond(estimate: CostEstimate): string {
  if (estimate.perSecond === null) return 'unknown';
  return estimate.unit === 'usd' ? `${usd(estimate.perSecond)}/s` : `${estimate.perSecond} credits/s`;
}

/** One sentence for people: "evolink (EvoLink), 1080p+on: 8 s × $0.15/s = $1.2". */
export function describeEstimate(estimate: CostEstimate): string {
  const who = `${estimate.gateway} (${GATEWAYS[estimate.gateway].vendor}), ${estimate.rateKey}`;
  if (!estimate.exact) return `${who}: price unknown: ${estimate.reason}`;
  const dollars = estimate.unit === 'usd' || estimate.usd === null ? '' : ` (${inUsd(estimate)})`;
  return `${who}: ${estimate.billedSeconds} s × ${perSecond(estimate)} = ${total(estimate)}${dollars}`;
}

/** A plain left-aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)].join('\n');
}
