// End to end: examples/bullmq-worker on a real Redis server, as a child process that the test kills.
// The simulator holds every render until the test releases it, and a proxy swallows the reply to one
// create, so each crash lands exactly where the test wants it. Nothing here waits for a duration:
// every step waits for a state (in Redis, in the simulator, in the worker's log).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, type ExpectStatic, test } from 'vitest';
import type { VideoJobData, VideoJobResult } from '../../examples/bullmq-worker/processor.js';
import { type RunningSimulator, SAMPLE_VIDEO, startGatewaySimulator } from '../../src/testing/index.js';
import { type SwallowingProxy, startSwallowingProxy } from './proxy.js';
import { ensureRedisServer, type RedisServer, startRedisServer } from './redis.js';

const REPO = resolve(import.meta.dirname, '../..');
const WORKER = join(REPO, 'examples/bullmq-worker/worker.ts');
const STEP_MS = 90_000; // the most any one state may take to arrive (a lock expiring, on a busy machine)

// Skipped, loudly, only where no Redis server can be had; .ci/run installs one and sets KLING_REQUIRE_REDIS=1.
const redisAvailable = ensureRedisServer();
if (!redisAvailable.ok) {
  if (process.env.KLING_REQUIRE_REDIS === '1') throw new Error(`no Redis server: ${redisAvailable.reason}`);
  console.warn(`[worker test] SKIPPED, no Redis server: ${redisAvailable.reason}`);
}

type VideoJob = Job<VideoJobData, VideoJobResult>;

interface WorkerProcess {
  child: ChildProcess;
  events: { event: string; [field: string]: unknown }[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null>;
}

/** One scenario: its own simulator, proxy, queue and output directory, on the shared Redis server. */
class Scenario {
  readonly transcript: string[] = [];
  readonly queue: Queue<VideoJobData, VideoJobResult>;
  private readonly workers: WorkerProcess[] = [];

  private constructor(
    readonly name: string,
    readonly sim: RunningSimulator,
    readonly proxy: SwallowingProxy,
    readonly outDir: string,
    private readonly redis: RedisServer,
    private readonly connection: Redis,
  ) {
    this.queue = new Queue(name, { connection });
  }

  static async start(name: string, redis: RedisServer): Promise<Scenario> {
    const sim = await startGatewaySimulator({ seed: 6, hold: true });
    const proxy = await startSwallowingProxy(sim.url);
    const outDir = await mkdtemp(join(tmpdir(), `kling-${name}-`));
    return new Scenario(name, sim, proxy, outDir, redis, redis.connect());
  }

  add(id: string, data: VideoJobData): Promise<VideoJob> {
    return this.queue.add('video', data, {
      jobId: id,
      attempts: 3,
      backoff: { type: 'fixed', delay: 200 },
      removeOnFail: false,
    });
  }

