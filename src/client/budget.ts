import {
  KlingBudgetError,
  KlingValidationError,
  type ValidationIssue,
  type ValidationSubject,
} from '../errors.js';
import type { CostEstimate } from '../pricing/estimate.js';

/**
 * A budget, held before anything is sent: a number is US dollars; an object holds dollars, the
 * gateway's credits, or both (at least one). Each is a finite number, 0 or more.
 */
export type MaxCost = number | { usd: number; credits?: number } | { credits: number; usd?: number };

/** A budget after validation: at least one of the two limits is set. */
export interface BudgetLimits {
  readonly usd: number | undefined;
  readonly credits: number | undefined;
}

const SHAPE = 'a number of US dollars, or { usd } / { credits } (or both)';

function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function amountProblem(value: unknown, unit: string): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value))
      return `must be a number of ${unit}, got NaN (is the variable it was read from set?)`;
    if (!Number.isFinite(value))
      return `must be a finite number of ${unit} (leave maxCost out for no budget)`;
    return `must be 0 or more ${unit}, got ${value}`;
  }
  if (typeof value === 'string')
    return `must be a number of ${unit}, not a string (convert it with Number())`;
  return `must be a number of ${unit}, got ${describe(value)}`;
}

/** Every problem with a `maxCost` as given (empty when it is valid). Never throws. */
export function maxCostIssues(
  value: unknown,
  path: readonly (string | number)[] = ['maxCost'],
): ValidationIssue[] {
  if (isAmount(value)) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    if (typeof value === 'number' || typeof value === 'string') {
      return [{ path: [...path], message: amountProblem(value, 'US dollars') }];
    }
    return [{ path: [...path], message: `must be ${SHAPE}, got ${describe(value)}` }];
  }
  const issues: ValidationIssue[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'usd' && key !== 'credits') {
      issues.push({ path: [...path, key], message: "unknown field; a budget has only 'usd' and 'credits'" });
    }
  }
  const usd = Object.hasOwn(record, 'usd') ? record.usd : undefined;
  const credits = Object.hasOwn(record, 'credits') ? record.credits : undefined;
  if (usd !== undefined && !isAmount(usd))
    issues.push({ path: [...path, 'usd'], message: amountProblem(usd, 'US dollars') });
  if (credits !== undefined && !isAmount(credits)) {
    issues.push({ path: [...path, 'credits'], message: amountProblem(credits, 'credits') });
  }
  if (usd === undefined && credits === undefined) {
    issues.push({
      path: [...path],
      message: `sets no limit: give ${SHAPE} (leave maxCost out for no budget)`,
    });
  }
  return issues;
}

/**
 * A valid `maxCost` as limits per unit. Throws `KlingValidationError` (nothing sent) for anything else:
 * a string, NaN, a negative or infinite amount, `null`, `{}`, `{ usd: undefined }`, unknown fields.
 */
export function parseMaxCost(
  value: unknown,
  path: readonly (string | number)[] = ['maxCost'],
  subject: ValidationSubject = 'submit options',
): BudgetLimits {
  if (isAmount(value)) return { usd: value, credits: undefined };
  const issues = maxCostIssues(value, path);
  if (issues.length > 0) throw new KlingValidationError(issues, { subject });
  const { usd, credits } = value as { usd?: number; credits?: number };
  return { usd, credits };
}

/**
 * Refuses, before anything is sent, an estimate above `maxCost`, or one whose cost in the budget's
 * unit is unknown (4k, a Modellix reference video, dollars at a gateway that publishes only credits).
 * A malformed `maxCost` is a `KlingValidationError`, never a budget that lets everything through.
 */
export function checkBudget(estimate: CostEstimate, maxCost: MaxCost): void {
  const limits = parseMaxCost(maxCost);
  checkUnit(estimate, 'usd', limits.usd);
  checkUnit(estimate, 'credits', limits.credits);
}

function checkUnit(estimate: CostEstimate, unit: 'usd' | 'credits', max: number | undefined): void {
  if (max === undefined) return;
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

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'object' ? 'an object' : typeof value;
}
