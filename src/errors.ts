/**
 * The KlingError family. A leaf module: it imports only types, so the pricing entry can
 * throw these without pulling in the network stack.
 *
 * `instanceof` breaks when an app loads both the ESM and the CommonJS copy of this package, so every
 * class also has a static `is(value)` that checks a `Symbol.for` brand instead.
 */

import type { GatewayId } from './catalog/index.js';
import type { FailedTask, Task } from './catalog/task.js';

/** Whether a submit that failed may have created (and billed) a task at the gateway. */
export type TaskState = 'not-created' | 'may-exist';

/** One problem with a request, with the path of the offending field. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

/**
 * The last task seen, as `KlingTimeoutError.lastTask` carried it.
 * @deprecated Use `Task` (`KlingTimeoutError.lastTask`) or `FailedTask` (`KlingTaskFailedError.task`).
 */
export type TaskSnapshot = Task;

const KINDS = Symbol.for('kling-sdk.error.kinds');

/** Options every KlingError constructor takes. */
export interface KlingErrorOptions {
  cause?: unknown;
  taskState?: TaskState;
}
type ErrorOptions = KlingErrorOptions;

export class KlingError extends Error {
  static readonly kind: string = 'KlingError';
  /** Set on every error thrown by a submit: whether the task may exist (and cost money). */
  readonly taskState?: TaskState;
  declare readonly [KINDS]: readonly string[];

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && 'kind' in c; c = Object.getPrototypeOf(c)) {
      kinds.push(String((c as { kind: unknown }).kind));
    }
    Object.defineProperty(this, KINDS, { value: Object.freeze(kinds), enumerable: false });
    this.name = kinds[0] ?? 'KlingError';
    if (options.taskState !== undefined) this.taskState = options.taskState;
  }

  /** Brand check that works across ESM and CommonJS copies of the package (and unbound: `errors.filter(X.is)`). */
  static readonly is: (value: unknown) => value is KlingError = brandCheck('KlingError');
}

/** `is` for one class: true for instances of it or its subclasses, from any copy of the package. */
function brandCheck<T>(kind: string): (value: unknown) => value is T {
  return (value: unknown): value is T => {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(kind);
  };
}

/**
 * What a `KlingValidationError` found invalid; its message is headed "Invalid <subject>". The issue
 * paths are relative to it (`poll.intervalMs` of the client options, `id` of a handle).
 */
export type ValidationSubject =
  | 'request'
  | 'client options'
  | 'router options'
  | 'submit options'
  | 'status options'
  | 'wait options'
  | 'generate options'
  | 'quote options'
  | 'pricing options'
  | 'download options'
  | 'upload options'
  | 'handle'
  | 'task id'
  | 'gateway'
  | 'file'
  | 'webhook'
  | 'options';

/** Options of the `KlingValidationError` constructor. */
export interface KlingValidationErrorOptions extends KlingErrorOptions {
  /** What was invalid (default 'request'). */
  subject?: ValidationSubject;
}

/** Something given to the SDK is invalid. Carries every problem found, each with its path. Nothing was sent. */
export class KlingValidationError extends KlingError {
  static override readonly kind: string = 'KlingValidationError';
  static override readonly is: (value: unknown) => value is KlingValidationError =
    brandCheck('KlingValidationError');
  readonly issues: readonly ValidationIssue[];
  /** What was invalid: the request, the client options, a saved handle... */
  readonly subject: ValidationSubject;

  constructor(issues: ValidationIssue[], options: KlingValidationErrorOptions = {}) {
    const { subject = 'request', ...rest } = options;
    super(formatIssues(issues, subject), { taskState: 'not-created', ...rest });
    this.issues = issues;
    this.subject = subject;
  }
}

/** The chosen gateway cannot honour a field of the request. Nothing was sent. */
export class KlingUnsupportedError extends KlingError {
  static override readonly kind: string = 'KlingUnsupportedError';
  static override readonly is: (value: unknown) => value is KlingUnsupportedError =
    brandCheck('KlingUnsupportedError');
  readonly gateway: GatewayId;
  readonly field: string;

