/**
 * 4. Cold start, in fresh processes of the BUILT package (bench/cold-child.mjs), interleaved: each
 * round runs every variant once, in a fresh shuffled order, and the ratios are taken round by round
 * (kling-sdk's run ÷ openai's run of the same round), so a slow patch of the machine hits both.
 * - `import('kling-sdk')` ÷ `import('openai')` (openai-node 6, a dev dependency for this comparison
 *   only), each timed inside its process from just before the import to its end (wall and CPU);
 * - process start → the first `getTask` answered by the loopback simulator (in another process), vs
 *   openai's client making one request (`client.get`) to the same server for the same task;
 * - process start → the import done, and `import('kling-sdk/pricing')` timed inside a fresh process.
 * Times come from the child itself (`performance.now()` counts from its process's start), so
 * spawning and exiting are not counted. `BENCH_DIST=<dir>` measures another build (bench/lib.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  fmt,
  type Goal,
  isMain,
  log,
  median,
  quantile,
  ROOT,
  report,
  type SectionResult,
  seededRandom,
  shuffled,
  startServer,
} from './lib.js';
import type { OverheadServers } from './server.js';

const ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 30);
const VARIANTS = [
  'kling-import',
  'openai-import',
  'kling-request',
  'openai-request',
  'pricing-import',
] as const;
type Variant = (typeof VARIANTS)[number];

/** What a cold-child prints: see bench/cold-child.mjs. */
interface Sample {
  ms: number;
  cpuMs: number;
  sinceStart?: number;
}

function once(variant: Variant, servers: OverheadServers): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bench/cold-child.mjs'), variant, servers.simulatorUrl, servers.taskId],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`cold-child ${variant} exited with ${code}`));
      resolve(JSON.parse(out) as Sample);
    });
  });
}

/** `median [p25–p75]` of some values. */
function spread(values: readonly number[], digits: number): string {
  return `${fmt(median(values), digits)} [${fmt(quantile(values, 0.25), digits)}–${fmt(quantile(values, 0.75), digits)}]`;
}

export async function run(): Promise<SectionResult> {
  const server = await startServer<OverheadServers>(['overhead']);
  const rounds: Record<Variant, Sample>[] = [];
  const random = seededRandom(4);
  try {
    // One unrecorded round first: the OS file cache, not the package, is what a first run measures.
    for (const variant of VARIANTS) await once(variant, server.ready);
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 10 === 0) log(`cold start: round ${round + 1} of ${ROUNDS}`);
      const samples: Partial<Record<Variant, Sample>> = {};
      for (const variant of shuffled(VARIANTS, random)) samples[variant] = await once(variant, server.ready);
      rounds.push(samples as Record<Variant, Sample>);
    }
  } finally {
    await server.stop();
  }
  const of = (v: Variant, read: (s: Sample) => number) => rounds.map((r) => read(r[v]));
  const ms = (s: Sample) => s.ms;
  const cpu = (s: Sample) => s.cpuMs;
  const since = (s: Sample) => s.sinceStart ?? Number.NaN;
  /** kling-sdk ÷ openai, round by round. */
  const ratios = (a: Variant, b: Variant, read: (s: Sample) => number) =>
    rounds.map((r) => read(r[a]) / read(r[b]));
  const row = (label: string, read: (s: Sample) => number, a: Variant, b: Variant): string[] => [
    label,
    spread(of(a, read), 1),
    spread(of(b, read), 1),
    spread(ratios(a, b, read), 2),
  ];

  const importRatio = ratios('kling-import', 'openai-import', ms);
  const importCpuRatio = ratios('kling-import', 'openai-import', cpu);
  const requestRatio = ratios('kling-request', 'openai-request', ms);
  const requestCpuRatio = ratios('kling-request', 'openai-request', cpu);
  const startRatio = ratios('kling-import', 'openai-import', since);
  const pricing = of('pricing-import', ms);
  const goals: Goal[] = [
    {
      name: "import('kling-sdk') ÷ import('openai'), inside the process (median of per-round ratios [p25–p75]; CPU)",
      value: `${spread(importRatio, 2)}; CPU ${spread(importCpuRatio, 2)}`,
      target: '≤ 0.6',
      met: median(importRatio) <= 0.6,
    },
    {
      name: 'process start → first answer: kling-sdk getTask ÷ openai client.get (median of per-round ratios [p25–p75]; CPU)',
      value: `${spread(requestRatio, 2)}; CPU ${spread(requestCpuRatio, 2)}`,
      target: '≤ 0.9',
      met: median(requestRatio) <= 0.9,
    },
    {
      name: 'process start → import done: kling-sdk ÷ openai (median of per-round ratios [p25–p75])',
      value: spread(startRatio, 2),
      target: '≤ 1.0',
      met: median(startRatio) <= 1,
    },
    {
      name: "import('kling-sdk/pricing') inside the process (median [p25–p75])",
      value: `${spread(pricing, 1)} ms`,
      target: '≤ 10 ms',
      met: median(pricing) <= 10,
    },
  ];
  return {
    id: 'cold-start',
    title: `4. Cold start: ${ROUNDS} fresh processes per variant, interleaved`,
    headers: [
      'built package; median [p25–p75] over the rounds',
      'kling-sdk',
      'openai',
      'kling-sdk ÷ openai, per round',
    ],
    rows: [
      row('import() alone, inside the process (ms)', ms, 'kling-import', 'openai-import'),
      row('import() alone: CPU (ms)', cpu, 'kling-import', 'openai-import'),
      row('process start → import done (ms)', since, 'kling-import', 'openai-import'),
      row('process start → first answer (ms)', ms, 'kling-request', 'openai-request'),
      row('process start → first answer: CPU (ms)', cpu, 'kling-request', 'openai-request'),
      ["import('kling-sdk/pricing') alone, inside the process (ms)", spread(pricing, 1), '—', '—'],
    ],
    goals,
    notes: [
      'First answer: kling-sdk `getTask` (EvoLink) and openai-node `client.get` of the same task from the loopback simulator in another process. The SDK loads undici on its first request, not at import; openai uses the global fetch.',
      'CPU is user + system time of the whole process (all threads) over the same span; it moves less than wall time on a shared machine.',
    ],
  };
}

if (isMain(import.meta.url)) report(await run());
