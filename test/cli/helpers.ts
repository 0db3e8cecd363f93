import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(__dirname, '../..');
const DIST_CLI = join(ROOT, 'dist/cli.js');
const SOURCE_CLI = join(ROOT, 'src/cli/index.ts');

/**
 * Which `kling` the tests run: the built bin, as users run it (`npm test` builds first), or the
 * sources through tsx (`KLING_CLI=src`, or whenever dist/ is missing: a lone `vitest run test/cli`
 * never writes dist/, which other test runs may be reading). Tests never import src/cli.
 */
export const FROM_SOURCE =
  process.env.KLING_CLI === 'src' || (process.env.KLING_CLI !== 'dist' && !existsSync(DIST_CLI));
export const CLI = FROM_SOURCE ? SOURCE_CLI : DIST_CLI;
/** node's own arguments that run `CLI`: tsx's loader for the sources (its tsconfig maps `kling-sdk` to src/). */
export const CLI_NODE_ARGS = FROM_SOURCE
  ? ['--import', pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href]
  : [];
const CLI_ENV: Record<string, string> = FROM_SOURCE ? { TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') } : {};

/** Generous bounds for one spawned command (a loaded 2-core CI machine): never a speed assertion. */
export const COMMAND_TIMEOUT_MS = 90_000;
export const TEST_TIMEOUT_MS = 240_000;

/** Kept for the test files' `beforeAll`: with dist/ missing the tests run the sources, so nothing to build. */
export function ensureBuilt(): void {
  if (FROM_SOURCE) return;
  for (const file of ['dist/cli.js', 'dist/index.js', 'dist/testing.js']) {
    if (!existsSync(join(ROOT, file)))
      throw new Error(`${file} is missing: run npm run build, or KLING_CLI=src`);
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kling-cli-'));
}

/** Only PATH: no API keys, no KLING_GATEWAY, whatever the machine running the tests has set. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', ...CLI_ENV, ...extra };
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Extra arguments for node itself, before the script (e.g. `--import`). */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/** Spawns `node dist/cli.js ...args` (or the sources, see `CLI`) and collects its output; killed (and failed) past the timeout. */
export function kling(args: string[], options: RunOptions = {}): Promise<Result> {
  const child = spawnKling(args, options);
  return collect(child, options.timeoutMs ?? COMMAND_TIMEOUT_MS, args);
}

export function spawnKling(args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [...CLI_NODE_ARGS, ...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess, timeoutMs: number, what: unknown): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`kling ${JSON.stringify(what)} still running after ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Resolves once `text` shows up in the child's stdout or stderr (rejects past the timeout). */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match !== null) {
        cleanup();
        resolvePromise(match[0]);
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`exited before printing ${pattern}:\n${seen}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} after ${timeoutMs} ms:\n${seen}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', onClose);
  });
}

export interface RunningSimulatorProcess {
  url: string;
  child: ChildProcess;
  /** Ctrl-C: resolves with how the process ended and what it printed after. */
  stop(): Promise<Result>;
}

/** `kling simulator --port 0 --json ...extra`, read up to its URL. */
export async function startSimulator(extra: string[] = []): Promise<RunningSimulatorProcess> {
  const child = spawnKling(['simulator', '--port', '0', '--json', ...extra]);
  const done = collect(child, 10 * 60_000, ['simulator', ...extra]);
  let url: string;
  try {
    url = await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+/);
  } catch (error) {
    child.kill('SIGKILL');
    await done.catch(() => undefined);
    throw error;
  }
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGINT');
      return done;
    },
  };
}

/** Parses the one JSON document a `--json` run prints. */
export function json(result: Result): Record<string, unknown> {
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * argv builders for the flags most tests repeat. `on(url, gateway)`: a loopback gateway (the simulator
 * or a fake) with a test key; leave the gateway out for a handle file, which names its own.
 */
export function on(url: string, gateway?: string): string[] {
  return [...(gateway === undefined ? [] : ['--gateway', gateway]), '--base-url', url, '--api-key', 'test'];
}

/** `--sandbox --gateway <id>`: the in-process simulator. */
export function sandbox(gateway: string): string[] {
  return ['--sandbox', '--gateway', gateway];
}

/** Against a time-scaled simulator the client's real-time poll policy would wait minutes: cap it. */
export const FAST_POLL = ['--poll-interval', '0.2'];

/**
 * Fails when `text` holds anything a terminal acts on: C0 controls but tab and line feed, DEL, C1
 * controls, bidi embeddings, overrides and isolates.
 */
export function terminalUnsafe(text: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return [...text.matchAll(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g)].map(
    (m) => `U+${(m[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')} at ${m.index}`,
  );
}
