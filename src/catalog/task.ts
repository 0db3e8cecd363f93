import type { GatewayId } from '../gateways/catalog.js';

/**
 * The domain types of a task, declared here (types only, no runtime code) so the leaf modules can name
 * them: `errors.ts` types `KlingTaskFailedError.task` and `KlingTimeoutError.lastTask` with them.
 */

export interface Video {
  url: string;
  /** When the gateway's link stops working (EvoLink and apiframe: 24 h after completion; Modellix says when). */
  expiresAt?: Date;
}

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** The cost a gateway reports on a task, in its own unit. */
export interface TaskCost {
  amount: number;
  unit: 'credits' | 'usd';
  /** True where the figure is a reservation made at submit, not the final charge. */
  reserved: boolean;
}

/**
 * One task, normalized from any gateway. `raw` is the reply exactly as received. Narrow on `status`:
 * a succeeded task has `videos`, a failed or canceled one an `error`.
 */
export type Task = {
  id: string;
  gateway: GatewayId;
  /** 0–100, where the gateway reports it. */
  progress?: number;
  /** Seconds until the gateway expects to finish, where it gives a hint. */
  etaSeconds?: number;
  /** Requests ahead of this one in the gateway's queue while it waits there, where it says (fal `queue_position`). */
  queuePosition?: number;
  raw: unknown;
  /** What the gateway reports the task costs, where it reports it. */
  cost?: TaskCost;
  /** The gateway's own status word, as sent. */
  vendorStatus?: string;
  /** True when `vendorStatus` is a word we do not know: the task is treated as still running. */
  statusUnknown?: boolean;
} & (
  | { status: 'queued' | 'running' }
  | { status: 'succeeded'; videos: [Video, ...Video[]] }
  | { status: 'failed' | 'canceled'; error: { code?: string; message: string } }
);

/** A task that finished with at least one video. */
export type SucceededTask = Extract<Task, { status: 'succeeded' }>;

/** A task that ended as failed or canceled, with the gateway's error (`KlingTaskFailedError.task`). */
export type FailedTask = Extract<Task, { status: 'failed' | 'canceled' }>;
