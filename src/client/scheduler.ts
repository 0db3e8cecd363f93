/**
 * The poll scheduler: one per client, it owns every `wait()` (issue 13 items 1 and 3). Each pending wait
 * is a small record in one min-heap, keyed by its next poll (or its deadline, while a poll is out), and
 * ONE timer is armed for the earliest key. No async frame, sleep or AbortController lives per idle
 * wait: a controller exists only while a poll is in flight, and an abort listener only per caller signal.
 *
 * Policy, as `wait` always had it: the first look is immediate unless the task was only just submitted,
 * and always starts before the deadline; later polls follow `nextPollDelay` (the gateway's hints); a poll
 * whose retries ran out does not end the wait; the deadline bounds the poll in flight. On top:
 *
 * - polls go out in order of next-due time, at most as many at once as the poll lane has slots;
 * - resumed waits (a plain id, or a handle submitted long ago) have their first looks spread over a
 *   short window, in the order they came, so 10,000 resumes don't fire in one instant;
 * - the round trip of polls is measured (EWMA): when the waits need more polls per second than the
 *   poll slots can carry (demand: each wait ÷ its interval; capacity: slots ÷ round trip), due polls
 *   wait for a slot in due order, so every wait's interval stretches by the same queueing delay (the
 *   earliest due goes first: fair, self-correcting, and a queued poll costs one array slot, where a
 *   computed stretch would add its own delay on top of the queue). Logged once; `stats()` shows demand,
 *   capacity, the stretch factor and the lag;
 * - where the adapter declares a batch status read, the ids due at once (and those due within a
 *   quarter interval) go out together, up to `maxBatchStatusIds` per request; an id the reply leaves
 *   out is read alone.
 */
import type { GatewayId } from '../catalog/index.js';
import { KlingApiError, KlingTaskFailedError, KlingTimeoutError } from '../errors.js';
import type { GatewayAdapter, GatewayPaths, SucceededTask, Task, TaskStatus } from '../gateways/index.js';
import type { Clock } from '../http/clock.js';
import type { Exchange } from '../http/exchange.js';
import type { LimiterStats } from '../http/limiter.js';
import { isRetryableRead } from '../http/retry.js';
import type { SavedHandle } from './handle.js';
import { type HeapItem, MinHeap } from './heap.js';
import { DEFAULT_POLL, nextPollDelay, type PollOptions } from './poll-delay.js';
import type { GetTaskOptions, Logger, WaitOptions } from './types.js';

/** What the pending waits of a client cost and get (`client.stats().waits`). */
export interface WaitStats {
  /** Waits not settled yet. */
  pending: number;
  /** Status reads (ids) per second over the recent polls; 0 before any. */
  pollsPerSecond: number;
  /** How late recent polls went out after they were due, in ms (p50, p99 over the last 1,024). */
  lagMs: { p50: number; p99: number };
  /** The status reads per second the pending waits ask for, at their unstretched intervals. */
  demandPerSecond: number;
  /**
   * The status reads per second the poll slots can carry at the measured round trip (× the batch size,
   * where the gateway reads several tasks in one request); null before any poll came back.
   */
  capacityPerSecond: number | null;
  /**
   * The measured round trip of a poll at a slot (EWMA; time queued in the limiter taken out), in ms;
   * null before any came back.
   */
  roundTripMs: number | null;
  /**
   * How far intervals stretch while polls queue for a slot: demand ÷ capacity when above 1 and polls
   * are waiting, else 1.
   */
  stretch: number;
  /** Status reads sent, and the requests that carried them (fewer where batch reads coalesce). */
  polls: number;
  requests: number;
}

/** `client.stats()`: the limiter's slots and queues, with the waits' own figures. */
export interface ClientStats extends LimiterStats {
  waits: WaitStats;
}

/** A batch status read, where the client's adapter has one (`batchStatusReader`). */
export interface BatchReader {
  /** The most ids one request may carry. */
  max: number;
  /** Whether this task can be read in a batch (a task with a route of its own is read alone). */
  canBatch(ref: string | SavedHandle): boolean;
  /** One poll-lane request for `ids`: each task the reply names, by id. */
  read(ids: readonly string[], options: GetTaskOptions): Promise<Map<string, Task>>;
}

