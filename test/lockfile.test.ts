import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Issue 17 item 1: a fresh clone's `npm install` rewrote package-lock.json (the `bin` entry was missing).
// scripts/check-lock.mjs (run by .ci/run before `npm ci`) asks npm, offline, what it would change.
const repo = resolve(__dirname, '..');
const script = join(repo, 'scripts/check-lock.mjs');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'kling-lock-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function checkLock(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, dir], { encoding: 'utf8' });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('package-lock.json', () => {
  it('is in step with package.json', async () => {
    const { code, output } = await checkLock(repo);
    expect(output).toMatch(/in step/);
    expect(code).toBe(0);
  }, 60_000);

  it('the check fails, naming the change, when the lock lacks what package.json declares', async () => {
    copyFileSync(join(repo, 'package.json'), join(scratch, 'package.json'));
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
    delete lock.packages[''].bin; // the committed lock of issue 17
    writeFileSync(join(scratch, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const { code, output } = await checkLock(scratch);
    expect(code).toBe(1);
    expect(output).toContain('out of step');
    expect(output).toContain('+ ["packages"][""]["bin"]: {"kling":"dist/cli.js"}');
  }, 60_000);
});
