/**
 * Recovery after an uncertain submit (`client.recover`) and cancel (`client.cancel`): their public
 * types, and the checks of what a caller hands them. The client sends the requests.
 */
import { CAPABILITIES, GATEWAYS, type GatewayId, isGatewayId, type VideoRequest } from '../catalog/index.js';
import {
  KlingSubmitUncertainError,
  KlingUnsupportedError,
  KlingValidationError,
  type ValidationIssue,
} from '../errors.js';
import type { GatewayAdapter, Task } from '../gateways/index.js';
import type { CostEstimate } from '../pricing/estimate.js';
import type { TaskHandle } from './handle.js';
import { validateGetTaskOptions } from './options.js';

/**
 * What `recover` takes: the `SubmitRecord` that `onBeforeSend` gave (saved before the paid request
 * left), the `KlingSubmitUncertainError` the submit threw, or a saved handle. Each carries what it
 * needs: the gateway, the `externalId` the create carried, and an `estimate` (or the `request` to
 * estimate again) for the handle it returns. The error's estimate (and route) are remembered in the
 * process that threw it; after a restart, use the record.
 */
export interface RecoverTarget {
  /** The gateway the create went to; when given, it must be this client's. */
  gateway?: GatewayId | undefined;
  /** The id this SDK gave the task on create (the official Kling API's `external_task_id`). */
  externalId?: string | undefined;
  /** Set on apiframe records: `recover` refuses them and says how to recover with it instead. */
  idempotencyKey?: string | undefined;
  /** Kept in the handle a found task gets. */
  estimate?: CostEstimate | undefined;
  /** Estimated again for the handle when no `estimate` is given. */
  request?: VideoRequest | undefined;
  /** Where the create said the task lives (Kling's legacy standard): the lookup goes there. */
  route?: string | undefined;
}

/** `recover` and `cancel` options: an abort signal, a per-request deadline, and read retries. */
export interface RecoverOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Retries after the first attempt (like a status read: network errors, timeouts, 408/429/5xx). */
  maxRetries?: number;
}

/** `cancel` takes the same options as `recover`. */
export type CancelOptions = RecoverOptions;

/**
 * What `recover` found, narrowed on `found`:
 * - `found: true`: the gateway has the task the create made. `handle` is a `TaskHandle` like
 *   `submit`'s (save it, `wait` on it); `task` is the task as the lookup read it.
 * - `found: false` (`safeToResend: true`): the gateway's reply proves no task carries the external id,
 *   so the create never made one and submitting the request again cannot pay twice.
 *
 * A reply that proves neither (an error, an unreadable body) is never read as "not found": `recover`
 * throws instead.
 */
export type RecoverResult =
  | { found: true; handle: TaskHandle; task: Task }
  | { found: false; safeToResend: true; gateway: GatewayId; externalId: string };

/**
 * What `cancel` achieved:
 * - `'canceled'`: the gateway took the cancel. A task still queued is removed; one already rendering
 *   may still finish (and be billed) where the gateway lets the model decide (fal): read the task
 *   (`getTask`, `wait`) for how it ended. A wait on a canceled task ends with `KlingTaskFailedError`
 *   (`task.status === 'canceled'`).
 * - `'too-late'`: the task had already finished; nothing changed.
 */
export interface CancelResult {
  gateway: GatewayId;
  /** The task id the cancel was for. */
  id: string;
  outcome: 'canceled' | 'too-late';
  /** The gateway's own words, where it gave any. */
  message?: string;
}

/**
 * The estimate and route of each uncertain submit, by its error: `recover(error)` in the same process
 * finds them (the error class lives in `errors.ts`, which may not name pricing types).
 */
const SUBMITS = new WeakMap<KlingSubmitUncertainError, { estimate: CostEstimate; route?: string }>();

/** Remembers the estimate (and route) of the submit that threw `error`. */
export function rememberSubmit(
  error: KlingSubmitUncertainError,
  estimate: CostEstimate,
  route: string | undefined,
): void {
  SUBMITS.set(error, route === undefined ? { estimate } : { estimate, route });
}

/** `recover`/`cancel` options, checked as a status read's are (subject 'options'). */
export function validateRecoverOptions<T extends RecoverOptions>(options: T): T {
  try {
    return validateGetTaskOptions(options);
  } catch (error) {
    if (!KlingValidationError.is(error)) throw error;
    throw new KlingValidationError([...error.issues], { subject: 'options' });
  }
}

/** What `recover` reads from its input, once checked, with the adapter's lookup. */
export interface CheckedTarget {
  externalId: string;
  /** The record's (or the uncertain submit's) estimate, or the request estimated again. */
  estimate: CostEstimate;
  route?: string;
  lookupRequest: NonNullable<GatewayAdapter['lookupRequest']>;
  parseLookup: NonNullable<GatewayAdapter['parseLookup']>;
}

const MAX_EXTERNAL_ID = 255;

/**
 * Checks `input` for a client of `gateway`: every problem listed in one `KlingValidationError`; a
 * gateway that can look nothing up is a `KlingUnsupportedError` saying what to do instead.
 */
