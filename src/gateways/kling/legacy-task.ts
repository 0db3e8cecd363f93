/**
 * The official Kling API's legacy task record (`data` of `GET /v1/videos/<kind>/<id>`, and the legacy
 * callback body) and where it is read: shared by the legacy adapter (./legacy.ts) and the new-standard one
 * (./adapter.ts), which reads a legacy handle too (its route names the kind).
 */
import { at, firstString, isHttpUrl, optional, toDate } from '../read.js';
import { buildTask, DAY_MS } from '../task.js';
import type { ParseContext, Task, TaskCost, TaskStatus, Video } from '../types.js';

const LEGACY_STATUS: Readonly<Record<string, TaskStatus>> = {
  submitted: 'queued',
  processing: 'running',
  succeed: 'succeeded',
  // Not documented for the legacy query; read as the new standard's word in case it appears.
  succeeded: 'succeeded',
  failed: 'failed',
};

/** "generated results will be cleared after 30 days" (`task_result.videos[].url`). */
const OUTPUT_TTL_MS = 30 * DAY_MS;

/** The `<kind>` path segment of each create: the handle's route. */
export const KLING_LEGACY_KINDS = {
  t2v: 'text2video',
  i2v: 'image2video',
  omni: 'omni-video',
} as const;
const KINDS: ReadonlySet<string> = new Set(Object.values(KLING_LEGACY_KINDS));

/** Whether a handle's route names a legacy kind. */
export function isLegacyRoute(route: string | undefined): route is string {
  return route !== undefined && KINDS.has(route);
}

/** `GET /v1/videos/<kind>/<id>`: a legacy task (by task id or external task id) under its kind. */
export function legacyTaskPath(kind: string, id: string): string {
  return `/v1/videos/${kind}/${encodeURIComponent(id)}`;
}

/** The legacy task record (`data` of the status reply; the legacy callback body) as a task. */
export function klingLegacyTaskOf(
  record: Record<string, unknown>,
  raw: unknown,
  context: ParseContext,
): Task {
  const updated = toDate(record.updated_at);
  const list = at(record, 'task_result.videos');
  const videos: Video[] = (Array.isArray(list) ? list : [])
    .filter((v) => isHttpUrl(at(v, 'url')))
    .map((v) => ({
      url: at(v, 'url') as string,
      ...optional(
        'expiresAt',
        updated === undefined ? undefined : new Date(updated.getTime() + OUTPUT_TTL_MS),
      ),
    }));
  const message = firstString(record, ['task_status_msg']);
  return buildTask({
    gateway: 'kling',
    id: firstString(record, ['task_id']) ?? '',
    raw,
    vendorStatus: firstString(record, ['task_status']),
    table: LEGACY_STATUS,
    context,
    videos,
    error: { message: message === '' ? undefined : message },
    cost: legacyCost(record),
  });
}

/**
 * The actual charge: `final_unit_deduction` (units, a decimal string) on the query; the callback may carry
 * `final_balance_deduction {quota, list_price}` instead (balance, currency unstated: left out).
 */
function legacyCost(record: Record<string, unknown>): TaskCost | undefined {
  const raw = record.final_unit_deduction;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const units = Number(raw);
  return Number.isFinite(units) && units >= 0
    ? { amount: units, unit: 'credits', reserved: false }
    : undefined;
}
