// A BullMQ worker that turns queued requests into saved videos, and survives being killed at any
// moment without paying twice (see processor.ts for the protocol, README.md for how to run it).
//
//   REDIS_URL=redis://127.0.0.1:6379 EVOLINK_API_KEY=... npx tsx examples/bullmq-worker/worker.ts
//
// Environment: REDIS_URL (a redis:// URL or a unix socket path), KLING_QUEUE (default kling-videos),
// KLING_OUT_DIR (default out/videos), KLING_BASE_URL (one origin for every gateway, e.g. the simulator),
// the gateways' API keys (APIFRAME_API_KEY, ...), KLING_WORKER_CONCURRENCY (default 8: renders take
// minutes, and a waiting job costs only a poll now and then), KLING_WORKER_LOCK_MS (default 30000: how
// soon another worker takes over the jobs of one that died), KLING_POLL_INTERVAL_MS and
// KLING_POLL_MAX_INTERVAL_MS (status polling, defaults 5 s and 2 min).
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type GatewayId, KlingClient, type PollOptions } from 'kling-sdk';
import { createVideoProcessor, type VideoJobData, type VideoJobResult } from './processor.js';

const env = process.env;
const number = (name: string, fallback: number): number => {
  const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const QUEUE = env.KLING_QUEUE ?? 'kling-videos';
const outDir = resolve(env.KLING_OUT_DIR ?? 'out/videos');
const lockMs = number('KLING_WORKER_LOCK_MS', 30_000);
const poll: PollOptions = {
  ...(env.KLING_POLL_INTERVAL_MS ? { intervalMs: number('KLING_POLL_INTERVAL_MS', 5_000) } : {}),
  ...(env.KLING_POLL_MAX_INTERVAL_MS ? { maxIntervalMs: number('KLING_POLL_MAX_INTERVAL_MS', 120_000) } : {}),
};

const log = (event: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ event, pid: process.pid, ...fields }));

await mkdir(outDir, { recursive: true });

const clients = new Map<GatewayId, KlingClient>();
const clientFor = (gateway: GatewayId): KlingClient => {
  let client = clients.get(gateway);
  if (client === undefined) {
    client = new KlingClient({
      gateway,
      ...(env.KLING_BASE_URL ? { baseUrl: env.KLING_BASE_URL } : {}),
      poll,
    });
    clients.set(gateway, client);
  }
  return client;
};

const shutdown = new AbortController();
// BullMQ keeps blocking commands open on its connection: ioredis must not give up on them.
const connection = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const worker = new Worker<VideoJobData, VideoJobResult>(
  QUEUE,
  createVideoProcessor({ client: clientFor, outDir, shutdown: shutdown.signal, log }),
  {
    connection,
    concurrency: number('KLING_WORKER_CONCURRENCY', 8),
    // A job whose worker died is taken over once its lock expires. The processor resumes it from
    // what the job recorded, so a stall is not a reason to fail it: allow a few.
    lockDuration: lockMs,
    stalledInterval: Math.min(30_000, Math.max(500, Math.round(lockMs / 4))),
    maxStalledCount: 5,
  },
);
worker.on('failed', (job, error) => log('failed', { job: job?.id, error: error.message }));
worker.on('error', (error) => log('error', { error: error.message }));

// SIGTERM: stop taking jobs, let submits in flight finish (and save their handles), hand waiting
// jobs back to the queue, then exit. SIGKILL is survivable too: the jobs stall and are taken over.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    shutdown.abort(new Error(`worker stopping (${signal})`));
    void (async () => {
      await worker.close();
      await Promise.all([...clients.values()].map((client) => client.close()));
      await connection.quit();
      log('stopped');
    })();
  });
}

await worker.waitUntilReady();
log('ready', { queue: QUEUE, outDir, concurrency: worker.concurrency, lockMs });