/** What the scheduler needs of its client. */
export interface SchedulerContext {
  gateway: GatewayId;
  clock: Clock;
  poll: PollOptions;
  /** The client's per-request deadline; a poll's is never longer than the time its wait has left. */
  requestTimeoutMs: number;
  logger: Logger;
  /** The poll lane's slots: how many polls may be out at once. */
  slots: number;
  /** One status read (with read retries) in the poll lane. */
  getTask(ref: string | SavedHandle, options: GetTaskOptions): Promise<Task>;
  /** Removes the API key from an error before a wait rejects with it (no wrapper promise per wait). */
  scrub?: ((error: unknown) => void) | undefined;
  batch?: BatchReader | undefined;
}

/** Resumed waits' first looks are spread over at most this window (ms), 1 ms apart, in arrival order. */
export const RESUME_SPREAD_MS = 1000;
const RESUME_STEP_MS = 1;
/** Batch reads take ids due within this share of the poll interval early: they ride along for free. */
const COALESCE_SHARE = 0.25;
/** Weight of a new round-trip sample in the EWMA. */
const RTT_WEIGHT = 0.2;
/** Recent polls kept for the lag percentiles and the poll rate. */
const SAMPLES = 1024;

const SCHEDULED = 0;
const READY = 1;
const IN_FLIGHT = 2;
const DONE = 3;

/** One poll request in flight, shared by the waits it reads (one, or a batch's). */
class Flight {
  constructor(
    readonly controller: AbortController,
    public live: number,
  ) {}
}

/** One pending wait: numbers and a few references, nothing suspended. */
class WaitRecord implements HeapItem {
  index = -1;
  at = 0;
  state = SCHEDULED;
  /** When the next poll is (was) due. */
  due = 0;
  /** This wait's unstretched polls per second (its share of the demand). */
  rate = 0;
  /** Its first look is being held back by the resume spread. */
  spread = false;
  last: Task | undefined = undefined;
  lastError: unknown = undefined;
  flight: Flight | undefined = undefined;

