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
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock } from '../src/http/clock.js';
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
import {
  BENCH_API_KEY,
  type ScaleServer,
  type ScaleServerStats,
  type WaitsServer,
  type WaitsServerStats,
} from './server.js';

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
    sleep: (ms, signal) => sleepFor(ms * timeScale, signal),
  };
}

/** A sleep that rejects with the signal's reason on abort (bench code runs compiled, without src/). */
function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Which parts run: the simulator run (above), idle bytes per wait, and the scheduler runs at a round trip. */
const PARTS = new Set((process.env.BENCH_SCALE_PARTS ?? 'simulator,idle,waits').split(','));

let socketsOpened = 0;
let socketsOpen = 0;
let peakSockets = 0;
subscribe('net.client.socket', (message) => {
  const { socket } = message as { socket: Socket };
  socketsOpened++;
  peakSockets = Math.max(peakSockets, ++socketsOpen);
  socket.once('close', () => socketsOpen--);
});

export async function run(): Promise<SectionResult> {
  const parts: SectionResult[] = [];
  if (PARTS.has('simulator')) parts.push(await simulatorRun());
  if (PARTS.has('idle')) parts.push(await idleBytes());
  if (PARTS.has('waits')) parts.push(await schedulerRuns());
  const [first] = parts;
  if (first === undefined) throw new Error('BENCH_SCALE_PARTS names no part (simulator, idle, waits)');
  return {
    ...first,
    title: '3. Scale: concurrent wait()s in one process',
    rows: parts.flatMap((p) => (p === first ? p.rows : [[`**${p.title}**`, ''], ...p.rows])),
    goals: parts.flatMap((p) => p.goals),
    notes: parts.flatMap((p) => p.notes ?? []),
  };
}

