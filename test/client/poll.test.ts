import { describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/client/poll.js';
import type { Task } from '../../src/gateways/index.js';

const running = (extra: Partial<Task> = {}): Task =>
  ({ id: 't', gateway: 'evolink', raw: {}, status: 'running', ...extra }) as Task;

describe('nextPollDelay', () => {
  it('does not poll before the earliest plausible finish when there is no hint', () => {
    // API in One publishes 60–180 s: the first look is ~30 s in (capped), the next at 60 s.
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 })).toBe(30_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 30_000 })).toBe(30_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 58_000 })).toBe(5_000);
    expect(
      nextPollDelay({ gateway: 'apiinone', elapsedMs: 100_000, last: running({ gateway: 'apiinone' }) }),
    ).toBe(5_000);
  });
  it('follows an ETA hint: half the remaining time, never below the interval', () => {
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 40 }) })).toBe(
      20_000,
    );
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 4 }) })).toBe(5_000);
    expect(nextPollDelay({ gateway: 'evolink', elapsedMs: 0, last: running({ etaSeconds: 600 }) })).toBe(
      30_000,
    );
  });
  it('extrapolates progress into a remaining time', () => {
    // 25% after 40 s: 120 s to go, so wait half of it (capped at 30 s); 90% after 90 s: 10 s to go.
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 40_000, last: running({ progress: 25 }) })).toBe(
      30_000,
    );
    expect(nextPollDelay({ gateway: 'apiframe', elapsedMs: 90_000, last: running({ progress: 90 }) })).toBe(
      5_000,
    );
  });
  it('honours the caller options', () => {
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 100_000 }, { intervalMs: 1_000 })).toBe(1_000);
    expect(nextPollDelay({ gateway: 'apiinone', elapsedMs: 0 }, { maxIntervalMs: 10_000 })).toBe(10_000);
  });
});
