import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  completedTask,
  errorBody,
  type FakeGateway,
  type FakeScript,
  pendingTask,
  startFakeGateway,
} from './fake-gateway.js';
import {
  ensureBuilt,
  FAST_POLL,
  json,
  kling,
  on,
  type Result,
  TEST_TIMEOUT_MS,
  tempDir,
  terminalUnsafe,
} from './helpers.js';

beforeAll(ensureBuilt, 600_000);

/** What a hostile reply carried: retitle the terminal, clear the screen, print a fake red line. */
const PWN = '\x1b]0;pwned\x07\x1b[2J\x1b[31mFAKE';
/** A right-to-left override and an 8-bit CSI, for good measure. */
const BIDI = 'evil\u202egpj.exe\u202c \x9b2J';
const FOX = ['--prompt', 'a fox in the snow'];
const ID = 'task-unified-1757169743-7cvnl5zw';

let gateway: FakeGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function fake(script: FakeScript): Promise<FakeGateway> {
  gateway = await startFakeGateway(script);
  return gateway;
}

function expectTerminalSafe(result: Result): void {
  expect(terminalUnsafe(result.stdout), result.stdout).toEqual([]);
  expect(terminalUnsafe(result.stderr), result.stderr).toEqual([]);
}

describe('gateway text printed by the CLI cannot act on the terminal', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a status word and an error message with escape sequences: stripped for people, escaped in --json', async () => {
    const sim = await fake({
      task: (id) => ({
        body: {
          ...pendingTask(id),
          status: PWN,
          error: { code: PWN, message: `${PWN} ${BIDI}` },
        },
      }),
    });
    const human = await kling(['status', ID, ...on(sim.url, 'evolink')]);
    expect(human.code, human.stderr).toBe(0);
    expectTerminalSafe(human);
    expect(human.stdout).toContain("the gateway said 'FAKE', a status word the SDK does not know");
    expect(human.stdout).not.toContain('pwned');

    const machine = await kling(['status', ID, ...on(sim.url, 'evolink'), '--json']);
    expect(machine.code, machine.stderr).toBe(0);
    expectTerminalSafe(machine);
    // Still valid JSON, and still the gateway's exact text once parsed.
    const task = json(machine).task as { vendorStatus: string; raw: { error: { message: string } } };
    expect(task.vendorStatus).toBe(PWN);
    expect(task.raw.error.message).toBe(`${PWN} ${BIDI}`);
  });

  it('a failed task: its error message and code are stripped', async () => {
    const sim = await fake({
      task: (id) => ({
        body: { id, status: 'failed', progress: 0, error: { code: PWN, message: `${PWN}\n${BIDI}` } },
      }),
    });
    const result = await kling(['status', ID, ...on(sim.url, 'evolink')]);
    expect(result.code, result.stderr).toBe(0);
    expectTerminalSafe(result);
    expect(result.stdout).toContain('  error: FAKE evilgpj.exe  (FAKE)');
    const waited = await kling(['wait', ID, ...on(sim.url, 'evolink'), ...FAST_POLL]);
    expect(waited.code).toBe(4);
    expectTerminalSafe(waited);
    expect(waited.stderr).toContain('FAKE');
  });

  it('an error reply to the submit and to a status read: the message is stripped', async () => {
    const sim = await fake({
      create: () => ({ status: 400, body: errorBody(PWN) }),
      task: () => ({ status: 400, body: errorBody(`${PWN}\nkling: saved fox.mp4 ${BIDI}`) }),
    });
    const submit = await kling(['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes']);
    expect(submit.code).toBe(3);
    expectTerminalSafe(submit);
    expect(submit.stderr).toContain('FAKE');
    const submitJson = await kling(['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes', '--json']);
    expect(submitJson.code).toBe(3);
    expectTerminalSafe(submitJson);
    expect((json(submitJson).error as { message: string }).message).toContain(PWN);

    const status = await kling(['status', ID, ...on(sim.url, 'evolink')]);
    expect(status.code).toBe(3);
    expectTerminalSafe(status);
    // A line break in the reply can't pose as a line of the CLI's own.
    expect(status.stderr).not.toMatch(/^kling: saved fox\.mp4/m);
  });

  it('a video link with escape sequences and bidi controls', async () => {
    const sim = await fake({
      task: (id) => ({ body: completedTask(id, `http://127.0.0.1/${PWN}${BIDI}.mp4`) }),
    });
    const status = await kling(['status', ID, ...on(sim.url, 'evolink')]);
    expect(status.code, status.stderr).toBe(0);
    expectTerminalSafe(status);
    expect(status.stdout).toContain('  video: http://127.0.0.1/FAKEevilgpj.exe .mp4');
    const waited = await kling(['wait', ID, ...on(sim.url, 'evolink'), ...FAST_POLL, '--no-download']);
    expect(waited.code, waited.stderr).toBe(0);
    expectTerminalSafe(waited);
  });
});

