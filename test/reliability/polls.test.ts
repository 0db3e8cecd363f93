/**
 * 1,000 concurrent waits while 30% of status replies fail in every way polls fail in production.
 * Every wait must end with its own video: none lost, even when a poll's retries run out.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GATEWAY_IDS, type GatewayId, KlingClient, type TaskHandle } from '../../src/index.js';
import { type FaultKind, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { figure } from './figures.js';

const WAITS = 1000;
const FAILURE_RATE = 0.3;
const KINDS: FaultKind[] = ['http-500', 'http-502', 'http-503', 'http-504', 'reset', 'hang', 'http-429'];

/** One rule per kind; rules are tried in order, so each rate is conditional on the ones before missing. */
function evenFaults() {
  const share = FAILURE_RATE / KINDS.length;
  return KINDS.map((kind, i) => ({
    op: 'status' as const,
    kind,
    rate: share / (1 - i * share),
    ...(kind === 'http-429' ? { retryAfter: 2 } : {}),
  }));
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startGatewaySimulator({ seed: 20261122, timeScale: 0.01, faults: evenFaults() });
});
afterAll(() => sim.close());

/**
 * Kling's own API admits 10 tasks per model version at once by default (code 1303, its concurrency page):
 * a thousand concurrent tasks would be refused there, as the simulator does, so it sits this one out.
 */
const POLLED = GATEWAY_IDS.filter((gateway) => gateway !== 'kling');

it(`${WAITS} concurrent waits through ${FAILURE_RATE * 100}% failing polls: none lost`, async () => {
  let exhausted = 0;
  const logger = { warn: (message: string) => void (message.includes('still waiting') && exhausted++) };
  const clients = Object.fromEntries(
    POLLED.map((gateway) => [
      gateway,
      new KlingClient({
        gateway,
        apiKey: 'sk-polls',
        baseUrl: sim.url,
        clock: sim.clientClock,
        maxConcurrency: 64,
        // A hung poll is cut after 3 real seconds: generous, since client and simulator share one CPU here.
        timeoutMs: 3000,
        logger,
      }),
    ]),
  ) as Record<GatewayId, KlingClient>;

  const handles: TaskHandle[] = await Promise.all(
    Array.from({ length: WAITS }, (_, i) => {
      const gateway = POLLED[i % POLLED.length] as GatewayId;
      // The submits are not under test here: give them room on a busy machine.
      return clients[gateway].submit({ prompt: `poll test ${i}` }, { timeoutMs: 120_000 });
    }),
  );
  const results = await Promise.all(
    handles.map((h) =>
      clients[h.gateway].wait(h, { timeoutMs: 24 * 3600_000 }).then((task) => ({ h, task })),
    ),
  );

  const ownVideo = results.filter(
    ({ h, task }) =>
      task.status === 'succeeded' && task.videos[0].url.endsWith(`/files/${encodeURIComponent(h.id)}.mp4`),
  );
  expect(ownVideo).toHaveLength(WAITS);
  const statusRequests = sim.stats.requests.filter((r) => r.op === 'status');
  const failed = statusRequests.filter((r) => r.fault !== undefined);
  const byKind = KINDS.map((k) => `${k} ${failed.filter((r) => r.fault === k).length}`).join(', ');
  // The injected rate is what the scenario claims (seeded; a loose band, not a timing).
  expect(failed.length / statusRequests.length).toBeGreaterThan(0.25);
  expect(failed.length / statusRequests.length).toBeLessThan(0.35);
  // Some polls must have run out of retries, or the scenario did not test that a wait survives it.
  expect(exhausted).toBeGreaterThan(0);
  figure(
    'polls',
    `${WAITS} concurrent waits, ${ownVideo.length} finished with their own video, ${WAITS - ownVideo.length} lost; ` +
      `${statusRequests.length} status requests, ${failed.length} failed (${((100 * failed.length) / statusRequests.length).toFixed(1)}%: ${byKind}); ` +
      `${exhausted} polls ran out of retries and their waits went on`,
  );
  await Promise.all(Object.values(clients).map((c) => c.close()));
});
