import * as z from 'zod';
import { GATEWAY_IDS, type GatewayId } from '../catalog/index.js';
import { KlingValidationError, type ValidationIssue } from '../errors.js';
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
  /**
   * The id this SDK gave the task on create, where the gateway takes one (the official Kling API's
   * `external_task_id`): `client.recover` looks the task up by it.
   */
  externalId?: string;
  /** Where the task lives, for gateways whose status path depends on its create (Kling's legacy standard). */
  route?: string;
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
    ...(saved.externalId === undefined ? {} : { externalId: saved.externalId }),
    ...(saved.route === undefined ? {} : { route: saved.route }),
  };
  return Object.freeze({ ...plain, toJSON: () => ({ ...plain }) });
}

// Built on first use, not at import (cold start: bench/cold-start.ts); zod stays a static import.
const buildSavedHandleSchema = () =>
  z.object({
    v: z.literal(1),
    gateway: z.enum(GATEWAY_IDS),
    id: z.string().min(1),
    submittedAt: z.iso.datetime(),
    estimate: z.looseObject({ gateway: z.enum(GATEWAY_IDS), exact: z.boolean() }),
    idempotencyKey: z.string().min(1).max(255).optional(),
    externalId: z.string().min(1).max(255).optional(),
    route: z.string().min(1).max(255).optional(),
  });
let savedHandleSchemaMemo: ReturnType<typeof buildSavedHandleSchema> | undefined;
const savedHandleSchema = () => (savedHandleSchemaMemo ??= buildSavedHandleSchema());

/** What each field of a saved handle must be, in plain words (zod's own text is not shown). */
const FIELD_RULES: Readonly<Record<string, string>> = {
  v: 'must be 1 (the version of a handle saved by this SDK)',
  gateway: `must be one of ${GATEWAY_IDS.join(', ')}`,
  id: 'must be the task id (a non-empty string)',
  submittedAt: 'must be the ISO 8601 date-time saved with the handle (e.g. 2025-01-31T12:00:00.000Z)',
  estimate: 'must be the cost estimate saved with the handle (an object)',
  'estimate.gateway': `must be one of ${GATEWAY_IDS.join(', ')}`,
  'estimate.exact': 'must be true or false',
  idempotencyKey: 'must be the idempotency key saved with the handle (1–255 characters)',
  externalId: 'must be the external id saved with the handle (1–255 characters)',
  route: "must be the route saved with the handle (1–255 characters, the gateway's own)",
};

const HOW_TO_SAVE = 'save a handle with JSON.stringify(handle) and pass that string (or the object) back';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The value at `path` inside `root`, or undefined. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** One zod issue as a plain sentence with its field path ("id: is missing; it must be the task id"). */
function toHandleIssue(issue: z.core.$ZodIssue, input: unknown): ValidationIssue {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (path.length === 0) {
    return { path, message: `must be a saved handle object (got ${describe(input)}): ${HOW_TO_SAVE}` };
  }
  const rule = FIELD_RULES[path.join('.')] ?? 'is not what a handle saved by this SDK holds';
  const value = valueAt(input, issue.path);
  if (value === undefined) return { path, message: `is missing; it ${rule}` };
  return { path, message: `${rule} (got ${describe(value)})` };
}

/** Reads a handle saved with `JSON.stringify(handle)` (or the object itself). */
export function parseSavedHandle(saved: string | SavedHandle): SavedHandle {
  let value: unknown = saved;
  if (typeof saved === 'string') {
    try {
      value = JSON.parse(saved);
    } catch {
      throw new KlingValidationError(
        [
          {
            path: [],
            message: saved.trimStart().startsWith('{')
              ? `is not JSON: ${HOW_TO_SAVE}`
              : `is not JSON (a task id? client.wait and client.getTask take one): ${HOW_TO_SAVE}`,
          },
        ],
        {
          subject: 'handle',
        },
      );
    }
  }
  const result = savedHandleSchema().safeParse(value);
  if (!result.success) {
    throw new KlingValidationError(
      result.error.issues.map((issue) => toHandleIssue(issue, value)),
      { subject: 'handle' },
    );
  }
  return result.data as SavedHandle;
}

/**
 * The task id of `idOrHandle` for a client of `gateway`: a handle of another gateway is refused, and so
 * is an id no gateway could have given (see `checkTaskId`).
 */
export function taskIdOf(idOrHandle: string | SavedHandle, gateway: GatewayId): string {
  if (typeof idOrHandle === 'string') return checkTaskId(idOrHandle, ['id']);
  if (typeof idOrHandle === 'object' && idOrHandle !== null) {
    if (idOrHandle.gateway !== gateway) {
      throw new KlingValidationError([
        { path: ['gateway'], message: `the handle is for ${idOrHandle.gateway}, not ${gateway}` },
      ]);
    }
    return checkTaskId(idOrHandle.id, ['handle', 'id']);
  }
  throw new KlingValidationError([{ path: ['id'], message: 'must be a task id or a handle' }]);
}

/**
 * A task id as a caller gave it: never empty, `.` or `..` (they would walk the status path), no control
 * characters, and not a saved handle's JSON (that is what `resume` reads).
 */
function checkTaskId(id: unknown, path: string[]): string {
  let problem: string | undefined;
  if (typeof id !== 'string' || id === '') problem = 'must be a non-empty task id';
  else if (id === '.' || id === '..') problem = `'${id}' is not a task id`;
  else if (id.length > 1024) problem = 'is longer than any gateway task id (1,024 characters)';
  else if (hasControlCharacter(id)) problem = 'holds a control character';
  else if (id.trimStart().startsWith('{')) {
    problem =
      'looks like a saved handle (JSON): pass it to client.resume(saved) and wait on the handle it returns';
  }
  if (problem !== undefined) throw new KlingValidationError([{ path, message: problem }]);
  return id as string;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
