import { type GatewayId, isGatewayId, type VideoRequest } from '../catalog/index.js';
import {
  KlingBudgetError,
  KlingError,
  KlingRoutingError,
  KlingSubmitUncertainError,
  KlingUnsupportedError,
  KlingValidationError,
  type SkippedGateway,
  type ValidationIssue,
} from '../errors.js';
import type { SucceededTask, Task } from '../gateways/index.js';
import { type CostEstimate, estimateChecked, type PricingOptions } from '../pricing/estimate.js';
import { checkServable, parseVideoRequest, type ResolvedVideoRequest } from '../request/index.js';
import { checkBudget, type MaxCost } from './budget.js';
import { CAPABILITY_STANDARD, ESTIMATE_RESOLVED, type KlingClient, SUBMIT_RESOLVED } from './client.js';
import type { DownloadOptions, DownloadResult } from './download.js';
import { parseSavedHandle, type SavedHandle, type TaskHandle } from './handle.js';
import {
  NO_OPTIONS,
  routerOptionsIssues,
  validateGenerateOptions,
  validateQuoteOptions,
  validateSubmitOptions,
} from './options.js';
import type { CancelOptions, CancelResult, RecoverOptions, RecoverResult, RecoverTarget } from './recover.js';
import type { GenerateOptions, GetTaskOptions, SubmitOptions, WaitOptions } from './types.js';

/** 'cheapest': by the estimate in US dollars; 'ordered': the order the clients were given in. */
export type RoutingStrategy = 'cheapest' | 'ordered';

export interface KlingRouterOptions {
  /**
   * One client per gateway. An array's order (or an object's key order) is the 'ordered' strategy's
   * order, and the tie-break for 'cheapest'. The clients stay yours to close.
   */
  clients: readonly KlingClient[] | Partial<Record<GatewayId, KlingClient>>;
  /** Default 'cheapest'. */
  strategy?: RoutingStrategy;
  /**
   * Pricing for ranking and `maxCost` across gateways (e.g. `usdPerCredit: { apiframe: 0.01 }` so
   * apiframe gets a dollar figure). Without it, each client's own `pricing` is used.
   */
  pricing?: PricingOptions;
}

/**
 * Why a gateway did not serve a request:
 * - 'unsupported': it can't honour the request (a field, a mode, a missing prompt, an idempotency key);
 * - 'over-budget' / 'cost-unknown': its estimate is above `maxCost`, or it has no figure to hold to it;
 * - 'submit-failed': its submit failed with an error that says no task was created (401/403, 402,
 *   429 after retries, connection refused...).
 */
export type SkipReason = SkippedGateway['reason'];

/** What a submit would do, without sending anything. */
export interface RoutePlan {
  strategy: RoutingStrategy;
  /** The gateways a submit would try, in order, each with the estimate that ranked it. */
  candidates: CostEstimate[];
  /** The configured gateways ruled out before sending, in the configured order. */
  skipped: SkippedGateway[];
}

/**
 * A `TaskHandle` (its `gateway` is the one that served the request) plus why the gateways tried or
 * considered before it did not. `JSON.stringify` saves only the `SavedHandle`.
 */
export interface RoutedHandle extends TaskHandle {
  readonly skipped: readonly SkippedGateway[];
}

export interface RoutedGeneration {
  /** The finished task; `task.gateway` is the gateway that served it. */
  task: SucceededTask;
  handle: RoutedHandle;
  /** The same list as `handle.skipped`. */
  skipped: readonly SkippedGateway[];
}

export interface RouterGenerateOptions extends Omit<GenerateOptions, 'onSubmitted'> {
  /** Runs after the submit, before waiting: save the handle (`JSON.stringify`) to resume it later. */
  onSubmitted?: (handle: RoutedHandle) => void | Promise<void>;
}

/**
 * Routes one request over several configured clients: ranks the gateways that can serve it, submits to
 * the first, and fails over to the next only when a submit's error says `taskState: 'not-created'`.
 * A submit whose outcome is unknown (`KlingSubmitUncertainError`) ends the routing, since a second
 * gateway would risk paying twice for one video.
 */
export class KlingRouter {
  readonly strategy: RoutingStrategy;
  /** The configured gateways, in the configured order. */
  readonly gateways: readonly GatewayId[];
  readonly #clients: ReadonlyMap<GatewayId, KlingClient>;
  readonly #pricing: PricingOptions | undefined;

