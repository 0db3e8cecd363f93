/**
 * Batch status reads (issue 13 item 3): the official Kling API reads up to 20 tasks in one
 * `GET /tasks?task_ids=a,b,…`; the scheduler coalesces the ids due at once into it. Against the simulator
 * in process (its own batch route, written from the vendor's docs): 1,000 concurrent waits need far fewer
 * status requests than polls, and an id the reply leaves out is read alone.
 */
import { expect, it } from 'vitest';
import { KlingClient, KlingResponseError, KlingTimeoutError } from '../../src/index.js';
import { createGatewaySimulator } from '../../src/testing/index.js';
import { inProcessFetch } from '../helpers/in-process.js';
import { rejection } from '../helpers/rejection.js';
import { figure } from '../reliability/figures.js';

const WAITS = 1000;

it(`${WAITS} concurrent kling waits: status reads batched, well below one request per poll`, async () => {
  const sim = createGatewaySimulator({
    seed: 1313,
    timeScale: 0.002,
    // Kling admits 10 tasks at once by default (1303): lifted, this test is about reading them.
    maxConcurrentTasks: Number.POSITIVE_INFINITY,
  });
  const { fetch } = inProcessFetch(sim);
  const client = new KlingClient({ gateway: 'kling', apiKey: 'sk-batch', fetch, clock: sim.clientClock });
  const handles = await Promise.all(
    Array.from({ length: WAITS }, (_, i) => client.submit({ prompt: `batch ${i}` })),
  );
  const tasks = await Promise.all(handles.map((h) => client.wait(h)));
  expect(tasks.every((t, i) => t.status === 'succeeded' && t.id === handles[i]?.id)).toBe(true);

  const statusRequests = sim.stats.requests.filter((r) => r.op === 'status');
  const paths = statusRequests.map((r) => r.path);
  expect(paths.every((p) => p === '/tasks')).toBe(true);
  const { polls, requests } = client.stats().waits;
  expect(requests).toBe(statusRequests.length);
  // One request per poll without batching; here a small fraction of that.
  expect(requests / polls).toBeLessThan(0.2);
  figure(
    'batch status',
    `${WAITS} concurrent kling waits: ${polls} status reads in ${requests} requests ` +
      `(${(requests / polls).toFixed(3)} requests per read, ${(requests / WAITS).toFixed(2)} per task; ` +
      `${(polls / WAITS).toFixed(2)} reads per task, each its own request without batching)`,
  );
  await client.close();
}, 120_000);

it('an id the batch reply leaves out is read alone (unknown to kling: read alone until the deadline, as before)', async () => {
  const sim = createGatewaySimulator({ seed: 7, timeScale: 0.002 });
  const inProcess = inProcessFetch(sim);
  const urls: string[] = [];
  const fetch: typeof inProcess.fetch = (input, init) => {
    urls.push(String(input));
    return inProcess.fetch(input, init);
  };
  const client = new KlingClient({ gateway: 'kling', apiKey: 'sk-batch', fetch, clock: sim.clientClock });
  const handles = await Promise.all(Array.from({ length: 5 }, (_, i) => client.submit({ prompt: `p ${i}` })));
  const ghost = '800000000000000001';
  // Plain ids: resumed waits, read at once, together.
  const known = handles.map((h) => client.wait(h.id));
  const unknown = rejection(client.wait(ghost, { timeoutMs: 60_000 }));
  expect((await Promise.all(known)).map((t) => t.id)).toEqual(handles.map((h) => h.id));
  const error = await unknown;
  // A 2xx that lists no such task is not proof of anything: the wait went on until its deadline.
  expect(KlingTimeoutError.is(error)).toBe(true);
  expect(KlingResponseError.is((error as Error).cause)).toBe(true);
  const reads = urls.filter((u) => u.includes('/tasks?'));
  const ids = (u: string) => decodeURIComponent(new URL(u).searchParams.get('task_ids') ?? '').split(',');
  // The first read asked for all six at once; the ghost, left out of the reply, was then read alone.
  expect(ids(reads[0] as string).sort()).toEqual([...handles.map((h) => h.id), ghost].sort());
  expect(reads.some((u) => ids(u).length === 1 && ids(u)[0] === ghost)).toBe(true);
  expect(client.stats().waits.requests).toBeLessThan(client.stats().waits.polls);
  await client.close();
});
