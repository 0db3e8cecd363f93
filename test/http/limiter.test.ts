import { describe, expect, it, vi } from 'vitest';
import { KlingTimeoutError } from '../../src/errors.js';
import { type Lane, Limiter, reservedForControl } from '../../src/http/limiter.js';

/** A task that finishes when told to, recording when it started. */
function deferred() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish };
}

it('runs at most `max` at once and the rest in arrival order, across queue compactions', async () => {
  const limiter = new Limiter(3);
  const total = 5000; // well past the 1,024 entries after which the queue compacts
  const started: number[] = [];
  const gates = Array.from({ length: total }, deferred);
  let active = 0;
  let peak = 0;
  const runs = gates.map((gate, i) =>
    limiter.run(async () => {
      started.push(i);
      active++;
      peak = Math.max(peak, active);
      await gate.done;
      active--;
      return i;
    }),
  );
  // Release in order, letting each finished task wake the next waiter.
  for (const gate of gates) {
    await new Promise((resolve) => setImmediate(resolve));
    gate.finish();
  }
  expect(await Promise.all(runs)).toEqual(gates.map((_, i) => i));
  expect(started).toEqual(gates.map((_, i) => i));
  expect(peak).toBe(3);
});

it('frees its slot when the work throws', async () => {
  const limiter = new Limiter(1);
  await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(limiter.run(async () => 'next')).resolves.toBe('next');
});

describe('lanes (issue 13 item 2): polls never take the slots kept for control calls', () => {
  it('keeps min(4, ceil(max / 4)) slots for control calls, never all of them', () => {
    const kept = [1, 2, 3, 4, 5, 8, 9, 16, 17, 64].map((max) => [max, reservedForControl(max)]);
    expect(kept).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 2],
      [8, 2],
      [9, 3],
      [16, 4],
      [17, 4],
      [64, 4],
    ]);
    expect(new Limiter(16).stats().slots).toEqual({ total: 16, reservedForControl: 4 });
  });

  it('polls hold at most max - reserved slots; control calls take any free slot, even past queued polls', async () => {
    const limiter = new Limiter(8); // 2 kept for control calls
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const call = (name: string, lane: Lane) =>
      limiter.run(
        () => {
          started.push(name);
          return new Promise<void>((resolve) => gates.set(name, resolve));
        },
        undefined,
        undefined,
        lane,
      );
    const finish = async (name: string) => {
      gates.get(name)?.();
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const runs = Array.from({ length: 10 }, (_, i) => call(`p${i}`, 'poll'));
    runs.push(call('c0', 'control'), call('c1', 'control'), call('c2', 'control'));
    await finish('none');
    expect(started).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'c0', 'c1']);
    expect(limiter.stats()).toMatchObject({ inFlight: 8, queued: { poll: 4, control: 1 } });
    // A freed poll slot goes to the earliest queued call that may take it: p6 came before c2.
    await finish('p0');
    expect(started.slice(8)).toEqual(['p6']);
    // A freed control slot: the polls are at their cap, so c2 takes it though p7 came first.
    await finish('c0');
    expect(started.slice(9)).toEqual(['c2']);
    // With no control call queued, a poll still never takes a kept slot.
    await finish('c1');
    await finish('c2');
    expect(started.slice(10)).toEqual([]);
    expect(limiter.stats()).toMatchObject({ inFlight: 6, queued: { poll: 3, control: 0 } });
    // Control calls fill every free slot, beyond the kept ones.
    const controls = ['c3', 'c4', 'c5'].map((name) => call(name, 'control'));
    await finish('none');
    expect(started.slice(10)).toEqual(['c3', 'c4']); // 6 polls + 2 controls = 8: c5 waits
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'c3', 'c4', 'c5', 'p7', 'p8', 'p9']) {
      await finish(name);
    }
    await Promise.all([...runs, ...controls]);
    expect(started.slice(12)).toEqual(['p7', 'p8', 'p9', 'c5']); // p7-p9 came before c5
    expect(limiter.stats()).toMatchObject({ inFlight: 0, queued: { poll: 0, control: 0 } });
  });

  it('one slot: polls may use it (nothing is kept), in arrival order with control calls', async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    const run = (name: string, lane: Lane) =>
      limiter.run(async () => void order.push(name), undefined, undefined, lane);
    await Promise.all([run('p0', 'poll'), run('c0', 'control'), run('p1', 'poll'), run('c1', 'control')]);
    expect(order).toEqual(['p0', 'c0', 'p1', 'c1']);
  });

  it('queued calls of either lane leave on abort (one listener per signal) and on their queue deadline', async () => {
    const limiter = new Limiter(4); // 1 kept: 3 polls + 1 control fill it
    let finishAll!: () => void;
    const blocked = new Promise<void>((resolve) => {
      finishAll = resolve;
    });
    const running = [
      ...['poll', 'poll', 'poll'].map((lane) =>
        limiter.run(() => blocked, undefined, undefined, lane as Lane),
      ),
      limiter.run(() => blocked),
    ];
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const sent: number[] = [];
    const queued = Array.from({ length: 200 }, (_, i) =>
      limiter.run(
        async () => void sent.push(i),
        controller.signal,
        undefined,
        i % 2 === 0 ? 'poll' : 'control',
      ),
    );
    const timedOutPoll = limiter.run(async () => void sent.push(-1), undefined, 10, 'poll');
    const timedOutControl = limiter.run(async () => void sent.push(-2), undefined, 10, 'control');
    for (const timedOut of [timedOutPoll, timedOutControl]) {
      const error = await timedOut.catch((e: unknown) => e);
      expect(KlingTimeoutError.is(error)).toBe(true);
      expect((error as KlingTimeoutError).taskState).toBe('not-created');
    }
    expect(limiter.stats().queued).toEqual({ poll: 100, control: 100 });
    const reason = new Error('stop');
    controller.abort(reason);
    const results = await Promise.all(queued.map((q) => q.catch((e: unknown) => e)));
    expect(results.every((r) => r === reason)).toBe(true);
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled(); // `once` took it off; nothing woke in between
    expect(limiter.stats().queued).toEqual({ poll: 0, control: 0 });
    finishAll();
    await Promise.all(running);
    expect(sent).toEqual([]);
    // The slots are all free again.
    await expect(limiter.run(async () => 'after', undefined, undefined, 'poll')).resolves.toBe('after');
  });
});

it('tryTake takes a free slot at once, refuses when the lane would wait, and release hands it on', async () => {
  const limiter = new Limiter(2); // one slot kept for control calls
  expect(limiter.tryTake('poll')).toBe(true);
  expect(limiter.tryTake('poll')).toBe(false); // polls may hold only one of the two
  expect(limiter.tryTake('control')).toBe(true);
  expect(limiter.tryTake('control')).toBe(false);
  expect(limiter.stats()).toMatchObject({ inFlight: 2 });
  const order: string[] = [];
  const queued = limiter.run(async () => order.push('queued control'));
  // A call queued first keeps its turn: a slot freed now goes to it, not to a later tryTake.
  limiter.release('poll');
  expect(limiter.tryTake('control')).toBe(false);
  await queued;
  expect(order).toEqual(['queued control']);
  limiter.release('control');
  expect(limiter.stats()).toMatchObject({ inFlight: 0, queued: { poll: 0, control: 0 } });
});
