import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRateTable, renderSupportTable } from '../scripts/rate-table.js';
import { estimateCost, quote } from '../src/pricing/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../src/testing/index.js';
import { png } from './helpers/images.js';

const ROOT = resolve(__dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('opens with the two fresh-clone commands, then a short example, then the tables', () => {
    const firstScreen = readme.split('\n').slice(0, 12).join('\n');
    expect(firstScreen).toContain('npm install && npm run demo');
    expect(firstScreen).toContain('npm test');
    const order = ['npm install && npm run demo', 'npm test', '```ts', '| Gateway |'].map((text) =>
      readme.indexOf(text),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('holds the price and support tables exactly as the catalog renders them', () => {
    expect(readme).toContain(renderRateTable());
    expect(readme).toContain(renderSupportTable());
  });

  it('shows what the first example really returns', () => {
    const request = {
      prompt: 'A paper boat on a rainy street',
      mode: 'pro',
      duration: 8,
      sound: true,
    } as const;
    expect(estimateCost('evolink', request)).toMatchObject({
      gateway: 'evolink',
      rateKey: '1080p+on',
      unit: 'usd',
      exact: true,
      total: 1.2,
      usd: 1.2,
      credits: 86.4,
    });
    // The opening example: quote(request)[0] is EvoLink at $1.20.
    expect(quote(request)[0]).toMatchObject({ gateway: 'evolink', usd: 1.2 });
    const q = quote(request, { usdPerCredit: { apiframe: 0.01 } });
    expect(q.map((e) => [e.gateway, e.total, e.usd])).toEqual([
      ['apiframe', 56, 0.56],
      ['evolink', 1.2, 1.2],
      ['kling', 9.6, 1.344],
      ['fal', 1.344, 1.344],
      ['modellix', 1.52, 1.52],
      ['apiinone', 640, 6.4],
    ]);
  });
});

// Issue 17 item 2: the README's examples did not run as written (an undefined `db`, a missing import,
// `const [cheapest] = quote(...)` under noUncheckedIndexedAccess, a webhook snippet that needed
// APIFRAME_API_KEY set). Each ```ts block is now a file in examples/readme/ (between `// #region readme`
// and `// #endregion readme`), type-checked with the strictest common settings and run as it is.
const EXAMPLES = join(ROOT, 'examples/readme');
const exampleFiles = readdirSync(EXAMPLES)
  .filter((name) => /^\d\d-.+\.ts$/.test(name))
  .sort();

function region(file: string): string {
  const text = readFileSync(join(EXAMPLES, file), 'utf8');
  const match = /^\/\/ #region readme\n([\s\S]*?)^\/\/ #endregion readme$/m.exec(text);
  if (match?.[1] === undefined) throw new Error(`${file} has no // #region readme ... // #endregion readme`);
  return match[1];
}

describe('README examples (examples/readme/)', () => {
  it('each ```ts block is the region of its file, in order', () => {
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(0);
    expect(exampleFiles.length).toBe(blocks.length);
    exampleFiles.forEach((file, i) => {
      expect(blocks[i], `README block ${i + 1} vs examples/readme/${file}`).toBe(region(file));
    });
  });

  it('type-check with strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes', async () => {
    const config = readFileSync(join(EXAMPLES, 'tsconfig.json'), 'utf8');
    for (const flag of ['strict', 'noUncheckedIndexedAccess', 'exactOptionalPropertyTypes']) {
      expect(config).toMatch(new RegExp(`"${flag}": true`));
    }
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '--noEmit', '-p', join(EXAMPLES, 'tsconfig.json')]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 180_000);

  describe('run as written against the simulator', () => {
    // The client's own clock: the examples use none, so they run 100× faster on a sped-up process clock
    // (test/helpers/fast-time.mjs) against a simulator at timeScale 0.01; the ones that start their own
    // simulator (and pass it `clientClock`) run on real time.
    const FACTOR = 100;
    let sim: RunningSimulator;
    let cwd: string;
    beforeAll(async () => {
      sim = await startGatewaySimulator({ timeScale: 1 / FACTOR, seed: 17 });
      cwd = mkdtempSync(join(tmpdir(), 'kling-readme-'));
      // The frames the uploads example reads: the user's own files.
      mkdirSync(join(cwd, 'frames'));
      writeFileSync(join(cwd, 'frames/first.png'), png(400, 300));
      writeFileSync(join(cwd, 'frames/last.png'), png(400, 300));
    });
    afterAll(async () => {
      await sim?.close();
      if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
    });

    interface Case {
      /** Runs against the test's simulator (KLING_BASE_URL, keys) on a sped-up clock. */
      remote: boolean;
      keys?: string[];
      check: (out: string, dir: string) => void;
    }
    const file = (dir: string, name: string) => {
      const path = join(dir, name);
      return existsSync(path) ? statSync(path).size : 0;
    };
    const CASES: Record<string, Case> = {
      '01-quickstart.ts': {
        remote: true,
        keys: ['EVOLINK_API_KEY'],
        check: (_, dir) => {
          expect(file(dir, 'boat.mp4')).toBeGreaterThan(0);
          expect(JSON.parse(readFileSync(join(dir, 'boat.handle.json'), 'utf8'))).toMatchObject({
            gateway: 'evolink',
          });
        },
      },
      '02-prices.ts': {
        remote: false,
        check: (out) => expect(out).toContain('apiframe 56 credits 0.56\nevolink 1.2 usd 1.2'),
      },
      '03-client.ts': {
        remote: true,
        keys: ['APIFRAME_API_KEY'],
        check: (out, dir) => {
          expect(out).toContain('succeeded 100');
          expect(file(dir, 'fox.mp4')).toBeGreaterThan(0);
          expect(file(dir, 'fox.submitting.json')).toBeGreaterThan(0);
        },
      },
      '03-recover.ts': {
        remote: true,
        keys: ['KLING_API_KEY'],
        check: (out, dir) => {
          expect(out).toMatch(/^found true (queued|running|succeeded)$/m);
          expect(file(dir, 'lighthouse.submitting.json')).toBeGreaterThan(0);
        },
      },
      '03-stop.ts': {
        remote: true,
        keys: ['FAL_KEY'],
        // Canceled while queued (the wait ends canceled) or while rendering (fal lets it finish).
        check: (out) => expect(out).toMatch(/^canceled\n(canceled|succeeded)\n$/),
      },
      '04-router.ts': {
        remote: true,
        keys: ['EVOLINK_API_KEY', 'MODELLIX_API_KEY', 'APIFRAME_API_KEY'],
        check: (out) => expect(out).toMatch(/^(apiframe|evolink|modellix) \[/m),
      },
      '05-simulator.ts': { remote: false, check: (out) => expect(out.trim()).toBe('1') },
      '06-msw.ts': {
        remote: false,
        check: (out) => expect(out).toMatch(/https:\/\/api\.evolink\.ai\/\S+\.mp4/),
      },
      '07-webhooks.ts': {
        remote: false, // and no APIFRAME_API_KEY: the key is passed to parseWebhook
        check: (out) => {
          expect(out).toMatch(/apiframe: callback read, task \S+ succeeded/);
          expect(out).toMatch(/evolink: callback read, task \S+ succeeded/);
        },
      },
      '07-webhooks_signed.ts': {
        remote: false, // the simulator's own secret and key; no fetch of fal's keys
        check: (out) => {
          expect(out).toMatch(/^kling: signed callback verified, task \S+ succeeded$/m);
          expect(out).toMatch(/^fal: signed callback verified, task \S+ succeeded$/m);
        },
      },
      '08-uploads.ts': {
        remote: true,
        keys: ['EVOLINK_API_KEY'],
        check: () => expect(sim.stats.uploads.evolink).toBeGreaterThanOrEqual(2),
      },
      '09-request.ts': {
        remote: false,
        check: (out) => expect(out).toContain("message: 'must be at most 15 seconds'"),
      },
      '10-ai-sdk.ts': {
        remote: false,
        check: (out, dir) => {
          expect(out).toContain('evolink 1080p+on 1.2');
          expect(file(dir, 'paper-boat.mp4')).toBeGreaterThan(0);
        },
      },
    };

    it('every example has a case', () => {
      expect(Object.keys(CASES)).toEqual(exampleFiles);
    });

    it.each(exampleFiles)(
      '%s',
      async (name) => {
        const example = CASES[name];
        if (example === undefined) throw new Error(`no case for ${name}`);
        // Only what the example needs: no key or gateway from the machine running the tests.
        const env: Record<string, string> = {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          TSX_TSCONFIG_PATH: join(EXAMPLES, 'tsconfig.json'),
          KLING_TIME_FACTOR: example.remote ? String(FACTOR) : '1',
        };
        if (example.remote) env.KLING_BASE_URL = sim.url;
        for (const key of example.keys ?? []) env[key] = 'sk-readme-example';
        const result = await run(
          process.execPath,
          [
            '--import',
            pathToFileURL(join(ROOT, 'test/helpers/fast-time.mjs')).href,
            '--import',
            TSX,
            join(EXAMPLES, name),
          ],
          { cwd, env },
        );
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        example.check(result.stdout, cwd);
      },
      120_000,
    );
  });
});

const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  return new Promise((done) => {
    execFile(command, args, { ...options, encoding: 'utf8', timeout: 110_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}
