/**
 * Recovery as a model (issue 14 item 4), the sibling of money.test.ts on the official Kling API. Each
 * run is one logical request, sent the way the SDK tells a caller to: submit; on a
 * `KlingSubmitUncertainError`, `recover` (the error itself, or the `onBeforeSend` record saved as JSON);
 * found → the handle; provably not found → submit again; a lookup that proves nothing → try it once more,
 * then park (a person decides). A `not-created` error may be submitted again. The faults are chosen per
 * create attempt and per lookup attempt: refusals, failures before and after the gateway acts on a
 * create, and lookups answered with errors, resets, garbled or stripped 2xx replies. The simulator is
 * the ground truth; per logical request:
 *
 * 1. at most one task, ever;
 * 2. a handle (from submit or recover) names exactly that task, and the external id its create carried;
 * 3. `safeToResend` only ever when no task exists;
 * 4. a parked request (a lookup that proved nothing) is the only way to end without a handle while a
 *    task exists; with every lookup answered, nothing is parked.
 *
 * No hangs here: a request the client gives up on could still land after the lookup (the TSDoc of
 * `recover` says to recover once the submit has ended), and hangs are money.test.ts's. In process (msw
 * handlers, no sockets), on a clock whose sleeps return at once. 1,000 runs by default (FC_RUNS).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/http/clock.js';
import {
  KlingClient,
  KlingError,
  KlingSubmitUncertainError,
  type RecoverResult,
  type SubmitRecord,
  type TaskHandle,
} from '../../src/index.js';
import {
  createGatewaySimulator,
  type FaultKind,
  type FaultRule,
  type SimulatedTask,
} from '../../src/testing/index.js';
import { inProcessFetch } from '../helpers/in-process.js';
import { figure } from './figures.js';

const numRuns = Number(process.env.FC_RUNS ?? 1_000);
const REQUEST = { prompt: 'a paper boat on a rainy street', mode: 'pro', duration: 8 } as const;
/** Logical sends per request: the first and up to three resends. */
const MAX_SENDS = 4;
/** Lookups per uncertain send before the request is parked. */
const LOOKUPS_PER_SEND = 2;

const CREATE_FAULTS: fc.Arbitrary<FaultKind> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<FaultKind>('none') },
  { weight: 2, arbitrary: fc.constantFrom<FaultKind>('http-429', 'http-402', 'http-400') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<FaultKind>('http-500', 'http-502', 'http-503', 'http-504', 'html', 'reset'),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<FaultKind>(
      'drop-after-create',
      'http-500-after-create',
      'truncated-json',
      'missing-fields',
    ),
  },
);
const LOOKUP_FAULTS: fc.Arbitrary<FaultKind> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<FaultKind>('none') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<FaultKind>(
      'http-500',
      'http-502',
      'http-503',
      'http-504',
      'http-429',
      'http-400',
      'html',
      'reset',
      'drop-after-create',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<FaultKind>(
      'truncated-json',
      'missing-fields',
      'unknown-status',
      'wrong-content-type',
    ),
  },
);

interface Run {
  /** Create attempt n meets `creates[n]` (retries included); later attempts go through. */
  creates: FaultKind[];
  /** Lookup attempt n meets `lookups[n]` (retries included). */
  lookups: FaultKind[];
  maxRetries: number;
  /** Recover from the saved record (as after a crash) rather than from the error. */
  fromRecord: boolean;
}

const run: fc.Arbitrary<Run> = fc.record({
  creates: fc.array(CREATE_FAULTS, { minLength: 1, maxLength: 12 }),
  lookups: fc.array(LOOKUP_FAULTS, { minLength: 0, maxLength: 12 }),
  maxRetries: fc.integer({ min: 0, max: 2 }),
  fromRecord: fc.boolean(),
});

function rules(r: Run): FaultRule[] {
  return [
    ...r.creates.map((kind): FaultRule => ({ op: 'create', gateway: 'kling', kind, times: 1 })),
    ...r.lookups.map((kind): FaultRule => ({ op: 'status', gateway: 'kling', kind, times: 1 })),
  ];
}

