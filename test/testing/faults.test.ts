import { afterEach, describe, expect, it } from 'vitest';
import {
  type FaultRule,
  type RunningSimulator,
  type SimulatorOptions,
  startGatewaySimulator,
} from '../../src/testing/index.js';
import { GATEWAYS, isMp4, pollUntilFinal, WIRE, type WiredGateway } from './helpers.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions): Promise<RunningSimulator> {
  sim = await startGatewaySimulator({ seed: 5, ...options });
  return sim;
}

function post(
  running: RunningSimulator,
  gateway: WiredGateway,
  init: { signal?: AbortSignal } = {},
): Promise<Response> {
  const wire = WIRE[gateway];
  return fetch(`${running.url}${wire.createPath}`, {
    method: 'POST',
    headers: wire.authHeaders('sk-test'),
    body: JSON.stringify(wire.validBody()),
    ...init,
  });
}

describe.each(GATEWAYS)('%s: HTTP error faults answer in the gateway shape and create nothing', (gateway) => {
  it.each(['http-500', 'http-502', 'http-503', 'http-504', 'http-429'] as const)('%s', async (kind) => {
    const running = await start({ faults: [{ op: 'create', kind }] });
    const response = await post(running, gateway);
    expect(response.status).toBe(Number(kind.slice(5)));
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    if (gateway === 'modellix') expect(body).toEqual({ code: response.status, message: expect.any(String) });
    else if (gateway === 'apiframe') expect(typeof body.error).toBe('string');
    else expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
    expect(running.stats.created[gateway]).toBe(0);
    expect(running.tasks()).toEqual([]);
    expect(running.stats.requests).toEqual([
      expect.objectContaining({ gateway, op: 'create', status: response.status, fault: kind }),
    ]);
  });
});

describe('Retry-After', () => {
  it('carries seconds on 429 and an HTTP date on 503 when the rule gives one', async () => {
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    const running = await start({
      faults: [
        { op: 'create', kind: 'http-429', retryAfter: 7, times: 1 },
        { op: 'create', kind: 'http-503', retryAfter: date, times: 1 },
      ],
    });
    const first = await post(running, 'evolink');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    const second = await post(running, 'evolink');
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe(date);
    const third = await post(running, 'evolink');
    expect(third.status).toBe(200);
  });

  it('is absent when the rule gives none', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'http-429' }] });
    expect((await post(running, 'apiframe')).headers.get('retry-after')).toBeNull();
  });
});

describe('connection faults', () => {
  it('reset: the socket closes without a response and nothing is created', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'reset' }] });
    await expect(post(running, 'modellix')).rejects.toThrow(TypeError);
    expect(running.stats.created.modellix).toBe(0);
    expect(running.stats.requests[0]).toMatchObject({ status: 'dropped', fault: 'reset' });
  });

  it('drop-after-create: the task exists, the client never hears of it', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'drop-after-create' }] });
    await expect(post(running, 'apiinone')).rejects.toThrow(TypeError);
    expect(running.stats.created.apiinone).toBe(1);
    expect(running.tasks()).toHaveLength(1);
    expect(running.stats.requests[0]).toMatchObject({ status: 'dropped', fault: 'drop-after-create' });
  });

  it('hang: never answers, until the client gives up', async () => {
    const running = await start({ faults: [{ op: 'status', kind: 'hang' }] });
    const created = (await (await post(running, 'evolink')).json()) as { id: string };
    const wire = WIRE.evolink;
    const hung = fetch(`${running.url}${wire.statusPath(created.id)}`, {
      headers: wire.authHeaders('sk-test'),
      signal: AbortSignal.timeout(150),
    });
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(running.stats.requests[1]).toMatchObject({ op: 'status', status: 'hung', fault: 'hang' });
  });

  it('hang: close() ends the hung request', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'hang' }] });
    const hung = post(running, 'apiframe');
    const settled = hung.then(
      () => 'answered',
      () => 'failed',
    );
    await expect.poll(() => running.stats.requests.length).toBe(1);
    await running.close();
    expect(await settled).toBe('failed');
    expect(running.stats.created.apiframe).toBe(0);
  });
});

describe.each(GATEWAYS)('%s: refusals that prove nothing was created', (gateway) => {
  it('http-400: 400 in the gateway shape, nothing created, not counted as a validation rejection', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'http-400' }] });
    const response = await post(running, gateway);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(JSON.stringify(await response.json())).toContain('simulated http-400 fault');
    expect(running.stats.created[gateway]).toBe(0);
    expect(running.stats.rejected[gateway]).toBe(0);
    expect(running.stats.requests).toEqual([
      expect.objectContaining({ gateway, op: 'create', status: 400, fault: 'http-400' }),
    ]);
  });

  it('http-402: 402 in the gateway shape, nothing created', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'http-402' }] });
    const response = await post(running, gateway);
    expect(response.status).toBe(402);
    const body = (await response.json()) as Record<string, unknown>;
    // apiframe quotes what the request would have cost, from the body it was sent.
    if (gateway === 'apiframe') expect(body.creditsRequired).toBeGreaterThan(0);
    expect(running.stats.created[gateway]).toBe(0);
    expect(running.stats.requests[0]).toMatchObject({ status: 402, fault: 'http-402' });
  });
});