  constructor(gateway: GatewayId, field: string, message: string, options: ErrorOptions = {}) {
    super(message, { taskState: 'not-created', ...options });
    this.gateway = gateway;
    this.field = field;
  }
}

/** A submit was refused before sending because its estimate is above `maxCost` or unknown. */
export class KlingBudgetError extends KlingError {
  static override readonly kind: string = 'KlingBudgetError';
  static override readonly is: (value: unknown) => value is KlingBudgetError = brandCheck('KlingBudgetError');
  readonly gateway: GatewayId;
  /** The estimate in the unit the budget was given in, or null when the price is unknown. */
  readonly estimated: number | null;
  readonly maxCost: number;

  constructor(
    gateway: GatewayId,
    estimated: number | null,
    maxCost: number,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(message, { taskState: 'not-created', ...options });
    this.gateway = gateway;
    this.estimated = estimated;
    this.maxCost = maxCost;
  }
}

export interface ApiErrorFields {
  gateway: GatewayId;
  status: number;
  /** The gateway's own error code, as a string (EvoLink `insufficient_quota`, API in One `400`). */
  code?: string;
  type?: string;
  requestId?: string;
  /** How long the gateway asked us to wait (`Retry-After`, capped), when it said. */
  retryAfterMs?: number;
}

/** The gateway answered with an error status. Subclasses by status; see `KlingApiError.from`. */
export class KlingApiError extends KlingError {
  static override readonly kind: string = 'KlingApiError';
  static override readonly is: (value: unknown) => value is KlingApiError = brandCheck('KlingApiError');
  readonly gateway: GatewayId;
  readonly status: number;
  readonly code?: string;
  readonly type?: string;
  readonly requestId?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, fields: ApiErrorFields, options: ErrorOptions = {}) {
    super(message, options);
    this.gateway = fields.gateway;
    this.status = fields.status;
    if (fields.code !== undefined) this.code = fields.code;
    if (fields.type !== undefined) this.type = fields.type;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
  }

  /**
   * The subclass for an HTTP status: 401/403 auth, 402 credits, 404, 429, 5xx; or for the class the
   * gateway's own error code names (`errorClass`), which wins over the status.
   */
  static from(
    message: string,
    fields: ApiErrorFields,
    options: ErrorOptions = {},
    errorClass?: ApiErrorClass,
  ): KlingApiError {
    if (errorClass !== undefined) return new API_ERROR_CLASSES[errorClass](message, fields, options);
    const { status } = fields;
    if (status === 401 || status === 403) return new KlingAuthError(message, fields, options);
    if (status === 402) return new KlingInsufficientCreditsError(message, fields, options);
    if (status === 404) return new KlingNotFoundError(message, fields, options);
    if (status === 429) return new KlingRateLimitError(message, fields, options);
    if (status >= 500) return new KlingServerError(message, fields, options);
    return new KlingApiError(message, fields, options);
  }
}

export class KlingAuthError extends KlingApiError {
  static override readonly kind: string = 'KlingAuthError';
  static override readonly is: (value: unknown) => value is KlingAuthError = brandCheck('KlingAuthError');
}
export class KlingInsufficientCreditsError extends KlingApiError {
  static override readonly kind: string = 'KlingInsufficientCreditsError';
  static override readonly is: (value: unknown) => value is KlingInsufficientCreditsError = brandCheck(
    'KlingInsufficientCreditsError',
  );
}
export class KlingNotFoundError extends KlingApiError {
  static override readonly kind: string = 'KlingNotFoundError';
  static override readonly is: (value: unknown) => value is KlingNotFoundError =
    brandCheck('KlingNotFoundError');
}
export class KlingRateLimitError extends KlingApiError {
  static override readonly kind: string = 'KlingRateLimitError';
  static override readonly is: (value: unknown) => value is KlingRateLimitError =
    brandCheck('KlingRateLimitError');
}
export class KlingServerError extends KlingApiError {
  static override readonly kind: string = 'KlingServerError';
  static override readonly is: (value: unknown) => value is KlingServerError = brandCheck('KlingServerError');
}

