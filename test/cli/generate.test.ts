import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  CLI_NODE_ARGS,
  COMMAND_TIMEOUT_MS,
  cleanEnv,
  collect,
  ensureBuilt,
  json,
  kling,
  sandbox,
  TEST_TIMEOUT_MS,
  tempDir,
  waitForOutput,
} from './helpers.js';

beforeAll(ensureBuilt, 600_000);

const FOX = ['--prompt', 'a fox in the snow'];

describe('kling generate --sandbox', { timeout: TEST_TIMEOUT_MS }, () => {
  it('--yes --json: saves the video (no handle file: the sandbox ends with the command), prints one JSON document', async () => {
    const cwd = tempDir();
    const result = await kling(
      ['generate', ...sandbox('evolink'), ...FOX, '--yes', '--json', '--out', 'fox.mp4'],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const body = json(result);
    expect(body).toMatchObject({
      ok: true,
      gateway: 'evolink',
      estimate: { gateway: 'evolink', usd: 0.375 },
    });
    const file = body.file as { path: string; bytes: number };
    expect(file.path).toBe(join(cwd, 'fox.mp4'));
    expect(file.bytes).toBeGreaterThan(0);
    expect(statSync(file.path).size).toBe(file.bytes);
    expect(readFileSync(file.path).subarray(4, 8).toString('latin1')).toBe('ftyp'); // an MP4
    // The handle is reported, but no file: nothing could resume a task of a simulator that is gone.
    expect(body.handle).toMatchObject({ v: 1, gateway: 'evolink', id: (body.task as { id: string }).id });
    expect(body.handleFile).toBeUndefined();
    expect(readdirSync(cwd)).toEqual(['fox.mp4']);
  });

  it('prints the estimate, the handle and the saved path for people', async () => {
    const cwd = tempDir();
    const result = await kling(['generate', ...sandbox('modellix'), ...FOX, '--mode', 'pro', '--yes'], {
      cwd,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('estimate: modellix (Modellix), pro+off: 5 s × $0.23/s = $1.15');
    expect(result.stdout).toMatch(/^handle: \{"v":1,"gateway":"modellix"/m);
    expect(result.stdout).not.toContain('handle saved to');
    expect(result.stdout).not.toContain('resume with');
    const saved = /^saved (.+\.mp4) \((\d+) bytes\)$/m.exec(result.stdout);
    expect(saved?.[1] !== undefined && existsSync(saved[1])).toBe(true);
    expect(Number(saved?.[2])).toBeGreaterThan(0);
    expect(readdirSync(cwd).filter((f) => f.endsWith('.handle.json'))).toEqual([]);
  });

  it('--no-wait is a usage error: a sandbox task can not outlive the command', async () => {
    const cwd = tempDir();
    const result = await kling(['generate', ...sandbox('evolink'), ...FOX, '--yes', '--no-wait'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('drop --no-wait');
    expect(result.stdout).not.toContain('submitted');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses to spend without --yes when stdin is not a terminal: exit 2, nothing sent', async () => {
    const cwd = tempDir();
    const result = await kling(['generate', ...sandbox('evolink'), ...FOX], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('estimate: evolink'); // the price is still shown
    expect(result.stderr).toContain('pass --yes');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('exit 2 before sending when --out points into a missing directory', async () => {
    const cwd = tempDir();
    const result = await kling(
      ['generate', ...sandbox('evolink'), ...FOX, '--yes', '--out', 'no/such/dir/fox.mp4'],
      { cwd },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--out: can't write to");
    expect(result.stdout).not.toContain('submitted');
  });

  it('--json never prompts: without --yes it exits 2 with a JSON error', async () => {
    const result = await kling(['generate', ...sandbox('evolink'), ...FOX, '--json']);
    expect(result.code).toBe(2);
    expect(json(result)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { message: expect.stringContaining('--yes') },
    });
  });

  it('exit 4 when the task fails (SIM_FAIL), with the handle for the record and no file left behind', async () => {
    const cwd = tempDir();
    const result = await kling(
      ['generate', ...sandbox('apiframe'), '--prompt', 'SIM_FAIL', '--yes', '--json'],
      {
        cwd,
      },
    );
    expect(result.code).toBe(4);
    const body = json(result);
    expect(body).toMatchObject({
      ok: false,
      exitCode: 4,
      error: { name: 'KlingTaskFailedError', task: { status: 'failed' } },
    });
    expect(body.handle).toMatchObject({ gateway: 'apiframe' });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('exit 3 when the gateway answers 402 (SIM_NO_CREDITS)', async () => {
    const result = await kling(['generate', ...sandbox('evolink'), '--prompt', 'SIM_NO_CREDITS', '--yes']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('402');
  });

  it('exit 7 when --max-cost refuses the estimate (or an unknown price), before anything is sent', async () => {
    const cwd = tempDir();
    const over = await kling(['generate', ...sandbox('evolink'), ...FOX, '--max-cost', '0.1', '--yes'], {
      cwd,
    });
    expect(over.code).toBe(7);
    expect(over.stderr).toContain('above maxCost $0.1');
    const unknown = await kling(
      ['generate', ...sandbox('apiframe'), ...FOX, '--max-cost', '5', '--yes', '--json'],
      { cwd },
    );
    expect(unknown.code).toBe(7);
    expect(json(unknown).error).toMatchObject({ name: 'KlingBudgetError', estimated: null });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('exit 2 for a malformed --max-cost, before anything is sent (never a budget that lets it through)', async () => {
    const cwd = tempDir();
    for (const value of ['abc', 'NaN', '-1', '0.1usd', '']) {
      const result = await kling(['generate', ...sandbox('evolink'), ...FOX, '--max-cost', value, '--yes'], {
        cwd,
      });
      expect(result.code, value).toBe(2);
      expect(result.stderr).toContain(
        `--max-cost ${JSON.stringify(value)}: expected a non-negative decimal number`,
      );
      expect(result.stdout).not.toContain('submitted');
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('exit 2 for a field the gateway does not support, and for an invalid request', async () => {
    const unsupported = await kling(['generate', ...sandbox('apiinone'), ...FOX, '--mode', '4k', '--yes']);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toContain("apiinone does not support mode '4k'");
    const invalid = await kling(['generate', ...sandbox('evolink'), '--duration', 'five', '--yes']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('  - duration: ');
  });

  it('exit 5 when --timeout passes first; no handle file is left behind', async () => {
    const cwd = tempDir();
    const result = await kling(
      ['generate', ...sandbox('modellix'), ...FOX, '--timeout', '1', '--yes', '--json'],
      { cwd },
    );
    expect(result.code).toBe(5);
    const body = json(result);
    expect(body).toMatchObject({ ok: false, exitCode: 5, error: { name: 'KlingTimeoutError' } });
    expect(body.handle).toMatchObject({ gateway: 'modellix' });
    expect(body.handleFile).toBeUndefined();
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('without a key (and without --sandbox) exits 2 naming the flag and the environment variable', async () => {
    const result = await kling(['generate', '--gateway', 'evolink', ...FOX, '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --api-key <key> or set EVOLINK_API_KEY');
    expect(result.stderr).toContain('Nothing was sent');
  });

  it('--sandbox without msw installed: a clear message and exit 2', async () => {
    const dir = tempDir();
    // Make msw unresolvable, as in an install without the optional peer dependency.
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) {
  if (specifier === 'msw' || specifier.startsWith('msw/')) {
    const error = new Error("Cannot find package 'msw' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
`,
    );
    writeFileSync(
      join(dir, 'no-msw.mjs'),
      "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    );
    const nodeArgs = ['--import', join(dir, 'no-msw.mjs')];
    const noMsw = await kling(['generate', ...sandbox('evolink'), ...FOX, '--yes'], {
      nodeArgs,
      cwd: dir,
    });
    expect(noMsw.code).toBe(2);
    expect(noMsw.stderr).toContain('--sandbox needs the optional dependency msw: npm i -D msw');
    const simulator = await kling(['simulator', '--port', '0'], { nodeArgs, cwd: dir });
    expect(simulator.code).toBe(2);
    expect(simulator.stderr).toContain('needs the optional dependency msw');
    // Everything else works without msw.
    expect((await kling(['quote', ...FOX], { nodeArgs, cwd: dir })).code).toBe(0);
  });
});

/** `script` gives the command a real terminal, so the confirmation prompt and the bars can be seen. */
const hasScript = existsSync('/usr/bin/script');

describe.skipIf(!hasScript)('kling generate on a terminal', { timeout: TEST_TIMEOUT_MS }, () => {
  async function onTerminal(
    args: string[],
    answer: string,
  ): Promise<{ code: number | null; output: string; cwd: string }> {
    const cwd = tempDir();
    const command = [process.execPath, ...CLI_NODE_ARGS, CLI, ...args]
      .map((a) => `'${a.replaceAll("'", `'\\''`)}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd,
      env: cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const done = collect(child, COMMAND_TIMEOUT_MS, args);
    await waitForOutput(child, /Proceed\? \[y\/N\]/);
    child.stdin?.write(`${answer}\r`);
    const result = await done;
    child.stdin?.end();
    return { code: result.code, output: result.stdout, cwd };
  }

  it('asks "Proceed? [y/N]" and, on yes, draws the render and download bars', async () => {
    const { code, output, cwd } = await onTerminal(
      ['generate', ...sandbox('apiframe'), ...FOX, '--out', 'fox.mp4'],
      'y',
    );
    expect(code, output).toBe(0);
    expect(output).toContain('Submit to apiframe (sandbox) for 15 credits? Proceed? [y/N]');
    expect(output).toMatch(/rendering +\|/);
    expect(output).toMatch(/downloading \|/);
    expect(statSync(join(cwd, 'fox.mp4')).size).toBeGreaterThan(0);
  });

  it('on anything but yes, exits 2 and sends nothing', async () => {
    const { code, output, cwd } = await onTerminal(['generate', ...sandbox('evolink'), ...FOX], 'n');
    expect(code, output).toBe(2);
    expect(output).toContain('not confirmed. Nothing was sent.');
    expect(readdirSync(cwd)).toEqual([]);
  });
});
