import type { GatewayId, JsonObject, TaskState } from './types.js';

/** Everything the simulator keeps about one task; the gateway files render it in their own words. */
export interface TaskRecord {
  gateway: GatewayId;
  id: string;
  body: JsonObject;
  /** Simulated clock ms at creation. */
  createdAt: number;
  /** Simulated ms from creation to the end of the render. */
  renderMs: number;
  /** The hint a gateway reports up front (EvoLink `task_info.estimated_time`), seconds. */
  estimatedSeconds?: number;
  failing: boolean;
  held: boolean;
  /** Simulated clock ms of `release()` for a task created under `hold`. */
  releasedAt?: number;
  idempotencyKey?: string;
  /** The key the task was created with (apiframe signs its callbacks with it). */
  apiKey?: string;
  /** The origin the create came through, for URLs in callbacks (which answer no request). */
  origin?: string;
  /** Callback delivery state, as apiframe reports it in `webhookStatus`. */
  webhookStatus?: 'pending' | 'delivered' | 'failed';
}

/** A task as seen at one instant. */
export interface TaskView {
  state: TaskState;
  /** 0..100; 100 only once succeeded. */
  progress: number;
  /** Simulated clock ms at which it reached its final state. */
  finishedAt?: number;
}

/** Share of the render spent queued, before progress starts rising. */
export const QUEUED_SHARE = 0.1;

/**
 * The state machine, a pure function of the simulated clock: queued for the first 10% of the render,
 * then running with progress rising to 99, then succeeded (or failed, for SIM_FAIL) when the render
 * time is over, or at release when a held render outlived it.
 */
export function viewTask(task: TaskRecord, now: number): TaskView {
  const elapsed = now - task.createdAt;
  const queuedMs = task.renderMs * QUEUED_SHARE;
  const end = task.held
    ? Number.POSITIVE_INFINITY
    : Math.max(task.createdAt + task.renderMs, task.releasedAt ?? Number.NEGATIVE_INFINITY);
  if (now >= end) {
    return task.failing
      ? { state: 'failed', progress: 0, finishedAt: end }
      : { state: 'succeeded', progress: 100, finishedAt: end };
  }
  if (elapsed < queuedMs) return { state: 'queued', progress: 0 };
  const share = (elapsed - queuedMs) / (task.renderMs - queuedMs);
  return { state: 'running', progress: Math.max(0, Math.min(99, Math.floor(share * 100))) };
}
