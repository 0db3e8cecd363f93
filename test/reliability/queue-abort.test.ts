/**
 * Issue 10 item 8: a call queued for a connection slot leaves the queue the moment its signal aborts.
 * 10,000 waits fill a 16-slot pool whose status reads never answer (the worst case: nothing frees a
 * slot), so only leaving the queue can settle anything. The polls take 12 slots (4 are kept for control
 * calls: issue 13 item 2), so 4 hung getTask calls fill the rest before the submit queues. Latencies
 * are reported, not asserted.
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
  // Let every wait reach the limiter: 12 polls in flight, the rest queued.
  while (reads < 12) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(reads).toBe(12);
  // The slots kept for control calls, filled by hung reads of the caller's own.
  const stopReads = new AbortController();
  const controlReads = Array.from({ length: 4 }, (_, i) =>
    client.getTask(`mine-${i}`, { signal: stopReads.signal }).catch((e: unknown) => e),
  );
  while (reads < 16) await new Promise((resolve) => setImmediate(resolve));
  expect(client.stats()).toMatchObject({ inFlight: 16, queued: { poll: WAITS - 12, control: 0 } });

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
  stopReads.abort(new Error('done'));
  await Promise.all(controlReads);

  const waitsAbortedAt = performance.now();
  stopWaits.abort(waitReason);
  const results = await Promise.all(waits);
  expect(results.every((r) => r === waitReason)).toBe(true);
  expect(reads).toBe(16); // the queued polls were never sent (12 polls, 4 control reads)
  const lags = settledAt.map((t) => t - waitsAbortedAt).sort((a, b) => a - b);
  figure(
    'abort under 10,000 waits',
    `submit queued behind 10,000 waits (16 slots, 12 hung polls, 4 hung control reads) rejected ${submitLagMs.toFixed(1)} ms after abort, 0 creates sent; ` +
      `aborting all 10,000 waits: median ${percentile(lags, 0.5).toFixed(0)} ms, p99 ${percentile(lags, 0.99).toFixed(0)} ms, ` +
      `${reads} status requests ever sent`,
  );
  await client.close();
}, 120_000);