/**
 * What an error is, where the gateway's own code says it and its HTTP status does not (Kling's code 1102,
 * an exhausted resource pack, comes as HTTP 429): `validation` and `policy` (a refused request or
 * content) are plain `KlingApiError`s.
 */
export type ApiErrorClass =
  | 'auth'
  | 'permission'
  | 'insufficient-credits'
  | 'not-found'
  | 'rate-limit'
  | 'validation'
  | 'policy'
  | 'server';

const API_ERROR_CLASSES: Readonly<Record<ApiErrorClass, typeof KlingApiError>> = {
  auth: KlingAuthError,
  permission: KlingAuthError,
  'insufficient-credits': KlingInsufficientCreditsError,
  'not-found': KlingNotFoundError,
  'rate-limit': KlingRateLimitError,
  validation: KlingApiError,
  policy: KlingApiError,
  server: KlingServerError,
};

/**
 * A finished task's result is gone: the gateway keeps a result, or its video link, only for a while
 * (fal: 1 hour after completion, 6 minutes for a large result). The task cannot be read or downloaded
 * again: run it again, and download as soon as it succeeds. `status` is the HTTP status that said so.
 */
export class KlingResultExpiredError extends KlingApiError {
  static override readonly kind: string = 'KlingResultExpiredError';
  static override readonly is: (value: unknown) => value is KlingResultExpiredError =
    brandCheck('KlingResultExpiredError');
  /** When the result was due to expire, where the SDK knew it (`Video.expiresAt`). */
  readonly expiresAt?: Date;

  constructor(message: string, fields: ApiErrorFields & { expiresAt?: Date }, options: ErrorOptions = {}) {
    super(message, fields, options);
    if (fields.expiresAt !== undefined) this.expiresAt = fields.expiresAt;
  }
}

/** The request never got a response: refused, reset, DNS failure. */
export class KlingConnectionError extends KlingError {
  static override readonly kind: string = 'KlingConnectionError';
  static override readonly is: (value: unknown) => value is KlingConnectionError =
    brandCheck('KlingConnectionError');
  /** The system or undici error code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`...), when known. */
  readonly code?: string;

  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options);
    if (options.code !== undefined) this.code = options.code;
  }
}

/**
 * A local file could not be written (a download's destination: no such directory, a directory, no
 * permission, a full disk, a file too large). Not a network failure: the video is still there to
 * download again, to another path.
 */
export class KlingFileError extends KlingError {
  static override readonly kind: string = 'KlingFileError';
  static override readonly is: (value: unknown) => value is KlingFileError = brandCheck('KlingFileError');
  /** The path the SDK was asked to write. */
  readonly path: string;
  /** The system error code (`ENOENT`, `EISDIR`, `EACCES`, `ENOSPC`, `EFBIG`...), when known. */
  readonly code?: string;

  constructor(path: string, message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options);
    this.path = path;
    if (options.code !== undefined) this.code = options.code;
  }
}

/** A request or a wait ran past its deadline. `lastTask` is the last status seen by `wait`. */
export class KlingTimeoutError extends KlingError {
  static override readonly kind: string = 'KlingTimeoutError';
  static override readonly is: (value: unknown) => value is KlingTimeoutError =
    brandCheck('KlingTimeoutError');
  readonly lastTask?: Task;

  constructor(message: string, options: ErrorOptions & { lastTask?: Task } = {}) {
    super(message, options);
    if (options.lastTask !== undefined) this.lastTask = options.lastTask;
  }
}

/**
 * A submit may have reached the gateway but its outcome is unknown (the connection dropped after the
 * body was sent, a 5xx from a gateway that does not dedupe). It is never re-sent blind: check the
 * gateway's dashboard, or re-send with the same idempotency key where the gateway dedupes.
 */
