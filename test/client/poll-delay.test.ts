import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/client/poll-delay.js';
import type { Task } from '../../src/gateways/index.js';
import { KlingClient, KlingValidationError, type PollOptions } from '../../src/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const running = (extra: Partial<Task> = {}): Task =>
  ({ id: 't', gateway: 'evolink', raw: {}, status: 'running', ...extra }) as Task;

describe('nextPollDelay', () => {
  it('does not poll before the earliest plausible finish when there is no hint', () => {
    // API in One publishes 60–180 s: sleep straight to 60 s, then every 5 s.
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 })).toBe(60_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 30_000 })).toBe(30_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 58_000 })).toBe(5_000);
    expect(
      nextPollDelay({ gateway: 'apiinone', elapsedMs: 100_000, last: running({ gateway: 'apiinone' }) }),
    ).toBe(5_000);
    // apiframe's first look (which brings its progress) is at its earliest plausible finish, 120 s.
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 0 })).toBe(120_000);
  });

  it('sleeps to 30% before an ETA, then polls ever closer across the ±30% window', () => {
    // A 200 s estimate seen at 60 s: the window is 140–260 s; the first look is 1.4 × 5 s into it.
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 60_000, last: running({ etaSeconds: 140 }) })).toBe(
      87_000,
    );
    // Inside the window the interval shrinks with the square root of the share still ahead.
    const at = (elapsedS: number) =>
      nextPollDelay({
        gateway: 'evolink',
        elapsedMs: elapsedS * 1000,
        last: running({ etaSeconds: 200 - elapsedS }),
      });
    expect(at(140)).toBe(7_000);
    expect(at(170)).toBe(6_062); // 7 s × √(90/120): three quarters of the window still ahead
    expect(at(195)).toBeLessThan(at(170));
    // Past the estimate (EvoLink's ETA stops at 0): every 0.7 × 5 s.
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 210_000, last: running({ etaSeconds: 0 }) })).toBe(
      3_500,
    );
  });

  it('never waits past the latest plausible finish nor the longest interval', () => {
    // A 4 s estimate: the window is 2.8–5.2 s; the first look is at its end.
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 4 }) })).toBe(5_200);
    // A 600 s estimate still gets a look every 2 minutes.
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 600 }) })).toBe(
      120_000,
    );
  });

  it('extrapolates progress and waits half the time left', () => {
    // 25% after 40 s: 120 s to go, so wait 60 s; 90% after 90 s: 10 s to go, wait 5 s; 99%: the floor.
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 40_000, last: running({ progress: 25 }) })).toBe(
      60_000,
    );
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 90_000, last: running({ progress: 90 }) })).toBe(
      5_000,
    );
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 140_000, last: running({ progress: 99 }) })).toBe(
      3_500,
    );
    // Queued (0%): nothing to extrapolate, so the steady interval once a finish is plausible.
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 130_000, last: running({ progress: 0 }) })).toBe(
      5_000,
    );
  });

  it('honours the caller options', () => {
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 100_000 }, { intervalMs: 1_000 })).toBe(1_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 }, { maxIntervalMs: 10_000 })).toBe(10_000);
    expect(
      nextPollDelay(
        { gateway: 'evolink', elapsedMs: 210_000, last: running({ etaSeconds: 0 }) },
        { intervalMs: 10_000 },
      ),
    ).toBe(7_000);
  });

  // Issue 17 item 4: `poll: { intervalMs: 1000 }` alone waited 60 s for its first poll (the render-time
  // floor, capped only by the 2-minute maximum), and up to 2 minutes on a far-off estimate.
  it('intervalMs alone is the beat: no render-time floor, and no wait longer than it', () => {
    const beat = { intervalMs: 1_000 };
    for (const gateway of ['apiinone', 'apiframe', 'evolink', 'modellix'] as const) {
      expect(nextPollDelay({ gateway, elapsedMs: 0 }, beat)).toBe(1_000);
      expect(nextPollDelay({ gateway, elapsedMs: 500, last: running({ gateway }) }, beat)).toBe(1_000);
    }
    // Hints can still bring polls closer (down to 0.7×), never push them further apart.
    expect(
      nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 150 }) }, beat),
    ).toBe(1_000);
    expect(
      nextPollDelay({ gateway: 'evolink', elapsedMs: 9_000, last: running({ etaSeconds: 0 }) }, beat),
    ).toBe(700);
    expect(
      nextPollDelay({ gateway: 'apiframe', elapsedMs: 2_000, last: running({ progress: 5 }) }, beat),
    ).toBe(1_000);
  });

  it('maxIntervalMs lets render times and hints stretch the waits again, up to it', () => {
    // The CLI's --poll-interval sets both: the render-time floor is capped at the interval.
    const cli = { intervalMs: 1_000, maxIntervalMs: 1_000 };
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 }, cli)).toBe(1_000);
    const stretch = { intervalMs: 1_000, maxIntervalMs: 30_000 };
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 }, stretch)).toBe(30_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 100_000 }, stretch)).toBe(1_000);
    expect(
      nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 150 }) }, stretch),
    ).toBe(30_000);
  });

  it('firstPollAfterMs holds back the polls that have no hint, as given', () => {
    // With the interval alone: a first look at 20 s, then every second.
    const first = { intervalMs: 1_000, firstPollAfterMs: 20_000 };
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 }, first)).toBe(20_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 19_500 }, first)).toBe(1_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 25_000, last: running() }, first)).toBe(1_000);
    // Given, it replaces the render-time default (60 s at API in One) and is not capped by maxIntervalMs.
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 }, { firstPollAfterMs: 10_000 })).toBe(10_000);
    expect(
      nextPollDelay(
        { gateway: 'apiinone', elapsedMs: 0 },
        { firstPollAfterMs: 90_000, maxIntervalMs: 10_000 },
      ),
    ).toBe(90_000);
    // 0 turns it off: the steady interval from the start.
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 0 }, { firstPollAfterMs: 0 })).toBe(5_000);
    // A hint still decides once there is one.
    expect(
      nextPollDelay(
        { gateway: 'evolink', elapsedMs: 10_000, last: running({ etaSeconds: 0 }) },
        { firstPollAfterMs: 60_000 },
      ),
    ).toBe(3_500);
  });
});

