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
    clock: () => state.clock(),
    reset: () => state.reset(),
  };
  return { simulator, state };
}

/** The four gateways as msw handlers with their state; no server (use the handlers with msw's setupServer). */
export function createGatewaySimulator(options?: SimulatorOptions): GatewaySimulator {
  return buildSimulator(options).simulator;
}
