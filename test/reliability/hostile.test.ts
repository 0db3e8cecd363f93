/**
 * Hostile replies to a status poll: each must end as a typed error (or, for an unknown status word,
 * continued polling) within the deadline: never a crash, a hang, or unbounded memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KlingClient,
  KlingError,
  KlingResponseError,
  KlingServerError,
  KlingTimeoutError,
} from '../../src/index.js';
import { type FaultKind, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
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
