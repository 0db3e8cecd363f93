import { KlingBudgetError } from '../errors.js';
import type { CostEstimate } from '../pricing/estimate.js';

/** A budget: a number is US dollars; or in the gateway's credits. */
export type MaxCost = number | { usd?: number; credits?: number };

/**
 * Refuses, before anything is sent, an estimate above `maxCost`, or one whose cost in the budget's
 * unit is unknown (4k, a Modellix reference video, dollars at a gateway that publishes only credits).
 */
export function checkBudget(estimate: CostEstimate, maxCost: MaxCost): void {
  const limits = typeof maxCost === 'number' ? { usd: maxCost } : maxCost;
  for (const unit of ['usd', 'credits'] as const) {
    const max = limits[unit];
    if (max === undefined) continue;
    const value = estimate[unit];
    const label = unit === 'usd' ? `$${max}` : `${max} credits`;
    if (value === null || !estimate.exact) {
      const why = estimate.exact
        ? `${estimate.gateway} publishes no ${unit === 'usd' ? 'dollar' : 'credit'} price for this request`
        : estimate.reason;
      throw new KlingBudgetError(
        estimate.gateway,
        null,
        max,
        `${estimate.gateway}: refused: the cost is unknown (${why}), so it can't be held to ${label}`,
      );
    }
    if (value > max) {
      const shown = unit === 'usd' ? `$${value}` : `${value} credits`;
      throw new KlingBudgetError(
        estimate.gateway,
        value,
        max,
        `${estimate.gateway}: refused: the estimate ${shown} is above maxCost ${label}`,
      );
    }
  }
}
