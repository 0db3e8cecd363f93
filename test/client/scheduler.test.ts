/**
 * The poll scheduler (issue 13 items 1 and 3) on the virtual clock: the heap, the one timer, the wait
 * policy it keeps, aborts, the resume spread, capacity and stretch, batch coalescing.
 */
import { describe, expect, it } from 'vitest';
import { type HeapItem, MinHeap } from '../../src/client/heap.js';
import {
  type BatchReader,
  PollScheduler,
  RESUME_SPREAD_MS,
  type SchedulerContext,
} from '../../src/client/scheduler.js';
import { KlingConnectionError, KlingTaskFailedError, KlingTimeoutError, type Task } from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const running = (id: string, extra: Partial<Task> = {}): Task =>
  ({ id, gateway: 'evolink', status: 'running', raw: {}, ...extra }) as Task;
const succeeded = (id: string): Task =>
  ({
    id,
    gateway: 'evolink',
    status: 'succeeded',
    raw: {},
    videos: [{ url: `https://cdn.test/${id}.mp4` }],
  }) as Task;

type GetTask = SchedulerContext['getTask'];

function scheduler(getTask: GetTask, options: Partial<SchedulerContext> = {}) {
  const clock = (options.clock as VirtualClock | undefined) ?? new VirtualClock();
  const warnings: string[] = [];
  const context: SchedulerContext = {
    gateway: 'evolink',
    clock,
    poll: { intervalMs: 1000 },
    requestTimeoutMs: 30_000,
    logger: { warn: (message, meta) => warnings.push(`${message} ${JSON.stringify(meta)}`) },
    slots: 12,
    getTask,
    ...options,
  };
  return { scheduler: new PollScheduler(context), clock, warnings };
}

const idOf = (ref: unknown) => (typeof ref === 'string' ? ref : (ref as { id: string }).id);

describe('MinHeap', () => {
  it('pops in (at, seq) order through sets, moves and removals', () => {
    const heap = new MinHeap<HeapItem & { name: number }>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const items = Array.from({ length: 2000 }, (_, i) => ({ at: 0, seq: i, index: -1, name: i }));
    for (const item of items) heap.set(item, Math.floor(random() * 500));
    // Move a third, remove a third.
    for (const item of items.slice(0, 666)) heap.set(item, Math.floor(random() * 500));
    for (const item of items.slice(666, 1332)) heap.remove(item);
    expect(heap.size).toBe(2000 - 666);
    const popped: HeapItem[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item);
    const expected = [...items.slice(0, 666), ...items.slice(1332)].sort(
      (a, b) => a.at - b.at || a.seq - b.seq,
    );
    expect(popped).toEqual(expected);
    expect(items.every((item) => item.index === -1)).toBe(true);
  });
});