/** Time that jumps: a retry's backoff returns at once, moving `now` on by its length. */
function instantClock(): Clock {
  let now = Date.parse('2026-12-03T12:00:00Z');
  return {
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      now += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}

/** The external id a simulated create carried (the official API's `options.external_task_id`). */
function externalIdOf(task: SimulatedTask): unknown {
  const options = task.request.options;
  return typeof options === 'object' && options !== null && !Array.isArray(options)
    ? options.external_task_id
    : undefined;
}

const tally = {
  requests: 0,
  sends: 0,
  uncertain: 0,
  lookups: 0,
  handles: 0,
  recovered: 0,
  safeToResend: 0,
  lookupErrors: 0,
  parked: 0,
  parkedWithTask: 0,
  gaveUp: 0,
};

function fail(message: string): never {
  throw new Error(message);
}

describe('recover: per logical request on kling, at most one task, resent only when provably absent', () => {
  const sim = createGatewaySimulator({ seed: 1414 });
  const { fetch } = inProcessFetch(sim);
  const client = new KlingClient({ gateway: 'kling', apiKey: 'sk-recover', fetch, clock: instantClock() });
  const estimate = client.estimate(REQUEST);
  const stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    Error.stackTraceLimit = 0;
  });
  let passed = false;
  afterAll(async () => {
    Error.stackTraceLimit = stackTraceLimit;
    await client.close();
    if (!passed) return;
    figure(
      'recover (model-based)',
      `${tally.requests} logical requests on kling through random create and lookup faults: ${tally.sends} sends, ` +
        `${tally.uncertain} KlingSubmitUncertainError, ${tally.lookups} recover calls (${tally.lookupErrors} threw: ` +
        `a reply that proved nothing), ${tally.recovered} tasks found, ${tally.safeToResend} provably absent and ` +
        `resent, ${tally.handles} handles in all, ${tally.parked} parked (${tally.parkedWithTask} with a task ` +
        `behind them), ${tally.gaveUp} out of sends; 0 requests with 2 tasks, 0 resends while a task existed`,
    );
  });

  it(
    `${numRuns} logical requests through random create and lookup faults`,
    async () => {
      await fc.assert(
        fc.asyncProperty(run, async (r) => {
          sim.reset();
          sim.setFaults(rules(r));
          const options = { maxRetries: r.maxRetries };
          const tasks = () => sim.tasks();
          const story = (outcome: string) =>
            `${outcome}; creates: ${sim.stats.requests
              .map((q) => `${q.op}:${q.fault ?? 'none'}:${q.status}`)
              .join(', ')}; tasks: ${tasks()
              .map((t) => t.id)
              .join(', ')}`;
          tally.requests++;
          let handle: TaskHandle | undefined;
          let parked = false;
          let lookupFailed = false;
          for (let send = 0; send < MAX_SENDS && handle === undefined && !parked; send++) {
            tally.sends++;
            let record: SubmitRecord | undefined;
            try {
              handle = await client.submit(REQUEST, {
                ...options,
                onBeforeSend: (saved) => {
                  record = JSON.parse(JSON.stringify(saved));
                },
              });
              break;
            } catch (error) {
              if (!KlingError.is(error)) fail(`a submit threw ${String(error)}`);
              if (!KlingSubmitUncertainError.is(error)) {
                // 3'. A not-created error means no task: sending again is allowed.
                if (error.taskState !== 'not-created') fail(story(`${error.name} says ${error.taskState}`));
                if (tasks().length > 0) fail(story(`${error.name} says not-created, but a task exists`));
                continue;
              }
              tally.uncertain++;
              if (error.externalId === undefined || error.externalId !== record?.externalId) {
                fail(
                  story(`the uncertain error names ${error.externalId}, the record ${record?.externalId}`),
                );
              }
              let result: RecoverResult | undefined;
              for (let lookup = 0; lookup < LOOKUPS_PER_SEND && result === undefined; lookup++) {
                tally.lookups++;
                try {
                  result = await client.recover(r.fromRecord ? record : error, options);
                } catch (lookupError) {
                  if (!KlingError.is(lookupError)) fail(`recover threw ${String(lookupError)}`);
                  tally.lookupErrors++;
                  lookupFailed = true;
                }
              }
              if (result === undefined) {
                parked = true;
              } else if (result.found) {
                tally.recovered++;
                handle = result.handle;
                if (JSON.stringify(handle.estimate) !== JSON.stringify(estimate)) {
                  fail(story('the recovered handle does not carry the estimate'));
                }
              } else {
                // 3. Provably absent: no task exists now, so the resend cannot make a second one.
                tally.safeToResend++;
                if (result.externalId !== error.externalId)
                  fail(story('not-found names another external id'));
                if (tasks().length > 0) fail(story('safeToResend while a task exists'));
              }
            }
          }

          // 1. At most one task for one logical request.
          const all = tasks();
          if (all.length > 1) fail(story(`${all.length} tasks for one request`));
          const task = all[0];
          if (handle !== undefined) {
            // 2. The handle names the task, and the external id its create carried.
            tally.handles++;
            if (task === undefined) fail(story('a handle, but no task'));
            if (handle.id !== task.id) fail(story(`the handle names ${handle.id}`));
            if (handle.externalId === undefined || handle.externalId !== externalIdOf(task)) {
              fail(story(`the handle's external id ${handle.externalId} is not the task's`));
            }
          } else if (parked) {
            // 4. Only a lookup that proved nothing parks a request.
            tally.parked++;
            if (task !== undefined) tally.parkedWithTask++;
            if (!lookupFailed) fail(story('parked without a failed lookup'));
          } else {
            tally.gaveUp++;
            if (task !== undefined) fail(story('out of sends, yet a task exists and no handle names it'));
          }
          if (!r.lookups.some((k) => k !== 'none') && parked)
            fail(story('parked with every lookup answered'));
        }),
        { numRuns, seed: 14_004 },
      );
      if (numRuns >= 1000) {
        // The schedules reach every outcome the properties speak of.
        expect(tally.recovered).toBeGreaterThan(0);
        expect(tally.safeToResend).toBeGreaterThan(0);
        expect(tally.lookupErrors).toBeGreaterThan(0);
        expect(tally.parkedWithTask).toBeGreaterThan(0);
      }
      passed = true;
    },
    Math.max(120_000, numRuns * 60),
  );
});
