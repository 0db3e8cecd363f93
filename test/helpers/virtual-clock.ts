import type { Clock } from '../../src/http/clock.js';
import { loadPRetry } from '../../src/http/exchange.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Virtual time for tests: `sleep` never waits for real. Whenever the program is idle (a macrotask
 * later), time jumps to the earliest pending sleep and wakes it. Every sleep is logged.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  #scheduled = false;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse('2026-11-22T12:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve: () => {} };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      timer.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // The exchange loads p-retry on a first failure: a module still loading is real work, not idleness,
    // so time never jumps (to a wait's deadline, say) while it loads.
    setTimeout(() => void loadPRetry().then(() => this.#advance()), 0);
  }

  #advance(): void {
    this.#scheduled = false;
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.#timers.shift();
    if (next === undefined) return;
    this.#now = Math.max(this.#now, next.at);
    next.resolve();
    if (this.#timers.length > 0) this.#schedule();
  }
}
