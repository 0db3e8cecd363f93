/** Per-call options reach the validators: every problem listed, nothing sent (issue 10 item 7). */
import { describe, expect, it } from 'vitest';
import { KlingClient, KlingValidationError } from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { json, scriptedFetch } from '../helpers/scripted-fetch.js';

function client() {
  const { fetch, calls } = scriptedFetch([json(200, { id: 'task-unified-1', status: 'pending' })]);
  return {
    client: new KlingClient({
      gateway: 'evolink',
      apiKey: 'sk-call-options-1',
      baseUrl: 'https://gw.test',
      fetch,
    }),
    calls,
  };
}

const prompt = 'a heron in the reeds';

describe('per-call options are validated before anything is sent', () => {
  it('submit: an unknown option gets a did-you-mean, a bad key and timeout are listed too', async () => {
    const { client: evolink, calls } = client();
    const error = await rejection(
      evolink.submit({ prompt }, { timeout: 5, timeoutMs: 0, maxRetries: -1 } as never),
    );
    expect(KlingValidationError.is(error)).toBe(true);
    const issues = (error as KlingValidationError).issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(expect.arrayContaining(['timeout', 'timeoutMs', 'maxRetries']));
    expect(String((error as Error).message)).toMatch(/timeoutMs/);
    expect(calls).toHaveLength(0);
  });

  it('getTask and wait: timeoutMs 0, NaN and negatives are refused; Infinity is a wait without deadline', async () => {
    const { client: evolink, calls } = client();
    for (const timeoutMs of [0, Number.NaN, -5]) {
      expect(KlingValidationError.is(await rejection(evolink.getTask('task-unified-1', { timeoutMs })))).toBe(
        true,
      );
      expect(KlingValidationError.is(await rejection(evolink.wait('task-unified-1', { timeoutMs })))).toBe(
        true,
      );
    }
    expect(calls).toHaveLength(0);
  });

  it('generate: wait options are not submit options, and an unknown one is refused before the submit', async () => {
    const { client: evolink, calls } = client();
    const error = await rejection(evolink.generate({ prompt }, { waitTimeout: 1000 } as never));
    expect(KlingValidationError.is(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/waitTimeoutMs/);
    expect(calls).toHaveLength(0);
  });

  it('an idempotency key with CR/LF is refused up front (apiframe), nothing sent', async () => {
    const { fetch, calls } = scriptedFetch([json(202, { jobId: 'j', status: 'QUEUED' })]);
    const apiframe = new KlingClient({
      gateway: 'apiframe',
      apiKey: 'sk-call-options-2',
      baseUrl: 'https://gw.test',
      fetch,
    });
    const error = await rejection(apiframe.submit({ prompt }, { idempotencyKey: 'abc\r\nX-Evil: 1' }));
    expect(KlingValidationError.is(error)).toBe(true);
    expect((error as KlingValidationError).taskState).toBe('not-created');
    expect(calls).toHaveLength(0);
  });
});
