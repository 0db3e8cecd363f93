/** Time, injectable so tests can drive waits, backoff and deadlines without real sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms` (never, for `Infinity`), or rejects with `signal.reason` as soon as the signal
   * aborts.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Optional, cheaper than `sleep` (no promise, no signal): calls `fire` after `ms` and returns the
   * function that cancels it. The poll scheduler's one timer uses it; a clock without it gets a `sleep`.
   */
  timer?(ms: number, fire: () => void): () => void;
}

/** Node clamps a timer of 2^31 ms or more to 1 ms; longer waits are chained in steps below that. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` after `ms`, past Node's 2^31 ms timer limit (chained timers); never, for `Infinity`.
 * Returns the function that cancels it.
 */
export function setLongTimeout(fire: () => void, ms: number): () => void {
  if (ms === Number.POSITIVE_INFINITY) return noop;
  let left = Math.max(0, ms);
  let timer: ReturnType<typeof setTimeout>;
  const step = () => {
    if (left > MAX_TIMER_MS) {
      left -= MAX_TIMER_MS;
      timer = setTimeout(step, MAX_TIMER_MS);
    } else timer = setTimeout(fire, left);
  };
  step();
  return () => clearTimeout(timer);
}

/** A real sleep of `ms` that rejects with the signal's reason the moment it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel =
      ms <= MAX_TIMER_MS
        ? clearTimer(
            setTimeout(
              () => {
                signal?.removeEventListener('abort', onAbort);
                resolve();
              },
              Math.max(0, ms),
            ),
          )
        : setLongTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function clearTimer(timer: ReturnType<typeof setTimeout>): () => void {
  return () => clearTimeout(timer);
}

function noop(): void {}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: abortableSleep,
  timer: (ms, fire) => setLongTimeout(fire, ms),
};
