import { KlingTimeoutError } from '../errors.js';

/** One call waiting for a slot; `wake` is `LEFT` once it has left the queue (aborted or timed out). */
interface Waiter {
  wake: () => void;
  leave: (reason: unknown) => void;
}

/**
 * Caps how many requests are in flight at once (`maxConcurrency`); the rest wait their turn in order.
 * A waiting call leaves the queue the moment its signal aborts or its deadline passes: it was never
 * sent, so nothing can exist for it.
 */
export class Limiter {
  #active = 0;
  // A queue with a moving head: `shift()` on an array of 10,000 waiters copies the rest every time.
  #queue: Waiter[] = [];
  #head = 0;
  /** The queued calls of each signal, and the one listener that lets them all leave. */
  readonly #watched = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

  constructor(
    private readonly max: number,
    private readonly label = 'request',
  ) {}

  /**
   * Runs `work` once a slot is free. While queued, `signal` aborting rejects with its reason, and
   * `timeoutMs` passing rejects with a `KlingTimeoutError` whose `taskState` is `'not-created'`.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal, timeoutMs?: number): Promise<T> {
    if (this.#active >= this.max) await this.#enqueue(signal, timeoutMs);
    this.#active++;
    try {
      return await work();
    } finally {
      this.#active--;
      this.#next();
    }
  }

  /** Whether a call made now would wait for a slot. */
  get full(): boolean {
    return this.#active >= this.max;
  }

  /** Calls queued now (including any that left but were not yet skipped). */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  #enqueue(signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        wake: () => {
          if (timer !== undefined) clearTimeout(timer);
          if (signal !== undefined) this.#unwatch(signal, waiter);
          resolve();
        },
        leave: (reason) => {
          waiter.wake = LEFT;
          if (timer !== undefined) clearTimeout(timer);
          reject(reason);
        },
      };
      if (signal !== undefined) this.#watch(signal, waiter);
      if (timeoutMs !== undefined && timeoutMs < 2 ** 31) {
        timer = setTimeout(() => {
          if (signal !== undefined) this.#unwatch(signal, waiter);
          waiter.leave(
            new KlingTimeoutError(
              `${this.label}: no connection slot came free within ${timeoutMs} ms (${this.max} in flight); the request was not sent`,
              { taskState: 'not-created' },
            ),
          );
        }, timeoutMs);
      }
      this.#queue.push(waiter);
    });
  }

  /**
   * One abort listener per signal, however many queued calls share it: Node's `addEventListener` looks
   * for a duplicate among the listeners already there, so 10,000 on one signal cost O(n²).
   */
  #watch(signal: AbortSignal, waiter: Waiter): void {
    let watched = this.#watched.get(signal);
    if (watched === undefined) {
      const waiters = new Set<Waiter>();
      const onAbort = () => {
        this.#watched.delete(signal);
        for (const w of waiters) w.leave(signal.reason);
      };
      watched = { waiters, onAbort };
      this.#watched.set(signal, watched);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    watched.waiters.add(waiter);
  }

  #unwatch(signal: AbortSignal, waiter: Waiter): void {
    const watched = this.#watched.get(signal);
    if (watched === undefined) return;
    watched.waiters.delete(waiter);
    if (watched.waiters.size === 0) {
      this.#watched.delete(signal);
      signal.removeEventListener('abort', watched.onAbort);
    }
  }

  #next(): void {
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head] as Waiter;
      this.#queue[this.#head] = GONE; // drop the reference now, not when the queue is compacted
      this.#head++;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (waiter.wake !== LEFT) {
        waiter.wake();
        return;
      }
    }
  }
}

function LEFT(): void {}
const GONE: Waiter = { wake: LEFT, leave: LEFT };
