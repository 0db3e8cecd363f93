import { type GatewayId, RENDER_TIMES } from '../catalog/index.js';
import type { Task } from '../gateways/index.js';

export interface PollOptions {
  /** The shortest wait between polls once a task could be done (default 5 s). */
  intervalMs?: number;
  /** The longest wait between polls, so progress is still reported (default 30 s). */
  maxIntervalMs?: number;
  /** The default overall deadline of `wait` (default 20 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_POLL = { intervalMs: 5_000, maxIntervalMs: 30_000, timeoutMs: 20 * 60_000 } as const;

export interface PollState {
  gateway: GatewayId;
  /** Milliseconds since the task was submitted. */
  elapsedMs: number;
  /** The last task seen, if any. */
  last?: Task | undefined;
}

/**
 * How long to wait before the next status request. Pure. It uses the gateway's own hint where there
 * is one (EvoLink's estimate as `etaSeconds`, apiframe's `progress`), and otherwise does not
 * poll before the earliest plausible finish of the published render times.
 */
export function nextPollDelay(state: PollState, options: PollOptions = {}): number {
  const interval = options.intervalMs ?? DEFAULT_POLL.intervalMs;
  const ceiling = Math.max(interval, options.maxIntervalMs ?? DEFAULT_POLL.maxIntervalMs);
  const clamp = (ms: number) => Math.round(Math.min(ceiling, Math.max(interval, ms)));
  const remaining = expectedRemainingMs(state);
  // Halve the expected remaining time: near the end the interval floor takes over.
  if (remaining !== undefined) return clamp(remaining / 2);
  const earliestMs = RENDER_TIMES[state.gateway].minSeconds * 1000;
  return clamp(earliestMs - state.elapsedMs);
}

function expectedRemainingMs({ elapsedMs, last }: PollState): number | undefined {
  if (last === undefined) return undefined;
  if (last.etaSeconds !== undefined) return last.etaSeconds * 1000;
  const progress = last.progress;
  if (progress !== undefined && progress > 0 && progress < 100 && elapsedMs > 0) {
    return (elapsedMs * (100 - progress)) / progress;
  }
  return undefined;
}
