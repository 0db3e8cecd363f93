/**
 * 3. Scale: 10,000 concurrent `wait()`s on one KlingClient (the built SDK, EvoLink, its default pool of
 * 16 sockets) in one process, against the simulator on a scaled clock in another process (so the RSS
 * and CPU figures are the SDK's alone). Each task is submitted and then waited on at once, like
 * `generate()`; renders take 84–312 simulated seconds, longer than the whole submit phase, so every
 * wait is pending at the same time. Sockets are counted on both sides with the `net.client.socket`
 * and `net.server.socket` diagnostics channels.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { abortableSleep, type Clock } from '../src/http/clock.js';
import type { TaskHandle } from '../src/index.js';
import {
  fmt,
  type Goal,
  int,
  isMain,
  loadSdk,
  log,
  mean,
  quantile,
  report,
  type SectionResult,
  startServer,
} from './lib.js';
import { BENCH_API_KEY, type ScaleServer, type ScaleServerStats } from './server.js';

const WAITS = Number(process.env.BENCH_WAITS ?? 10_000);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.25);
const POOL = 16;
/** Submits in flight at once. */
const SUBMITTERS = 32;
const RSS_LIMIT_MB = 200;

/** The simulator's clock, rebuilt in this process from its epoch (both read the same system clock). */
function simulatedClock({ epoch, timeScale }: ScaleServer): Clock {
  return {
    now: () => epoch + (Date.now() - epoch) / timeScale,
    sleep: (ms, signal) => abortableSleep(ms * timeScale, signal),
  };
}

