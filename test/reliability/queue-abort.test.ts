/**
 * Issue 10 item 8: a call queued for a connection slot leaves the queue the moment its signal aborts.
 * 10,000 waits fill a 16-slot pool whose status reads never answer (the worst case: nothing frees a
 * slot), so only leaving the queue can settle anything. Latencies are reported, not asserted.
 */
import { expect, it } from 'vitest';
import { KlingClient } from '../../src/index.js';
import { figure } from './figures.js';

const WAITS = 10_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

it('10,000 waits behind hung reads: a submit and every wait leave the queue on abort, nothing sent', async () => {
  let creates = 0;
  let reads = 0;
  const fetch = (_url: string, init: RequestInit): Promise<Response> => {
    if (init.method === 'POST') creates++;
    else reads++;
    // Nothing answers: only an abort ends a request.
    return new Promise<Response>((_, reject) => {
      init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
    });
  };
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: 'k',
    baseUrl: 'https://gw.test',
    fetch,
    maxConcurrency: 16,
    maxRetries: 0,
  });
  const stopWaits = new AbortController();
  const waitReason = new Error('shutting down');
  const settledAt: number[] = [];
  const waits = Array.from({ length: WAITS }, (_, i) =>
    client.wait(`task-${i}`, { signal: stopWaits.signal }).then(
      () => 'resolved',
      (error: unknown) => {
        settledAt.push(performance.now());
        return error;
      },
    ),
  );
  // Let every wait reach the limiter: 16 reads in flight, the rest queued.
  while (reads < 16) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));

  const submitAbort = new AbortController();
  const submitReason = new Error('user cancelled');
  const submit = client.submit({ prompt: 'queued behind 10,000 waits' }, { signal: submitAbort.signal });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const submitAbortedAt = performance.now();
  submitAbort.abort(submitReason);
  const submitError = await submit.catch((e: unknown) => e);
  const submitLagMs = performance.now() - submitAbortedAt;
  expect(submitError).toBe(submitReason);
  expect(creates).toBe(0);

  const waitsAbortedAt = performance.now();
  stopWaits.abort(waitReason);
  const results = await Promise.all(waits);
  expect(results.every((r) => r === waitReason)).toBe(true);
  expect(reads).toBe(16); // the queued polls were never sent
  const lags = settledAt.map((t) => t - waitsAbortedAt).sort((a, b) => a - b);
  figure(
    'abort under 10,000 waits',
    `submit queued behind 10,000 waits (16 slots, hung reads) rejected ${submitLagMs.toFixed(1)} ms after abort, 0 creates sent; ` +
      `aborting all 10,000 waits: median ${percentile(lags, 0.5).toFixed(0)} ms, p99 ${percentile(lags, 0.99).toFixed(0)} ms, ` +
      `${reads} status requests ever sent`,
  );
  await client.close();
}, 120_000);
