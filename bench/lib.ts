/**
 * Shared pieces of the benchmark suite (`npm run bench`, never part of `npm test`): statistics, the
 * machine description, loading the BUILT package, and the JSON protocol between a section's process
 * and bench/run.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** This folder: bench/ itself (under tsx), or where bench/run.ts put the compiled JavaScript. */
const HERE = dirname(fileURLToPath(import.meta.url));
/** Whether this is the TypeScript source run under tsx, rather than the compiled JavaScript. */
const UNDER_TSX = import.meta.url.endsWith('.ts');

/** The package root: the nearest folder above with kling-sdk's package.json. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'kling-sdk') return dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new Error(`no kling-sdk package.json above ${from}`);
  }
}
export const ROOT = findRoot(HERE);

/**
 * How to start another bench file in a fresh process. The measured processes run the compiled
 * JavaScript with plain node (tsx's loader thread alone adds ~38 MB of RSS); under tsx, the source.
 */
export function benchProcess(name: string, args: readonly string[] = []): string[] {
  return UNDER_TSX
    ? ['--import', 'tsx', join(HERE, `${name}.ts`), ...args]
    : [join(HERE, `${name}.js`), ...args];
}

/** One goal from the issue: the measured value, the target, and whether it was met. */
export interface Goal {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

/** What each section prints for run.ts: a markdown table, its goals and notes. */
export interface SectionResult {
  id: string;
  title: string;
  headers: string[];
  rows: string[][];
  goals: Goal[];
  notes: string[];
}

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  date: string;
  /** The 1-minute load average when the run started: other work on the machine skews wall times. */
  loadAverage: number;
}

export function machine(): Machine {
  const list = cpus();
  return {
    node: process.version,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The q-quantile (0..1) by linear interpolation between the closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] ?? Number.NaN;
  const b = sorted[high] ?? Number.NaN;
  return a + (b - a) * (position - low);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** A small seeded PRNG (mulberry32), so every simulated run repeats exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the given PRNG: the order contenders run in, each round. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

export const fmt = (value: number, digits = 2): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
export const int = (value: number): string => fmt(value, 0);

/**
 * The built package: benchmarks measure dist/, what users install, not the TypeScript sources.
 * `BENCH_DIST=<absolute dir>` measures another build without touching dist/ (e.g. `npx tsup --out-dir
 * out/dist-x`; the packages it imports must resolve from there, as they do anywhere under the repo).
 */
export const DIST_DIR = process.env.BENCH_DIST ?? join(ROOT, 'dist');
export const DIST = {
  index: pathToFileURL(join(DIST_DIR, 'index.js')).href,
  testing: pathToFileURL(join(DIST_DIR, 'testing.js')).href,
  pricing: pathToFileURL(join(DIST_DIR, 'pricing.js')).href,
};

export type Sdk = typeof import('../src/index.js');
export type Testing = typeof import('../src/testing/index.js');
export type Pricing = typeof import('../src/pricing/index.js');

export const loadSdk = (): Promise<Sdk> => import(DIST.index) as Promise<Sdk>;
export const loadTesting = (): Promise<Testing> => import(DIST.testing) as Promise<Testing>;
export const loadPricing = (): Promise<Pricing> => import(DIST.pricing) as Promise<Pricing>;

const MARKER = 'BENCH_RESULT ';

/** A section's entry point: logs go to stderr, the result to stdout on one marked line. */
export function report(result: SectionResult): void {
  process.stdout.write(`${MARKER}${JSON.stringify(result)}\n`);
}

/** Progress lines, on stderr so stdout stays for the result. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Where bench/run.ts compiles bench/*.ts to, for plain node. */
export const COMPILED = join(ROOT, 'out/bench');

/**
 * Runs one section (`overhead`, `polling`, ...) from its compiled JavaScript (bench/run.ts compiles it
 * first) in a fresh process with plain node, and returns its result.
 */
export function runSection(name: string, args: readonly string[] = []): Promise<SectionResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(COMPILED, `${name}.js`), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARKER));
      if (code !== 0 || line === undefined) {
        reject(new Error(`bench ${name} exited with ${code}${line === undefined ? ' and no result' : ''}`));
        return;
      }
      resolve(JSON.parse(line.slice(MARKER.length)) as SectionResult);
    });
  });
}

/** Whether this file is the process's entry point (so a section runs alone with `tsx bench/x.ts`). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === metaUrl;
}

/** A markdown table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** bench/server.ts in its own process: its first line, a way to ask it things, and a way to stop it. */
export interface ServerProcess<T> {
  ready: T;
  /** Sends one command line; resolves with the JSON line it answers. */
  ask<R>(command: string): Promise<R>;
  stop(): Promise<void>;
}

export async function startServer<T>(args: readonly string[]): Promise<ServerProcess<T>> {
  const child = spawn(process.execPath, benchProcess('server', args), {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((line: string) => void)[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const ready = JSON.parse(await next()) as T;
  return {
    ready,
    ask: async <R>(command: string) => {
      const answer = next();
      child.stdin.write(`${command}\n`);
      return JSON.parse(await answer) as R;
    },
    stop: async () => {
      const exited = once(child, 'exit');
      child.stdin.end();
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
