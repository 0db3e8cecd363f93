import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlingClient } from '../../src/index.js';
import {
  collect,
  ensureBuilt,
  FAST_POLL,
  json,
  kling,
  on,
  type RunningSimulatorProcess,
  spawnKling,
  startSimulator,
  TEST_TIMEOUT_MS,
  tempDir,
  waitForOutput,
} from './helpers.js';

beforeAll(ensureBuilt, 600_000);

const FOX = ['--prompt', 'a fox in the snow'];

describe('kling simulator, and the other commands pointed at it with --base-url', {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  let sim: RunningSimulatorProcess;
  beforeAll(async () => {
    sim = await startSimulator();
  }, 120_000);
  afterAll(async () => {
    const stopped = await sim.stop();
    expect(stopped.code).toBe(0); // Ctrl-C is how it is meant to stop
  });

  it('prints its URL as JSON', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('generate --no-wait, then status and wait resume from the handle file', async () => {
    const cwd = tempDir();
    const submitted = await kling(
      [
        'generate',
        ...on(sim.url, 'apiframe'),
        ...FAST_POLL,
        ...FOX,
        '--yes',
        '--no-wait',
        '--out',
        'fox.mp4',
      ],
      {
        cwd,
      },
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toContain(`resume with: kling wait fox.mp4.handle.json --base-url ${sim.url}`);
    const handle = JSON.parse(readFileSync(join(cwd, 'fox.mp4.handle.json'), 'utf8')) as { id: string };
    expect(existsSync(join(cwd, 'fox.mp4'))).toBe(false);

    const status = await kling(['status', 'fox.mp4.handle.json', ...on(sim.url), '--json'], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(json(status).task).toMatchObject({
      id: handle.id,
      gateway: 'apiframe',
      status: expect.any(String),
    });

    const waited = await kling(['wait', 'fox.mp4.handle.json', ...on(sim.url), ...FAST_POLL, '--json'], {
      cwd,
    });
    expect(waited.code, waited.stderr).toBe(0);
    const body = json(waited);
    expect(body).toMatchObject({
      ok: true,
      task: { id: handle.id, status: 'succeeded' },
      file: { path: join(cwd, 'fox.mp4') },
    });
    expect(statSync(join(cwd, 'fox.mp4')).size).toBe((body.file as { bytes: number }).bytes);

    const byId = await kling(['status', handle.id, ...on(sim.url, 'apiframe')], { cwd });
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain(`task ${handle.id} at apiframe (apiframe): succeeded`);
    expect(byId.stdout).toMatch(/video: http:\/\/127\.0\.0\.1:\d+\/files\//);

    // A bare id needs the gateway.
    expect((await kling(['status', handle.id, '--base-url', sim.url], { cwd })).code).toBe(2);
  });

  it('generate waits with progress and downloads; wait --no-download prints the link', async () => {
    const cwd = tempDir();
    const result = await kling(
      ['generate', ...on(sim.url, 'evolink'), ...FAST_POLL, ...FOX, '--sound', '--yes', '--json'],
      {
        cwd,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const body = json(result);
    expect((body.file as { bytes: number }).bytes).toBeGreaterThan(0);
    expect(existsSync(body.handleFile as string)).toBe(true);
    const id = (body.task as { id: string }).id;
    const links = await kling(['wait', id, ...on(sim.url, 'evolink'), ...FAST_POLL, '--no-download'], {
      cwd,
    });
    expect(links.code, links.stderr).toBe(0);
    expect(links.stdout).toMatch(new RegExp(`video: ${sim.url}/files/.+\\.mp4`));
  });

  it('balance reads the account (and exits 2 where the gateway has no balance API)', async () => {
    const modellix = await kling(['balance', ...on(sim.url, 'modellix')]);
    expect(modellix.code, modellix.stderr).toBe(0);
    expect(modellix.stdout).toMatch(/^modellix \(Modellix\): \$\d+/m);
    const evolink = await kling(['balance', ...on(sim.url, 'evolink'), '--json']);
    expect(evolink.code).toBe(0);
    expect(json(evolink)).toMatchObject({
      ok: true,
      gateway: 'evolink',
      unit: 'credits',
      amount: expect.any(Number),
    });
    const apiinone = await kling(['balance', ...on(sim.url, 'apiinone')]);
    expect(apiinone.code).toBe(2);
    expect(apiinone.stderr).toContain('documents no balance API');
  });

  it('exit 3 for a refused key, SIM_NO_CREDITS and an unknown task', async () => {
    const auth = await kling([
      'balance',
      '--gateway',
      'evolink',
      '--base-url',
      sim.url,
      '--api-key',
      'sk-invalid',
    ]);
    expect(auth.code).toBe(3);
    expect(auth.stderr).not.toContain('sk-invalid'); // the key never shows
    const credits = await kling([
      'generate',
      ...on(sim.url, 'modellix'),
      ...FAST_POLL,
      '--prompt',
      'SIM_NO_CREDITS',
      '--yes',
      '--json',
    ]);
    expect(credits.code).toBe(3);
    expect(json(credits).error).toMatchObject({
      name: 'KlingInsufficientCreditsError',
      status: 402,
      taskState: 'not-created',
    });
    const missing = await kling(['status', 'no-such-task', ...on(sim.url, 'evolink')]);
    expect(missing.code).toBe(3);
  });

  it('exit 4 for a failed render followed by wait', async () => {
    const cwd = tempDir();
    const result = await kling(
      [
        'generate',
        ...on(sim.url, 'evolink'),
        ...FAST_POLL,
        '--prompt',
        'SIM_FAIL',
        '--yes',
        '--no-wait',
        '--out',
        'f.mp4',
      ],
      {
        cwd,
      },
    );
    expect(result.code).toBe(0);
    const waited = await kling(['wait', 'f.mp4.handle.json', ...on(sim.url), ...FAST_POLL], { cwd });
    expect(waited.code).toBe(4);
    expect(waited.stderr).toContain('failed');
    expect(existsSync(join(cwd, 'f.mp4'))).toBe(false);
  });

  it('the handle file belongs to its gateway', async () => {
    const cwd = tempDir();
    await kling(
      ['generate', ...on(sim.url, 'evolink'), ...FAST_POLL, ...FOX, '--yes', '--no-wait', '--out', 'x.mp4'],
      { cwd },
    );
    const wrong = await kling(['status', 'x.mp4.handle.json', ...on(sim.url, 'modellix')], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('is a handle for evolink');
    expect((await kling(['wait', 'nothing-here.json', '--api-key', 'test'], { cwd })).code).toBe(2);
  });

  it('refuses a port already in use with exit 2', async () => {
    const port = new URL(sim.url).port;
    const result = await kling(['simulator', '--port', port]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`port ${port} is in use`);
  });

  it('the SDK itself can use the CLI simulator', async () => {
    const client = new KlingClient({ gateway: 'evolink', apiKey: 'test', baseUrl: sim.url });
    try {
      const handle = await client.submit({ prompt: 'a fox' });
      expect(handle.gateway).toBe('evolink');
    } finally {
      await client.close();
    }
  });
});

describe('kling simulator --fault, and interrupts', { timeout: TEST_TIMEOUT_MS }, () => {
  it('exit 6 when the submit outcome is uncertain, with advice and no blind re-send', async () => {
    const sim = await startSimulator(['--fault', 'create:drop-after-create']);
    try {
      const result = await kling([
        'generate',
        ...on(sim.url, 'evolink'),
        ...FAST_POLL,
        ...FOX,
        '--yes',
        '--json',
      ]);
      expect(result.code).toBe(6);
      const body = json(result);
      expect(body).toMatchObject({
        ok: false,
        exitCode: 6,
        taskState: 'may-exist',
        error: { name: 'KlingSubmitUncertainError' },
      });
      expect((body.advice as string[]).join(' ')).toContain('check its dashboard before sending again');

      const apiframe = await kling(['generate', ...on(sim.url, 'apiframe'), ...FAST_POLL, ...FOX, '--yes']);
      expect(apiframe.code).toBe(6);
      expect(apiframe.stderr).toMatch(/re-run the same command with --idempotency-key [\w-]+/);
    } finally {
      await sim.stop();
    }
  });

  it('Ctrl-C while rendering exits 130 and says how to resume', async () => {
    const sim = await startSimulator(['--time-scale', '1']); // real time: renders take minutes
    try {
      const cwd = tempDir();
      const child = spawnKling(
        ['generate', ...on(sim.url, 'modellix'), ...FOX, '--yes', '--out', 'slow.mp4'],
        {
          cwd,
        },
      );
      const done = collect(child, 120_000, 'generate');
      await waitForOutput(child, /handle saved to/);
      child.kill('SIGINT');
      const result = await done;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('interrupted');
      expect(result.stderr).toContain(`resume with kling wait slow.mp4.handle.json --base-url ${sim.url}`);
      expect(existsSync(join(cwd, 'slow.mp4.handle.json'))).toBe(true);
      expect(existsSync(join(cwd, 'slow.mp4'))).toBe(false);
    } finally {
      await sim.stop();
    }
  });

  it('rejects a malformed --fault with exit 2', async () => {
    for (const fault of ['create', 'create:meteor-strike', 'nowhere:http-500', 'status:http-503:2']) {
      const result = await kling(['simulator', '--port', '0', '--fault', fault]);
      expect(result.code, fault).toBe(2);
    }
  });
});

describe('kling balance --sandbox', { timeout: TEST_TIMEOUT_MS }, () => {
  it('reads the simulated account', async () => {
    const result = await kling(['balance', '--sandbox', '--gateway', 'apiframe', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ ok: true, gateway: 'apiframe', unit: 'credits' });
  });
});
