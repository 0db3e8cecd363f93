import { abortableSleep, type Clock } from '../http/clock.js';
import { buildHandlers } from './handlers.js';
import { SimulatorState } from './state.js';
import type { GatewaySimulator, SimulatorOptions } from './types.js';

/** The simulator plus the state the loopback server needs to reach (not part of the public API). */
export interface SimulatorInternals {
  simulator: GatewaySimulator;
  state: SimulatorState;
}

export function buildSimulator(options: SimulatorOptions = {}): SimulatorInternals {
  const state = new SimulatorState(options);
  const simulator: GatewaySimulator = {
    handlers: buildHandlers(state),
    stats: state.stats,
    seed: state.seed,
    release: (taskId) => state.release(taskId),
    tasks: () => state.snapshot(),
    uploads: () => state.uploadList(),
    clock: () => state.clock(),
    reset: () => state.reset(),
    setFaults: (rules) => state.faults.replace(rules),
    clientClock: scaledClock(state),
  };
  return { simulator, state };
}

/** The four gateways as msw handlers with their state; no server (use the handlers with msw's setupServer). */
export function createGatewaySimulator(options?: SimulatorOptions): GatewaySimulator {
  return buildSimulator(options).simulator;
}

/**
 * A clock for a `KlingClient` that runs on the simulator's time: `now` is the simulated date and a
 * sleep of N ms takes N × timeScale real ms, so the client's polling policy runs as in production,
 * only faster.
 */
function scaledClock(state: SimulatorState): Clock {
  return {
    now: () => state.dateOf(state.clock()),
    sleep: (ms, signal) => abortableSleep(ms * state.timeScale, signal),
  };
}