export async function run(): Promise<SectionResult> {
  let socketsOpened = 0;
  let socketsOpen = 0;
  let peakSockets = 0;
  subscribe('net.client.socket', (message) => {
    const { socket } = message as { socket: Socket };
    socketsOpened++;
    peakSockets = Math.max(peakSockets, ++socketsOpen);
    socket.once('close', () => socketsOpen--);
  });

  const { KlingClient } = await loadSdk();
  const server = await startServer<ScaleServer>(['scale', String(TIME_SCALE)]);
  const clock = simulatedClock(server.ready);
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: BENCH_API_KEY,
    baseUrl: server.ready.url,
    clock,
    maxConcurrency: POOL,
    poll: { timeoutMs: 6 * 60 * 60_000 },
  });

  const baseline = process.memoryUsage();
  let atPeak = baseline;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > atPeak.rss) atPeak = m;
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);

  let pending = 0;
  let peakPending = 0;
  let submitted = 0;
  const resolvedAt = new Map<string, number>();
  const failures: unknown[] = [];
  const started = performance.now();
  const cpuStart = process.cpuUsage();

  log(`scale: ${WAITS} submits + waits on one client (pool ${POOL}), time scale ${TIME_SCALE}`);
  const progress = setInterval(() => log(`scale: ${submitted} submitted, ${pending} waiting`), 5_000);
  // Submits go out SUBMITTERS at a time, as an application feeding renders from a queue would; each
  // task's wait starts as soon as its submit returns, and is not awaited before the next submit.
  const waits: Promise<void>[] = [];
  const waitOn = async (handle: TaskHandle) => {
    peakPending = Math.max(peakPending, ++pending);
    try {
      const task = await client.wait(handle);
      resolvedAt.set(task.id, clock.now() - server.ready.epoch);
    } catch (error) {
      failures.push(error);
    } finally {
      pending--;
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: SUBMITTERS }, async () => {
      while (next < WAITS) {
        const i = next++;
        try {
          waits.push(waitOn(await client.submit({ prompt: `scale test ${i}`, duration: 5 })));
          submitted++;
        } catch (error) {
          failures.push(error);
        }
      }
    }),
  );
  const statsAtLastSubmit = await server.ask<ScaleServerStats>('stats');
  const waitPhase = { cpu: process.cpuUsage(), polls: statsAtLastSubmit.statusRequests };
  await Promise.all(waits);
  const elapsedS = (performance.now() - started) / 1000;
  const cpuAll = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  clearInterval(progress);
  const stats = await server.ask<ScaleServerStats>('stats');
  await client.close();
  await server.stop();

  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const peakRssMb = Math.max(atPeak.rss / 2 ** 20, maxRssMb);
  const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MB`;
  const lags = [...resolvedAt].map(([id, at]) => (at - (stats.finishedAt[id] ?? Number.NaN)) / 1000);
  const cpuWait = process.cpuUsage(waitPhase.cpu);
  const waitPolls = stats.statusRequests - waitPhase.polls;
  const cpuPerPollUs = waitPolls === 0 ? Number.NaN : (cpuWait.user + cpuWait.system) / waitPolls;
  const cpuPerRequestUs = (cpuAll.user + cpuAll.system) / (stats.statusRequests + stats.created);

  const rows = [
    ['waits completed', `${int(resolvedAt.size)} of ${int(WAITS)} (${failures.length} failed)`],
    ['waits pending at once (peak)', int(peakPending)],
    [
      'peak RSS (whole client process)',
      `${fmt(peakRssMb, 1)} MB (baseline after import ${fmt(baseline.rss / 2 ** 20, 1)} MB)`,
    ],
    [
      'at the peak RSS sample',
      `JS heap ${mb(atPeak.heapUsed)} used of ${mb(atPeak.heapTotal)}, external ${mb(atPeak.external)} (array buffers ${mb(atPeak.arrayBuffers)})`,
    ],
    ['peak JS heap used', mb(peakHeap)],
    [
      'client sockets opened / open at once (peak)',
      `${int(socketsOpened)} / ${int(peakSockets)} (pool limit ${POOL})`,
    ],
    [
      'server sockets accepted / open at once (peak)',
      `${int(stats.socketsAccepted)} / ${int(stats.peakOpenSockets)}`,
    ],
    [
      'requests',
      `${int(stats.created)} creates, ${int(stats.statusRequests)} status polls (${fmt(stats.statusRequests / WAITS, 1)} a task)`,
    ],
    ['client CPU per status poll (after the last submit)', `${fmt(cpuPerPollUs, 0)} µs`],
    ['client CPU per request (whole run)', `${fmt(cpuPerRequestUs, 0)} µs`],
    ['detection lag (simulated), mean / p95', `${fmt(mean(lags), 1)} s / ${fmt(quantile(lags, 0.95), 1)} s`],
    [
      'wall time',
      `${fmt(elapsedS, 1)} s (time scale ${TIME_SCALE}: a simulated second is ${TIME_SCALE * 1000} ms)`,
    ],
  ];
  const goals: Goal[] = [
    {
      name: `${int(WAITS)} concurrent waits all complete`,
      value: `${int(resolvedAt.size)} (peak ${int(peakPending)} pending)`,
      target: `${int(WAITS)}`,
      met: resolvedAt.size === WAITS && peakPending === WAITS,
    },
    {
      name: 'peak RSS',
      value: `${fmt(peakRssMb, 1)} MB`,
      target: `≤ ${RSS_LIMIT_MB} MB`,
      met: peakRssMb <= RSS_LIMIT_MB,
    },
    {
      name: 'open sockets never above the pool limit',
      value: `peak ${peakSockets} (server saw ${stats.peakOpenSockets})`,
      target: `≤ ${POOL}`,
      met: peakSockets <= POOL && stats.peakOpenSockets <= POOL,
    },
  ];
  return {
    id: 'scale',
    title: `3. Scale: ${int(WAITS)} concurrent wait()s in one process`,
    headers: ['measure', 'value'],
    rows,
    goals,
    notes: [
      "The simulator runs in a separate process on a scaled clock; detection lag here includes queueing behind the pool of 16 sockets and the simulator's own speed (it serves every request through msw), so it is higher than in bench 2.",
    ],
  };
}

if (isMain(import.meta.url)) report(await run());
