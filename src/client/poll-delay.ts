import { type GatewayId, RENDER_TIMES } from '../catalog/index.js';
import type { Task } from '../gateways/index.js';

/**
 * How `wait` polls a task (the client's `poll` option). Every field is optional; the defaults poll on the
 * gateway's published render times and its hints (EvoLink's estimate, apiframe's progress), which costs
 * a few status requests per task. To poll on a fixed beat instead (a simulator, a test), set `intervalMs`
 * alone: `poll: { intervalMs: 1000 }` polls about once a second from the submit on.
 */
export interface PollOptions {
  /**
   * How often to poll, in ms (default 5 s): the wait between status requests once a task could be done
   * and no hint says more. Where a hint says the finish is close, polls come closer, down to 0.7 × this.
   *
   * Set without `maxIntervalMs`, it is also the longest wait: polls come at most this far apart from
   * the start, and the gateway's render times no longer hold back the first poll (unless
   * `firstPollAfterMs` says so).
   */
  intervalMs?: number;
  /**
   * The longest wait between polls, in ms, even when a hint or the gateway's render times say the
   * finish is far off. Default 2 minutes; `intervalMs` when that is set and this is not.
   */
  maxIntervalMs?: number;
  /**
   * The earliest poll, in ms after the submit, while the gateway gives no hint: `wait` on a fresh handle
   * sleeps this long before its first status request (a handle resumed later is read at once, then
   * waits for this too). Default: the gateway's earliest published render time (`RENDER_TIMES`,
   * 60–120 s), capped at `maxIntervalMs`; none when `intervalMs` is set without `maxIntervalMs`. 0 turns
   * it off. A value given here is used as is, even above `maxIntervalMs`.
   */
  firstPollAfterMs?: number;
  /** The default overall deadline of `wait`, in ms (default 20 minutes). */
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
 * How long to wait before the next status request. Pure; the project's polling benchmark measures it
 * (requests per task and detection lag, against fixed 2 s and 5 s pollers).
 *
 * 1. An estimate of the finish (EvoLink's, as `etaSeconds`) is good to ±30%: sleep until the earliest
 *    plausible finish (30% before the estimate), then poll at intervals that shrink from 1.4× to 1× the
 *    interval (with the square root of the share of that window still ahead: a late poll is paid for only
 *    by the renders still running). Once the estimate has passed (`etaSeconds` 0): every 0.7× the interval.
 * 2. Progress (apiframe): extrapolate the time left from the progress so far and wait half of it; the
 *    estimate gets better as the render goes on, so polls close in on the finish.
 * 3. No hint: never poll before the earliest plausible finish of the published render times
 *    (`firstPollAfterMs`), then poll at the steady interval.
 *
 * Every delay lies within [0.7 × `intervalMs`, the longest wait]: `maxIntervalMs`, or `intervalMs` when only
 * that is given (a caller who asks for a 1 s beat gets one, hints or not). A `firstPollAfterMs` given by
 * the caller is the one delay that may be longer.
 */
export function nextPollDelay(state: PollState, options: PollOptions = {}): number {
  const interval = finiteOr(options.intervalMs, DEFAULT_POLL.intervalMs);
  const intervalOnly = isPositive(options.intervalMs) && !isPositive(options.maxIntervalMs);
  const ceiling = Math.max(
    interval,
    intervalOnly ? interval : finiteOr(options.maxIntervalMs, DEFAULT_POLL.maxIntervalMs),
  );
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
  if (
    progress !== undefined &&
    Number.isFinite(progress) &&
    progress > 0 &&
    progress < 100 &&
    elapsedMs > 0
  ) {
    return clamp((elapsedMs * (100 - progress)) / progress / 2);
  }

  const first = options.firstPollAfterMs;
  if (first !== undefined && Number.isFinite(first) && first >= 0) {
    // The caller's own floor, as given; past it, the steady interval.
    return first - elapsedMs > interval ? Math.round(first - elapsedMs) : clamp(interval);
  }
  const earliestMs = intervalOnly ? 0 : RENDER_TIMES[state.gateway].minSeconds * 1000;
  return clamp(Math.max(interval, earliestMs - elapsedMs));
}

/** Whether `value` is a positive finite number (an option the caller really set). */
function isPositive(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** `value` when it is a positive finite number, else `fallback`. */
function finiteOr(value: number | undefined, fallback: number): number {
  return isPositive(value) ? value : fallback;
}
