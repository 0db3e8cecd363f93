/**
 * Issue 11 items 3, 6 and 8 (EvoLink): the simulator answers as the vendor does. `task_info.estimated_time`
 * is the seconds still to go at the time of the reply; refusals are worded as each endpoint's spec words
 * them (test/fixtures/evolink/error-*.jsonc are the vendor's own examples).
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewaySimulator, INVALID_API_KEY, NO_CREDITS_TRIGGER } from '../../src/testing/index.js';
import { loadFixture } from '../fixtures/load.js';
import { inProcessFetch } from '../helpers/in-process.js';
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

describe('EvoLink error bodies as each endpoint documents them', () => {
  const sim = createGatewaySimulator({ seed: 9 });
  const { fetch: inProcess } = inProcessFetch(sim);
  const key = (k: string) => ({ authorization: `Bearer ${k}`, 'content-type': 'application/json' });
  const body = { model: 'kling-v3-text-to-video', prompt: 'x', quality: '720p', sound: 'off', duration: 5 };
  const post = (k: string, b: unknown = body) =>
    inProcess(`${EVOLINK}/v1/videos/generations`, {
      method: 'POST',
      headers: key(k),
      body: JSON.stringify(b),
    });
  const get = (id: string, k = 'sk-test') => inProcess(`${EVOLINK}/v1/tasks/${id}`, { headers: key(k) });
  const documented = (name: string) => {
    const f = loadFixture('evolink', name);
    return { status: f.http, body: f.body };
  };
  const seen = async (response: Response) => ({ status: response.status, body: await response.json() });

  it('401 on create and on a task read (missing or wrong key alike)', async () => {
    expect(await seen(await post(INVALID_API_KEY))).toEqual(documented('error-401-create'));
    expect(await seen(await post(''))).toEqual(documented('error-401-create'));
    expect(await seen(await get('task-unified-1-x', INVALID_API_KEY))).toEqual(documented('error-401-task'));
  });

  it('402 on create', async () => {
    const reply = await seen(await post('sk-test', { ...body, prompt: `x ${NO_CREDITS_TRIGGER}` }));
    expect(reply).toEqual(documented('error-402-create'));
  });

  it('404 on a task read carries no param', async () => {
    expect(await seen(await get('task-unified-1-unknown'))).toEqual(documented('error-404-task'));
  });

  it('429 and 500: rate_limit_error on create, evo_api_error on task reads', async () => {
    sim.setFaults([
      { op: 'create', kind: 'http-429', times: 1 },
      { op: 'create', kind: 'http-500', times: 1 },
      { op: 'status', kind: 'http-429', times: 1 },
      { op: 'status', kind: 'http-500', times: 1 },
    ]);
    expect(await seen(await post('sk-test'))).toEqual(documented('error-429-create'));
    expect(await seen(await post('sk-test'))).toEqual(documented('error-500-create'));
    expect(await seen(await get('task-unified-1-x'))).toEqual(documented('error-429-task'));
    expect(await seen(await get('task-unified-1-x'))).toEqual(documented('error-500-task'));
    sim.setFaults([]);
  });
});
