/** The normalized task an adapter returns: vendor status words in our vocabulary, and the task assembled. */
import type { GatewayId } from '../catalog/index.js';
import { malformed } from './read.js';
import type { ParseContext, Task, TaskCost, TaskStatus, Video } from './types.js';

/** A day in ms: how long apiframe and EvoLink keep a finished video's link. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A vendor status word in our vocabulary: the caller's `statusMap` first, then the adapter's table,
 * both case-insensitive. An unknown word is reported, and never counts as success.
 */
export function normalizeStatus(
  word: string | undefined,
  table: Readonly<Record<string, TaskStatus>>,
  statusMap: ParseContext['statusMap'],
): { status: TaskStatus; unknown: boolean } {
  if (word === undefined) return { status: 'running', unknown: true };
  const lower = word.toLowerCase();
  if (statusMap !== undefined) {
    for (const spelling of Object.keys(statusMap)) {
      const status = statusMap[spelling];
      if (status !== undefined && spelling.toLowerCase() === lower) return { status, unknown: false };
    }
  }
  // Own properties only: a vendor word such as "constructor" or "__proto__" is unknown, not a function.
  const known = Object.hasOwn(table, lower) ? table[lower] : undefined;
  return known === undefined ? { status: 'running', unknown: true } : { status: known, unknown: false };
}

export interface TaskParts {
  gateway: GatewayId;
  id: string;
  raw: unknown;
  vendorStatus: string | undefined;
  table: Readonly<Record<string, TaskStatus>>;
  context: ParseContext;
  videos: Video[];
  error?: { code?: string | undefined; message?: string | undefined };
  progress?: number | undefined;
  etaSeconds?: number | undefined;
  queuePosition?: number | undefined;
  cost?: TaskCost | undefined;
}

/**
 * Assembles the normalized task. A reply that carries a video URL counts as finished whatever its
 * status word (unless the word says failed or canceled); a "success" with no video is malformed.
 */
export function buildTask(parts: TaskParts): Task {
  const { status: named, unknown } = normalizeStatus(
    parts.vendorStatus,
    parts.table,
    parts.context.statusMap,
  );
  // Built by assignment, not spreads: this runs on every poll, and on Node 20 adding properties after
  // a spread costs ~30× a literal (bench/PERFORMANCE.md §1).
  const task: Record<string, unknown> = { id: parts.id, gateway: parts.gateway, raw: parts.raw };
  if (parts.vendorStatus !== undefined) task.vendorStatus = parts.vendorStatus;
  // A hint that is not a finite number (an out-of-range timestamp gives NaN) is no hint at all.
  if (parts.progress !== undefined && Number.isFinite(parts.progress)) {
    task.progress = Math.min(100, Math.max(0, Math.round(parts.progress)));
  }
  if (parts.etaSeconds !== undefined && Number.isFinite(parts.etaSeconds)) {
    task.etaSeconds = Math.max(0, parts.etaSeconds);
  }
  if (parts.queuePosition !== undefined && Number.isInteger(parts.queuePosition)) {
    task.queuePosition = Math.max(0, parts.queuePosition);
  }
  if (parts.cost !== undefined) task.cost = parts.cost;
  if (parts.videos.length > 0 && named !== 'failed' && named !== 'canceled') {
    task.status = 'succeeded';
    task.videos = parts.videos;
    return task as unknown as Task;
  }
  if (unknown) task.statusUnknown = true;
  task.status = named;
  if (named === 'failed' || named === 'canceled') {
    const code = parts.error?.code;
    const message =
      parts.error?.message ?? `the gateway reported the task ${parts.vendorStatus ?? named} without a reason`;
    task.error = code === undefined ? { message } : { code, message };
    return task as unknown as Task;
  }
  if (named === 'succeeded')
    throw malformed(parts.gateway, 'the task reports success but carries no video URL', parts.raw);
  return task as unknown as Task;
}
