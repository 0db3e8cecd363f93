import type { FetchFunction } from '../../src/http/transport.js';

export interface RecordedCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** One scripted answer: a reply, or a thrown network error. */
export type Step =
  | { status: number; body?: unknown; text?: string; headers?: Record<string, string> }
  | { throws: Error };

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Step => ({
  status,
  body,
  headers,
});

/** A network error the way fetch reports it: `TypeError('fetch failed')` with the errno in `cause`. */
export const networkError = (code: string): Step => ({
  throws: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) }),
});

/**
 * A fetch that answers from a script, in order (the last step repeats), and records every call.
 * It honours the AbortSignal, so aborts and deadlines behave as with a real server.
 */
export function scriptedFetch(steps: Step[] | ((call: RecordedCall, index: number) => Step)) {
  const calls: RecordedCall[] = [];
  const fetch: FetchFunction = async (url, init) => {
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
    const call: RecordedCall = {
      url,
      method: init.method ?? 'GET',
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    init.signal?.throwIfAborted();
    const index = calls.length - 1;
    const step =
      typeof steps === 'function' ? steps(call, index) : (steps[Math.min(index, steps.length - 1)] as Step);
    if ('throws' in step) throw step.throws;
    const text = step.text ?? (step.body === undefined ? '' : JSON.stringify(step.body));
    // These statuses carry no body (the Response constructor refuses one).
    const nullBody = [101, 204, 205, 304].includes(step.status);
    return new Response(nullBody ? null : text, {
      status: step.status,
      headers: { 'content-type': 'application/json', ...step.headers },
    });
  };
  return { fetch, calls };
}