  constructor(
    readonly seq: number,
    readonly id: string,
    readonly ref: string | SavedHandle,
    readonly submittedAt: number,
    readonly endsAt: number,
    readonly timeoutMs: number,
    readonly resolve: (task: SucceededTask) => void,
    readonly reject: (error: unknown) => void,
    readonly onProgress: ((task: Task) => void) | undefined,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** A FIFO with a moving head, skipping records that settled while queued. */
class RecordQueue {
  #items: WaitRecord[] = [];
  #head = 0;

  push(record: WaitRecord): void {
    this.#items.push(record);
  }

  /** The first record still READY, left in place. */
  peek(): WaitRecord | undefined {
    while (this.#head < this.#items.length) {
      const record = this.#items[this.#head] as WaitRecord;
      if (record.state === READY) return record;
      this.#drop();
    }
    return undefined;
  }

  shift(): WaitRecord | undefined {
    const record = this.peek();
    if (record !== undefined) this.#drop();
    return record;
  }

  #drop(): void {
    this.#items[this.#head] = GONE;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}

const GONE = undefined as unknown as WaitRecord;

function noop(): void {}

/** One per client: schedules every wait's polls. */
export class PollScheduler {
  readonly #context: SchedulerContext;
  readonly #clock: Clock;
  readonly #heap = new MinHeap<WaitRecord>();
  /** Records due, waiting for a poll slot, in due order. */
  readonly #ready = new RecordQueue();
  /** Records a batch reply left out: read alone, before anything else. */
  readonly #alone = new RecordQueue();
  readonly #followers = new Map<AbortSignal, { records: Set<WaitRecord>; onAbort: () => void }>();
  readonly #setTimer: (ms: number, fire: () => void) => () => void;
  readonly #interval: number;
  /** Polls out at once: in flight, queued in the limiter or between retries (twice the poll slots). */
  readonly #maxOut: number;
  #batch: BatchReader | undefined;
  #seq = 0;
  #pending = 0;
  /** Records READY (in either queue). */
  #queued = 0;
  /** Resumed waits whose first look the spread holds back. */
  #spreading = 0;
  #inFlight = 0;
  #demand = 0;
  #rtt: number | undefined = undefined;
  #stretchLogged = false;
  #polls = 0;
  #requests = 0;
  readonly #lags = new Float64Array(SAMPLES);
  readonly #sentAt = new Float64Array(SAMPLES);
  #samples = 0;
  #cancelTimer: (() => void) | undefined = undefined;
  #armedAt = Number.POSITIVE_INFINITY;

  constructor(context: SchedulerContext) {
    this.#context = context;
    this.#clock = context.clock;
    this.#batch = context.batch;
    const { intervalMs } = context.poll;
    this.#interval = positive(intervalMs) ? intervalMs : DEFAULT_POLL.intervalMs;
    this.#maxOut = 2 * Math.max(1, context.slots);
    const clock = context.clock;
    this.#setTimer =
      clock.timer === undefined
        ? (ms, fire) => {
            // A clock with only `sleep` (a user's, a test's): one sleep for the one timer.
            const controller = new AbortController();
            clock.sleep(ms, controller.signal).then(fire, noop);
            return () => controller.abort();
          }
        : (ms, fire) => (clock.timer as NonNullable<Clock['timer']>)(ms, fire);
  }

  /**
   * Waits for task `id` to succeed. `ref` (the id, or the handle it came from) tells a fresh submit
   * from a task resumed later, and is what each poll reads.
   */
  wait(id: string, ref: string | SavedHandle, options: WaitOptions): Promise<SucceededTask> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { clock, poll } = this.#context;
    const now = clock.now();
    const savedAt = typeof ref === 'string' ? Number.NaN : Date.parse(ref.submittedAt);
    // A handle without a readable submit time counts from now (never NaN: it would skip every sleep).
    const submittedAt = Number.isFinite(savedAt) && savedAt <= now ? savedAt : now;
    const timeoutMs = options.timeoutMs ?? poll.timeoutMs ?? DEFAULT_POLL.timeoutMs;
    const endsAt = now + timeoutMs; // Infinity: no deadline
    let resolve!: (task: SucceededTask) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<SucceededTask>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const record = new WaitRecord(
      this.#seq++,
      id,
      ref,
      submittedAt,
      endsAt,
      timeoutMs,
      resolve,
      reject,
      options.onProgress,
      signal,
    );
    this.#pending++;
    // The first look is immediate unless the task was only just submitted (it can't be done yet); a
    // resumed wait's is spread with the other resumes. It always starts before the deadline.
    const justSubmitted = typeof ref !== 'string' && now - submittedAt < this.#interval;
    let delay: number;
    if (justSubmitted) delay = this.#nextDelay(record, now);
    else {
      delay = Math.min(RESUME_SPREAD_MS, this.#spreading * RESUME_STEP_MS, (endsAt - now) / 2);
      record.spread = true;
      this.#spreading++;
      this.#setRate(record, this.#interval);
    }
    if (delay >= endsAt - now) delay = 0;
    if (signal !== undefined) this.#link(record, signal);
    this.#schedule(record, now + delay);
    this.#arm();
    return promise;
  }

  /** The limiter's figures with the waits': queued polls include those due here and not yet sent. */
  stats(limiter: LimiterStats): ClientStats {
    return {
      ...limiter,
      queued: { ...limiter.queued, poll: limiter.queued.poll + this.#queued + this.#spreading },
      waits: this.waitStats(),
    };
  }

  waitStats(): WaitStats {
    const n = Math.min(this.#samples, SAMPLES);
    const lags = Array.from(this.#lags.subarray(0, n)).sort((a, b) => a - b);
    const pick = (q: number) => (n === 0 ? 0 : (lags[Math.min(n - 1, Math.floor(q * n))] as number));
    let pollsPerSecond = 0;
    if (n > 1) {
      const newest = (this.#samples - 1) % SAMPLES;
      const oldest = this.#samples > SAMPLES ? this.#samples % SAMPLES : 0;
      const span = (this.#sentAt[newest] as number) - (this.#sentAt[oldest] as number);
      if (span > 0) pollsPerSecond = ((n - 1) * 1000) / span;
    }
    const capacity = this.#capacity();
    return {
      pending: this.#pending,
      pollsPerSecond: round(pollsPerSecond),
      lagMs: { p50: round(pick(0.5)), p99: round(pick(0.99)) },
      demandPerSecond: round(Math.max(0, this.#demand)),
      capacityPerSecond: capacity === undefined ? null : round(capacity),
      roundTripMs: this.#rtt === undefined ? null : round(this.#rtt),
      stretch: round(this.#stretch()),
      polls: this.#polls,
      requests: this.#requests,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Timing

  /** The delay before the next poll: the policy's, stretched while demand exceeds capacity. */
  #nextDelay(record: WaitRecord, now: number): number {
    const natural = nextPollDelay(
      { gateway: this.#context.gateway, elapsedMs: now - record.submittedAt, last: record.last },
      this.#context.poll,
    );
    this.#setRate(record, natural);
    this.#stretch(); // logs, once, when demand first exceeds capacity
    return natural;
  }

  #setRate(record: WaitRecord, delayMs: number): void {
    const rate = 1000 / Math.max(delayMs, 1);
    this.#demand += rate - record.rate;
    record.rate = rate;
  }

  /** Status reads per second the poll slots carry at the measured round trip; undefined before one. */
  #capacity(): number | undefined {
    if (this.#rtt === undefined) return undefined;
    const perRequest = this.#batch === undefined ? 1 : this.#batch.max;
    return (this.#context.slots * perRequest * 1000) / Math.max(this.#rtt, 1);
  }

  #stretch(): number {
    const capacity = this.#capacity();
    if (capacity === undefined || this.#demand <= capacity) return 1;
    // Only while polls are really waiting for a slot: an estimate alone says nothing is stretched.
    if (this.#queued === 0 && this.#inFlight < this.#maxOut) return 1;
    const stretch = this.#demand / capacity;
    if (!this.#stretchLogged) {
      this.#stretchLogged = true;
      this.#context.logger.warn?.(
        'kling-sdk: pending waits need more status polls than the connection pool can send; stretching poll intervals',
        {
          gateway: this.#context.gateway,
          pending: this.#pending,
          demandPerSecond: round(this.#demand),
          capacityPerSecond: round(capacity),
          stretch: round(stretch),
        },
      );
    }
    return stretch;
  }

  /** Puts `record` in the heap for its next poll at `due` (or its deadline, when that comes first). */
  #schedule(record: WaitRecord, due: number): void {
    record.state = SCHEDULED;
    record.due = due;
    this.#heap.set(record, Math.min(due, record.endsAt));
  }

  /** Arms the one timer for the earliest key, unless it is armed for that time or earlier already. */
  #arm(): void {
    const top = this.#heap.peek();
    if (top === undefined) {
      this.#disarm();
      return;
    }
    if (top.at >= this.#armedAt) return;
    this.#disarm();
    this.#armedAt = top.at;
    this.#cancelTimer = this.#setTimer(Math.max(0, top.at - this.#clock.now()), this.#onTimer);
  }

  #disarm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  readonly #onTimer = (): void => {
    this.#cancelTimer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined || top.at > now) break;
      if (now >= top.endsAt) {
        this.#timeout(top);
        continue;
      }
      // Due: queued for a slot, its deadline still in the heap.
      this.#makeReady(top, this.#ready);
    }
    this.#pump(now);
    this.#arm();
  };

  #makeReady(record: WaitRecord, queue: RecordQueue): void {
    if (record.spread) {
      record.spread = false;
      this.#spreading--;
    }
    record.state = READY;
    this.#queued++;
    queue.push(record);
    if (record.endsAt === Number.POSITIVE_INFINITY) this.#heap.remove(record);
    else this.#heap.set(record, record.endsAt);
  }

  // ---------------------------------------------------------------------------------------------
  // Polls

  /** Sends due polls while the poll slots have room: records a batch left out first, then in due order. */
  #pump(now: number): void {
    while (this.#inFlight < this.#maxOut) {
      const alone = this.#alone.shift();
      if (alone !== undefined) {
        this.#pollOne(alone, now);
        continue;
      }
      const next = this.#ready.shift();
      if (next === undefined) return;
      const batch = this.#batch;
      if (batch === undefined || !batch.canBatch(next.ref)) {
        this.#pollOne(next, now);
        continue;
      }
      const records = [next];
      const ids = new Set([next.id]);
      // Due now, in due order, while batchable ...
      for (let r = this.#ready.peek(); r !== undefined && ids.size < batch.max; r = this.#ready.peek()) {
        if (!batch.canBatch(r.ref)) break;
        this.#ready.shift();
        records.push(r);
        ids.add(r.id);
      }
      // ... then, when nothing else is due, those due soon: they ride along in the same request.
      const soon = now + this.#interval * COALESCE_SHARE;
      for (
        let r = this.#ready.peek() === undefined ? this.#heap.peek() : undefined;
        r !== undefined && ids.size < batch.max;
        r = this.#heap.peek()
      ) {
        if (r.state !== SCHEDULED || r.due > soon || r.due >= r.endsAt || !batch.canBatch(r.ref)) break;
        this.#makeReady(r, this.#ready);
        this.#ready.shift();
        records.push(r);
        ids.add(r.id);
      }
      if (records.length === 1) this.#pollOne(next, now);
      else this.#pollBatch(records, [...ids], now);
    }
  }

  /** Marks `record` as being read now (its lag sampled); returns the time it has left. */
  #send(record: WaitRecord, flight: Flight, now: number): number {
    this.#queued--;
    record.state = IN_FLIGHT;
    record.flight = flight;
    this.#polls++;
    const slot = this.#samples % SAMPLES;
    this.#lags[slot] = Math.max(0, now - record.due);
    this.#sentAt[slot] = now;
    this.#samples++;
    return record.endsAt - now;
  }

  #pollOne(record: WaitRecord, now: number): void {
    const flight = new Flight(new AbortController(), 1);
    const left = this.#send(record, flight, now);
    this.#inFlight++;
    this.#requests++;
    const started = now;
    const load = this.#inFlight;
    this.#context
      .getTask(record.ref, {
        signal: flight.controller.signal,
        timeoutMs: Math.min(this.#context.requestTimeoutMs, Math.max(1, left)),
      })
      .then(
        (task) => {
          this.#returned(started, true, load);
          if (record.state === IN_FLIGHT) this.#seen(record, task);
          this.#after();
        },
        (error: unknown) => {
          this.#returned(started, false, load);
          if (record.state === IN_FLIGHT) this.#failed(record, error);
          this.#after();
        },
      );
  }

  #pollBatch(records: WaitRecord[], ids: string[], now: number): void {
    const batch = this.#batch as BatchReader;
    const flight = new Flight(new AbortController(), records.length);
    let left = 0;
    for (const record of records) left = Math.max(left, this.#send(record, flight, now));
    this.#inFlight++;
    this.#requests++;
    const started = now;
    const load = this.#inFlight;
    batch
      .read(ids, {
        signal: flight.controller.signal,
        timeoutMs: Math.min(this.#context.requestTimeoutMs, Math.max(1, left)),
      })
      .then(
        (tasks) => {
          this.#returned(started, true, load);
          for (const record of records) {
            if (record.state !== IN_FLIGHT) continue;
            const task = tasks.get(record.id);
            if (task === undefined) {
              // Not in the reply: read alone (its own answer, a 404 included, decides).
              record.flight = undefined;
              this.#makeReady(record, this.#alone);
            } else this.#seen(record, task);
          }
          this.#after();
        },
        (error: unknown) => {
          this.#returned(started, false, load);
          const live = records.filter((r) => r.state === IN_FLIGHT);
          if (isRetryableRead(error)) {
            if (live.length > 0)
              this.#warnFailed(live.length === 1 ? live[0]?.id : `${live.length} tasks`, error);
            for (const record of live) this.#retryLater(record, error);
          } else {
            // The batch read itself was refused: each task gets its own answer; a request the
            // gateway does not take (400, 404, 405, 414, 422) turns batch reads off for this client.
            if (KlingApiError.is(error) && [400, 404, 405, 414, 422].includes(error.status)) {
              this.#batch = undefined;
              this.#context.logger.warn?.('kling-sdk: batch status read refused; polling each task alone', {
                gateway: this.#context.gateway,
                error: error.message,
              });
            }
            for (const record of live) {
              record.flight = undefined;
              this.#makeReady(record, this.#alone);
            }
          }
          this.#after();
        },
      );
  }

  /**
   * A poll request came back: a slot is free; the round trip of an answered one is sampled. `load` is
   * how many poll requests were out when it left: past the poll slots, the rest of them queued in the
   * limiter first, so its service time is the round trip × slots ÷ load (Little's law); that is what
   * the capacity is made of.
   */
  #returned(started: number, sample: boolean, load: number): void {
    this.#inFlight--;
    if (!sample) return;
    const slots = Math.max(1, this.#context.slots);
    const rtt = (Math.max(0, this.#clock.now() - started) * Math.min(slots, load)) / load;
    if (this.#rtt === undefined) this.#rtt = rtt;
    else {
      // One hung request (cut after its timeout) must not make the pool look 100 times slower at once:
      // a sample counts for at most 4 times the estimate, so only a lasting slowdown moves it far.
      const bounded = Math.min(rtt, 4 * Math.max(this.#rtt, 1));
      this.#rtt += RTT_WEIGHT * (bounded - this.#rtt);
    }
  }

  #after(): void {
    this.#pump(this.#clock.now());
    this.#arm();
  }

  /** A status read answered for `record`. */
  #seen(record: WaitRecord, task: Task): void {
    record.flight = undefined;
    record.last = task;
    if (record.onProgress !== undefined) {
      try {
        record.onProgress(task);
      } catch (error) {
        this.#settle(record, error, false);
        return;
      }
      if (record.state === DONE) return; // aborted from inside onProgress
    }
    if (task.status === 'succeeded') {
      this.#settle(record, task, true);
      return;
    }
    if (task.status === 'failed' || task.status === 'canceled') {
      const g = this.#context.gateway;
      this.#settle(
        record,
        new KlingTaskFailedError(`${g}: task ${record.id} ${task.status}: ${task.error.message}`, task),
        false,
      );
      return;
    }
    this.#next(record);
  }

  /** A status read failed for `record` after its retries. */
  #failed(record: WaitRecord, error: unknown): void {
    record.flight = undefined;
    if (!isRetryableRead(error)) {
      this.#settle(record, error, false);
      return;
    }
    this.#warnFailed(record.id, error);
    this.#retryLater(record, error);
  }

  #warnFailed(id: string | undefined, error: unknown): void {
    this.#context.logger.warn?.('kling-sdk: status poll failed after retries; still waiting', {
      gateway: this.#context.gateway,
      id,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /** The poll's retries ran out: the wait goes on (the task is still rendering, and paid for). */
  #retryLater(record: WaitRecord, error: unknown): void {
    record.flight = undefined;
    record.lastError = error;
    this.#next(record);
  }

  /** Schedules `record`'s next poll, or times it out when its deadline has passed. */
  #next(record: WaitRecord): void {
    const now = this.#clock.now();
    if (now >= record.endsAt) this.#timeout(record);
    else this.#schedule(record, now + this.#nextDelay(record, now));
  }

  #timeout(record: WaitRecord): void {
    const { last, lastError } = record;
    const seen = last === undefined ? 'no status seen' : `last status ${last.status}`;
    const g = this.#context.gateway;
    this.#settle(
      record,
      new KlingTimeoutError(`${g}: task ${record.id} not finished after ${record.timeoutMs} ms (${seen})`, {
        ...(last === undefined ? {} : { lastTask: last }),
        ...(lastError === undefined ? {} : { cause: lastError }),
      }),
      false,
    );
  }

  /** Ends `record`'s wait: out of every structure, its poll in flight aborted (when it was the last reader). */
  #settle(record: WaitRecord, value: unknown, ok: boolean): void {
    if (record.state === DONE) return;
    if (record.state === READY) this.#queued--;
    if (record.spread) {
      record.spread = false;
      this.#spreading--;
    }
    record.state = DONE;
    this.#heap.remove(record);
    if (this.#heap.size === 0) this.#disarm();
    this.#pending--;
    this.#demand -= record.rate;
    if (this.#pending === 0) this.#demand = 0; // no drift left over
    record.rate = 0;
    const flight = record.flight;
    record.flight = undefined;
    if (flight !== undefined && --flight.live === 0) flight.controller.abort(value);
    if (record.signal !== undefined) this.#unlink(record, record.signal);
    record.last = undefined;
    record.lastError = undefined;
    if (ok) record.resolve(value as SucceededTask);
    else {
      this.#context.scrub?.(value);
      record.reject(value);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Caller signals: one listener per signal, however many waits share it.

  #link(record: WaitRecord, signal: AbortSignal): void {
    let entry = this.#followers.get(signal);
    if (entry === undefined) {
      const records = new Set<WaitRecord>();
      const onAbort = () => {
        this.#followers.delete(signal);
        for (const r of records) this.#settle(r, signal.reason, false);
        records.clear();
        this.#pump(this.#clock.now());
      };
      entry = { records, onAbort };
      this.#followers.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.records.add(record);
  }

  #unlink(record: WaitRecord, signal: AbortSignal): void {
    const entry = this.#followers.get(signal);
    if (entry === undefined || !entry.records.delete(record) || entry.records.size > 0) return;
    this.#followers.delete(signal);
    signal.removeEventListener('abort', entry.onAbort);
  }
}

/**
 * The batch status read of `adapter`, when it declares one (`maxBatchStatusIds`, `batchStatusRequest`,
 * `parseBatchStatus`): one poll-lane read of several ids, each task's status words read as `getTask`
 * reads them. A task with a route of its own (Kling's legacy standard) is read alone.
 */
export function batchStatusReader(
  adapter: GatewayAdapter,
  paths: GatewayPaths,
  http: Exchange,
  clock: Clock,
  statusMap: Record<string, TaskStatus> | undefined,
  logger: Logger,
): BatchReader | undefined {
  const { maxBatchStatusIds: max, batchStatusRequest, parseBatchStatus } = adapter;
  if (max === undefined || max < 2 || batchStatusRequest === undefined || parseBatchStatus === undefined) {
    return undefined;
  }
  return {
    max,
    canBatch: (ref) => typeof ref === 'string' || ref.route === undefined,
    read: async (ids, options) => {
      const wire = batchStatusRequest.call(adapter, ids, { paths });
      const tasks = await http.send(
        {
          kind: 'read',
          lane: 'poll',
          ...wire,
          signal: options.signal,
          timeoutMs: options.timeoutMs,
          maxRetries: options.maxRetries,
        },
        (reply) => {
          const now = clock.now();
          return parseBatchStatus.call(
            adapter,
            reply,
            statusMap === undefined ? { now } : { now, statusMap },
          );
        },
      );
      for (const task of tasks.values()) {
        if (!task.statusUnknown) continue;
        logger.warn?.('kling-sdk: unknown task status, still waiting', {
          gateway: adapter.id,
          id: task.id,
          status: task.vendorStatus === undefined ? undefined : http.redact(task.vendorStatus),
        });
      }
      return tasks;
    },
  };
}

function positive(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