  constructor(options: KlingRouterOptions) {
    // Every problem at once: unknown names, strategy, pricing and each client.
    const issues = routerOptionsIssues(options);
    const { clients, issues: clientIssues } = readClients(options?.clients);
    issues.push(...clientIssues);
    if (issues.length > 0) throw new KlingValidationError(issues, { subject: 'router options' });
    this.strategy = options.strategy ?? 'cheapest';
    this.#clients = clients;
    this.gateways = [...this.#clients.keys()];
    this.#pricing = options.pricing;
  }

  /**
   * The candidates in the order a submit would try them, and the gateways ruled out (unsupported,
   * over budget, price unknown under a budget). Pure: nothing is sent. An invalid request throws
   * `KlingValidationError`.
   */
  quote(request: VideoRequest, options: { maxCost?: MaxCost } = NO_OPTIONS): RoutePlan {
    validateQuoteOptions(options);
    const { candidates, skipped } = this.#plan(request, options.maxCost);
    return { strategy: this.strategy, candidates: candidates.map((c) => c.estimate), skipped };
  }

  /**
   * Submits to the best candidate, failing over on errors that say no task was created. Throws
   * `KlingValidationError` (invalid request), `KlingSubmitUncertainError` (a task may exist: not
   * re-sent anywhere), the signal's reason on abort, or `KlingRoutingError` when every gateway was
   * ruled out. `onBeforeSend` runs once per gateway tried, each record naming its gateway.
   */
  async submit(request: VideoRequest, options: SubmitOptions = NO_OPTIONS): Promise<RoutedHandle> {
    // A malformed maxCost (or any option) is refused before any gateway is looked at.
    validateSubmitOptions(options);
    // The router holds the budget itself, with the estimates it ranked by: a client would judge it with
    // its own pricing, which may differ from the router's.
    const { maxCost, ...submitOptions } = options;
    const { resolved, candidates, skipped } = this.#plan(request, maxCost);
    for (const { client, estimate } of candidates) {
      try {
        // The request was parsed and checked for this gateway once, in #plan: handed down as it is.
        const handle =
          typeof client[SUBMIT_RESOLVED] === 'function'
            ? await client[SUBMIT_RESOLVED](resolved, submitOptions)
            : await client.submit(request, submitOptions);
        return routedHandle(handle, skipped);
      } catch (error) {
        if (!mayFailOver(error, options.signal)) throw error;
        skipped.push({ gateway: estimate.gateway, reason: skipReason(error), error });
      }
    }
    throw new KlingRoutingError(skipped);
  }

  /** Routed submit, then a wait on the gateway that took it. A task that fails after submit is not re-routed (it was paid for). */
  async generate(
    request: VideoRequest,
    options: RouterGenerateOptions = NO_OPTIONS,
  ): Promise<RoutedGeneration> {
    validateGenerateOptions(options);
    const { onSubmitted, waitTimeoutMs, onProgress, ...submitOptions } = options;
    const handle = await this.submit(request, submitOptions);
    await onSubmitted?.(handle);
    const task = await this.wait(handle, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(waitTimeoutMs === undefined ? {} : { timeoutMs: waitTimeoutMs }),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
    return { task, handle, skipped: handle.skipped };
  }

  /** One status read on the handle's gateway. A string is a handle saved with `JSON.stringify`. */
  async getTask(saved: string | SavedHandle, options: GetTaskOptions = {}): Promise<Task> {
    const handle = parseSavedHandle(saved);
    return this.#clientFor(handle.gateway).getTask(handle, options);
  }

  /** Waits on the handle's gateway. A string is a handle saved with `JSON.stringify`. */
  async wait(saved: string | SavedHandle, options: WaitOptions = {}): Promise<SucceededTask> {
    const handle = parseSavedHandle(saved);
    return this.#clientFor(handle.gateway).wait(handle, options);
  }

  /** Re-attaches to a saved handle through the client of its gateway, without submitting anything. */
  resume(saved: string | SavedHandle): TaskHandle {
    const handle = parseSavedHandle(saved);
    return this.#clientFor(handle.gateway).resume(handle);
  }

  /**
   * `client.recover` on the client of the record's gateway: give it the `SubmitRecord` `onBeforeSend`
   * received, or the `KlingSubmitUncertainError` the routed submit threw (both name the gateway the
   * create went to). Found: a handle to wait on; provably not found: `safeToResend` (submit again, with
   * the router or that gateway's client). A record naming no gateway, or one this router has no client
   * for, is a `KlingValidationError`.
   */
  async recover(target: RecoverTarget, options: RecoverOptions = {}): Promise<RecoverResult> {
    const gateway: unknown = typeof target === 'object' && target !== null ? target.gateway : undefined;
    if (!isGatewayId(gateway)) {
      throw new KlingValidationError(
        [
          {
            path: ['gateway'],
            message: `must name the gateway the create went to (one of ${this.gateways.join(', ')}): pass the record onBeforeSend gave, or the KlingSubmitUncertainError`,
          },
        ],
        { subject: 'handle' },
      );
    }
    return this.#clientFor(gateway).recover(target, options);
  }

  /** `client.cancel` on the handle's gateway. A string is a handle saved with `JSON.stringify`. */
  async cancel(saved: string | SavedHandle, options: CancelOptions = {}): Promise<CancelResult> {
    const handle = parseSavedHandle(saved);
    return this.#clientFor(handle.gateway).cancel(handle, options);
  }

  /** Downloads through the client of the task's gateway. */
  async download(task: SucceededTask, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return this.#clientFor(task.gateway).download(task, path, options);
  }

  toJSON(): { strategy: RoutingStrategy; gateways: readonly GatewayId[] } {
    return { strategy: this.strategy, gateways: this.gateways };
  }

  #clientFor(gateway: GatewayId): KlingClient {
    const client = this.#clients.get(gateway);
    if (client === undefined) {
      throw new KlingValidationError(
        [
          {
            path: ['gateway'],
            message: `no client is configured for ${gateway} (this router has ${this.gateways.join(', ')})`,
          },
        ],
        { subject: 'handle' },
      );
    }
    return client;
  }

  #plan(
    request: VideoRequest,
    maxCost: MaxCost | undefined,
  ): {
    resolved: ResolvedVideoRequest;
    candidates: { client: KlingClient; estimate: CostEstimate }[];
    skipped: SkippedGateway[];
  } {
    // Parsed once (an invalid request is invalid everywhere: stop before looking at any gateway), then
    // checked once per gateway; the router's pricing was checked at construction.
    const resolved = parseVideoRequest(request);
    const candidates: { client: KlingClient; estimate: CostEstimate }[] = [];
    const skipped: SkippedGateway[] = [];
    for (const [gateway, client] of this.#clients) {
      try {
        checkServable(gateway, resolved, client[CAPABILITY_STANDARD]);
        const estimate =
          this.#pricing !== undefined
            ? estimateChecked(gateway, resolved, this.#pricing)
            : typeof client[ESTIMATE_RESOLVED] === 'function'
              ? client[ESTIMATE_RESOLVED](resolved)
              : client.estimate(request);
        if (maxCost !== undefined) checkBudget(estimate, maxCost);
        candidates.push({ client, estimate });
      } catch (error) {
        // Invalid pricing options (or anything unexpected) are not a reason to try another gateway.
        if (!KlingUnsupportedError.is(error) && !KlingBudgetError.is(error)) throw error;
        skipped.push({ gateway, reason: skipReason(error), error });
      }
    }
    if (this.strategy === 'cheapest') {
      // Stable: equal prices, and the gateways without a dollar figure (last), keep the configured order.
      candidates.sort((a, b) => byUsd(a.estimate) - byUsd(b.estimate));
    }
    return { resolved, candidates, skipped };
  }
}

function readClients(given: KlingRouterOptions['clients'] | undefined): {
  clients: Map<GatewayId, KlingClient>;
  issues: ValidationIssue[];
} {
  const entries: [string | number, KlingClient | undefined][] = Array.isArray(given)
    ? given.map((client, index) => [index, client])
    : typeof given === 'object' && given !== null
      ? Object.entries(given)
      : [];
  const clients = new Map<GatewayId, KlingClient>();
  const issues: ValidationIssue[] = [];
  for (const [key, client] of entries) {
    if (client === undefined) continue;
    const gateway: unknown = typeof client === 'object' && client !== null ? client.gateway : undefined;
    if (!isGatewayId(gateway) || typeof client.submit !== 'function') {
      issues.push({ path: ['clients', key], message: 'must be a KlingClient' });
    } else if (typeof key === 'string' && key !== gateway) {
      issues.push({ path: ['clients', key], message: `is a client for ${gateway}, not ${key}` });
    } else if (clients.has(gateway)) {
      issues.push({
        path: ['clients', key],
        message: `a second client for ${gateway}; give one per gateway`,
      });
    } else {
      clients.set(gateway, client);
    }
  }
  if (issues.length === 0 && clients.size === 0) {
    issues.push({
      path: ['clients'],
      message: 'must hold at least one KlingClient (an array, or a record per gateway)',
    });
  }
  return { clients, issues };
}

/**
 * Whether another gateway may be tried after `error`: only when it says no task was created. An
 * uncertain submit may have created (and billed) one; an invalid request would fail everywhere; an
 * abort is the caller's decision to stop.
 */
function mayFailOver(error: unknown, signal: AbortSignal | undefined): error is KlingError {
  if (signal?.aborted) return false;
  if (!KlingError.is(error) || error.taskState !== 'not-created') return false;
  return !KlingValidationError.is(error) && !KlingSubmitUncertainError.is(error);
}

/** A dollar figure to sort by; the largest finite number (not Infinity, whose difference is NaN) when none. */
function byUsd(estimate: CostEstimate): number {
  return estimate.usd ?? Number.MAX_VALUE;
}

function skipReason(error: KlingError): SkipReason {
  if (KlingUnsupportedError.is(error)) return 'unsupported';
  if (KlingBudgetError.is(error)) return error.estimated === null ? 'cost-unknown' : 'over-budget';
  return 'submit-failed';
}

function routedHandle(handle: TaskHandle, skipped: SkippedGateway[]): RoutedHandle {
  // The handle's own toJSON stays: a saved routed handle is a plain SavedHandle.
  return Object.freeze({ ...handle, skipped: Object.freeze([...skipped]) });
}
