import { type GatewayId, RENDER_TIMES } from '../catalog/index.js';
import type { Task } from '../gateways/index.js';

export interface PollOptions {
  /**
   * The steady wait between polls once a task could be done and no hint says more (default 5 s). Where a
   * hint says the finish is close, polls come closer, down to 0.7 × this.
   */
  intervalMs?: number;
  /** The longest wait between polls, even when a hint says the finish is far off (default 2 minutes). */
  maxIntervalMs?: number;
  /** The default overall deadline of `wait` (default 20 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_POLL = { intervalMs: 5_000, maxIntervalMs: 120_000, timeoutMs: 20 * 60_000 } as const;

/** An up-front estimate of the finish (EvoLink's, as `etaSeconds`) is taken to be good to ±30%. */
const ETA_ERROR = 0.3;
/** The closest two polls come, as a share of `intervalMs`: where a hint says the task is due now. */
const CLOSEST = 0.7;
/** The first interval inside an estimate's window, as a share of `intervalMs`; it shrinks to 1× at the estimate. */
const WIDEST = 1.4;

export interface PollState {
  gateway: GatewayId;
  /** Milliseconds since the task was submitted. */
  elapsedMs: number;
  /** The last task seen, if any. */
  last?: Task | undefined;
}

/**
 * How long to wait before the next status request. Pure; bench/polling.ts measures it (requests per task
 * and detection lag, against fixed 2 s and 5 s pollers).
 *
 * 1. An estimate of the finish (EvoLink's, as `etaSeconds`) is good to ±30%: sleep until the earliest
 *    plausible finish (30% before the estimate), then poll at intervals that shrink from 1.4× to 1× the
 *    interval (with the square root of the share of that window still ahead: a late poll is paid for only
 *    by the renders still running). Once the estimate has passed (`etaSeconds` 0): every 0.7× the interval.
 * 2. Progress (apiframe): extrapolate the time left from the progress so far and wait half of it; the
 *    estimate gets better as the render goes on, so polls close in on the finish.
 * 3. No hint: never poll before the earliest plausible finish of the published render times, then poll
 *    at the steady interval.
 */
export function nextPollDelay(state: PollState, options: PollOptions = {}): number {
  const interval = finiteOr(options.intervalMs, DEFAULT_POLL.intervalMs);
  const ceiling = Math.max(interval, finiteOr(options.maxIntervalMs, DEFAULT_POLL.maxIntervalMs));
  // Every delay is finite and within [0.7 × interval, ceiling]: a NaN from a hint would skip the sleep.
  const clamp = (ms: number) =>
    Number.isFinite(ms) ? Math.round(Math.min(ceiling, Math.max(interval * CLOSEST, ms))) : interval;
  const last = state.last;
  const elapsedMs = Number.isFinite(state.elapsedMs) ? Math.max(0, state.elapsedMs) : 0;

  const eta = last?.etaSeconds;
  if (eta !== undefined && Number.isFinite(eta)) {
    if (eta <= 0) return clamp(0);
    const expected = elapsedMs + eta * 1000;
    const earliest = expected * (1 - ETA_ERROR);
    const latest = expected * (1 + ETA_ERROR);
    const step = (at: number) => WIDEST * interval * Math.sqrt((latest - at) / (latest - earliest));
    const next = elapsedMs < earliest ? earliest + step(earliest) : elapsedMs + step(elapsedMs);
    return clamp(Math.min(next, latest) - elapsedMs);
  }

  const progress = last?.progress;
  if (progress !== undefined && Number.isFinite(progress) && progress > 0 && progress < 100 && elapsedMs > 0) {
    return clamp((elapsedMs * (100 - progress)) / progress / 2);
  }

  const earliestMs = RENDER_TIMES[state.gateway].minSeconds * 1000;
  return clamp(Math.max(interval, earliestMs - elapsedMs));
}

/** `value` when it is a positive finite number, else `fallback`. */
function finiteOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
