/**
 * An AbortSignal stops a sleep, a status request or a submit at once, rejecting with the signal's own
 * reason; a wait's deadline bounds the whole wait, the request in flight included. Bounds here are
 * generous margins (a second), not timings.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { KlingClient, KlingTimeoutError } from '../../src/index.js';
import { type FaultRule, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { figure } from './figures.js';

let sim: RunningSimulator | undefined;
let client: KlingClient | undefined;
afterEach(async () => {
  await client?.close();
  await sim?.close();
});

async function setup(faults: FaultRule[] = [], options: { timeScale?: number; hold?: boolean } = {}) {
  sim = await startGatewaySimulator({ seed: 13, faults, ...options });
  // The system clock: these tests are about real waiting being cut short.
  client = new KlingClient({ gateway: 'evolink', apiKey: 'k', baseUrl: sim.url, timeoutMs: 60_000 });
  return { sim, client };
}

/** Aborts after `afterMs` with a unique reason; returns how long the rejection took after the abort. */
async function abortAfter(afterMs: number, run: (signal: AbortSignal) => Promise<unknown>) {
  const controller = new AbortController();
  const reason = new Error('stop now');
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort(reason);
  }, afterMs);
  const error = await run(controller.signal).catch((e: unknown) => e);
  return { error, reason, lagMs: performance.now() - abortedAt };
}

it('during the sleep between polls', async () => {
  const { client } = await setup([], { hold: true, timeScale: 1 });
  const { id } = await client.submit({ prompt: 'abort while sleeping' });
  const { error, reason, lagMs } = await abortAfter(100, (signal) => client.wait(id, { signal }));
  expect(error).toBe(reason);
  expect(lagMs).toBeLessThan(1000);
  figure('abort (sleep)', `wait() rejected with the signal's reason ${lagMs.toFixed(1)} ms after abort`);
});

it('during a status request that never answers', async () => {
  const { client } = await setup([{ op: 'status', kind: 'hang' }]);
  const { id } = await client.submit({ prompt: 'abort while polling' });
  const { error, reason, lagMs } = await abortAfter(100, (signal) => client.getTask(id, { signal }));
  expect(error).toBe(reason);
  expect(lagMs).toBeLessThan(1000);
  figure(
    'abort (status request)',
    `getTask() rejected with the signal's reason ${lagMs.toFixed(1)} ms after abort`,
  );
});

it('during a submit that never answers', async () => {
  const { client, sim } = await setup([{ op: 'create', kind: 'hang' }]);
  const { error, reason, lagMs } = await abortAfter(100, (signal) =>
    client.submit({ prompt: 'abort while submitting' }, { signal }),
  );
  expect(error).toBe(reason);
  expect(lagMs).toBeLessThan(1000);
  expect(sim.stats.requests.filter((r) => r.op === 'create')).toHaveLength(1); // sent once, not retried
  figure('abort (submit)', `submit() rejected with the signal's reason ${lagMs.toFixed(1)} ms after abort`);
});

it("a wait's deadline cuts the request in flight", async () => {
  const { client } = await setup([{ op: 'status', kind: 'hang' }]);
  const { id } = await client.submit({ prompt: 'deadline' });
  const started = performance.now();
  const error = await client.wait(id, { timeoutMs: 300 }).catch((e: unknown) => e);
  const tookMs = performance.now() - started;
  expect(KlingTimeoutError.is(error)).toBe(true);
  expect(tookMs).toBeLessThan(300 + 1000);
  figure(
    'deadline',
    `wait({ timeoutMs: 300 }) against a hung poll ended with KlingTimeoutError after ${tookMs.toFixed(0)} ms`,
  );
});

it('an interrupted download leaves no file under the final name', async () => {
  const { client, sim } = await setup([{ op: 'download', kind: 'drip' }]);
  const task = await (async () => {
    const fast = new KlingClient({
      gateway: 'evolink',
      apiKey: 'k',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
    const t = await fast.generate({ prompt: 'download' });
    await fast.close();
    return t;
  })();
  const dir = await mkdtemp(join(tmpdir(), 'kling-abort-'));
  try {
    const path = join(dir, 'video.mp4');
    const { error, reason } = await abortAfter(300, (signal) => client.download(task, path, { signal }));
    expect(error).toBe(reason);
    const timedOut = await client.download(task, path, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(KlingTimeoutError.is(timedOut), String(timedOut)).toBe(true);
    // The same stall through the fetch transport, which has no body timeout of its own.
    const viaFetch = new KlingClient({
      gateway: 'evolink',
      apiKey: 'k',
      baseUrl: sim.url,
      fetch: globalThis.fetch,
    });
    const stalled = await viaFetch.download(task, path, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(KlingTimeoutError.is(stalled), String(stalled)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
    figure(
      'download',
      'aborted and stalled downloads left 0 files (no partial file under the final name, no temp file)',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