describe('wait with poll: { intervalMs: 1000 } against the simulator at a fast time scale', () => {
  // The simulator runs 100× faster than the client's clock (timeScale 0.01): its 60–240 s renders take
  // 0.6–2.4 s of the client's time, as they do for a user who runs it at that scale on a real clock.
  // Both run on one virtual clock, so the figures below are exact and take no real time.
  const SCALE = 0.01;
  let clock: VirtualClock;
  let sim: RunningSimulator;
  beforeAll(async () => {
    clock = new VirtualClock();
    sim = await startGatewaySimulator({ seed: 4, timeScale: SCALE, now: () => clock.now() });
  });
  afterAll(async () => {
    await sim.close();
  });

  it.each(['apiinone', 'apiframe', 'evolink', 'modellix'] as const)(
    '%s: polls about once a second and sees the finish within a second',
    async (gateway) => {
      const client = new KlingClient({
        gateway,
        apiKey: 'sk-poll',
        baseUrl: sim.url,
        clock,
        poll: { intervalMs: 1_000 },
      });
      try {
        const handle = await client.submit({ prompt: 'a paper boat' });
        const before = sim.stats.requests.length;
        // No deadline: a deadline's own sleep would let the virtual clock jump while a request is in flight.
        await client.wait(handle, { timeoutMs: Number.POSITIVE_INFINITY });
        const polls = sim.stats.requests.slice(before).filter((r) => r.op === 'status').length;
        const task = sim.tasks().find((t) => t.id === handle.id);
        if (task?.finishedAt === undefined) throw new Error('the simulator has no finished task');
        const renderMs = (task.finishedAt - task.createdAt) * SCALE; // on the client's clock
        const lagMs = (sim.clock() - task.finishedAt) * SCALE;
        expect(renderMs).toBeGreaterThan(500);
        expect(renderMs).toBeLessThan(3_000);
        // One poll per 0.7–1 s of render, one more that sees the finish (it was 58 s and more, 1 poll).
        expect(lagMs).toBeGreaterThanOrEqual(0);
        expect(lagMs).toBeLessThanOrEqual(1_000);
        expect(polls).toBeGreaterThanOrEqual(Math.floor(renderMs / 1_000));
        expect(polls).toBeLessThanOrEqual(Math.ceil(renderMs / 700) + 1);
      } finally {
        await client.close();
      }
    },
  );

  it('firstPollAfterMs is checked like the other poll options', () => {
    const bad = { firstPollAfterMs: -1 } as PollOptions;
    const error = rejectionOf(() => new KlingClient({ gateway: 'evolink', apiKey: 'k', poll: bad }));
    expect(KlingValidationError.is(error)).toBe(true);
    expect((error as KlingValidationError).issues).toEqual([
      {
        path: ['poll', 'firstPollAfterMs'],
        message: expect.stringMatching(/^must be a finite number of milliseconds, 0 or more/),
      },
    ]);
  });
});

function rejectionOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
