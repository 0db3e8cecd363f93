/**
 * 4. Cold start, in fresh processes of the BUILT package (bench/cold-child.mjs), interleaved: each
 * round runs every variant once, in a fresh shuffled order.
 * - process start → `import('kling-sdk')` done, vs the same for `import('openai')` (openai-node 6, a
 *   dev dependency for this comparison only);
 * - process start → the first `getTask` answered by the loopback simulator (in another process), vs
 *   openai's client making one request (`client.get`) to the same server for the same task;
 * - `import('kling-sdk/pricing')` timed inside a fresh process.
 * Times come from the child itself (`performance.now()` counts from its process's start), so
 * spawning and exiting are not counted.
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

function once(variant: Variant, servers: OverheadServers): Promise<number> {
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
      resolve((JSON.parse(out) as { ms: number }).ms);
    });
  });
}

export async function run(): Promise<SectionResult> {
  const server = await startServer<OverheadServers>(['overhead']);
  const times = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const random = seededRandom(4);
  try {
    // One unrecorded round first: the OS file cache, not the package, is what a first run measures.
    for (const variant of VARIANTS) await once(variant, server.ready);
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 10 === 0) log(`cold start: round ${round + 1} of ${ROUNDS}`);
      for (const variant of shuffled(VARIANTS, random))
        times.get(variant)?.push(await once(variant, server.ready));
    }
  } finally {
    await server.stop();
  }
  const of = (v: Variant) => times.get(v) ?? [];
  const row = (label: string, v: Variant): string[] => [
    label,
    fmt(median(of(v)), 1),
    fmt(quantile(of(v), 0.25), 1),
    fmt(quantile(of(v), 0.75), 1),
  ];
  const importRatio = median(of('kling-import')) / median(of('openai-import'));
  const requestRatio = median(of('kling-request')) / median(of('openai-request'));
  const pricing = median(of('pricing-import'));
  const goals: Goal[] = [
    {
      name: 'process start → import done: kling-sdk ÷ openai (ratio of medians)',
      value: fmt(importRatio),
      target: '≤ 1.0',
      met: importRatio <= 1,
    },
    {
      name: "import('kling-sdk/pricing') inside the process (median)",
      value: `${fmt(pricing, 1)} ms`,
      target: '≤ 10 ms',
      met: pricing <= 10,
    },
  ];
  return {
    id: 'cold-start',
    title: `4. Cold start: ${ROUNDS} fresh processes per variant, interleaved`,
    headers: ['ms after process start (built package)', 'median', 'p25', 'p75'],
    rows: [
      row("import('kling-sdk') done", 'kling-import'),
      row("import('openai') done", 'openai-import'),
      row('kling-sdk: first getTask answered (simulator)', 'kling-request'),
      row('openai: first client.get answered (same server)', 'openai-request'),
      row("import('kling-sdk/pricing') alone, timed inside the process", 'pricing-import'),
    ],
    goals,
    notes: [
      `First request, kling-sdk ÷ openai (ratio of medians): ${fmt(requestRatio)}. The SDK loads undici on its first request, not at import.`,
    ],
  };
}

if (isMain(import.meta.url)) report(await run());
