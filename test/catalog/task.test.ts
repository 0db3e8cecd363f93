import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type FailedTask,
  KlingClient,
  KlingTaskFailedError,
  type KlingTimeoutError,
  type Task,
  type TaskSnapshot,
} from '../../src/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { rejection } from '../helpers/rejection.js';

// Issue 17 item 7: the errors carry the whole task, typed as such (tsc checks the expectTypeOf lines).
describe('the task on the error types', () => {
  it('KlingTaskFailedError.task is the failed task; KlingTimeoutError.lastTask a Task', () => {
    expectTypeOf<KlingTaskFailedError['task']>().toEqualTypeOf<FailedTask>();
    expectTypeOf<FailedTask['status']>().toEqualTypeOf<'failed' | 'canceled'>();
    expectTypeOf<FailedTask['error']>().toEqualTypeOf<{ code?: string; message: string }>();
    expectTypeOf<KlingTimeoutError['lastTask']>().toEqualTypeOf<Task | undefined>();
    // The old name stays, deprecated, for code that imported it.
    expectTypeOf<TaskSnapshot>().toEqualTypeOf<Task>();
  });

  describe('through the simulator', () => {
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startGatewaySimulator({ seed: 17 });
    });
    afterAll(async () => {
      await sim.close();
    });

    it('a failed render: error.task.error.code with no cast', async () => {
      const client = new KlingClient({
        gateway: 'evolink',
        apiKey: 'sk-task-type',
        baseUrl: sim.url,
        clock: sim.clientClock,
      });
      try {
        const error = await rejection(client.generate({ prompt: 'a fox SIM_FAIL' }));
        if (!KlingTaskFailedError.is(error)) throw error;
        const code: string | undefined = error.task.error.code;
        const status: 'failed' | 'canceled' = error.task.status;
        expect({ code, status, raw: error.task.raw !== undefined }).toEqual({
          code: 'generation_failed_no_content',
          status: 'failed',
          raw: true,
        });
        expect(error.task).toMatchObject({ gateway: 'evolink', id: expect.any(String) });
      } finally {
        await client.close();
      }
    });
  });
});
