/**
 * Retry-After, in seconds and as an HTTP date, is honoured as the simulator's own clock sees the next
 * request, and capped at DEFAULT_RETRY_POLICY.maxRetryAfterMs (60 s).
 */
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, KlingClient } from '../../src/index.js';
import { type FaultRule, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { figure } from './figures.js';

let sim: RunningSimulator | undefined;
afterEach(() => sim?.close());

/** The simulator's clock starts at this date: its replies' dates are START + simulated time. */
const START = Date.parse('2026-11-22T12:00:00.000Z');

/** Submits once behind a single 429 and returns when (simulated ms) the 429 and the retry were seen. */
async function gapAfter429(retryAfter: NonNullable<FaultRule['retryAfter']>) {
  const realStart = performance.now();
  // 0.01: a simulated second is 10 real ms, so overheads stay small against the gaps measured.
  const running = await startGatewaySimulator({
    seed: 5,
    timeScale: 0.01,
    now: () => START + (performance.now() - realStart),
    faults: [{ op: 'create', kind: 'http-429', times: 1, retryAfter }],
  });
  sim = running;
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: 'k',
    baseUrl: running.url,
    clock: running.clientClock,
  });
  await client.submit({ prompt: 'retry after' });
  const [refused, retried] = running.stats.requests;
  expect([refused?.status, retried?.status]).toEqual([429, 200]);
  await client.close();
  return { gap: (retried?.at ?? 0) - (refused?.at ?? 0), retriedAt: retried?.at ?? 0 };
}

it('waits the seconds Retry-After asks for', async () => {
  const { gap } = await gapAfter429(7);
  expect(gap).toBeGreaterThanOrEqual(7000);
  expect(gap).toBeLessThan(7000 + 20_000); // generous (load): overhead at this time scale, not backoff
  figure(
    'retry-after (seconds)',
    `Retry-After: 7 → next request ${(gap / 1000).toFixed(2)} s later on the simulator's clock`,
  );
});

it('waits until an HTTP date (1 s resolution)', async () => {
  const date = new Date(START + 10_000).toUTCString(); // "Sun, 22 Nov 2026 12:00:10 GMT"
  const { retriedAt } = await gapAfter429(date);
  expect(retriedAt).toBeGreaterThanOrEqual(10_000 - 1);
  expect(retriedAt).toBeLessThan(10_000 + 20_000);
  figure(
    'retry-after (HTTP date)',
    `Retry-After: ${date} → next request at 12:00:${(retriedAt / 1000).toFixed(2)} on the simulator's clock`,
  );
});

it('caps a long Retry-After at the documented maximum', async () => {
  const { gap } = await gapAfter429(3600);
  expect(gap).toBeGreaterThanOrEqual(DEFAULT_RETRY_POLICY.maxRetryAfterMs);
  expect(gap).toBeLessThan(DEFAULT_RETRY_POLICY.maxRetryAfterMs + 20_000);
  figure(
    'retry-after (cap)',
    `Retry-After: 3600 → next request ${(gap / 1000).toFixed(1)} s later (cap ${DEFAULT_RETRY_POLICY.maxRetryAfterMs / 1000} s)`,
  );
});
