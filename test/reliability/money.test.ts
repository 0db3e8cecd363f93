/**
 * Where the money goes, as a model (issue 10, item 4). Each run is one logical submit, direct to one
 * gateway or routed over a random ordered subset of the four, through a fault schedule chosen per
 * create attempt and per gateway: refusals that prove nothing was created (429, 402, 400), failures
 * before the gateway acts (5xx, an HTML 502, a reset, a hang), and failures after it created the task
 * (dropped, 500, hung, truncated or id-less 2xx). The simulator is the ground truth; per logical submit:
 *
 * 1. tasks created on all gateways together ≤ 1;
 * 2. a handle names exactly the task that was created (gateway, id, idempotency key);
 * 3. created − handles ≤ uncertain errors: an error of any other kind means nothing was created;
 * 4. never a failover after a `may-exist`: a gateway may be left (or an error say `not-created`) only
 *    when every create it received was answered with a refusal (429, 402, 400); a gateway that does
 *    not dedupe never receives a create after one that may have reached it.
 *
 * 10,000 runs in `npm test` (FC_RUNS), a million with `npm run fuzz`. In process (msw handlers, no
 * sockets), on a clock whose sleeps return at once; a run that can meet a hang gets a 2 ms request
 * timeout (the others keep the default, so a first create that goes through must give a handle).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/http/clock.js';
import {
  GATEWAY_IDS,
  type GatewayId,
  KlingClient,
  KlingError,
  KlingRouter,
  KlingRoutingError,
  KlingSubmitUncertainError,
  type TaskHandle,
} from '../../src/index.js';
import {
  createGatewaySimulator,
  type FaultKind,
  type FaultRule,
  type RequestRecord,
  type SimulatedTask,
} from '../../src/testing/index.js';
import { inProcessFetch } from '../helpers/in-process.js';
import { figure } from './figures.js';

const numRuns = Number(process.env.FC_RUNS ?? 10_000);
/** Attempts per gateway a schedule covers: the first and up to three retries. */
const MAX_RETRIES = 3;
/** A hung request ends at the client's deadline: tiny, so a hang costs a few milliseconds. */
const HANG_TIMEOUT_MS = 2;
const REQUEST = { prompt: 'a paper boat on a rainy street' };

/** Gateways that dedupe a create by its Idempotency-Key, so a retry cannot create a second task. */
const DEDUPES: ReadonlySet<GatewayId> = new Set(['apiframe']);
/**
 * Statuses that prove the gateway created nothing: the only answers after which leaving it is safe. The
 * refusal faults answer in each gateway's own shape: fal refuses a body with 422 and an empty account with 403.
 */
const REFUSED = new Set<RequestRecord['status']>([400, 402, 403, 422, 429]);

const REFUSALS = ['http-429', 'http-402', 'http-400'] as const satisfies FaultKind[];
const BEFORE_CREATE = [
  'http-500',
  'http-502',
  'http-503',
  'http-504',
  'html',
  'reset',
  'hang',
] as const satisfies FaultKind[];
const AFTER_CREATE = [
  'drop-after-create',
  'http-500-after-create',
  'hang-after-create',
  'truncated-json',
  'missing-fields',
] as const satisfies FaultKind[];
/** The reply is spoiled but still names the task. */
const HARMLESS = ['wrong-content-type', 'unknown-status'] as const satisfies FaultKind[];
const HANGS = new Set<FaultKind>(['hang', 'hang-after-create']);

const attempt: fc.Arbitrary<FaultKind> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<FaultKind>('none') },
  { weight: 3, arbitrary: fc.constantFrom<FaultKind>(...REFUSALS) },
  { weight: 2, arbitrary: fc.constantFrom<FaultKind>(...BEFORE_CREATE) },
  { weight: 2, arbitrary: fc.constantFrom<FaultKind>(...AFTER_CREATE) },
  { weight: 1, arbitrary: fc.constantFrom<FaultKind>(...HARMLESS) },
);
const schedule = fc.array(attempt, { minLength: MAX_RETRIES + 1, maxLength: MAX_RETRIES + 1 });

type Schedules = Record<GatewayId, FaultKind[]>;
interface Run {
  routed: boolean;
  /** One gateway (direct), or the router's order. */
  gateways: GatewayId[];
  /** The faults of each create attempt, per gateway: attempt n meets `schedules[gateway][n]`. */
  schedules: Schedules;
  maxRetries: number;
}

const run: fc.Arbitrary<Run> = fc.record({
  routed: fc.boolean(),
  gateways: fc.shuffledSubarray([...GATEWAY_IDS], { minLength: 1 }),
  schedules: fc.record({
    apiinone: schedule,
    apiframe: schedule,
    evolink: schedule,
    modellix: schedule,
    fal: schedule,
    kling: schedule,
  }),
  maxRetries: fc.integer({ min: 0, max: MAX_RETRIES }),
});

