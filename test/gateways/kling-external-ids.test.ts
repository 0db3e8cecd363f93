/**
 * The official Kling API: every create carries an external id of ours (`options.external_task_id`), and
 * the task is looked up by it (`GET /tasks?external_task_ids=<id>`): found, or provably absent (an empty
 * `data` on a 2xx). The simulator keeps external ids, refuses a duplicate, and finds them on lookups.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kling } from '../../src/gateways/kling/adapter.js';
import { KlingClient, KlingResponseError } from '../../src/index.js';
import { parseVideoRequest } from '../../src/request/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';

const paths = kling.paths;
const context = { now: Date.parse('2026-12-03T12:00:00Z') };

describe('kling external ids on the wire', () => {
  it('the adapter takes external ids', () => {
    expect(kling.externalIds).toBe(true);
  });
  it('toWire puts the external id in options.external_task_id, beside the other options', () => {
    const request = parseVideoRequest({ prompt: 'p', callbackUrl: 'https://hooks.example.com/k' });
    expect(kling.toWire(request, { paths, externalId: 'ext-1' }).body).toMatchObject({
      options: { callback_url: 'https://hooks.example.com/k', external_task_id: 'ext-1' },
    });
    expect(kling.toWire(parseVideoRequest({ prompt: 'p' }), { paths }).body).not.toHaveProperty('options');
  });
  it('the lookup is the batch read by external id, the id encoded', () => {
    expect(kling.lookupRequest?.('a b/c', { paths })).toEqual({
      method: 'GET',
      path: '/tasks?external_task_ids=a%20b%2Fc',
      headers: {},
    });
  });
  it('parseLookup: an empty data list proves absence; one item is the task; no list proves nothing', () => {
    const envelope = (data: unknown) => ({ code: 0, message: 'SUCCEED', request_id: 'r', data });
    expect(kling.parseLookup?.(envelope([]), context)).toBeNull();
    const found = kling.parseLookup?.(
      envelope([{ id: '8001', status: 'processing', external_id: 'ext-1', outputs: [], billing: [] }]),
      context,
    );
    expect(found).toMatchObject({ id: '8001', status: 'running', gateway: 'kling' });
    // Two items: the one whose external_id is the id asked for.
    const two = kling.parseLookup?.(
      envelope([
        { id: '1', status: 'submitted', external_id: 'other' },
        { id: '2', status: 'submitted', external_id: 'ext-2' },
      ]),
      { ...context, taskId: 'ext-2' },
    );
    expect(two?.id).toBe('2');
    expect(() => kling.parseLookup?.({ code: 0, data: null }, context)).toThrow(KlingResponseError);
    expect(() => kling.parseLookup?.(envelope([{ status: 'submitted' }]), context)).toThrow(
      KlingResponseError,
    );
  });
});

describe('kling external ids end to end on loopback', () => {
  let sim: RunningSimulator;
  let client: KlingClient;
  beforeAll(async () => {
    sim = await startGatewaySimulator({ seed: 41 });
    client = new KlingClient({
      gateway: 'kling',
      apiKey: 'sk-sim',
      baseUrl: sim.url,
      clock: sim.clientClock,
    });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => sim.reset());

  const lookup = async (externalId: string) => {
    const wire = kling.lookupRequest?.(externalId, { paths });
    if (wire === undefined) throw new Error('no lookup');
    const response = await fetch(`${sim.url}${wire.path}`, { headers: { authorization: 'Bearer sk-sim' } });
    expect(response.status).toBe(200);
    return kling.parseLookup?.(await response.json(), { ...context, taskId: externalId });
  };

  it('a create carries the external id the handle and onBeforeSend name; a lookup finds the task', async () => {
    let recorded: string | undefined;
    const handle = await client.submit(
      { prompt: 'a fox' },
      {
        onBeforeSend: (record) => {
          recorded = record.externalId;
        },
      },
    );
    expect(handle.externalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(recorded).toBe(handle.externalId);
    const [created] = sim.tasks();
    expect(created?.request).toMatchObject({ options: { external_task_id: handle.externalId } });
    const found = await lookup(handle.externalId ?? '');
    expect(found?.id).toBe(handle.id);
  });
  it('an id no task carries is provably absent (null)', async () => {
    await client.submit({ prompt: 'a fox' });
    expect(await lookup('never-sent')).toBeNull();
  });
});
