/**
 * Issue 13 item 2: polls never delay control calls. 10,000 waits poll through 16 slots whose status
 * reads the test holds; a submit and a getTask made then still run at once, in the slots polls never
 * take, and the queued polls run in their order of arrival once the reads are let go.
 */
import { expect, it } from 'vitest';
import { KlingClient } from '../../src/index.js';

const WAITS = 10_000;
const reply = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const completed = (id: string) =>
  reply({ id, created: 0, status: 'completed', progress: 100, results: [`https://cdn.test/${id}.mp4`] });
const tick = () => new Promise((resolve) => setImmediate(resolve));

it('a submit and a getTask complete while 10,000 polls are queued; polls never exceed 12 of 16 slots', async () => {
  const events: string[] = [];
  const held: Array<() => void> = [];
  const polled: string[] = [];
  let released = false;
  let pollsInFlight = 0;
  let peakPolls = 0;
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    if (init.method === 'POST') return reply({ id: 'task-new', status: 'pending' });
    const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    if (id === 'mine') return reply({ id, created: 0, status: 'processing', progress: 40 });
    polled.push(id);
    pollsInFlight++;
    peakPolls = Math.max(peakPolls, pollsInFlight);
    if (!released) await new Promise<void>((resolve) => held.push(resolve));
    else await tick();
    pollsInFlight--;
    return completed(id);
  };
  const client = new KlingClient({ gateway: 'evolink', apiKey: 'k', baseUrl: 'https://gw.test', fetch });
  expect(client.stats().slots).toEqual({ total: 16, reservedForControl: 4 });

  const waits = Array.from({ length: WAITS }, (_, i) => client.wait(`task-${i}`));
  while (held.length < 12) await tick();
  for (let i = 0; i < 20; i++) await tick();
  // Every poll slot taken, every other poll queued, the control slots free.
  expect(held).toHaveLength(12);
  expect(client.stats()).toMatchObject({
    inFlight: 12,
    queued: { poll: WAITS - 12, control: 0 },
    slots: { total: 16, reservedForControl: 4 },
  });

  const submit = client.submit({ prompt: 'made while 10,000 waits poll' }).then((h) => {
    events.push(`submit done, ${polled.length} polls sent`);
    return h;
  });
  const read = client.getTask('mine').then((t) => {
    events.push(`getTask done, ${polled.length} polls sent`);
    return t;
  });
  expect((await submit).id).toBe('task-new');
  expect((await read).status).toBe('running');
  // Both finished before any queued poll got a slot (the 12 held polls still hold theirs).
  expect(events.sort()).toEqual(['getTask done, 12 polls sent', 'submit done, 12 polls sent']);
  expect(client.stats().queued.poll).toBe(WAITS - 12);

  released = true;
  for (const release of held.splice(0)) release();
  const tasks = await Promise.all(waits);
  expect(tasks.every((t, i) => t.id === `task-${i}` && t.status === 'succeeded')).toBe(true);
  // The queued polls ran in their order of arrival, never more than 12 at once.
  expect(polled).toEqual(Array.from({ length: WAITS }, (_, i) => `task-${i}`));
  expect(peakPolls).toBe(12);
  expect(client.stats()).toMatchObject({
    inFlight: 0,
    queued: { poll: 0, control: 0 },
    slots: { total: 16, reservedForControl: 4 },
  });
  await client.close();
}, 120_000);

it('aborting a queued poll and a queued control call: each leaves its queue, nothing sent for it', async () => {
  const gates: Array<() => void> = [];
  const sent: string[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const id = init.method === 'POST' ? 'task-new' : decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    sent.push(init.method === 'POST' ? 'POST' : id);
    await new Promise<void>((resolve) => gates.push(resolve));
    return init.method === 'POST' ? reply({ id, status: 'pending' }) : completed(id);
  };
  // 4 slots: 1 kept for control calls, 3 for polls.
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: 'k',
    baseUrl: 'https://gw.test',
    fetch,
    maxConcurrency: 4,
  });
  const waits = ['p1', 'p2', 'p3'].map((id) => client.wait(id));
  const stopQueuedWait = new AbortController();
  const queuedWait = client.wait('p4', { signal: stopQueuedWait.signal });
  const held = client.getTask('c1'); // the reserved slot
  while (gates.length < 4) await tick();
  const stopSubmit = new AbortController();
  const queuedSubmit = client.submit({ prompt: 'queued' }, { signal: stopSubmit.signal });
  for (let i = 0; i < 20; i++) await tick();
  expect(client.stats().queued).toEqual({ poll: 1, control: 1 });

  const waitReason = new Error('wait stopped');
  const submitReason = new Error('submit stopped');
  stopQueuedWait.abort(waitReason);
  stopSubmit.abort(submitReason);
  await expect(queuedWait).rejects.toBe(waitReason);
  await expect(queuedSubmit).rejects.toBe(submitReason);
  expect(client.stats().queued).toEqual({ poll: 0, control: 0 });

  for (const release of gates.splice(0)) release();
  expect((await held).id).toBe('c1');
  expect((await Promise.all(waits)).map((t) => t.id)).toEqual(['p1', 'p2', 'p3']);
  expect(sent.sort()).toEqual(['c1', 'p1', 'p2', 'p3']); // neither aborted call was sent
  await client.close();
});
