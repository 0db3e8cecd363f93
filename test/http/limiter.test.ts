import { expect, it } from 'vitest';
import { Limiter } from '../../src/http/limiter.js';

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
