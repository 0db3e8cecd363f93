import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { create, manualClock, poll, WIRE } from './helpers.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Far past any render time: 1 hour simulated at the default scale is 3.6 wall seconds. */
const PAST_ANY_RENDER = 3_600;

describe('hold', () => {
  it('keeps renders running at 99% until released, one by one or all at once', async () => {
    const clock = manualClock();
    sim = await startGatewaySimulator({ seed: 1, hold: true, now: clock.now });
    const wire = WIRE.apiframe;
    const first = wire.taskIdOf((await create(sim.url, 'apiframe', wire.validBody('one'))).json);
    const second = wire.taskIdOf((await create(sim.url, 'apiframe', wire.validBody('two'))).json);
    const third = wire.taskIdOf((await create(sim.url, 'apiframe', wire.validBody('three'))).json);
    clock.advance(PAST_ANY_RENDER);

    const held = await poll(sim.url, 'apiframe', first);
    expect(held.json).toMatchObject({ status: 'PROCESSING', progress: 99, result: null });
    expect(sim.tasks().every((task) => task.held && task.state === 'running')).toBe(true);

    sim.release(first);
    expect((await poll(sim.url, 'apiframe', first)).json).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
    });
    expect((await poll(sim.url, 'apiframe', second)).json).toMatchObject({ status: 'PROCESSING' });

    sim.release();
    for (const id of [second, third]) {
      expect((await poll(sim.url, 'apiframe', id)).json).toMatchObject({ status: 'COMPLETED' });
    }
  });

  it('a render released early still takes its render time', async () => {
    const clock = manualClock();
    sim = await startGatewaySimulator({ seed: 2, hold: true, now: clock.now });
    const id = WIRE.evolink.taskIdOf((await create(sim.url, 'evolink', WIRE.evolink.validBody())).json);
    sim.release(id);
    expect(sim.tasks()[0]).toMatchObject({ held: false, state: 'queued' });
    clock.advance(PAST_ANY_RENDER);
    expect((await poll(sim.url, 'evolink', id)).json).toMatchObject({ status: 'completed' });
  });

  it('a held SIM_FAIL render fails once released', async () => {
    const clock = manualClock();
    sim = await startGatewaySimulator({ seed: 3, hold: true, now: clock.now });
    const wire = WIRE.modellix;
    const id = wire.taskIdOf((await create(sim.url, 'modellix', wire.validBody('SIM_FAIL please'))).json);
    clock.advance(PAST_ANY_RENDER);
    expect(wire.stateOf((await poll(sim.url, 'modellix', id)).json)).toBe('running');
    sim.release(id);
    expect(wire.stateOf((await poll(sim.url, 'modellix', id)).json)).toBe('failed');
  });

  it('release of an unknown id is a test bug, reported loudly', async () => {
    sim = await startGatewaySimulator({ hold: true });
    expect(() => sim?.release('no-such-task')).toThrow(/no task no-such-task/);
  });
});
