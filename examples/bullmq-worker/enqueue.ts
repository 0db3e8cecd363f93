// Queues one video for the worker, after pricing it and checking it against the gateway's rules
// (nothing is sent to the gateway here: the worker submits).
//
//   npx tsx examples/bullmq-worker/enqueue.ts evolink "A paper boat on a rainy street" --mode pro --duration 8 --sound
//
// Environment: REDIS_URL (default redis://127.0.0.1:6379), KLING_QUEUE (default kling-videos).
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { estimateCost, isGatewayId, type VideoRequest, validateForGateway } from 'kling-sdk';
import type { VideoJobData, VideoJobResult } from './processor.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string' },
    duration: { type: 'string' },
    sound: { type: 'boolean' },
    id: { type: 'string' }, // a job id: enqueuing the same id twice adds one job
  },
});
const [gateway, prompt] = positionals;
if (!isGatewayId(gateway) || prompt === undefined) {
  console.error(
    'usage: enqueue.ts <apiinone|apiframe|evolink|modellix> "<prompt>" [--mode std|pro|4k] [--duration 3-15] [--sound] [--id <job id>]',
  );
  process.exit(2);
}
const request = {
  prompt,
  ...(values.mode === undefined ? {} : { mode: values.mode }),
  ...(values.duration === undefined ? {} : { duration: Number(values.duration) }),
  ...(values.sound === undefined ? {} : { sound: values.sound }),
} as VideoRequest;
validateForGateway(gateway, request); // a KlingValidationError or KlingUnsupportedError now, not in the worker
const estimate = estimateCost(gateway, request);

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});
const queue = new Queue<VideoJobData, VideoJobResult>(process.env.KLING_QUEUE ?? 'kling-videos', {
  connection,
});
const job = await queue.add(
  'video',
  { gateway, request },
  {
    ...(values.id === undefined ? {} : { jobId: values.id }),
    // Retries resume the saved handle or re-send with the same key; they never pay twice.
    attempts: 5,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: false, // parked jobs wait here for a person
  },
);
const price = estimate.exact ? `${estimate.total} ${estimate.unit}` : `unknown (${estimate.reason})`;
console.log(`queued job ${job.id}: ${gateway}, ${estimate.rateKey}, ${estimate.billedSeconds} s, ${price}`);
await queue.close();
await connection.quit();