async function simulatorRun(): Promise<SectionResult> {
  socketsOpened = 0;
  peakSockets = socketsOpen;

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

// ---------------------------------------------------------------------------------------------------
// The poll scheduler (issue 13): bytes per idle wait, and many waits against a 100 ms round trip.

const ROUND_TRIP_MS = Number(process.env.BENCH_ROUND_TRIP_MS ?? 100);
/** Waits of each scheduler run: detection lag and capacity at each size. */
const LAG_WAITS = (process.env.BENCH_LAG_WAITS ?? '1000,10000,100000').split(',').map(Number);
/** The pool of runs of 100,000 waits or more (smaller runs keep the default 16). */
const BIG_POOL = Number(process.env.BENCH_BIG_POOL ?? 256);
const IDLE_WAITS = Number(process.env.BENCH_IDLE_WAITS ?? 10_000);
const BIG_RSS_LIMIT_MB = 250;
const IDLE_LIMIT_BYTES = 1024;
const POLL_INTERVAL_MS = 5_000;

function savedHandle(id: string, submittedAt: number): string {
  return JSON.stringify({
    v: 1,
    gateway: 'evolink',
    id,
    submittedAt: new Date(submittedAt).toISOString(),
    estimate: { gateway: 'evolink', exact: true },
  });
}

/**
 * Heap bytes per pending wait after a full GC (`--expose-gc` set at run time), in two states: just
 * submitted and not polled yet, and polled once (the last reply kept). The handles and ids are made
 * before the first measurement (they are the caller's); every wait shares one AbortSignal.
 */
async function idleBytes(): Promise<SectionResult> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const collect = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  const { KlingClient } = await loadSdk();
  const reply = (id: string) =>
    new Response(JSON.stringify({ id, created: 0, status: 'processing' }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  const fetch = async (url: string | URL | Request) => {
    const text = String(url);
    return reply(decodeURIComponent(text.slice(text.lastIndexOf('/') + 1)));
  };
  const measure = async (fresh: boolean) => {
    const client = new KlingClient({
      gateway: 'evolink',
      apiKey: BENCH_API_KEY,
      baseUrl: 'https://gw.test',
      fetch,
      // The next poll ten minutes out: every wait stays pending, idle, while measured.
      poll: { intervalMs: 600_000 },
    });
    const now = Date.now();
    const refs = Array.from({ length: IDLE_WAITS }, (_, i) =>
      fresh ? client.resume(savedHandle(`idle-${i}`, now)) : `idle-${i}`,
    );
    const stop = new AbortController();
    const waits: Promise<unknown>[] = new Array(IDLE_WAITS);
    const before = collect();
    for (let i = 0; i < IDLE_WAITS; i++) waits[i] = client.wait(refs[i] as string, { signal: stop.signal });
    if (!fresh) while (client.stats().waits.polls < IDLE_WAITS) await new Promise((r) => setTimeout(r, 50));
    const after = collect();
    const pending = client.stats().waits.pending;
    for (const wait of waits) wait.catch(() => {});
    stop.abort(new Error('done'));
    await Promise.allSettled(waits);
    await client.close();
    return { bytes: (after - before) / IDLE_WAITS, pending };
  };
  const fresh = await measure(true);
  const polled = await measure(false);
  log(
    `scale: idle bytes per wait ${fmt(fresh.bytes, 0)} (not polled), ${fmt(polled.bytes, 0)} (polled once)`,
  );
  return {
    id: 'scale-idle',
    title: `Bytes per idle pending wait (${int(IDLE_WAITS)} waits, heap after a full GC)`,
    headers: ['measure', 'value'],
    rows: [
      ['just submitted, not polled yet', `${int(fresh.bytes)} bytes (${int(fresh.pending)} pending)`],
      ['polled once (the last reply kept for the timeout error)', `${int(polled.bytes)} bytes`],
    ],
    goals: [
      {
        name: 'bytes per idle pending wait (after GC)',
        value: `${int(fresh.bytes)} / ${int(polled.bytes)} (not polled / polled once)`,
        target: `≤ ${IDLE_LIMIT_BYTES}`,
        met: Math.max(fresh.bytes, polled.bytes) <= IDLE_LIMIT_BYTES,
      },
    ],
    notes: [],
  };
}

interface WaitsRun {
  waits: number;
  pool: number;
  completed: number;
  failed: number;
  peakRssMb: number;
  baselineRssMb: number;
  peakSockets: number;
  serverPeakSockets: number;
  statusRequests: number;
  lagP50: number;
  lagP99: number;
  capacity: number | null;
  demand: number;
  roundTripMs: number | null;
  wallS: number;
  latency?: { submit: number[]; getTask: number[] };
}

/**
 * `n` waits on one client at once (EvoLink, `poll: { intervalMs: 5000 }`), each task just submitted
 * and finishing 5–30 s later, against the bare server at a fixed round trip. With `probe`, 25 submits and
 * 25 getTasks, one after another, while the waits poll.
 */
async function waitsRun(n: number, pool: number, probe: boolean): Promise<WaitsRun> {
  const { KlingClient } = await loadSdk();
  const server = await startServer<WaitsServer>(['waits', String(ROUND_TRIP_MS)]);
  socketsOpened = 0;
  peakSockets = socketsOpen;
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: BENCH_API_KEY,
    baseUrl: server.ready.url,
    maxConcurrency: pool,
    poll: { intervalMs: POLL_INTERVAL_MS, timeoutMs: 3 * 60 * 60_000 },
  });
  const t0 = Date.now();
  let seed = n;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const handles = Array.from({ length: n }, (_, i) =>
    client.resume(savedHandle(`t${Math.round(t0 + 5_000 + random() * 25_000)}x${i}`, t0)),
  );
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  let capacity: number | null = null;
  let demand = 0;
  let roundTripMs: number | null = null;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const { waits } = client.stats();
    if (waits.capacityPerSecond !== null) capacity = waits.capacityPerSecond;
    roundTripMs = waits.roundTripMs ?? roundTripMs;
    demand = Math.max(demand, waits.demandPerSecond);
  }, 100);
  const progress = setInterval(() => {
    const { waits, inFlight } = client.stats();
    log(`scale: ${n} waits, ${waits.pending} pending, ${inFlight} in flight, ${int(waits.polls)} polls`);
  }, 10_000);
  const lags: number[] = [];
  let failed = 0;
  const started = performance.now();
  const waits = handles.map((h) =>
    client.wait(h).then(
      (task) => void lags.push(Date.now() - Number(task.id.slice(1, task.id.indexOf('x')))),
      () => void failed++,
    ),
  );
  let latency: WaitsRun['latency'];
  if (probe) {
    await new Promise((r) => setTimeout(r, 8_000)); // the waits are polling, the queue full
    latency = { submit: [], getTask: [] };
    for (let i = 0; i < 25; i++) {
      let t = performance.now();
      await client.submit({ prompt: `probe ${i}`, duration: 5 });
      latency.submit.push(performance.now() - t);
      t = performance.now();
      await client.getTask(handles[i] as TaskHandle);
      latency.getTask.push(performance.now() - t);
    }
  }
  await Promise.all(waits);
  const wallS = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(progress);
  const stats = await server.ask<WaitsServerStats>('stats');
  await client.close();
  await server.stop();
  lags.sort((a, b) => a - b);
  return {
    waits: n,
    pool,
    completed: lags.length,
    failed,
    peakRssMb: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
    baselineRssMb: baselineRss / 2 ** 20,
    peakSockets,
    serverPeakSockets: stats.peakOpenSockets,
    statusRequests: stats.statusRequests,
    lagP50: quantile(lags, 0.5) / 1000,
    lagP99: quantile(lags, 0.99) / 1000,
    capacity,
    demand,
    roundTripMs,
    wallS,
    ...(latency === undefined ? {} : { latency }),
  };
}

