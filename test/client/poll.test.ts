import { describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/client/poll.js';
import type { Task } from '../../src/gateways/index.js';

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
});