export function checkRecoverTarget(
  input: unknown,
  gateway: GatewayId,
  adapter: GatewayAdapter,
  estimateOf: (request: VideoRequest) => CostEstimate,
): CheckedTarget {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KlingValidationError(
      [
        {
          path: [],
          message:
            "must be the record onBeforeSend gave, the KlingSubmitUncertainError the submit threw, or a saved handle (an object with the create's externalId)",
        },
      ],
      { subject: 'handle' },
    );
  }
  const target = input as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const given = target.gateway;
  const otherGateway = given !== undefined && given !== gateway;
  if (given !== undefined && !isGatewayId(given)) {
    issues.push({ path: ['gateway'], message: `must be one of ${Object.keys(GATEWAYS).join(', ')}` });
  } else if (otherGateway) {
    issues.push({
      path: ['gateway'],
      message: `the record is for ${String(given)}, but this client talks to ${gateway}: recover it with a ${String(given)} client (or a router that has one)`,
    });
  }
  const estimate = target.estimate;
  if (estimate !== undefined) {
    if (typeof estimate !== 'object' || estimate === null) {
      issues.push({
        path: ['estimate'],
        message: 'must be the cost estimate saved with the record (an object)',
      });
    } else {
      const e = estimate as Record<string, unknown>;
      if (e.gateway !== gateway) {
        issues.push({
          path: ['estimate', 'gateway'],
          message: `must be ${gateway} (the estimate is of the gateway the create went to)`,
        });
      }
      if (typeof e.exact !== 'boolean') {
        issues.push({ path: ['estimate', 'exact'], message: 'must be true or false' });
      }
    }
  }
  const request = target.request;
  const requestIsObject = typeof request === 'object' && request !== null;
  if (request !== undefined && !requestIsObject) {
    issues.push({ path: ['request'], message: 'must be the request the submit sent (an object)' });
  }
  const externalId = target.externalId;
  if (externalId !== undefined) {
    const problem = externalIdProblem(externalId);
    if (problem !== undefined) issues.push({ path: ['externalId'], message: problem });
  }
  const route = target.route;
  if (route !== undefined && (typeof route !== 'string' || route === '' || route.length > 255)) {
    issues.push({
      path: ['route'],
      message: "must be the route saved with the record (1–255 characters, the gateway's own)",
    });
  }
  // What the submit that threw `input` remembered (same process only).
  const remembered = KlingSubmitUncertainError.is(input) ? SUBMITS.get(input) : undefined;

  const { lookupRequest, parseLookup } = adapter;
  if (lookupRequest === undefined || parseLookup === undefined) {
    if (issues.length > 0) throw new KlingValidationError(issues, { subject: 'handle' });
    throw unsupported(gateway, typeof target.idempotencyKey === 'string' ? target.idempotencyKey : undefined);
  }
  if (externalId === undefined) {
    issues.push({
      path: ['externalId'],
      message: `is missing; every ${gateway} create this SDK sends carries one: pass the record onBeforeSend gave, or the KlingSubmitUncertainError the submit threw`,
    });
  }
  let known = estimate !== undefined ? undefined : remembered?.estimate;
  if (estimate === undefined && known === undefined) {
    if (request === undefined) {
      issues.push({
        path: ['estimate'],
        message:
          'is missing, and so is the request to estimate again: pass the record onBeforeSend gave (it holds both), or add `estimate` or `request`',
      });
    } else if (requestIsObject && !otherGateway) {
      // The request estimated again at this gateway: its problems join the others.
      try {
        known = estimateOf(request as VideoRequest);
      } catch (error) {
        if (KlingValidationError.is(error)) {
          for (const issue of error.issues) {
            issues.push({ path: ['request', ...issue.path], message: issue.message });
          }
        } else if (KlingUnsupportedError.is(error)) {
          issues.push({ path: ['request', error.field], message: error.message });
        } else {
          throw error;
        }
      }
    }
  }
  if (issues.length > 0) throw new KlingValidationError(issues, { subject: 'handle' });
  const where = (route as string | undefined) ?? remembered?.route;
  return {
    externalId: externalId as string,
    estimate: (estimate as CostEstimate | undefined) ?? (known as CostEstimate),
    ...(where === undefined ? {} : { route: where }),
    lookupRequest,
    parseLookup,
  };
}

function externalIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '')
    return 'must be the external id the create carried (a non-empty string)';
  if (value.length > MAX_EXTERNAL_ID) return `must be at most ${MAX_EXTERNAL_ID} characters`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'holds a control character';
  }
  return undefined;
}

/** `recover` on a gateway that can look nothing up by an id of ours: what to do instead. */
function unsupported(gateway: GatewayId, idempotencyKey: string | undefined): KlingUnsupportedError {
  const vendor = GATEWAYS[gateway].vendor;
  if (CAPABILITIES[gateway].idempotencyKey) {
    const key =
      idempotencyKey === undefined ? "the record's idempotencyKey" : `idempotencyKey '${idempotencyKey}'`;
    return new KlingUnsupportedError(
      gateway,
      'recover',
      `${vendor} has no lookup by an id of ours, but it dedupes creates by key: recover by submitting the ` +
        `same request again with ${key} (client.submit(record.request, { idempotencyKey: record.idempotencyKey })). ` +
        `${vendor} returns the task it already created instead of a second one, but only within its replay ` +
        'window (24 h after the first send); after that a re-send creates and bills a second task.',
    );
  }
  return new KlingUnsupportedError(
    gateway,
    'recover',
    `${vendor} documents no lookup by an id of ours, and does not dedupe creates: look for a task created ` +
      `around the time of the submit in ${vendor}'s dashboard or task list before submitting again. ` +
      'Never re-send blind: the first create may have made (and billed) a task.',
  );
}

/** `cancel` on a gateway that documents none. */
export function cancelUnsupported(gateway: GatewayId): KlingUnsupportedError {
  const vendor = GATEWAYS[gateway].vendor;
  return new KlingUnsupportedError(
    gateway,
    'cancel',
    `${vendor} documents no cancel for a task: it renders to the end (and is billed as its docs say). ` +
      'Stop waiting with an AbortSignal instead; the handle stays valid to wait on later.',
  );
}
