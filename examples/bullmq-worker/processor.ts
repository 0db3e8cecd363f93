// The job processor: one video per job, safe to run again after a crash at any point.
//
// What the job's data records, and what a later run does with it:
//   nothing yet            -> submit. Before the paid request leaves, `onBeforeSend` writes the
//                             `submitting` marker (with apiframe's idempotency key) into the job.
//   `handle`               -> the task exists: resume it and wait. Never submit again.
//   marker, no handle      -> the last run died between sending and saving the handle (or the submit's
//                             outcome was unknown), so the task may exist. kling: `client.recover`
//                             looks the task up by the external id the create carried: found, the job
//                             keeps its handle; provably absent, the marker is cleared and the request
//                             submitted afresh; a lookup that proves nothing fails this attempt (BullMQ
//                             retries it, the marker stays). apiframe: re-send with the same key (the
//                             gateway replays the original task within 24 h). Other gateways: park the
//                             job as 'may-exist' for a person. Never re-sent blind.
import { join } from 'node:path';
import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import {
  type CostEstimate,
  type GatewayId,
  KlingBudgetError,
  type KlingClient,
  KlingError,
  KlingTaskFailedError,
  KlingUnsupportedError,
  KlingValidationError,
  type SavedHandle,
  type TaskHandle,
  type VideoRequest,
} from 'kling-sdk';

/** Written before the paid request leaves: from here on the task may exist. */
export interface SubmittingMarker {
  gateway: GatewayId;
  /** apiframe only: re-sending with it returns the original task instead of a second one. */
  idempotencyKey?: string;
  /** kling only: the id the create carried; `client.recover(marker)` looks the task up by it. */
  externalId?: string;
  /** ISO 8601: when the first request with this marker left (the start of the replay window). */
  at: string;
  /** Requests sent under this marker (a re-send with the same key counts). */
  sends: number;
  estimate: CostEstimate;
}

export interface VideoJobData {
  gateway: GatewayId;
  request: VideoRequest;
  /** File name in the output directory; default `<job id>.mp4`. */
  fileName?: string;
  /** Written by the worker before the submit's request leaves. */
  submitting?: SubmittingMarker;
  /** Written by the worker once the gateway answered the submit: `JSON.stringify(handle)` as an object. */
  handle?: SavedHandle;
  /** Set when only a person can tell whether the task exists; the job then fails without retrying. */
  parked?: 'may-exist';
  parkedReason?: string;
}

export interface VideoJobResult {
  gateway: GatewayId;
  taskId: string;
  path: string;
  bytes: number;
}

export type WorkerEvent =
  | 'submitting'
  | 'submitted'
  | 'resumed'
  | 'recovered'
  | 'not-found'
  | 're-sending'
  | 'parked'
  | 'handed-back'
  | 'saved';

export interface ProcessorOptions {
  /** The client for a gateway (created once per gateway by the caller). */
  client(gateway: GatewayId): KlingClient;
  /** Where videos are saved. */
  outDir: string;
  /** Aborted on shutdown: a job that is only waiting goes back to the queue, to resume from its handle. */
  shutdown?: AbortSignal;
  /** Re-send a marker's key only this long after it was first sent (apiframe replays keys for 24 h). */
  replayWindowMs?: number;
  now?: () => number;
  log?: (event: WorkerEvent, fields: Record<string, unknown>) => void;
}

/** An hour short of apiframe's documented 24 h, so clocks and queues can't push a re-send past it. */
export const REPLAY_WINDOW_MS = 23 * 60 * 60 * 1000;

type VideoJob = Job<VideoJobData, VideoJobResult>;