  startWorker(): WorkerProcess {
    const label = `worker ${this.workers.length + 1}`;
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        REDIS_URL: this.redis.url,
        KLING_QUEUE: this.name,
        KLING_OUT_DIR: this.outDir,
        KLING_BASE_URL: this.proxy.url,
        APIFRAME_API_KEY: 'worker-test',
        EVOLINK_API_KEY: 'worker-test',
        KLING_API_KEY: 'worker-test',
        KLING_WORKER_CONCURRENCY: '8',
        KLING_WORKER_LOCK_MS: '5000',
        KLING_POLL_INTERVAL_MS: '100',
        KLING_POLL_MAX_INTERVAL_MS: '200',
      },
    });
    const events: WorkerProcess['events'] = [];
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const onLine = (stream: string) => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        this.transcript.push(`${label} ${stream}: ${line}`);
        try {
          const event = JSON.parse(line) as WorkerProcess['events'][number];
          events.push(event);
          if (event.event === 'ready') markReady();
        } catch {
          // not one of the worker's JSON lines (a warning): kept in the transcript only
        }
      }
    };
    child.stdout?.on('data', onLine('out'));
    child.stderr?.on('data', onLine('err'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const worker: WorkerProcess = {
      child,
      events,
      ready: Promise.race([
        ready,
        exited.then((code) => {
          throw new Error(`${label} exited (${code}) before it was ready`);
        }),
      ]),
      exited,
      async stop(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.workers.push(worker);
    return worker;
  }

  async jobs(): Promise<VideoJob[]> {
    const jobs = await this.queue.getJobs();
    return jobs.filter((job): job is VideoJob => job !== undefined);
  }

  /** Creates sent to a gateway (through the proxy), in order. */
  creates(gateway: string) {
    return this.sim.stats.requests.filter((r) => r.op === 'create' && r.gateway === gateway);
  }

  /** Task ids that got a status request at or after request number `from`. */
  polledSince(from: number): Set<string> {
    const ids = this.sim.tasks().map((task) => task.id);
    const polled = new Set<string>();
    for (const request of this.sim.stats.requests.slice(from)) {
      if (request.op !== 'status') continue;
      for (const id of ids) if (request.path.endsWith(`/${id}`)) polled.add(id);
    }
    return polled;
  }

  /** Waits for a state, polling; on timeout, fails with what the workers printed. */
  async until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + STEP_MS;
    while (!(await check())) {
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name}: timed out waiting for ${what}\n${this.transcript.slice(-40).join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    if (process.env.WORKER_TEST_VERBOSE) console.log(this.transcript.join('\n'));
    await Promise.all(this.workers.map((worker) => worker.stop('SIGKILL')));
    await this.queue.obliterate({ force: true }).catch(() => {});
    await this.queue.close();
    this.connection.disconnect();
    await this.proxy.close();
    await this.sim.close();
    await rm(this.outDir, { recursive: true, force: true });
  }
}

describe.skipIf(!redisAvailable.ok)('examples/bullmq-worker on a real Redis server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  /** Runs a scenario on its own queue; on failure, prints the worker's transcript. */
  async function inScenario(queue: string, run: (s: Scenario) => Promise<void>): Promise<void> {
    const s = await Scenario.start(queue, redis);
    try {
      await run(s);
    } catch (error) {
      console.error(s.transcript.join('\n'));
      throw error;
    } finally {
      await s.close();
    }
  }

  test.concurrent('N jobs, the worker killed twice while renders are held (once mid-submit) and stopped once: N tasks, N videos', async ({
    expect,
  }) => {
    await inScenario('kling-e2e', (s) => runKillScenario(s, expect));
  }, 300_000);

  test.concurrent('an EvoLink job that may have created a task is parked for a person, never re-sent', async ({
    expect,
  }) => {
    await inScenario('kling-park', (s) => runParkScenario(s, expect));
  }, 300_000);

  test.concurrent('a kling job whose create reply was lost is recovered by its external id, never re-sent', async ({
    expect,
  }) => {
    await inScenario('kling-recover', (s) => runRecoverScenario(s, expect));
  }, 300_000);
});

const N = 6;
const REQUEST = { prompt: 'A paper boat on a rainy street', mode: 'pro', duration: 5, sound: true } as const;

async function runKillScenario(s: Scenario, expect: ExpectStatic): Promise<void> {
  for (let i = 1; i <= N; i++) {
    await s.add(`video-${i}`, { gateway: i % 2 === 1 ? 'apiframe' : 'evolink', request: REQUEST });
  }

  // 1. The first apiframe create reaches the gateway, which creates the task; its reply never arrives.
  //    Everything else is submitted and waiting on a held render. Kill the worker there.
  const swallowed = s.proxy.swallowNextCreate('apiframe');
  const first = s.startWorker();
  await first.ready;
  const lost = await swallowed;
  expect(lost.status).toBe(202);
  await s.until('five handles saved and six tasks created', async () => {
    const jobs = await s.jobs();
    return jobs.filter((job) => job.data.handle !== undefined).length === N - 1 && s.sim.tasks().length === N;
  });
  await first.stop('SIGKILL');

  const midSubmit = (await s.jobs()).find((job) => job.data.handle === undefined);
  expect(midSubmit?.data.gateway).toBe('apiframe');
  expect(midSubmit?.data.submitting?.idempotencyKey).toBe(lost.idempotencyKey);
  expect(s.sim.tasks().every((task) => task.held && task.state !== 'succeeded')).toBe(true);

  // 2. A new worker takes the stalled jobs over: five resume their handles; the one with a marker and
  //    no handle is re-sent with the same key, and apiframe answers with the task it already created.
  //    Every job is waiting again (each task polled) when this worker is killed too.
  let from = s.sim.stats.requests.length;
  const second = s.startWorker();
  await s.until('every job to have a handle and every task to be polled by the second worker', async () => {
    const jobs = await s.jobs();
    return jobs.every((job) => job.data.handle !== undefined) && s.polledSince(from).size === N;
  });
  await second.stop('SIGKILL');
  expect(second.events.filter((e) => e.event === 'resumed')).toHaveLength(N - 1);
  expect(second.events.filter((e) => e.event === 're-sending')).toHaveLength(1);
  const resent = s.creates('apiframe').at(-1);
  expect(resent?.idempotencyKey).toBe(lost.idempotencyKey);
  const lostTask = s.sim.tasks().find((task) => task.idempotencyKey === lost.idempotencyKey);
  expect((await s.queue.getJob(midSubmit?.id ?? ''))?.data.handle?.id).toBe(lostTask?.id);

  // 3. A third worker resumes all six, and is stopped gracefully (SIGTERM) while they wait: it hands
  //    every job back to the queue (no stall, no attempt spent) and exits.
  from = s.sim.stats.requests.length;
  const third = s.startWorker();
  await s.until('every task to be polled by the third worker', () => s.polledSince(from).size === N);
  expect(await third.stop('SIGTERM')).toBe(0);
  const handedBack = third.events.filter((e) => e.event === 'handed-back').map((e) => e.job);
  expect(new Set(handedBack)).toEqual(new Set((await s.jobs()).map((job) => job.id)));
  expect(await s.queue.getJobCounts('active', 'wait', 'failed')).toEqual({ active: 0, wait: N, failed: 0 });

  // 4. A fourth worker resumes them; the renders are released; six videos are saved.
  from = s.sim.stats.requests.length;
  const fourth = s.startWorker();
  await s.until('every task to be polled by the fourth worker', () => s.polledSince(from).size === N);
  s.sim.release();
  await s.until(`${N} completed jobs`, async () => (await s.queue.getJobCounts('completed')).completed === N);
  expect(await fourth.stop('SIGTERM')).toBe(0);

  // Exactly N tasks were created, though N + 1 creates were sent (the re-send with the same key).
  expect(s.sim.stats.created).toMatchObject({ apiframe: N / 2, evolink: N / 2 });
  expect(Object.values(s.sim.stats.created).reduce((a, b) => a + b, 0)).toBe(N);
  expect(s.creates('apiframe')).toHaveLength(N / 2 + 1);
  expect(s.creates('evolink')).toHaveLength(N / 2);
  expect(new Set(s.creates('apiframe').map((r) => r.idempotencyKey)).size).toBe(N / 2);
  expect(s.sim.tasks().every((task) => task.state === 'succeeded')).toBe(true);

  // N videos saved, one per job and task, each the whole file; no job failed or parked.
  const jobs = await s.jobs();
  expect(jobs).toHaveLength(N);
  expect(await s.queue.getJobCounts('failed', 'active', 'wait', 'delayed')).toEqual({
    failed: 0,
    active: 0,
    wait: 0,
    delayed: 0,
  });
  expect(jobs.filter((job) => job.data.parked !== undefined)).toEqual([]);
  expect(new Set(jobs.map((job) => job.returnvalue.taskId))).toEqual(new Set(s.sim.tasks().map((t) => t.id)));
  for (const job of jobs) expect(job.returnvalue.taskId).toBe(job.data.handle?.id);
  const files = (await readdir(s.outDir)).sort();
  expect(files).toEqual(jobs.map((job) => `${job.id}.mp4`).sort());
  for (const file of files) {
    expect(Buffer.compare(await readFile(join(s.outDir, file)), Buffer.from(SAMPLE_VIDEO))).toBe(0);
  }
}

async function runParkScenario(s: Scenario, expect: ExpectStatic): Promise<void> {
  await s.add('evolink-1', { gateway: 'evolink', request: REQUEST });

  // EvoLink creates the task, the reply is lost, the worker dies: a marker, no handle, no key.
  const swallowed = s.proxy.swallowNextCreate('evolink');
  const first = s.startWorker();
  await first.ready;
  const lost = await swallowed;
  expect(lost.status).toBe(200);
  await first.stop('SIGKILL');
  const [marked] = await s.jobs();
  expect(marked?.data.submitting).toMatchObject({ gateway: 'evolink', sends: 1 });
  expect(marked?.data.submitting?.idempotencyKey).toBeUndefined();
  expect(marked?.data.handle).toBeUndefined();

  // The next worker must not guess: the job is parked as 'may-exist' and fails without a retry.
  const second = s.startWorker();
  await s.until('the job to be parked', async () => (await s.queue.getJobCounts('failed')).failed === 1);
  expect(await second.stop('SIGTERM')).toBe(0);
  const parked = await s.queue.getJob('evolink-1');
  expect(parked?.data.parked).toBe('may-exist');
  expect(parked?.data.parkedReason).toMatch(/no handle was saved/);
  expect(parked?.failedReason).toMatch(/parked, the task may exist/);
  expect(parked?.attemptsMade).toBe(1);
  expect(s.creates('evolink')).toHaveLength(1);
  expect(s.sim.stats.created.evolink).toBe(1);
}

async function runRecoverScenario(s: Scenario, expect: ExpectStatic): Promise<void> {
  await s.add('kling-1', { gateway: 'kling', request: REQUEST });

  // The official Kling API creates the task, the reply is lost, the worker dies: a marker with the
  // external id the create carried, no handle.
  const swallowed = s.proxy.swallowNextCreate('kling');
  const first = s.startWorker();
  await first.ready;
  const lost = await swallowed;
  expect(lost.status).toBe(200);
  await first.stop('SIGKILL');
  const [marked] = await s.jobs();
  const externalId = marked?.data.submitting?.externalId;
  expect(externalId).toMatch(/^[0-9a-f-]{36}$/);
  expect(marked?.data.handle).toBeUndefined();
  const [task] = s.sim.tasks();
  expect(task?.request).toMatchObject({ options: { external_task_id: externalId } });

  // The next worker asks the gateway instead of guessing: the task is found by that id, the job keeps
  // its handle, waits and saves the video. Nothing is sent twice.
  const second = s.startWorker();
  await s.until('the job to have a handle', async () => (await s.jobs())[0]?.data.handle !== undefined);
  s.sim.release();
  await s.until('the job to complete', async () => (await s.queue.getJobCounts('completed')).completed === 1);
  expect(await second.stop('SIGTERM')).toBe(0);
  expect(second.events.filter((e) => e.event === 'recovered')).toHaveLength(1);
  const done = await s.queue.getJob('kling-1');
  expect(done?.data.handle).toMatchObject({ gateway: 'kling', id: task?.id, externalId });
  expect(done?.data.parked).toBeUndefined();
  expect(done?.returnvalue.taskId).toBe(task?.id);
  expect(s.creates('kling')).toHaveLength(1);
  expect(s.sim.stats.created.kling).toBe(1);
  expect(Buffer.compare(await readFile(join(s.outDir, 'kling-1.mp4')), Buffer.from(SAMPLE_VIDEO))).toBe(0);
}
