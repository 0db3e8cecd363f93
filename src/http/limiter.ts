import { KlingTimeoutError } from '../errors.js';
import { MAX_TIMER_MS } from './clock.js';

/**
 * Which share of the slots a call may take. `poll`: the reads a wait loop makes, which may be
 * thousands at once. `control`: everything a caller does directly (submit, getTask, uploads, balance),
 * which must never wait behind those polls.
 */
export type Lane = 'poll' | 'control';

/** What the limiter holds now (`KlingClient.stats()`). */
export interface LimiterStats {
  /** Requests holding a slot now. */
  inFlight: number;
  /** Calls waiting for a slot, by lane. */
  queued: { poll: number; control: number };
  /** `total` slots (`maxConcurrency`); `reservedForControl` of them polls never take. */
  slots: { total: number; reservedForControl: number };
}

/** One call waiting for a slot; `wake` is `LEFT` once it has left the queue (aborted or timed out). */
interface Waiter {
  /** Arrival order across both lanes: a shared slot goes to the earliest waiter that may take it. */
  seq: number;
  wake: () => void;
  leave: (reason: unknown) => void;
}

/** A FIFO with a moving head: `shift()` on an array of 10,000 waiters copies the rest every time. */
class Queue {
  items: Waiter[] = [];
  head = 0;
  /** Waiters still waiting (not woken, not left). */
  live = 0;

  /** The first waiter still waiting, dropping those that left; undefined when none. */
  peek(): Waiter | undefined {
    while (this.head < this.items.length) {
      const waiter = this.items[this.head] as Waiter;
      if (waiter.wake !== LEFT) return waiter;
      this.#drop();
    }
    return undefined;
  }

  /** Removes the head (after `peek` returned it). */
  take(): void {
    this.#drop();
  }

  #drop(): void {
    this.items[this.head] = GONE; // drop the reference now, not when the queue is compacted
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * The slots `max` keeps for control calls: `min(4, ceil(max / 4))`, and never all of them (a client
 * with one slot lets its polls use it, or no wait could ever poll).
 */
export function reservedForControl(max: number): number {
  return Math.max(0, Math.min(4, Math.ceil(max / 4), max - 1));
}

/**
 * Caps how many requests are in flight at once (`maxConcurrency`), in two lanes: polls may hold at
 * most `max - reservedForControl(max)` slots, control calls any free slot. The rest wait their turn:
 * when a slot frees, it goes to the earliest-queued call of either lane that may take it, so polls run
 * in order of arrival and a control call never waits behind queued polls for a reserved slot. A
 * waiting call leaves the queue the moment its signal aborts or its deadline passes: it was never
 * sent, so nothing can exist for it.
 */
export class Limiter {
  #active = 0;
  #activePolls = 0;
  #seq = 0;
  readonly #pollMax: number;
  readonly #reserved: number;
  readonly #polls = new Queue();
  readonly #controls = new Queue();
  /** The queued calls of each signal, and the one listener that lets them all leave. */
  readonly #watched = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

  constructor(
    private readonly max: number,
    private readonly label = 'request',
  ) {
    this.#reserved = reservedForControl(max);
    this.#pollMax = max - this.#reserved;
  }

  /**
   * Runs `work` once a slot of `lane` is free. While queued, `signal` aborting rejects with its reason,
   * and `timeoutMs` passing rejects with a `KlingTimeoutError` whose `taskState` is `'not-created'`.
   */
  async run<T>(
    work: () => Promise<T>,
    signal?: AbortSignal,
    timeoutMs?: number,
    lane: Lane = 'control',
  ): Promise<T> {
    // A slot is handed over by `#handOver` (counted there), so none is taken twice in between.
    if (this.wouldWait(lane)) await this.#enqueue(lane, signal, timeoutMs);
    else this.#take(lane);
    try {
      return await work();
    } finally {
      this.release(lane);
    }
  }

  /**
   * Takes a slot of `lane` now if one is free (no call of the lane queued before): the caller must
   * `release(lane)` it. False, and nothing taken, when the call would have to wait (then `run`).
   * For the hot path, which so needs no async frame of the limiter's.
   */
  tryTake(lane: Lane): boolean {
    if (this.wouldWait(lane)) return false;
    this.#take(lane);
    return true;
  }

  /** Gives back a slot taken by `tryTake` (or `run`), handing it to the earliest queued call. */
  release(lane: Lane): void {
    this.#active--;
    if (lane === 'poll') this.#activePolls--;
    this.#handOver();
  }

  /** Whether a control call made now would wait for a slot (every slot taken). */
  get full(): boolean {
    return this.wouldWait('control');
  }

  /** Whether a call of `lane` made now would wait for a slot. */
  wouldWait(lane: Lane): boolean {
    if (this.#active >= this.max) return true;
    // Earlier callers of the lane go first (a control call queues only when every slot is taken).
    if (lane === 'poll') return this.#activePolls >= this.#pollMax || this.#polls.live > 0;
    return this.#controls.live > 0;
  }

  /** Calls queued now, both lanes. */
  get queued(): number {
    return this.#polls.live + this.#controls.live;
  }

  stats(): LimiterStats {
    return {
      inFlight: this.#active,
      queued: { poll: this.#polls.live, control: this.#controls.live },
      slots: { total: this.max, reservedForControl: this.#reserved },
    };
  }

  #take(lane: Lane): void {
    this.#active++;
    if (lane === 'poll') this.#activePolls++;
  }

  #enqueue(lane: Lane, signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const queue = lane === 'poll' ? this.#polls : this.#controls;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        seq: this.#seq++,
        wake: () => {
          waiter.wake = LEFT;
          queue.live--;
          if (timer !== undefined) clearTimeout(timer);
          if (signal !== undefined) this.#unwatch(signal, waiter);
          this.#take(lane);
          resolve();
        },
        leave: (reason) => {
          if (waiter.wake === LEFT) return;
          waiter.wake = LEFT;
          queue.live--;
          if (timer !== undefined) clearTimeout(timer);
          reject(reason);
        },
      };
      if (signal !== undefined) this.#watch(signal, waiter);
      if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS) {
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
      queue.items.push(waiter);
      queue.live++;
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

  /** Hands the free slots to the earliest queued calls that may take them. */
  #handOver(): void {
    while (this.#active < this.max) {
      const control = this.#controls.peek();
      const poll = this.#activePolls < this.#pollMax ? this.#polls.peek() : undefined;
      const next = control === undefined || (poll !== undefined && poll.seq < control.seq) ? poll : control;
      if (next === undefined) return;
      (next === poll ? this.#polls : this.#controls).take();
      next.wake();
    }
  }
}

function LEFT(): void {}
const GONE: Waiter = { seq: -1, wake: LEFT, leave: LEFT };