describe('the handle file of a paid submit', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a 300-character task id: saved under a safe name before waiting, and kling wait resumes from it', async () => {
    const long = `task-unified-${'x'.repeat(287)}`;
    expect(long).toHaveLength(300);
    let known = false;
    const sim = await fake({
      create: () => ({ body: pendingTask(long) }),
      // The first reads fail: the handle must already be on disk by then.
      task: (id) =>
        known && id === long
          ? { body: completedTask(id, `${gateway?.url}/files/v.mp4`) }
          : { status: 404, body: errorBody('Task not found', 'task_not_found') },
    });
    const cwd = tempDir();
    const result = await kling(['generate', ...on(sim.url, 'evolink'), ...FAST_POLL, ...FOX, '--yes'], {
      cwd,
    });
    expect(result.code).toBe(3); // the gateway said it does not know the task
    expect(result.stderr).not.toContain('ENAMETOOLONG');
    const files = readdirSync(cwd);
    expect(files).toHaveLength(1);
    const [name] = files as [string];
    expect(name).toMatch(/^task-unified-x+-[0-9a-f]{16}\.mp4\.handle\.json$/);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(JSON.parse(readFileSync(join(cwd, name), 'utf8'))).toMatchObject({ gateway: 'evolink', id: long });
    expect(result.stdout).toContain(`handle saved to ${join(cwd, name)}`);

    known = true;
    const waited = await kling(['wait', name, ...on(sim.url), ...FAST_POLL, '--json'], { cwd });
    expect(waited.code, waited.stderr).toBe(0);
    const body = json(waited) as { task: { id: string }; file: { path: string; bytes: number } };
    expect(body.task.id).toBe(long);
    expect(body.file.path).toBe(join(cwd, name.slice(0, -'.handle.json'.length)));
    expect(body.file.bytes).toBeGreaterThan(0);
  });

  it('an id with / and ..: the handle stays in the directory, under a name of its own', async () => {
    const sneaky = '../../escape/../task';
    const sim = await fake({ create: () => ({ body: pendingTask(sneaky) }) });
    const root = tempDir();
    const cwd = join(root, 'a', 'b');
    mkdirSync(cwd, { recursive: true });
    const result = await kling(
      ['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes', '--no-wait', '--json'],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    const handleFile = json(result).handleFile as string;
    expect(dirname(handleFile)).toBe(cwd);
    expect(handleFile).toMatch(/\/escape_task-[0-9a-f]{16}\.mp4\.handle\.json$/);
    expect(JSON.parse(readFileSync(handleFile, 'utf8'))).toMatchObject({ id: sneaky });
    expect(readdirSync(cwd)).toHaveLength(1);
    expect(readdirSync(root)).toEqual(['a']);
    expect(readdirSync(join(root, 'a'))).toEqual(['b']);
  });

  it('a handle that cannot be written is printed instead, with a resume command that needs no file', async () => {
    const sim = await fake({ create: () => ({ body: pendingTask(ID) }) });
    const cwd = tempDir();
    mkdirSync(join(cwd, 'fox.mp4.handle.json')); // a directory in the way
    const result = await kling(
      ['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes', '--no-wait', '--out', 'fox.mp4'],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('could not save the handle to');
    expect(result.stderr).toContain(`"id":"${ID}"`);
    expect(result.stdout).toContain(`resume with: kling wait ${ID} --gateway evolink --base-url ${sim.url}`);
    expect(sim.creates()).toBe(1);
  });

  it('an --out whose handle name is too long: exit 2 before anything is sent', async () => {
    const sim = await fake({});
    const result = await kling([
      'generate',
      ...on(sim.url, 'evolink'),
      ...FOX,
      '--yes',
      '--out',
      `${'v'.repeat(250)}.mp4`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('too long for its handle file');
    expect(sim.requests).toEqual([]);
  });

  it('a second --out never overwrites the handle of an earlier task that was never downloaded', async () => {
    const sim = await fake({ create: () => ({ body: pendingTask(ID) }) });
    const cwd = tempDir();
    const args = [...on(sim.url, 'evolink'), ...FOX, '--yes', '--no-wait', '--out', 'fox.mp4'];
    const first = await kling(['generate', ...args], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const handle = readFileSync(join(cwd, 'fox.mp4.handle.json'), 'utf8');
    const creates = sim.requests.length;
    const second = await kling(['generate', ...args], { cwd });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('fox.mp4.handle.json holds the handle of an earlier task');
    expect(second.stderr).toContain('kling wait');
    expect(sim.requests.length).toBe(creates); // nothing sent
    expect(readFileSync(join(cwd, 'fox.mp4.handle.json'), 'utf8')).toBe(handle);
    // Once the video is there (the task finished and was saved), the same --out may be used again.
    writeFileSync(join(cwd, 'fox.mp4'), 'video');
    const third = await kling(['generate', ...args], { cwd });
    expect(third.code, third.stderr).toBe(0);
  });
});

describe('resume hints and keys', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a key given with --api-key is asked for again in the resume hint, never printed', async () => {
    const sim = await fake({ create: () => ({ body: pendingTask(ID) }) });
    const key = 'sk-live-SECRET-7f3a';
    const cwd = tempDir();
    const result = await kling(
      [
        'generate',
        '--gateway',
        'evolink',
        '--base-url',
        sim.url,
        '--api-key',
        key,
        ...FOX,
        '--yes',
        '--no-wait',
        '--out',
        'fox.mp4',
      ],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `resume with: kling wait fox.mp4.handle.json --base-url ${sim.url} --api-key YOUR_KEY`,
    );
    expect(result.stdout + result.stderr).not.toContain('SECRET');
    // Without --api-key (the key from the environment) there is nothing to pass again.
    const fromEnv = await kling(
      ['generate', '--gateway', 'evolink', '--base-url', sim.url, ...FOX, '--yes', '--no-wait'],
      { cwd: tempDir(), env: { EVOLINK_API_KEY: key } },
    );
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toMatch(/resume with: kling wait \S+\.handle\.json --base-url \S+$/m);
  });

  it('no key: exit 2 naming the flag and the variable (not the SDK option); nothing is sent', async () => {
    const sim = await fake({});
    for (const args of [
      ['status', ID, '--gateway', 'evolink', '--base-url', sim.url],
      ['generate', '--gateway', 'evolink', '--base-url', sim.url, ...FOX, '--yes'],
      ['generate', '--gateway', 'evolink', '--base-url', sim.url, '--api-key', '', ...FOX, '--yes'],
    ]) {
      const result = await kling(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('pass --api-key <key> or set EVOLINK_API_KEY');
      expect(result.stderr).not.toMatch(/\bapiKey\b/);
    }
    expect(sim.requests).toEqual([]);
  });
});

describe('kling wait and kling status say what happened', { timeout: TEST_TIMEOUT_MS }, () => {
  it('wait on a task the gateway does not know: says so, never "still rendering"', async () => {
    const sim = await fake({});
    const result = await kling(['wait', 'task-unified-nope', ...on(sim.url, 'evolink'), ...FAST_POLL]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('EvoLink does not know task task-unified-nope');
    expect(result.stderr).not.toContain('still rendering');
    expect(result.stderr).not.toContain('paid for');
    const machine = await kling(['wait', 'task-unified-nope', ...on(sim.url, 'evolink'), '--json']);
    expect(json(machine)).toMatchObject({
      ok: false,
      exitCode: 3,
      error: { name: 'KlingNotFoundError', status: 404 },
      advice: [expect.stringContaining('does not know task task-unified-nope')],
    });
    const status = await kling(['status', 'task-unified-nope', ...on(sim.url, 'evolink')]);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('EvoLink does not know task task-unified-nope');
  });

  it('wait on an id the gateway refuses (400): no claim that it is rendering', async () => {
    const sim = await fake({ task: () => ({ status: 400, body: errorBody('Invalid task ID format') }) });
    const result = await kling(['wait', 'nope', ...on(sim.url, 'evolink'), ...FAST_POLL]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('EvoLink refused to look up task nope (HTTP 400)');
    expect(result.stderr).not.toContain('still rendering');
  });

  it('status shows an ETA while the task renders, none once it has finished', async () => {
    const running = await fake({
      task: (id) => ({ body: { ...pendingTask(id), status: 'processing', progress: 40 } }),
    });
    const busy = await kling(['status', ID, ...on(running.url, 'evolink')]);
    expect(busy.code, busy.stderr).toBe(0);
    expect(busy.stdout).toMatch(/: running 40% \(about \d+ s left\)/);
    await running.close();

    const done = await fake({ task: (id) => ({ body: completedTask(id, 'http://127.0.0.1/files/v.mp4') }) });
    const finished = await kling(['status', ID, ...on(done.url, 'evolink')]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toContain(': succeeded 100%\n');
    expect(finished.stdout).not.toContain('left');
  });

  it('an out-of-range created timestamp is no RangeError: the link is shown without an expiry', async () => {
    const sim = await fake({
      task: (id) => ({ body: completedTask(id, 'http://127.0.0.1/files/v.mp4', { created: 1.7e18 }) }),
    });
    const status = await kling(['status', ID, ...on(sim.url, 'evolink')]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).not.toContain('RangeError');
    expect(status.stdout).toMatch(/^ {2}video: http:\/\/127\.0\.0\.1\/files\/v\.mp4$/m);
    const machine = await kling(['status', ID, ...on(sim.url, 'evolink'), '--json']);
    expect(machine.code, machine.stderr).toBe(0);
    const waited = await kling(['wait', ID, ...on(sim.url, 'evolink'), ...FAST_POLL, '--no-download']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain('video: http://127.0.0.1/files/v.mp4');
  });
});

describe('flag values are checked before anything is sent', { timeout: TEST_TIMEOUT_MS }, () => {
  const BAD_NUMBERS = ['abc', 'NaN', '-1', '0.1usd', '', 'Infinity', '0x10', '1e3', ' '];

  it.each(BAD_NUMBERS)('--max-cost %j: exit 2, no task', async (value) => {
    const sim = await fake({ create: () => ({ body: pendingTask(ID) }) });
    const result = await kling([
      'generate',
      ...on(sim.url, 'evolink'),
      ...FOX,
      '--yes',
      '--no-wait',
      '--max-cost',
      value,
      '--json',
    ]);
    expect(result.code, result.stdout).toBe(2);
    expect((json(result).error as { message: string }).message).toContain('--max-cost');
    expect(sim.requests).toEqual([]);
  });

  it('--max-credits malformed: exit 2, no task; a well-formed budget still submits', async () => {
    const sim = await fake({ create: () => ({ body: pendingTask(ID) }) });
    const bad = await kling(['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes', '--max-credits', '5x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-credits "5x": expected a non-negative decimal number');
    expect(sim.requests).toEqual([]);
    const good = await kling(
      ['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes', '--no-wait', '--max-cost', '1.5'],
      { cwd: tempDir() },
    );
    expect(good.code, good.stderr).toBe(0);
    expect(sim.creates()).toBe(1);
  });

  const BAD_SECONDS = ['0', '-1', 'abc', 'NaN', 'Infinity', '1e3', '', '0.01'];

  it.each([
    ['--timeout', [...BAD_SECONDS, '86401']],
    ['--poll-interval', [...BAD_SECONDS, '3601']],
  ] as const)('%s out of bounds: exit 2 from wait and generate, nothing sent', async (flag, values) => {
    const sim = await fake({ task: (id) => ({ body: completedTask(id, 'http://127.0.0.1/files/v.mp4') }) });
    for (const value of values) {
      const result = await kling(['wait', ID, ...on(sim.url, 'evolink'), '--no-download', flag, value]);
      expect(result.code, `${flag} ${value}`).toBe(2);
      expect(result.stderr).toContain(
        `${flag} ${JSON.stringify(value)}: expected a number of seconds from 0.1 to`,
      );
    }
    const generate = await kling(['generate', ...on(sim.url, 'evolink'), ...FOX, '--yes', flag, '0']);
    expect(generate.code).toBe(2);
    expect(sim.requests).toEqual([]);
    // The documented bounds themselves are accepted (how a 0.1 s wait ends is the SDK's business).
    const top = flag === '--timeout' ? '86400' : '3600';
    for (const value of ['0.1', top]) {
      const ok = await kling(['wait', ID, ...on(sim.url, 'evolink'), '--no-download', flag, value]);
      expect(ok.code, `${flag} ${value}: ${ok.stderr}`).not.toBe(2);
      expect(ok.stderr).not.toContain('expected a number of seconds');
    }
    expect(sim.requests.length).toBeGreaterThan(0);
  });

  it('the bounds are documented in --help', async () => {
    const help = await kling(['wait', '--help']);
    expect(help.stdout).toMatch(/--timeout <seconds> +give up waiting after this long, 0\.1–86400 s/);
    expect(help.stdout).toMatch(/--poll-interval <seconds> +poll at most this far apart, 0\.1–3600 s/);
  });
});