/** Item 1 of the issue, first: apiframe may have created the task, then refuses the retry. */
const none: FaultKind[] = ['none', 'none', 'none', 'none'];
const examples: [Run][] = [
  ['drop-after-create', 'http-429', 'http-429', 'http-429'],
  ['http-500-after-create', 'http-402', 'none', 'none'],
  ['hang-after-create', 'http-400', 'none', 'none'],
  ['http-503', 'http-402', 'none', 'none'],
].map((apiframe) => [
  {
    routed: true,
    gateways: ['apiframe', 'evolink'],
    schedules: {
      apiinone: none,
      apiframe: apiframe as FaultKind[],
      evolink: none,
      modellix: none,
      fal: none,
      kling: none,
    },
    maxRetries: 2,
  },
]);

/** Each gateway's schedule as a sequence of `times: 1` rules (a 'none' step lets the request through). */
function rulesFor(schedules: Schedules): FaultRule[] {
  return GATEWAY_IDS.flatMap((gateway) =>
    schedules[gateway].map((kind): FaultRule => ({ op: 'create', gateway, kind, times: 1 })),
  );
}

/** Time that jumps: a retry's backoff returns at once, moving `now` on by its length. */
function instantClock(): Clock {
  let now = Date.parse('2026-11-22T12:00:00Z');
  return {
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      now += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}

const tally = {
  submits: 0,
  direct: 0,
  routed: 0,
  createRequests: 0,
  created: 0,
  handles: 0,
  uncertain: 0,
  uncertainWithTask: 0,
  notCreated: 0,
  failovers: 0,
};

describe('money: per logical submit, at most one task, and only ever behind a handle or a may-exist', () => {
  const sim = createGatewaySimulator({ seed: 1010 });
  const { fetch } = inProcessFetch(sim);
  const clock = instantClock();
  const clients = Object.fromEntries(
    GATEWAY_IDS.map((gateway) => [gateway, new KlingClient({ gateway, apiKey: 'sk-money', fetch, clock })]),
  ) as Record<GatewayId, KlingClient>;
  // Stack traces are not under test, and reading them (the client scrubs every error's stack for the
  // key) through vitest's source maps costs a sixth of each run: none while the property runs.
  const stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    Error.stackTraceLimit = 0;
  });
  let passed = false;
  afterAll(async () => {
    Error.stackTraceLimit = stackTraceLimit;
    await Promise.all(Object.values(clients).map((c) => c.close()));
    if (!passed) return;
    figure(
      'money (model-based)',
      `${tally.submits} logical submits (${tally.direct} direct, ${tally.routed} routed) through random fault ` +
        `schedules: ${tally.createRequests} create requests, ${tally.created} tasks created, ${tally.handles} handles, ` +
        `${tally.uncertain} KlingSubmitUncertainError (${tally.uncertainWithTask} had created a task), ` +
        `${tally.notCreated} not-created errors (0 tasks behind them), ${tally.failovers} failovers ` +
        `(each after refusals only); 0 submits with 2 tasks, 0 failovers after a may-exist`,
    );
  });

  it(
    `${numRuns} routed and direct submits through random fault schedules`,
    async () => {
      await fc.assert(
        fc.asyncProperty(run, async (r) => {
          sim.reset();
          sim.setFaults(rulesFor(r.schedules));
          const first = r.gateways[0] as GatewayId;
          const hangs = (r.routed ? r.gateways : [first]).some((g) =>
            r.schedules[g].slice(0, r.maxRetries + 1).some((kind) => HANGS.has(kind)),
          );
          const options = { maxRetries: r.maxRetries, ...(hangs ? { timeoutMs: HANG_TIMEOUT_MS } : {}) };
          let handle: TaskHandle | undefined;
          let error: unknown;
          try {
            handle = r.routed
              ? await new KlingRouter({
                  clients: r.gateways.map((g) => clients[g]),
                  strategy: 'ordered',
                }).submit(REQUEST, options)
              : await clients[first].submit(REQUEST, options);
          } catch (caught) {
            error = caught;
          }
          check(r, hangs, handle, error, sim.tasks(), sim.stats.requests);
        }),
        { numRuns, seed: 10_004, examples },
      );
      expect(tally.created - tally.handles).toBeLessThanOrEqual(tally.uncertain);
      if (numRuns >= 1000) {
        // The schedules reach every outcome the properties speak of.
        expect(tally.handles).toBeGreaterThan(0);
        expect(tally.uncertainWithTask).toBeGreaterThan(0);
        expect(tally.uncertain - tally.uncertainWithTask).toBeGreaterThan(0);
        expect(tally.notCreated).toBeGreaterThan(0);
        expect(tally.failovers).toBeGreaterThan(0);
      }
      passed = true;
    },
    Math.max(120_000, numRuns * 30),
  );
});

