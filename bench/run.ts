/**
 * `npm run bench` (never part of `npm test`): builds the package when dist/ is older than src/,
 * compiles bench/ to plain JavaScript in out/bench/ (so the measured processes carry no TypeScript
 * loader), runs every section in a process of its own, prints each table with its ratios and goals, and
 * writes bench/RESULTS.md with the machine it ran on.
 *
 * `npm run bench -- polling scale` runs only those sections and prints them (RESULTS.md is written
 * only by a full run). `BENCH_NO_BUILD=1` measures dist/ as it is; `BENCH_DIST=<dir>` another build.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { COMPILED, machine, ROOT, runSection, type SectionResult, table } from './lib.js';

const SECTIONS = ['overhead', 'polling', 'scale', 'cold-start', 'pricing'] as const;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (tsup) unless it is newer than every source file: the benchmarks measure the build. */
function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist/index.js')).mtimeMs;
  } catch {
    // not built yet
  }
  // BENCH_DIST: another build is measured (bench/lib.ts), so dist/ is left alone.
  if (process.env.BENCH_DIST !== undefined || process.env.BENCH_NO_BUILD === '1') return;
  if (built > newestMtime(join(ROOT, 'src'))) return;
  console.error('bench: dist/ is missing or older than src/: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/** bench/*.ts to out/bench/*.js (ESM, under this package's `type: module`), type-stripped only. */
function compileBench(): void {
  const out = COMPILED;
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(join(ROOT, 'bench'))) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(ROOT, 'bench', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    writeFileSync(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
}

function render(result: SectionResult): string {
  const goals =
    result.goals.length === 0
      ? ''
      : `\n\n${table(
          ['goal', 'measured', 'target', 'met'],
          result.goals.map((g) => [g.name, g.value, g.target, g.met ? 'yes' : '**no**']),
        )}`;
  const notes = result.notes.length === 0 ? '' : `\n\n${result.notes.map((n) => `- ${n}`).join('\n')}`;
  return `### ${result.title}\n\n${table(result.headers, result.rows)}${goals}${notes}\n`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown section ${unknown.join(', ')}: use ${SECTIONS.join(', ')}`);
  const chosen = only.length === 0 ? SECTIONS : SECTIONS.filter((name) => only.includes(name));

  ensureBuilt();
  compileBench();
  const where = machine();
  const header =
    `Node ${where.node} · ${where.cpu} · ${where.cores} cores · ${where.memoryGiB} GiB · ${where.platform} · ` +
    `load average ${where.loadAverage} at start · ${where.date}`;
  console.log(`kling-sdk benchmarks\n${header}\n`);

  const results: SectionResult[] = [];
  for (const name of chosen) {
    const started = Date.now();
    const result = await runSection(name);
    results.push(result);
    console.log(render(result));
    console.error(`bench: ${name} took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }

  const goals = results.flatMap((r) => r.goals);
  const met = goals.filter((g) => g.met).length;
  console.log(`${met} of ${goals.length} goals met.`);
  if (chosen.length !== SECTIONS.length) return;
  const markdown = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts) from its latest full run; see bench/PERFORMANCE.md for',
    'what each benchmark does and what the figures mean. Wall-clock figures depend on what else the',
    'machine was doing: each comparison runs its contenders interleaved in the same process or in',
    'alternating fresh processes, and reports ratios taken side by side.',
    '',
    `**Machine:** ${header}`,
    '',
    `**Goals met:** ${met} of ${goals.length}.`,
    '',
    ...results.map(render),
  ].join('\n');
  writeFileSync(join(ROOT, 'bench/RESULTS.md'), markdown);
  console.log('bench: wrote bench/RESULTS.md');
}

await main();
