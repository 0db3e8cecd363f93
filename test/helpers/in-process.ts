import { getResponse } from 'msw';
import type { FetchFunction } from '../../src/http/transport.js';
import type { GatewaySimulator } from '../../src/testing/index.js';

/**
 * A fetch that answers from the simulator's msw handlers in this process, with no sockets: the same
 * validation and state machine as over loopback, fast enough for property tests. Counts every call.
 */
export function inProcessFetch(sim: GatewaySimulator): { fetch: FetchFunction; calls: () => number } {
  let calls = 0;
  const fetch: FetchFunction = async (input, init) => {
    calls++;
    const request = new Request(input, init);
    const response = await getResponse(sim.handlers, request);
    if (response === undefined) return new Response('not found', { status: 404 });
    if (response.type === 'error') throw new TypeError('fetch failed');
    return response;
  };
  return { fetch, calls: () => calls };
}
