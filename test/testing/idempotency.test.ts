import { afterEach, describe, expect, it } from 'vitest';
import {
  type RunningSimulator,
  type SimulatorOptions,
  startGatewaySimulator,
} from '../../src/testing/index.js';
import { create, manualClock, WIRE } from './helpers.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  sim = await startGatewaySimulator({ seed: 8, ...options });
  return sim;
}

const wire = WIRE.apiframe;
const withKey = (key: string, apiKey = 'afk_test') => ({ key: apiKey, headers: { 'idempotency-key': key } });

describe('apiframe Idempotency-Key', () => {
  it('same key and body: the original job, one task', async () => {
    const running = await start();
    const first = await create(running.url, 'apiframe', wire.validBody(), withKey('order-1'));
    const again = await create(running.url, 'apiframe', wire.validBody(), withKey('order-1'));
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json.jobId).toBe(first.json.jobId);
    expect(running.stats.created.apiframe).toBe(1);
    expect(running.tasks()).toEqual([expect.objectContaining({ idempotencyKey: 'order-1' })]);
    expect(running.stats.requests.map((r) => r.idempotencyKey)).toEqual(['order-1', 'order-1']);
  });

  it('same key with another body: 409, nothing created', async () => {
    const running = await start();
    await create(running.url, 'apiframe', wire.validBody('one'), withKey('order-2'));
    const conflict = await create(running.url, 'apiframe', wire.validBody('two'), withKey('order-2'));
    expect(conflict.status).toBe(409);
    expect(conflict.json).toEqual({ error: expect.any(String) });
    expect(running.stats.created.apiframe).toBe(1);
  });

  it('key order in the body does not matter; other API keys do not share keys', async () => {
    const running = await start();
    const body = wire.validBody();
    const reordered = { klingParams: body.klingParams, prompt: body.prompt, model: body.model };
    const first = await create(running.url, 'apiframe', body, withKey('k'));
    expect((await create(running.url, 'apiframe', reordered, withKey('k'))).json.jobId).toBe(
      first.json.jobId,
    );
    const otherAccount = await create(running.url, 'apiframe', body, withKey('k', 'afk_other'));
    expect(otherAccount.json.jobId).not.toBe(first.json.jobId);
  });

  it('a retry after drop-after-create gets the job that was created', async () => {
    const running = await start({ faults: [{ op: 'create', kind: 'drop-after-create', times: 1 }] });
    const send = () =>
      fetch(`${running.url}${wire.createPath}`, {
        method: 'POST',
        headers: { ...wire.authHeaders('afk_test'), 'idempotency-key': 'retry-me' },
        body: JSON.stringify(wire.validBody()),
      });
    await expect(send()).rejects.toThrow(TypeError);
    const retry = await send();
    expect(retry.status).toBe(202);
    const [task] = running.tasks();
    expect(((await retry.json()) as { jobId: string }).jobId).toBe(task?.id);
    expect(running.stats.created.apiframe).toBe(1);
  });

  it('a replay reports the job status of now', async () => {
    const clock = manualClock();
    const running = await start({ now: clock.now });
    await create(running.url, 'apiframe', wire.validBody(), withKey('late'));
    clock.advance(160);
    const replay = await create(running.url, 'apiframe', wire.validBody(), withKey('late'));
    expect(replay.json.status).toBe('COMPLETED');
  });

  it('keys expire after 24 hours', async () => {
    const clock = manualClock();
    const running = await start({ now: clock.now });
    const first = await create(running.url, 'apiframe', wire.validBody(), withKey('daily'));
    clock.advance(24 * 3600 + 1); // wall ms at 0.001: just over 24 simulated hours
    const later = await create(running.url, 'apiframe', wire.validBody(), withKey('daily'));
    expect(later.json.jobId).not.toBe(first.json.jobId);
    expect(running.stats.created.apiframe).toBe(2);
  });

  it('a key over 255 characters is a 400', async () => {
    const running = await start();
    const reply = await create(running.url, 'apiframe', wire.validBody(), withKey('x'.repeat(256)));
    expect(reply.status).toBe(400);
    expect(running.stats.rejected.apiframe).toBe(1);
  });
});
