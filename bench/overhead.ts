/**
 * 1. Request overhead: `client.getTask()` (the built SDK) against the same endpoint as
 *   - raw undici: `undici.request` + `JSON.parse`, on an undici Agent with the SDK's pool size;
 *   - bare global fetch: `fetch` + `response.json()`;
 *   - openai-node 6, a fetch-based client doing the same work (`client.get(path)`: headers, retries,
 *     JSON), as replicate's and fal's clients also are.
 * The servers run in another process (bench/server.ts): the simulator itself, and a replay of its exact
 * reply that costs the server almost nothing (so the client's own cost is what is compared). Each
 * round runs every contender for a fixed time, in a fresh shuffled order; throughput ratios are taken
 * within a round, then the median over rounds is reported.
 */
import OpenAI from 'openai';
import { Agent, request } from 'undici';
import {
  fmt,
  type Goal,
  int,
  isMain,
  loadSdk,
  log,
  median,
  report,
  type SectionResult,
  seededRandom,
  shuffled,
  startServer,
} from './lib.js';
import type { OverheadServers } from './server.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const WARMUP_ROUNDS = 2;
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 400);
const POOL = 16;

interface Contender {
  name: string;
  call: () => Promise<unknown>;
  close: () => Promise<void>;
}

/**
 * Requests a second, and this process's CPU time per request: `concurrency` loops calling `call` until
 * the time is up (the calls in flight then finish and count).
 */
async function throughput(
  call: () => Promise<unknown>,
  concurrency: number,
  ms: number,
): Promise<{ rate: number; cpuUs: number }> {
  let done = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { rate: (done * 1000) / elapsed, cpuUs: (used.user + used.system) / done };
}

async function contenders(servers: OverheadServers, origin: string): Promise<Contender[]> {
  const { KlingClient } = await loadSdk();
  const path = `/v1/tasks/${servers.taskId}`;
  const url = `${origin}${path}`;
  const headers = { accept: 'application/json', authorization: `Bearer ${servers.apiKey}` };

  const sdk = new KlingClient({ gateway: 'evolink', apiKey: servers.apiKey, baseUrl: origin });
  const agent = new Agent({ connections: POOL, keepAliveTimeout: 10_000 });
  const openai = new OpenAI({ apiKey: servers.apiKey, baseURL: `${origin}/v1`, maxRetries: 2 });
  return [
    { name: 'kling-sdk getTask', call: () => sdk.getTask(servers.taskId), close: () => sdk.close() },
    {
      name: 'raw undici.request + JSON.parse',
      call: async () => {
        const response = await request(url, { method: 'GET', headers, dispatcher: agent });
        return JSON.parse(await response.body.text()) as unknown;
      },
      close: () => agent.close(),
    },
    {
      name: 'bare global fetch + json()',
      call: async () => (await fetch(url, { headers })).json() as Promise<unknown>,
      close: async () => {},
    },
    {
      name: 'openai-node 6 client.get (fetch)',
      call: () => openai.get(path),
      close: async () => {},
    },
  ];
}

interface Measured {
  name: string;
  rates: number[];
  cpuUs: number[];
}

async function measure(list: Contender[], concurrency: number, seed: number): Promise<Measured[]> {
  const random = seededRandom(seed);
  const results = new Map<string, Measured>(
    list.map((c) => [c.name, { name: c.name, rates: [], cpuUs: [] }]),
  );
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    for (const contender of shuffled(list, random)) {
      const { rate, cpuUs } = await throughput(contender.call, concurrency, SAMPLE_MS);
      const measured = results.get(contender.name);
      if (round < WARMUP_ROUNDS || measured === undefined) continue;
      measured.rates.push(rate);
      measured.cpuUs.push(cpuUs);
    }
  }
  return list.map((c) => results.get(c.name) ?? { name: c.name, rates: [], cpuUs: [] });
}

/** The median over rounds of a/b, each pair measured in the same round. */
function ratio(a: Measured | undefined, b: Measured | undefined): number {
  if (a === undefined || b === undefined) return Number.NaN;
  return median(a.rates.map((rate, i) => rate / (b.rates[i] ?? Number.NaN)));
}

export async function run(): Promise<SectionResult> {
  const server = await startServer<OverheadServers>(['overhead']);
  const servers = server.ready;
  const rows: string[][] = [];
  const goals: Goal[] = [];
  const notes: string[] = [];
  try {
    for (const [label, origin] of [
      ['replay server', servers.replayUrl],
      ['simulator', servers.simulatorUrl],
    ] as const) {
      const list = await contenders(servers, origin);
      for (const concurrency of [1, POOL]) {
        log(
          `overhead: ${label}, ${concurrency} in flight, ${ROUNDS} rounds × ${list.length} × ${SAMPLE_MS} ms`,
        );
        const measured = await measure(list, concurrency, 1000 + concurrency);
        const [sdk, undici, fetchRaw, openai] = measured;
        for (const m of measured) {
          rows.push([
            label,
            String(concurrency),
            m.name,
            int(median(m.rates)),
            int(median(m.cpuUs)),
            fmt(ratio(sdk, m)),
            m === undici ? '—' : fmt(ratio(m, undici)),
          ]);
        }
        const vsUndici = ratio(sdk, undici);
        const vsOpenai = ratio(sdk, openai);
        const vsFetch = ratio(sdk, fetchRaw);
        goals.push({
          name: `${label}, ${concurrency} in flight: SDK ÷ raw undici throughput`,
          value: fmt(vsUndici),
          target: '≥ 0.95',
          met: vsUndici >= 0.95,
        });
        goals.push({
          name: `${label}, ${concurrency} in flight: SDK ÷ openai-node (fetch) throughput`,
          value: `${fmt(vsOpenai)}×`,
          target: '≥ 2.0×',
          met: vsOpenai >= 2,
        });
        notes.push(
          `${label}, ${concurrency} in flight: SDK ${fmt(vsFetch)}× bare global fetch; raw undici ${fmt(ratio(undici, fetchRaw))}× bare global fetch; client CPU per request SDK ${int(median(sdk?.cpuUs ?? []))} µs vs raw undici ${int(median(undici?.cpuUs ?? []))} µs.`,
        );
      }
      await Promise.all(list.map((c) => c.close()));
    }
  } finally {
    await server.stop();
  }
  notes.push(
    `The replayed reply is the simulator's EvoLink task (${servers.replyBytes} bytes of JSON); ${ROUNDS} rounds of ${SAMPLE_MS} ms per contender after ${WARMUP_ROUNDS} warm-up rounds; servers in a separate process.`,
  );
  return {
    id: 'overhead',
    title: '1. Request overhead: one status read (`getTask`) vs raw undici and fetch-based clients',
    headers: [
      'server',
      'in flight',
      'client',
      'requests/s (median)',
      'client CPU µs/request',
      'SDK ÷ this',
      'this ÷ raw undici',
    ],
    rows,
    goals,
    notes,
  };
}

if (isMain(import.meta.url)) report(await run());