async function schedulerRuns(): Promise<SectionResult> {
  const runs: WaitsRun[] = [];
  for (const n of LAG_WAITS) {
    log(`scale: ${n} waits at a ${ROUND_TRIP_MS} ms round trip`);
    runs.push(await waitsRun(n, n >= 100_000 ? BIG_POOL : POOL, n === 10_000));
  }
  const rows = runs.map((r) => [
    `${int(r.waits)} waits, pool ${r.pool}`,
    `${int(r.completed)} completed (${r.failed} failed) in ${fmt(r.wallS, 1)} s; lag p50 ${fmt(r.lagP50, 1)} s / p99 ${fmt(r.lagP99, 1)} s; ` +
      `capacity ${r.capacity === null ? 'n/a' : int(r.capacity)} polls/s (round trip ${r.roundTripMs === null ? 'n/a' : fmt(r.roundTripMs, 0)} ms), demand up to ${int(r.demand)}/s; ` +
      `${fmt(r.statusRequests / r.waits, 1)} polls a task; peak RSS ${fmt(r.peakRssMb, 1)} MB (${fmt(r.baselineRssMb, 1)} MB with the handles made); ` +
      `sockets ${r.peakSockets} (server ${r.serverPeakSockets})`,
  ]);
  const goals: Goal[] = [];
  const big = runs.find((r) => r.waits >= 100_000);
  if (big !== undefined) {
    goals.push(
      {
        name: `${int(big.waits)} concurrent waits, ${ROUND_TRIP_MS} ms round trip, all complete`,
        value: `${int(big.completed)}`,
        target: int(big.waits),
        met: big.completed === big.waits,
      },
      {
        name: `${int(big.waits)} waits: peak RSS`,
        value: `${fmt(big.peakRssMb, 1)} MB`,
        target: `≤ ${BIG_RSS_LIMIT_MB} MB`,
        met: big.peakRssMb <= BIG_RSS_LIMIT_MB,
      },
      {
        name: `${int(big.waits)} waits: sockets never above the pool`,
        value: `peak ${big.peakSockets} (server ${big.serverPeakSockets})`,
        target: `≤ ${big.pool}`,
        met: big.peakSockets <= big.pool && big.serverPeakSockets <= big.pool,
      },
    );
  }
  const probed = runs.find((r) => r.latency !== undefined);
  if (probed?.latency !== undefined) {
    const { submit, getTask } = probed.latency;
    const p = (xs: number[], q: number) => quantile(xs, q);
    rows.push([
      `submit / getTask latency while ${int(probed.waits)} waits poll`,
      `submit p50 ${fmt(p(submit, 0.5), 0)} ms, p99 ${fmt(p(submit, 0.99), 0)} ms; getTask p50 ${fmt(p(getTask, 0.5), 0)} ms, p99 ${fmt(p(getTask, 0.99), 0)} ms`,
    ]);
    const worst = Math.max(p(submit, 0.99), p(getTask, 0.99));
    goals.push({
      name: `submit/getTask p99 while ${int(probed.waits)} waits poll`,
      value: `${fmt(worst, 0)} ms`,
      target: `≤ ${3 * ROUND_TRIP_MS} ms (3 × round trip)`,
      met: worst <= 3 * ROUND_TRIP_MS,
    });
  }
  return {
    id: 'scale-waits',
    title: `The poll scheduler at a ${ROUND_TRIP_MS} ms round trip (bare EvoLink-shaped server, poll every 5 s)`,
    headers: ['measure', 'value'],
    rows,
    goals,
    notes: [
      'Capacity is the scheduler’s own figure (poll slots ÷ measured round trip); where demand exceeds it, polls wait for a slot in due order and every interval stretches alike, which the detection lag shows.',
    ],
  };
}

if (isMain(import.meta.url)) report(await run());
