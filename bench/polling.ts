/**
 * 2. Polling efficiency: a pure simulation, on simulated time, of the shipped poll policy
 * (`nextPollDelay`, src/client/poll-delay.ts, as `client.wait()` uses it) against fixed 2 s and 5 s pollers.
 *
 * THE MODEL (what each gateway does, from what the vendors publish; seeded, so every run repeats):
 * - API in One: the render takes T ~ uniform 60–180 s ("Speed 60–180 seconds", its model page). Its
 *   status reply gives no hint (its body is undocumented): queued/running until T.
 * - Modellix: publishes nothing, so the same as API in One (60–180 s, no hint).
 * - apiframe: T ~ uniform 120–180 s (mean 150 s: "Avg. completion ~150s" on its model page; the
 *   kling-api README says about 135 s). Its status reply carries `progress`: 0 while queued for the first
 *   10% of T, then rising linearly to 99 (an integer, rounded down) until T.
 * - EvoLink: its status reply carries an up-front estimate E ~ uniform 120–240 s (whole seconds; its
 *   create example says 300), which the SDK turns into `etaSeconds` = max(0, round(E − elapsed)); the
 *   real render T = E × uniform 0.7–1.3 (within ±30% of the estimate).
 * A task is submitted at t = 0. A poller's first status request goes out after its first delay (for
 * `wait()` on a fresh handle: `nextPollDelay` with nothing seen yet), each later one after the delay it
 * computes from the last reply. A request takes no time. The task is detected by the first request at
 * or after T; requests per task count every status request up to and including that one; the detection
 * lag is that request's time minus T. Fixed pollers ask at 2 s (5 s) and every 2 s (5 s) after.
 */
import {
  fmt,
  type Goal,
  isMain,
  loadSdk,
  mean,
  quantile,
  report,
  type Sdk,
  type SectionResult,
  seededRandom,
} from './lib.js';

type GatewayId = 'apiinone' | 'apiframe' | 'evolink' | 'modellix';
const GATEWAYS: readonly GatewayId[] = ['apiinone', 'apiframe', 'evolink', 'modellix'];
const TASKS = 20_000;
const SEED = 42;

/** What a status request shows at `t` ms after submit. */
type Seen =
  | { done: true }
  | { done: false; status: 'queued' | 'running'; progress?: number; etaSeconds?: number };

interface ModelTask {
  /** When the render finishes, ms after submit. */
  finishMs: number;
  seen(t: number): Seen;
}

/** Draws one task of `gateway` from the model; `speed` scales the real render time (1 = as published). */
function drawTask(gateway: GatewayId, random: () => number, speed = 1): ModelTask {
  const between = (a: number, b: number) => a + (b - a) * random();
  switch (gateway) {
    case 'evolink': {
      const estimate = Math.round(between(120, 240));
      const finishMs = estimate * 1000 * between(0.7, 1.3) * speed;
      return {
        finishMs,
        seen: (t) =>
          t >= finishMs
            ? { done: true }
            : { done: false, status: 'running', etaSeconds: Math.max(0, Math.round(estimate - t / 1000)) },
      };
    }
    case 'apiframe': {
      const finishMs = between(120_000, 180_000) * speed;
      const queuedMs = 0.1 * finishMs;
      return {
        finishMs,
        seen: (t) => {
          if (t >= finishMs) return { done: true };
          if (t < queuedMs) return { done: false, status: 'queued', progress: 0 };
          const progress = Math.min(99, Math.floor((100 * (t - queuedMs)) / (finishMs - queuedMs)));
          return { done: false, status: 'running', progress };
        },
      };
    }
    default: {
      const finishMs = between(60_000, 180_000) * speed;
      return { finishMs, seen: (t) => (t >= finishMs ? { done: true } : { done: false, status: 'running' }) };
    }
  }
}

/** The delay before the next status request, given the time since submit and the last reply. */
type Poller = (gateway: GatewayId, elapsedMs: number, last: Seen | undefined) => number;

const fixed =
  (ms: number): Poller =>
  () =>
    ms;