describe('PollScheduler', () => {
  it('keeps the wait policy: first look at once, then every interval, until success', async () => {
    let n = 0;
    const seen: number[] = [];
    const { scheduler: s, clock } = scheduler(async (ref) => {
      seen.push(clock.now());
      return ++n < 4 ? running(idOf(ref)) : succeeded(idOf(ref));
    });
    const start = clock.now();
    const task = await s.wait('t1', 't1', {});
    expect(task.status).toBe('succeeded');
    expect(seen.map((t) => t - start)).toEqual([0, 1000, 2000, 3000]);
    expect(s.waitStats()).toMatchObject({ pending: 0, polls: 4, requests: 4 });
  });

  it('a fresh handle waits its first interval; a poll whose retries ran out warns and goes on', async () => {
    let n = 0;
    const {
      scheduler: s,
      clock,
      warnings,
    } = scheduler(async (ref) => {
      n++;
      if (n === 1) throw new KlingConnectionError('reset', { code: 'ECONNRESET' });
      return n < 3 ? running(idOf(ref)) : succeeded(idOf(ref));
    });
    const start = clock.now();
    const handle = {
      v: 1 as const,
      gateway: 'evolink' as const,
      id: 'fresh',
      submittedAt: new Date(start).toISOString(),
      estimate: {} as never,
    };
    await expect(s.wait('fresh', handle, {})).resolves.toMatchObject({ status: 'succeeded' });
    expect(clock.now() - start).toBe(3000); // 1000 (just submitted), then two more intervals
    expect(warnings.filter((w) => w.includes('still waiting'))).toHaveLength(1);
  });

  it('a failed task ends the wait with KlingTaskFailedError; a definite error ends it as is', async () => {
    const { scheduler: s } = scheduler(async (ref) =>
      idOf(ref) === 'bad'
        ? ({ ...running('bad'), status: 'failed', error: { message: 'blocked' } } as Task)
        : Promise.reject(new Error('not retryable')),
    );
    expect(KlingTaskFailedError.is(await rejection(s.wait('bad', 'bad', {})))).toBe(true);
    expect(((await rejection(s.wait('x', 'x', {}))) as Error).message).toBe('not retryable');
  });

  it('bounds each poll by the time left, and the deadline cuts the poll in flight (lastTask, cause)', async () => {
    const timeouts: number[] = [];
    let n = 0;
    let cut: unknown;
    const { scheduler: s, clock } = scheduler(
      (ref, options) => {
        timeouts.push(options.timeoutMs as number);
        n++;
        if (n === 1) return Promise.resolve(running(idOf(ref), { progress: 40 }));
        if (n === 2) return Promise.reject(new KlingConnectionError('gone'));
        // Never answers until aborted.
        return new Promise<Task>((_, reject) =>
          options.signal?.addEventListener('abort', () => {
            cut = options.signal?.reason;
            reject(options.signal?.reason);
          }),
        );
      },
      { requestTimeoutMs: 1500 },
    );
    const start = clock.now();
    const error = await rejection(s.wait('slow', 'slow', { timeoutMs: 2500 }));
    expect(KlingTimeoutError.is(error)).toBe(true);
    expect(error).toMatchObject({ lastTask: { status: 'running', progress: 40 } });
    expect(KlingConnectionError.is((error as Error).cause)).toBe(true);
    expect(clock.now() - start).toBe(2500);
    expect(cut).toBe(error); // the poll in flight was aborted with the wait's own error
    // 1500 (the request timeout), at 1000 s 1500 (1500 left), at 1750 (progress-driven) 750 left.
    expect(timeouts).toEqual([1500, 1500, 750]);
  });

  it('an Infinity timeout sets no deadline; a first poll beyond 2^31 ms still comes on time', async () => {
    const { scheduler: s, clock } = scheduler(async (ref) => succeeded(idOf(ref)), {
      poll: { intervalMs: 1000, firstPollAfterMs: 2 ** 31 + 5000 },
    });
    const start = clock.now();
    const handle = {
      v: 1 as const,
      gateway: 'evolink' as const,
      id: 'far',
      submittedAt: new Date(start).toISOString(),
      estimate: {} as never,
    };
    await expect(s.wait('far', handle, { timeoutMs: Number.POSITIVE_INFINITY })).resolves.toMatchObject({
      id: 'far',
    });
    expect(clock.now() - start).toBe(2 ** 31 + 5000);
  });

  it('aborting one wait among many leaves the others; it rejects with the signal reason', async () => {
    const { scheduler: s } = scheduler(async (ref) =>
      idOf(ref).endsWith('9') ? succeeded(idOf(ref)) : running(idOf(ref)),
    );
    const stop = new AbortController();
    const mine = s.wait('mine', 'mine', { signal: stop.signal });
    const shared = new AbortController(); // never aborted, shared by the others
    const others = Array.from({ length: 50 }, (_, i) =>
      s.wait(`w-${i}`, `w-${i}`, { signal: shared.signal, timeoutMs: 10_000 }).then(
        () => 'done',
        (e: unknown) => (KlingTimeoutError.is(e) ? 'timeout' : 'other'),
      ),
    );
    const reason = new Error('stop mine');
    setTimeout(() => stop.abort(reason), 5);
    expect(await rejection(mine)).toBe(reason);
    const outcomes = await Promise.all(others);
    expect(outcomes.filter((o) => o === 'done')).toHaveLength(5); // w-9, w-19, ... w-49
    expect(outcomes.filter((o) => o === 'timeout')).toHaveLength(45);
  });

  it('10,000 waits aborted at once settle promptly, and the scheduler is empty after', async () => {
    const inFlight: AbortSignal[] = [];
    const { scheduler: s } = scheduler((_ref, options) => {
      inFlight.push(options.signal as AbortSignal);
      return new Promise<Task>((_, reject) =>
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
      );
    });
    const stop = new AbortController();
    const waits = Array.from({ length: 10_000 }, (_, i) => s.wait(`t${i}`, `t${i}`, { signal: stop.signal }));
    const settled = Promise.allSettled(waits);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(inFlight.length).toBeGreaterThan(0); // some polls in flight, the rest queued or spread
    const reason = new Error('shutdown');
    const started = performance.now();
    stop.abort(reason);
    const results = await settled;
    const tookMs = performance.now() - started;
    expect(results.every((r) => r.status === 'rejected' && r.reason === reason)).toBe(true);
    expect(inFlight.every((signal) => signal.aborted)).toBe(true);
    expect(tookMs).toBeLessThan(2000); // generous: it is one pass over the records
    expect(s.waitStats().pending).toBe(0);
    expect(
      s.stats({ inFlight: 0, queued: { poll: 0, control: 0 }, slots: { total: 16, reservedForControl: 4 } })
        .queued.poll,
    ).toBe(0);
  });

  it('spreads the first looks of resumed waits over a bounded window, in arrival order, before the deadline', async () => {
    const firstLook = new Map<string, number>();
    const { scheduler: s, clock } = scheduler(
      async (ref) => {
        const id = idOf(ref);
        if (!firstLook.has(id)) firstLook.set(id, clock.now());
        return succeeded(id);
      },
      { slots: 10_000 },
    );
    const start = clock.now();
    const ids = Array.from({ length: 3000 }, (_, i) => `r${i}`);
    // The first 1,000 with a long deadline, the rest with 600 ms left: their first looks come within 300 ms.
    await Promise.all(ids.map((id, i) => s.wait(id, id, { timeoutMs: i < 1000 ? 60_000 : 600 })));
    const offsets = ids.map((id) => (firstLook.get(id) as number) - start);
    expect(offsets[0]).toBe(0);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(RESUME_SPREAD_MS);
    expect(Math.max(...offsets.slice(1000))).toBeLessThanOrEqual(300);
    expect(new Set(offsets).size).toBeGreaterThan(250); // spread, not one instant
    // In arrival order within each deadline group.
    const inOrder = (xs: number[]) => xs.every((x, i) => i === 0 || x >= (xs[i - 1] as number));
    expect(inOrder(offsets.slice(0, 1000))).toBe(true);
    expect(inOrder(offsets.slice(1000))).toBe(true);
  });

  it('when demand exceeds capacity: polls go out in due order, every wait stretched alike, logged once', async () => {
    const clock = new VirtualClock();
    const polls = new Map<string, number>();
    const sent: string[] = [];
    // Two connection slots, as the client's limiter would hold them; the scheduler sends up to twice that.
    let busy = 0;
    const queue: (() => void)[] = [];
    const { scheduler: s, warnings } = scheduler(
      async (ref) => {
        const id = idOf(ref);
        sent.push(id);
        polls.set(id, (polls.get(id) ?? 0) + 1);
        if (busy < 2) busy++;
        else await new Promise<void>((resolve) => queue.push(resolve));
        await clock.sleep(100); // a 100 ms round trip
        const next = queue.shift();
        if (next === undefined) busy--;
        else next();
        return clock.now() - start >= 20_000 ? succeeded(id) : running(id);
      },
      { clock, slots: 2 }, // 2 slots / 0.1 s = 20 polls/s; 200 waits at 1 s want 200/s
    );
    const start = clock.now();
    const ids = Array.from({ length: 200 }, (_, i) => `d${i}`);
    const waits = ids.map((id) => s.wait(id, id, { timeoutMs: 120_000 }));
    let mid: ReturnType<PollScheduler['waitStats']> | undefined;
    const probe = clock.sleep(10_000).then(() => {
      mid = s.waitStats();
    });
    await Promise.all([...waits, probe]);
    expect(mid?.roundTripMs).toBe(100);
    expect(mid?.capacityPerSecond).toBeCloseTo(20, 0);
    expect(mid?.demandPerSecond).toBeGreaterThan(150);
    expect(mid?.stretch).toBeGreaterThan(5);
    expect(mid?.lagMs.p50).toBeGreaterThan(1000); // each interval stretched by the queue
    expect(warnings.filter((w) => w.includes('stretching poll intervals'))).toHaveLength(1);
    // Fair: every wait polled about as often (due order, one queue).
    const counts = ids.map((id) => polls.get(id) as number);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    // The first round in arrival order.
    expect(sent.slice(0, 200)).toEqual(ids);
  });

  it('batches due ids (at most max), reads an id the reply leaves out alone', async () => {
    const batches: string[][] = [];
    const alone: string[] = [];
    let round = 0;
    const batch: BatchReader = {
      max: 20,
      canBatch: (ref) => typeof ref === 'string',
      read: async (ids) => {
        batches.push([...ids]);
        // 'gone-*' ids are never in the reply; the rest finish on the third read.
        const done = ++round > 12;
        return new Map(
          ids.filter((id) => !id.startsWith('gone')).map((id) => [id, done ? succeeded(id) : running(id)]),
        );
      },
    };
    const { scheduler: s } = scheduler(
      async (ref) => {
        alone.push(idOf(ref));
        return succeeded(idOf(ref));
      },
      { batch, slots: 4 },
    );
    const ids = [...Array.from({ length: 95 }, (_, i) => `b${i}`), 'gone-1', 'gone-2'];
    const tasks = await Promise.all(ids.map((id) => s.wait(id, id, {})));
    expect(tasks.map((t) => t.id)).toEqual(ids);
    expect(batches.every((b) => b.length >= 2 && b.length <= 20)).toBe(true);
    expect(alone.sort()).toEqual(['gone-1', 'gone-2']);
    const stats = s.waitStats();
    expect(stats.requests).toBe(batches.length + alone.length);
    expect(stats.requests / stats.polls).toBeLessThan(0.2);
  });
});
