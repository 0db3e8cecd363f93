/**
 * Hostile replies to a status poll: each must end as a typed error (or, for an unknown status word,
 * continued polling) within the deadline: never a crash, a hang, or unbounded memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GatewayId,
  KlingApiError,
  KlingClient,
  KlingError,
  KlingRateLimitError,
  KlingResponseError,
  KlingServerError,
  KlingTimeoutError,
} from '../../src/index.js';
import { type FaultKind, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { json, type Step, scriptedFetch } from '../helpers/scripted-fetch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { figure } from './figures.js';

const expected: [FaultKind, string, (error: unknown) => boolean][] = [
  [
    'html',
    'KlingServerError (502, with an excerpt)',
    (e) => KlingServerError.is(e) && /non-JSON reply: 502 Bad Gateway/.test((e as Error).message),
  ],
  ['truncated-json', 'KlingResponseError', (e) => KlingResponseError.is(e)],
  [
    'huge-body',
    'KlingResponseError (body cap)',
    (e) => KlingResponseError.is(e) && /larger than/.test((e as Error).message),
  ],
  ['drip', 'KlingTimeoutError', (e) => KlingTimeoutError.is(e)],
  ['missing-fields', 'KlingResponseError', (e) => KlingResponseError.is(e)],
];

async function withSimulator<T>(
  kind: FaultKind,
  work: (sim: RunningSimulator, client: KlingClient, id: string) => Promise<T>,
) {
  const sim = await startGatewaySimulator({ seed: 9, faults: [{ op: 'status', kind, times: 1 }] });
  const client = new KlingClient({
    gateway: 'evolink',
    apiKey: 'k',
    baseUrl: sim.url,
    clock: sim.clientClock,
    timeoutMs: 1500, // the deadline for one exchange; the drip would otherwise take 50 days
    maxRetries: 0,
  });
  try {
    const { id } = await client.submit({ prompt: 'hostile' });
    return await work(sim, client, id);
  } finally {
    await client.close();
    await sim.close();
  }
}

describe('one hostile status reply', () => {
  it.each(expected)('%s → %s', async (kind, _, isExpected) => {
    await withSimulator(kind, async (_sim, client, id) => {
      const error = await client.getTask(id).catch((e: unknown) => e);
      expect(isExpected(error), String(error)).toBe(true);
      // …and the next poll works: the client is not left broken.
      await expect(client.getTask(id)).resolves.toMatchObject({ id });
    });
  });

  it('wrong content type: the body is still read (content types are not trusted either way)', async () => {
    await withSimulator('wrong-content-type', async (_sim, client, id) => {
      await expect(client.getTask(id)).resolves.toMatchObject({ id });
    });
  });

  it('unknown status word: reported, never success, and wait() keeps polling', async () => {
    await withSimulator('unknown-status', async (_sim, client, id) => {
      const first = await client.getTask(id);
      expect(first).toMatchObject({ status: 'running', statusUnknown: true, vendorStatus: 'QUANTUM_FLUX' });
      await expect(client.wait(id)).resolves.toMatchObject({ status: 'succeeded' });
    });
  });
});

describe('every hostile reply inside one wait()', () => {
  it('ends with the video: each kind is retried as a read', async () => {
    const kinds: FaultKind[] = [
      'html',
      'truncated-json',
      'huge-body',
      'drip',
      'missing-fields',
      'unknown-status',
      'wrong-content-type',
    ];
    // Renders are held, so the wait meets every fault before the task can finish.
    const sim = await startGatewaySimulator({
      seed: 10,
      hold: true,
      faults: kinds.map((kind) => ({ op: 'status' as const, kind, times: 1 })),
    });
    const client = new KlingClient({
      gateway: 'modellix',
      apiKey: 'k',
      baseUrl: sim.url,
      clock: sim.clientClock,
      timeoutMs: 1500,
    });
    try {
      const handle = await client.submit({ prompt: 'hostile wait' });
      const waiting = client.wait(handle, { timeoutMs: 24 * 3600_000 });
      const faultsHit = () => sim.stats.requests.filter((r) => r.fault !== undefined).map((r) => r.fault);
      while (faultsHit().length < kinds.length) await new Promise((resolve) => setTimeout(resolve, 20));
      sim.release();
      await expect(waiting).resolves.toMatchObject({ status: 'succeeded' });
      expect(new Set(faultsHit())).toEqual(new Set(kinds));
    } finally {
      await client.close();
      await sim.close();
    }
  });
});

describe('memory', () => {
  let samples: number[] = [];
  let timer: ReturnType<typeof setInterval>;
  beforeAll(() => {
    globalThis.gc?.();
  });
  afterAll(() => clearInterval(timer));

  it.each(['undici', 'fetch'] as const)(
    'a 50 MB reply is cut at the body cap (%s transport): bounded RSS growth',
    async (transport) => {
      const sim = await startGatewaySimulator({
        seed: 11,
        faults: [{ op: 'status', kind: 'huge-body', rate: 1 }],
      });
      const client = new KlingClient({
        gateway: 'evolink',
        apiKey: 'k',
        baseUrl: sim.url,
        maxRetries: 0,
        ...(transport === 'fetch' ? { fetch: globalThis.fetch } : {}),
      });
      try {
        const { id } = await client.submit({ prompt: 'memory' });
        const before = process.memoryUsage().rss;
        samples = [before];
        timer = setInterval(() => samples.push(process.memoryUsage().rss), 5);
        // Ten 50 MB replies in a row: 500 MB offered.
        for (let i = 0; i < 10; i++) {
          const error = await client.getTask(id).catch((e: unknown) => e);
          expect(KlingError.is(error) && KlingResponseError.is(error)).toBe(true);
          // Deterministic proof of the cut: the error names the cap, not a JSON parse of 50 MB.
          expect((error as Error).message).toMatch(/larger than \d+ bytes/);
        }
        clearInterval(timer);
        const growthMb = (Math.max(...samples) - before) / 1024 / 1024;
        // The simulator shares this process (its socket buffers count too), so the bound is generous:
        // a client that buffered each body (bytes, then a 50 MB string, then a parse) grows far more.
        expect(growthMb).toBeLessThan(100);
        figure(
          `hostile (50 MB body, ${transport})`,
          `10 × 50 MB replies cut at the 4 MiB cap, peak RSS growth ${growthMb.toFixed(1)} MB`,
        );
      } finally {
        await client.close();
        await sim.close();
      }
    },
  );
});

describe('JSON nested a million levels deep', () => {
  const LEVELS = 1_000_000;
  const arrays = `${'['.repeat(LEVELS)}${']'.repeat(LEVELS)}`;
  // Objects take 6 bytes a level: 600,000 levels stay under the 4 MiB body cap.
  const objects = (inner: string) => `${'{"a":'.repeat(600_000)}${inner}${'}'.repeat(600_000)}`;
  const GATEWAYS: GatewayId[] = ['apiframe', 'evolink', 'modellix', 'apiinone'];

  function clientWith(gateway: GatewayId, steps: Step[]) {
    const { fetch, calls } = scriptedFetch(steps);
    const client = new KlingClient({
      gateway,
      apiKey: 'k',
      baseUrl: 'https://gw.test',
      fetch,
      clock: new VirtualClock(),
      maxRetries: 0,
    });
    return { client, calls };
  }

  // V8's JSON.parse builds these without recursion; what read them afterwards (an excerpt's
  // JSON.stringify, apiframe's join of `details`) threw RangeError: Maximum call stack size exceeded.
  const replies: [string, string][] = [
    ['a bare array', arrays],
    ['inside a status reply', `{"id":"t","status":"processing","data":{"id":"t"},"x":${arrays}}`],
    [
      'inside a "success" with no video',
      `{"id":"t","status":"completed","data":{"status":"completed"},"x":${arrays}}`,
    ],
    ['objects', objects('1')],
  ];

  it.each(GATEWAYS.flatMap((g) => replies.map(([what, text]) => [g, what, text] as const)))(
    '%s 2xx, %s → KlingResponseError',
    async (gateway, _, text) => {
      const { client } = clientWith(gateway, [{ status: 200, text }]);
      const error = await client.getTask('t').catch((e: unknown) => e);
      expect(KlingResponseError.is(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/nests deeper than 64 levels/);
    },
  );

  it.each(GATEWAYS)(
    '%s 4xx whose details nest a million levels → the status error, typed',
    async (gateway) => {
      const details = `{"error":"bad","message":"bad","details":{"prompt":${arrays}}}`;
      for (const [status, is] of [
        [400, KlingApiError.is],
        [429, KlingRateLimitError.is],
        [503, KlingServerError.is],
      ] as const) {
        const { client } = clientWith(gateway, [{ status, text: details }]);
        const error = await client.getTask('t').catch((e: unknown) => e);
        expect(is(error), String(error)).toBe(true);
        expect((error as KlingApiError).status).toBe(status);
        expect((error as Error).message).toMatch(/nests deeper than 64 levels/);
      }
    },
  );

  it('a paid wait keeps polling through deep replies and ends with the video', async () => {
    const { fetch, calls } = scriptedFetch([
      { status: 200, text: arrays },
      { status: 200, text: `{"id":"t","status":"processing","x":${objects('1')}}` },
      json(200, { id: 't', status: 'processing', progress: 50 }),
      { status: 200, text: `{"id":"t","status":"completed","x":${arrays}}` },
      json(200, { id: 't', status: 'completed', results: ['https://cdn.example.com/v.mp4'] }),
    ]);
    const client = new KlingClient({
      gateway: 'evolink',
      apiKey: 'k',
      baseUrl: 'https://gw.test',
      fetch,
      clock: new VirtualClock(),
      maxRetries: 0, // each garbled read ends its poll; the wait must go on regardless
    });
    const task = await client.wait('t', { timeoutMs: 3_600_000 });
    expect(task).toMatchObject({ status: 'succeeded', videos: [{ url: 'https://cdn.example.com/v.mp4' }] });
    expect(calls).toHaveLength(5);
  });

  it('one deep reply leaves the client working: the next read succeeds', async () => {
    const { client, calls } = clientWith('evolink', [
      { status: 200, text: arrays },
      json(200, { id: 't', status: 'completed', results: ['https://cdn.example.com/v.mp4'] }),
    ]);
    await expect(client.getTask('t')).rejects.toSatisfy(KlingResponseError.is);
    await expect(client.getTask('t')).resolves.toMatchObject({ status: 'succeeded' });
    expect(calls).toHaveLength(2);
  });
});
