import type { GatewayId } from '../catalog/index.js';
import type { ResolvedVideoRequest } from '../request/index.js';

export interface Video {
  url: string;
  /** When the gateway's link stops working (EvoLink and apiframe: 24 h; Modellix: `result_expires_at`). */
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

/** One task, normalized from any gateway (DESIGN.md §4). `raw` is the reply exactly as received. */
export type Task = {
  id: string;
  gateway: GatewayId;
  /** 0–100, where the gateway reports it. */
  progress?: number;
  /** Seconds until the gateway expects to finish, where it gives a hint. */
  etaSeconds?: number;
  raw: unknown;
  cost?: { amount: number; unit: 'credits' | 'usd'; reserved: boolean };
  /** The gateway's own status word, as sent. */
  vendorStatus?: string;
  /** True when `vendorStatus` is a word we do not know: the task is treated as still running. */
  statusUnknown?: boolean;
} & (
  | { status: 'queued' | 'running' }
  | { status: 'succeeded'; videos: [Video, ...Video[]] }
  | { status: 'failed' | 'canceled'; error: { code?: string; message: string } }
);

export type SucceededTask = Extract<Task, { status: 'succeeded' }>;

/** An HTTP request an adapter wants sent, relative to the client's base URL. */
export interface WireRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

/** Paths an adapter uses; `status` holds `{id}`. Overridable per client (`endpoints`). */
export interface GatewayPaths {
  create: string;
  status: string;
}

export interface SubmitReply {
  id: string;
  cost?: TaskCost;
}

export interface ParseContext {
  /** Extra status spellings from the caller (`statusMap`), matched case-insensitively. */
  statusMap?: Readonly<Record<string, TaskStatus>>;
  /** Now, in ms (to turn relative hints into absolute times). */
  now: number;
}

export interface ErrorDetails {
  message: string;
  code?: string;
  type?: string;
}

/** One gateway's wire format. The only place that knows a vendor's field names. */
export interface GatewayAdapter {
  readonly id: GatewayId;
  readonly paths: GatewayPaths;
  /** The header that carries the API key. */
  authHeaders(apiKey: string): Record<string, string>;
  /** The create request for a validated request (the gateway's support was checked before). */
  toWire(
    request: ResolvedVideoRequest,
    options: { paths: GatewayPaths; idempotencyKey?: string },
  ): WireRequest;
  /** The status request for a task id. */
  statusRequest(id: string, options: { paths: GatewayPaths }): WireRequest;
  /** Reads a 2xx create reply; throws `KlingResponseError` when it has no task id. */
  parseSubmit(body: unknown): SubmitReply;
  /** Reads a 2xx status reply; throws `KlingResponseError` when it is not a task. */
  parseTask(body: unknown, context: ParseContext): Task;
  /** Reads an error reply (any JSON, or null when the body was not JSON). */
  parseError(status: number, body: unknown): ErrorDetails;
}
