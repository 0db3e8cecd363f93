/**
 * Issue 11 items 3, 6 and 8 (EvoLink): the simulator answers as the vendor does. `task_info.estimated_time`
 * is the seconds still to go at the time of the reply.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewaySimulator } from '../../src/testing/index.js';
import { create, manualClock, poll } from './helpers.js';

const EVOLINK = 'https://api.evolink.ai';
const clock = manualClock();
// timeScale 1: one simulated second is one second of the manual clock.
const simulator = createGatewaySimulator({ seed: 8, now: clock.now, timeScale: 1 });
const server = setupServer(...simulator.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

type TaskInfo = { estimated_time?: number; can_cancel: boolean };

describe('EvoLink task_info.estimated_time: seconds remaining at the reply', () => {
  it('counts down as the render goes on, and is gone once the task is over', async () => {
    const body = { model: 'kling-v3-text-to-video', prompt: 'x', quality: '720p', sound: 'off', duration: 5 };
    const created = await create(EVOLINK, 'evolink', body);
    const id = String(created.json.id);
    const first = (created.json.task_info as TaskInfo).estimated_time ?? Number.NaN;
    expect(first).toBeGreaterThanOrEqual(120);

    clock.advance(60_000);
    const later = (await poll(EVOLINK, 'evolink', id)).json;
    expect((later.task_info as TaskInfo).estimated_time).toBe(first - 60);

    clock.advance((first - 60) * 1000 + 1000);
    const atEstimate = (await poll(EVOLINK, 'evolink', id)).json;
    if (atEstimate.status !== 'completed') {
      // Running past its estimate (renders land within ±30% of it): nothing left to count down.
      expect((atEstimate.task_info as TaskInfo).estimated_time).toBe(0);
    }

    clock.advance(3_600_000);
    const done = (await poll(EVOLINK, 'evolink', id)).json;
    expect(done.status).toBe('completed');
    expect(done.task_info).toEqual({ can_cancel: false, video_duration: 5 });
  });
});