export class KlingSubmitUncertainError extends KlingError {
  static override readonly kind: string = 'KlingSubmitUncertainError';
  static override readonly is: (value: unknown) => value is KlingSubmitUncertainError =
    brandCheck('KlingSubmitUncertainError');
  readonly gateway: GatewayId;
  readonly idempotencyKey?: string;
  /** The id the create carried where the gateway takes one (Kling's `external_task_id`): `client.recover` looks it up. */
  readonly externalId?: string;

  constructor(
    gateway: GatewayId,
    message: string,
    options: Omit<ErrorOptions, 'taskState'> & { idempotencyKey?: string; externalId?: string } = {},
  ) {
    super(message, { ...options, taskState: 'may-exist' });
    this.gateway = gateway;
    if (options.idempotencyKey !== undefined) this.idempotencyKey = options.idempotencyKey;
    if (options.externalId !== undefined) this.externalId = options.externalId;
  }
}

/**
 * The task ended as failed or canceled at the gateway. `task` is that task: `task.status` is `'failed'`
 * or `'canceled'` and `task.error` holds the gateway's `code` (where it sends one) and `message`.
 */
export class KlingTaskFailedError extends KlingError {
  static override readonly kind: string = 'KlingTaskFailedError';
  static override readonly is: (value: unknown) => value is KlingTaskFailedError =
    brandCheck('KlingTaskFailedError');
  readonly task: FailedTask;

  constructor(message: string, task: FailedTask, options: ErrorOptions = {}) {
    super(message, options);
    this.task = task;
  }
}

/** The gateway answered 2xx with a body we cannot read (HTML, truncated JSON, missing fields). */
export class KlingResponseError extends KlingError {
  static override readonly kind: string = 'KlingResponseError';
  static override readonly is: (value: unknown) => value is KlingResponseError =
    brandCheck('KlingResponseError');
  readonly gateway: GatewayId;
  /** A short excerpt of the body, for debugging. */
  readonly excerpt?: string;

  constructor(gateway: GatewayId, message: string, options: ErrorOptions & { excerpt?: string } = {}) {
    super(message, options);
    this.gateway = gateway;
    if (options.excerpt !== undefined) this.excerpt = options.excerpt;
  }
}

/** One gateway a router did not use, and why. */
export interface SkippedGateway {
  gateway: GatewayId;
  reason: 'unsupported' | 'over-budget' | 'cost-unknown' | 'submit-failed';
  error: KlingError;
}

/**
 * Every gateway a router could use was ruled out and no task was created anywhere. `skipped` says
 * why, one entry per gateway; `cause` is an `AggregateError` of the same errors.
 */
export class KlingRoutingError extends KlingError {
  static override readonly kind: string = 'KlingRoutingError';
  static override readonly is: (value: unknown) => value is KlingRoutingError =
    brandCheck('KlingRoutingError');
  readonly skipped: readonly SkippedGateway[];

  constructor(skipped: SkippedGateway[]) {
    const lines = skipped.map((s) => `  - ${s.gateway} (${s.reason}): ${s.error.message}`);
    super(`no gateway took the request; no task was created:\n${lines.join('\n')}`, {
      taskState: 'not-created',
      cause: new AggregateError(
        skipped.map((s) => s.error),
        'every gateway was ruled out',
      ),
    });
    this.skipped = skipped;
  }
}

/** A webhook could not be parsed or its signature did not verify. */
export class KlingWebhookError extends KlingError {
  static override readonly kind: string = 'KlingWebhookError';
  static override readonly is: (value: unknown) => value is KlingWebhookError =
    brandCheck('KlingWebhookError');
}

function formatIssues(issues: ValidationIssue[], subject: ValidationSubject): string {
  if (issues.length === 0) return `Invalid ${subject}.`;
  const lines = issues.map(
    (i) => `  - ${i.path.length > 0 ? i.path.join('.') : `(${subject})`}: ${i.message}`,
  );
  return `Invalid ${subject} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}