export function createVideoProcessor(
  options: ProcessorOptions,
): (job: VideoJob, token?: string) => Promise<VideoJobResult> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});

  /** Replaces the job's data in Redis (BullMQ stores it whole); a field set to undefined is removed. */
  async function update(job: VideoJob, patch: { [K in keyof VideoJobData]?: VideoJobData[K] | undefined }) {
    const next = { ...job.data, ...patch };
    for (const key of Object.keys(patch) as (keyof VideoJobData)[]) {
      if (patch[key] === undefined) delete next[key];
    }
    await job.updateData(next as VideoJobData);
  }

  async function park(job: VideoJob, reason: string): Promise<never> {
    await update(job, { parked: 'may-exist', parkedReason: reason });
    log('parked', { job: job.id, gateway: job.data.gateway, reason });
    throw new UnrecoverableError(`parked, the task may exist: ${reason}`);
  }

  async function submit(job: VideoJob, client: KlingClient): Promise<TaskHandle> {
    const { gateway, request } = job.data;
    let previous = job.data.submitting;
    if (previous?.externalId !== undefined) {
      // A run before this one sent a create that carried an id of ours: ask the gateway for it. A lookup
      // that proves nothing throws, and BullMQ retries the job later with the marker kept.
      const result = await client.recover(previous);
      if (result.found) {
        await update(job, { handle: result.handle.toJSON() });
        log('recovered', { job: job.id, gateway, task: result.handle.id, externalId: previous.externalId });
        return result.handle;
      }
      // Provably never created: nothing to pay twice for, so the request is submitted afresh.
      await update(job, { submitting: undefined });
      log('not-found', { job: job.id, gateway, externalId: previous.externalId });
      previous = undefined;
    }
    if (previous !== undefined) {
      // A run before this one wrote the marker and never saved a handle.
      if (previous.idempotencyKey === undefined) {
        await park(
          job,
          `a submit to ${gateway} was sent at ${previous.at} and no handle was saved; ${gateway} cannot ` +
            'dedupe a re-send, so look for the task in its dashboard before retrying',
        );
      }
      if (now() - Date.parse(previous.at) > (options.replayWindowMs ?? REPLAY_WINDOW_MS)) {
        await park(job, `the idempotency key from ${previous.at} is past ${gateway}'s replay window`);
      }
      log('re-sending', { job: job.id, gateway, idempotencyKey: previous.idempotencyKey });
    }
    let sent = false;
    try {
      const handle = await client.submit(request, {
        ...(previous?.idempotencyKey === undefined ? {} : { idempotencyKey: previous.idempotencyKey }),
        onBeforeSend: async (record) => {
          const marker: SubmittingMarker = {
            gateway: record.gateway,
            ...(record.idempotencyKey === undefined ? {} : { idempotencyKey: record.idempotencyKey }),
            ...(record.externalId === undefined ? {} : { externalId: record.externalId }),
            at: previous?.at ?? new Date(now()).toISOString(),
            sends: (previous?.sends ?? 0) + 1,
            estimate: record.estimate,
          };
          await update(job, { submitting: marker });
          sent = true;
          log('submitting', { job: job.id, gateway, idempotencyKey: record.idempotencyKey });
        },
      });
      await update(job, { handle: handle.toJSON() });
      log('submitted', { job: job.id, gateway, task: handle.id });
      return handle;
    } catch (error) {
      if (KlingValidationError.is(error) || KlingUnsupportedError.is(error) || KlingBudgetError.is(error)) {
        throw new UnrecoverableError(error.message); // refused before sending: a retry would be refused too
      }
      if (!sent) throw error; // the marker was never written, so nothing left
      if (KlingError.is(error) && error.taskState === 'not-created' && previous === undefined) {
        // Provably not created, and no earlier request went out under this marker: the retry may send afresh.
        // (After a re-send, 'not-created' speaks only for that request, so the marker and its key stay.)
        await update(job, { submitting: undefined });
        throw error;
      }
      // The task may exist. With an external id the retry looks it up (recover); with a key it re-sends
      // it (the marker keeps both); with neither, a person decides.
      const marker = job.data.submitting;
      if (marker?.externalId === undefined && marker?.idempotencyKey === undefined) {
        await park(job, `the submit to ${gateway} may have created a task: ${errorMessage(error)}`);
      }
      throw error;
    }
  }

  /** Shutting down: give the job back without spending an attempt; the next worker picks it up. */
  async function handBack(job: VideoJob, token: string, fields: Record<string, unknown>): Promise<never> {
    await job.moveToWait(token);
    log('handed-back', { job: job.id, gateway: job.data.gateway, ...fields });
    throw new WaitingError();
  }

  return async (job, token) => {
    const { gateway } = job.data;
    // A job fetched while the worker stops is not started: no new paid request during a shutdown.
    if (options.shutdown?.aborted && token !== undefined) await handBack(job, token, { started: false });
    if (job.data.parked !== undefined) {
      throw new UnrecoverableError(`parked (${job.data.parked}): ${job.data.parkedReason ?? ''}`);
    }
    const client = options.client(gateway);
    let handle: TaskHandle;
    if (job.data.handle !== undefined) {
      handle = client.resume(job.data.handle);
      log('resumed', { job: job.id, gateway, task: handle.id });
    } else {
      handle = await submit(job, client);
    }

    let task: Awaited<ReturnType<KlingClient['wait']>>;
    try {
      task = await client.wait(handle, {
        ...(options.shutdown === undefined ? {} : { signal: options.shutdown }),
        onProgress: (t) => {
          if (t.progress !== undefined) void job.updateProgress(t.progress).catch(() => {});
        },
      });
    } catch (error) {
      // Shutting down while only waiting: the next worker resumes the saved handle.
      if (options.shutdown?.aborted && token !== undefined) await handBack(job, token, { task: handle.id });
      if (KlingTaskFailedError.is(error)) {
        // The render failed at the gateway: re-submitting would be a new paid task, which is a person's call.
        throw new UnrecoverableError(`the render failed: ${error.message}`);
      }
      throw error; // e.g. a wait deadline: the retry resumes the same handle
    }
    const path = join(options.outDir, job.data.fileName ?? `${job.id}.mp4`);
    const { bytes } = await client.download(task, path);
    log('saved', { job: job.id, gateway, task: task.id, path, bytes });
    return { gateway, taskId: task.id, path, bytes };
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
