/**
 * The wait loop of `KlingClient.wait` (and `generate`): polls one task until it succeeds, within one
 * deadline. Its own module so that replacing it (a poll scheduler) touches this file alone.
 */
import type { GatewayId } from '../catalog/index.js';
import { KlingTaskFailedError, KlingTimeoutError } from '../errors.js';
import type { SucceededTask, Task } from '../gateways/index.js';
import type { Clock } from '../http/clock.js';
import { isRetryableRead } from '../http/retry.js';
import type { SignalFanout } from './fanout.js';
import type { SavedHandle } from './handle.js';
import { DEFAULT_POLL, nextPollDelay, type PollOptions } from './poll-delay.js';
import type { GetTaskOptions, Logger, WaitOptions } from './types.js';

/** What a wait needs of its client. */
export interface WaitContext {
  gateway: GatewayId;
  clock: Clock;
  poll: PollOptions;
  /** The client's per-request deadline; a poll's is never longer than the time the wait has left. */
  requestTimeoutMs: number;
  /** Links caller signals to waits: one listener per caller signal, however many waits share it. */
  fanout: SignalFanout;
  logger: Logger;
  /**
   * One status read (with read retries) in the poll lane: however many waits poll, they never take the
   * connection slots kept for the caller's own calls (submit, getTask, uploads, balance).
   */
  getTask(id: string, options: GetTaskOptions): Promise<Task>;
}

const DEADLINE = Symbol('wait deadline');
const FINISHED = Symbol('wait finished');

/**
 * Polls task `id` until it succeeds. A poll whose retries ran out does not end the wait (the task is
 * still rendering, and already paid for); a failed task throws `KlingTaskFailedError`, the deadline
 * `KlingTimeoutError` with the last task seen. `handle` (the id, or the handle it came from) tells a
 * fresh submit from a task resumed later.
 */
export async function waitForTask(
  context: WaitContext,
  id: string,
  handle: string | SavedHandle,
  options: WaitOptions,
): Promise<SucceededTask> {
  const { clock, gateway, poll } = context;
  const startedAt = clock.now();
  const savedAt = typeof handle === 'string' ? Number.NaN : Date.parse(handle.submittedAt);
  // A handle without a readable submit time counts from now (never NaN: it would skip every sleep).
  const submittedAt = Number.isFinite(savedAt) && savedAt <= startedAt ? savedAt : startedAt;
  const timeoutMs = options.timeoutMs ?? poll.timeoutMs ?? DEFAULT_POLL.timeoutMs;
  const endsAt = startedAt + timeoutMs;
  // One controller per wait (10,000 waits may be pending at once): the deadline's own sleep listens
  // to it, so aborting it when the wait ends also cancels that sleep. `Infinity` sets no deadline.
  const deadline = new AbortController();
  if (timeoutMs !== Number.POSITIVE_INFINITY) {
    clock.sleep(timeoutMs, deadline.signal).then(
      () => deadline.abort(DEADLINE),
      () => {},
    );
  }
  // The caller's signal aborts the wait's own controller (one listener per caller signal, however
  // many waits share it); `signal.reason` tells the deadline from the caller.
  const unlink = options.signal === undefined ? undefined : context.fanout.link(options.signal, deadline);
  const signal = deadline.signal;
  let last: Task | undefined;
  let lastError: unknown;
  let polls = 0;
  try {
    for (;;) {
      const elapsedMs = clock.now() - submittedAt;
      // The first look is immediate unless the task was only just submitted (it can't be done yet);
      // later ones follow the poll policy. The first look always starts before the deadline.
      const justSubmitted =
        typeof handle !== 'string' && elapsedMs < (poll.intervalMs ?? DEFAULT_POLL.intervalMs);
      let delay = polls === 0 && !justSubmitted ? 0 : nextPollDelay({ gateway, elapsedMs, last }, poll);
      if (polls === 0 && delay >= endsAt - clock.now()) delay = 0;
      if (delay > 0) await clock.sleep(delay, signal);
      polls++;
      try {
        last = await context.getTask(id, {
          signal,
          timeoutMs: Math.min(context.requestTimeoutMs, Math.max(1, endsAt - clock.now())),
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!isRetryableRead(error)) throw error;
        lastError = error;
        if (signal.aborted) throw signal.reason;
        context.logger.warn?.('kling-sdk: status poll failed after retries; still waiting', {
          gateway,
          id,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      options.onProgress?.(last);
      if (last.status === 'succeeded') return last;
      if (last.status === 'failed' || last.status === 'canceled') {
        throw new KlingTaskFailedError(`${gateway}: task ${id} ${last.status}: ${last.error.message}`, last);
      }
      if (signal.aborted) throw signal.reason;
    }
  } catch (error) {
    if (signal.aborted && (error === DEADLINE || signal.reason === DEADLINE)) {
      const seen = last === undefined ? 'no status seen' : `last status ${last.status}`;
      throw new KlingTimeoutError(`${gateway}: task ${id} not finished after ${timeoutMs} ms (${seen})`, {
        ...(last === undefined ? {} : { lastTask: last }),
        ...(lastError === undefined ? {} : { cause: lastError }),
      });
    }
    throw error;
  } finally {
    unlink?.();
    if (!deadline.signal.aborted) deadline.abort(FINISHED);
  }
}