describe.each(GATEWAYS)('%s: faults after the task was created', (gateway) => {
  it('http-500-after-create: the task exists, the reply is a 500 in the gateway shape', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'http-500-after-create' }] });
    const response = await post(running, gateway);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(running.stats.created[gateway]).toBe(1);
    expect(running.tasks()).toHaveLength(1);
    expect(running.stats.requests[0]).toMatchObject({ status: 500, fault: 'http-500-after-create' });
  });

  it('hang-after-create: the task exists, no reply until the client gives up', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'hang-after-create' }] });
    const hung = post(running, gateway, { signal: AbortSignal.timeout(150) });
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(running.stats.created[gateway]).toBe(1);
    expect(running.stats.requests[0]).toMatchObject({ status: 'hung', fault: 'hang-after-create' });
  });
});

describe('malformed replies', () => {
  it('html: 502 with an HTML page, nothing created', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'html' }] });
    const response = await post(running, 'evolink');
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/^<!DOCTYPE html>/);
    expect(running.stats.created.evolink).toBe(0);
  });

  it('truncated-json: the real status with the first half of the real JSON', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'truncated-json' }] });
    const response = await post(running, 'modellix');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(text.startsWith('{"code":0,"message":"success"')).toBe(true);
    expect(running.stats.created.modellix).toBe(1);
  });

  it('wrong-content-type: the real JSON labelled text/plain', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'wrong-content-type' }] });
    const response = await post(running, 'apiframe');
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(JSON.parse(await response.text())).toMatchObject({ status: 'QUEUED' });
  });
});

describe('rule matching', () => {
  it('times limits a rule to the first N matching requests', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'http-500', times: 2 }] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(running, 'evolink')).status);
    expect(statuses).toEqual([500, 500, 200, 200]);
  });

  it('gateway and op narrow a rule', async () => {
    const rules: FaultRule[] = [{ op: 'status', kind: 'http-503', gateway: 'evolink' }];
    const running = await start({ faults: rules });
    expect((await post(running, 'evolink')).status).toBe(200);
    expect((await post(running, 'apiframe')).status).toBe(202);
    const [task] = running.tasks();
    const wire = WIRE.evolink;
    const poll = await fetch(`${running.url}${wire.statusPath(task?.id ?? '')}`, {
      headers: wire.authHeaders('k'),
    });
    expect(poll.status).toBe(503);
  });

  it('rate draws from the seed: the same seed hits the same requests', async () => {
    async function pattern(): Promise<number[]> {
      const running = await startGatewaySimulator({
        seed: 99,
        faults: [{ op: 'any', kind: 'http-502', rate: 0.5 }],
      });
      try {
        const statuses = [];
        for (let i = 0; i < 24; i++) statuses.push((await post(running, 'apiinone')).status);
        return statuses;
      } finally {
        await running.close();
      }
    }
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first).toContain(502);
    expect(first).toContain(200);
  });

  it('download faults hit the video, not the API', async () => {
    const running = await start({ faults: [{ op: 'download', kind: 'http-500', times: 1 }] });
    const created = (await (await post(running, 'evolink')).json()) as { id: string };
    const final = await pollUntilFinal(running.url, 'evolink', created.id);
    const url = WIRE.evolink.videoUrlOf(final.json) ?? '';
    expect((await fetch(url)).status).toBe(500);
    const retry = await fetch(url);
    expect(retry.status).toBe(200);
    expect(isMp4(new Uint8Array(await retry.arrayBuffer()))).toBe(true);
  });

  it("a sequence of times: 1 rules, with 'none' for a step that goes through", async () => {
    const step = (kind: FaultRule['kind']): FaultRule => ({ op: 'create', kind, times: 1 });
    const running = await start({ faults: [step('http-429'), step('none'), step('http-402')] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(running, 'evolink')).status);
    expect(statuses).toEqual([429, 200, 402, 200]);
    expect(running.stats.requests.map((r) => r.fault)).toEqual([
      'http-429',
      undefined,
      'http-402',
      undefined,
    ]);
    expect(running.stats.created.evolink).toBe(2);
  });

  it('setFaults replaces the rules from the next request, their counts from zero', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'http-500', times: 1 }] });
    expect((await post(running, 'apiinone')).status).toBe(500);
    running.setFaults([{ op: 'create', kind: 'http-502', times: 1, gateway: 'apiinone' }]);
    expect((await post(running, 'modellix')).status).toBe(200);
    expect((await post(running, 'apiinone')).status).toBe(502);
    expect((await post(running, 'apiinone')).status).toBe(200);
    // The same rules again: the count starts over.
    running.setFaults([{ op: 'create', kind: 'http-502', times: 1, gateway: 'apiinone' }]);
    expect((await post(running, 'apiinone')).status).toBe(502);
    running.setFaults([]);
    expect((await post(running, 'apiinone')).status).toBe(200);
    expect(() => running.setFaults([{ op: 'any', kind: 'reset', rate: -1 }])).toThrow(RangeError);
  });

  it('refuses rules with an impossible rate or count', async () => {
    await expect(startGatewaySimulator({ faults: [{ op: 'any', kind: 'reset', rate: 2 }] })).rejects.toThrow(
      RangeError,
    );
    await expect(
      startGatewaySimulator({ faults: [{ op: 'any', kind: 'reset', times: -1 }] }),
    ).rejects.toThrow(RangeError);
  });
});