function fail(message: string): never {
  throw new Error(message);
}

/** The properties, against what the simulator saw; also counts the figures. */
function check(
  r: Run,
  hangs: boolean,
  handle: TaskHandle | undefined,
  error: unknown,
  tasks: readonly SimulatedTask[],
  requests: readonly RequestRecord[],
): void {
  const creates = requests.filter((q) => q.op === 'create');
  /** The gateways that received a create, in the order they first did. */
  const tried = [...new Set(creates.map((q) => q.gateway as GatewayId))];
  /** A create that was not refused may have reached the gateway: the task may exist. */
  const reached = (g: GatewayId) => creates.some((q) => q.gateway === g && !REFUSED.has(q.status));
  const story = () =>
    `creates: ${creates.map((q) => `${q.gateway}:${q.fault ?? 'none'}:${q.status}`).join(', ')}; ` +
    `tasks: ${tasks.map((t) => `${t.gateway}:${t.id}`).join(', ') || 'none'}; ` +
    `outcome: ${handle === undefined ? String(error) : `handle ${handle.gateway}:${handle.id}`}`;

  tally.submits++;
  if (r.routed) tally.routed++;
  else tally.direct++;
  tally.createRequests += creates.length;
  tally.created += tasks.length;

  // 1. At most one task for one logical submit, all gateways together.
  if (tasks.length > 1) fail(`${tasks.length} tasks for one submit. ${story()}`);
  const task = tasks[0];

  // 4. Never past a gateway that may have created the task: only the last gateway tried was reached.
  for (const g of tried.slice(0, -1)) {
    if (reached(g)) fail(`failed over from ${g} after a create that may have reached it. ${story()}`);
  }
  // ...and never a blind re-send where the gateway does not dedupe.
  for (const g of tried) {
    if (DEDUPES.has(g)) continue;
    const own = creates.filter((q) => q.gateway === g);
    const firstReached = own.findIndex((q) => !REFUSED.has(q.status));
    if (firstReached !== -1 && firstReached < own.length - 1) {
      fail(`${g} was sent the create again after one that may have reached it. ${story()}`);
    }
  }

  // Liveness, where no hang shortens the timeout: a first create answered normally gives its handle.
  const first = r.gateways[0] as GatewayId;
  if (!hangs && r.schedules[first][0] === 'none' && (handle?.gateway !== first || creates.length !== 1)) {
    fail(`the first create went through, yet no handle from ${first} after 1 create. ${story()}`);
  }
  if (r.routed) tally.failovers += Math.max(0, tried.length - 1);

  if (handle !== undefined) {
    // 2. The handle names the task that was created, on the gateway that created it.
    tally.handles++;
    if (task === undefined) fail(`a handle, but no task was created. ${story()}`);
    if (task.gateway !== handle.gateway || task.id !== handle.id) {
      fail(`the handle names ${handle.gateway}:${handle.id}, the task is ${task.gateway}:${task.id}`);
    }
    if (task.idempotencyKey !== handle.idempotencyKey) {
      fail(`the handle's key ${handle.idempotencyKey} is not the task's ${task.idempotencyKey}`);
    }
    return;
  }

  if (!KlingError.is(error)) fail(`a submit threw something other than a KlingError: ${String(error)}`);
  if (error.taskState === undefined) fail(`a submit error without taskState: ${story()}`);
  if (KlingRoutingError.is(error) && error.skipped.length !== r.gateways.length) {
    fail(`a routing error that skips ${error.skipped.length} of ${r.gateways.length} gateways. ${story()}`);
  }

  if (KlingSubmitUncertainError.is(error)) {
    tally.uncertain++;
    if (task !== undefined) tally.uncertainWithTask++;
    // The uncertain gateway is the one to look at: the last tried, where any task is.
    if (error.gateway !== tried.at(-1)) fail(`uncertain about ${error.gateway}. ${story()}`);
    if (task !== undefined && task.gateway !== error.gateway) fail(`task elsewhere. ${story()}`);
    if (DEDUPES.has(error.gateway)) {
      const keys = new Set(creates.filter((q) => q.gateway === error.gateway).map((q) => q.idempotencyKey));
      if (error.idempotencyKey === undefined || keys.size !== 1 || !keys.has(error.idempotencyKey)) {
        fail(`the uncertain error carries key ${error.idempotencyKey}, the creates sent ${[...keys]}`);
      }
    }
    return;
  }

  // 3. Any other error: nothing may have been created anywhere.
  tally.notCreated++;
  if (error.taskState !== 'not-created') fail(`${error.name} says ${error.taskState}. ${story()}`);
  if (task !== undefined) fail(`${error.name} says not-created, but a task exists. ${story()}`);
  for (const g of tried) {
    if (reached(g)) fail(`not-created, but a create may have reached ${g}. ${story()}`);
  }
}
