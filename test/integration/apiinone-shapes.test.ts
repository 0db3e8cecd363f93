/**
 * API in One's status body is undocumented (research/wire-audit-2026-11-24.md): the simulator answers in
 * each shape the resellers of this model family use (option `apiinoneShape`), and the SDK must finish a
 * task, report a failure and follow progress in every one of them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KlingClient, KlingTaskFailedError, parseWebhook } from '../../src/index.js';
import { type ApiInOneShape, createGatewaySimulator, FAIL_TRIGGER } from '../../src/testing/index.js';
import { inProcessFetch } from '../helpers/in-process.js';

const SHAPES: readonly ApiInOneShape[] = [
  'default',
  'kling',
  'result-urls',
  'output-url',
  'result-urls-camel',
  'result-json',
];

describe.each(SHAPES.map((s) => [s]))('API in One answering in the %s shape', (shape) => {
  const sim = createGatewaySimulator({ seed: 11, apiinoneShape: shape, requireExplicitDefaults: true });
  const { fetch } = inProcessFetch(sim);
  const client = new KlingClient({
    gateway: 'apiinone',
    apiKey: 'sk-shape',
    baseUrl: 'https://apiin.one',
    fetch,
    clock: sim.clientClock,
  });
  afterAll(() => client.close());

  it('submit → wait ends with the video, through queued and running', async () => {
    const seen: string[] = [];
    const task = await client.generate(
      { prompt: 'a fox in the snow', startImage: 'https://cdn.example.com/first.png' },
      { onProgress: (t) => seen.push(t.status) },
    );
    const [video] = task.videos;
    // The simulator's own file, never the input image a reply may echo (kie's `param`).
    expect(video.url).toBe(`https://apiin.one/files/${task.id}.mp4`);
    expect(task.raw).toBeTypeOf('object');
    expect(seen.at(-1)).toBe('succeeded');
    expect(seen.every((s) => ['queued', 'running', 'succeeded'].includes(s))).toBe(true);
    expect(sim.stats.created.apiinone).toBeGreaterThan(0);
  });

  it('a callback in this shape reads as the task it was registered for', async () => {
    const handle = await client.submit({ prompt: 'a fox', callbackUrl: 'https://hooks.example.com/k' });
    await client.wait(handle);
    // The simulator's callback body is its status body ("consistent with" it, as API in One is read).
    const reply = await fetch(`https://apiin.one/api/v1/tasks/${encodeURIComponent(handle.id)}`, {
      headers: { authorization: 'Bearer sk-shape' },
    });
    const rawBody = await reply.text();
    const { task } = parseWebhook({ gateway: 'apiinone', rawBody, headers: {}, expected: handle });
    expect(task).toMatchObject({ id: handle.id, status: 'succeeded' });
  });

  it('a failed task ends the wait with KlingTaskFailedError carrying the reason', async () => {
    const error = await client.generate({ prompt: `a fox ${FAIL_TRIGGER}` }).catch((e: unknown) => e);
    expect(KlingTaskFailedError.is(error)).toBe(true);
    expect((error as KlingTaskFailedError).message).toMatch(/SIM_FAIL/);
  });
});

describe('the simulator option', () => {
  it('refuses a shape it does not know', () => {
    expect(() => createGatewaySimulator({ apiinoneShape: 'xml' as ApiInOneShape })).toThrow(RangeError);
  });
});
