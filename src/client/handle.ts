import * as z from 'zod';
import { GATEWAY_IDS, type GatewayId } from '../catalog/index.js';
import { KlingValidationError } from '../errors.js';
import type { CostEstimate } from '../pricing/estimate.js';

/** What to persist to find a task again after a restart (`client.resume`). Plain JSON. */
export interface SavedHandle {
  v: 1;
  gateway: GatewayId;
  id: string;
  /** ISO 8601. */
  submittedAt: string;
  estimate: CostEstimate;
  idempotencyKey?: string;
}

export interface TaskHandle extends SavedHandle {
  toJSON(): SavedHandle;
}

export function makeHandle(saved: SavedHandle): TaskHandle {
  const plain: SavedHandle = {
    v: 1,
    gateway: saved.gateway,
    id: saved.id,
    submittedAt: saved.submittedAt,
    estimate: saved.estimate,
    ...(saved.idempotencyKey === undefined ? {} : { idempotencyKey: saved.idempotencyKey }),
  };
  return Object.freeze({ ...plain, toJSON: () => ({ ...plain }) });
}

const savedHandleSchema = z.object({
  v: z.literal(1, { error: 'must be 1 (a handle saved by this SDK)' }),
  gateway: z.enum(GATEWAY_IDS, { error: `must be one of ${GATEWAY_IDS.join(', ')}` }),
  id: z.string().min(1, { error: 'must be the task id' }),
  submittedAt: z.iso.datetime({ error: 'must be an ISO 8601 date-time' }),
  estimate: z.looseObject({ gateway: z.enum(GATEWAY_IDS), exact: z.boolean() }),
  idempotencyKey: z.string().min(1).max(255).optional(),
});

/** Reads a handle saved with `JSON.stringify(handle)` (or the object itself). */
export function parseSavedHandle(saved: string | SavedHandle): SavedHandle {
  let value: unknown = saved;
  if (typeof saved === 'string') {
    try {
      value = JSON.parse(saved);
    } catch {
      throw new KlingValidationError([{ path: [], message: 'the saved handle is not JSON' }]);
    }
  }
  const result = savedHandleSchema.safeParse(value);
  if (!result.success) {
    throw new KlingValidationError(
      result.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
    );
  }
  return result.data as SavedHandle;
}