function ours(sdk: Sdk): Poller {
  return (gateway, elapsedMs, last) => {
    if (last === undefined || last.done) return sdk.nextPollDelay({ gateway, elapsedMs });
    const { status, progress, etaSeconds } = last;
    const task = {
      id: 't',
      gateway,
      raw: {},
      status,
      ...(progress === undefined ? {} : { progress }),
      ...(etaSeconds === undefined ? {} : { etaSeconds }),
    };
    return sdk.nextPollDelay({ gateway, elapsedMs, last: task });
  };
}

interface Outcome {
  requests: number;
  meanLagS: number;
  p95LagS: number;
}

function simulate(gateway: GatewayId, poller: Poller, speed = 1): Outcome {
  const random = seededRandom(SEED);
  const requests: number[] = [];
  const lags: number[] = [];
  for (let i = 0; i < TASKS; i++) {
    const task = drawTask(gateway, random, speed);
    let t = 0;
    let last: Seen | undefined;
    for (let n = 1; ; n++) {
      t += poller(gateway, t, last);
      last = task.seen(t);
      if (last.done) {
        requests.push(n);
        lags.push((t - task.finishMs) / 1000);
        break;
      }
      if (n > 10_000) throw new Error(`${gateway}: a poller that never finds the task done`);
    }
  }
  return { requests: mean(requests), meanLagS: mean(lags), p95LagS: quantile(lags, 0.95) };
}

export async function run(): Promise<SectionResult> {
  const sdk = await loadSdk();
  const policy = ours(sdk);
  const rows: string[][] = [];
  const goals: Goal[] = [];
  for (const gateway of GATEWAYS) {
    const results = {
      ours: simulate(gateway, policy),
      five: simulate(gateway, fixed(5_000)),
      two: simulate(gateway, fixed(2_000)),
    };
    const hint = gateway === 'evolink' ? 'ETA' : gateway === 'apiframe' ? 'progress' : 'none';
    for (const [name, r] of [
      ['kling-sdk policy', results.ours],
      ['fixed 5 s', results.five],
      ['fixed 2 s', results.two],
    ] as const) {
      rows.push([
        gateway,
        hint,
        name,
        fmt(r.requests, 1),
        fmt(r.requests / results.five.requests),
        fmt(r.meanLagS),
        fmt(r.p95LagS),
      ]);
    }
    const ratio = results.ours.requests / results.five.requests;
    const limit = hint === 'none' ? 0.6 : 1 / 3;
    goals.push({
      name: `${gateway} (hint: ${hint}): requests vs fixed 5 s, at an equal or lower mean lag`,
      value: `${fmt(ratio)}× (mean lag ${fmt(results.ours.meanLagS)} s vs ${fmt(results.five.meanLagS)} s)`,
      target: `≤ ${hint === 'none' ? '0.60' : '0.33'}×, lag ≤ fixed 5 s`,
      met: ratio <= limit && results.ours.meanLagS <= results.five.meanLagS + 1e-9,
    });
  }

  // Off the model: what if renders are faster or slower than published (the estimate unchanged)?
  const offModel: string[] = [];
  for (const speed of [0.75, 1.5]) {
    const cells = GATEWAYS.map((gateway) => {
      const a = simulate(gateway, policy, speed);
      const b = simulate(gateway, fixed(5_000), speed);
      return `${gateway} ${fmt(a.requests / b.requests)}× the requests, mean lag ${fmt(a.meanLagS)} s (p95 ${fmt(a.p95LagS)} s) vs ${fmt(b.meanLagS)} s`;
    });
    offModel.push(`Renders ${speed < 1 ? '25% faster' : '50% slower'} than published: ${cells.join('; ')}.`);
  }

  return {
    id: 'polling',
    title: '2. Polling efficiency: status requests and detection lag per task (simulated clock)',
    headers: ['gateway', 'hint', 'poller', 'requests/task', '÷ fixed 5 s', 'mean lag (s)', 'p95 lag (s)'],
    rows,
    goals,
    notes: [
      `${TASKS.toLocaleString('en-US')} tasks per gateway, seed ${SEED}; the model is written down in bench/polling.ts and bench/PERFORMANCE.md.`,
      ...offModel,
    ],
  };
}

if (isMain(import.meta.url)) report(await run());
