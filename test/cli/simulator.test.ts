import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KlingClient } from '../../src/index.js';
import type { SimulatedTask } from '../../src/testing/index.js';
import { WIRE } from '../testing/helpers.js';
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

/** A callback receiver in this process, for a simulator in another. */
interface Delivery {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('kling simulator --hold --deliver-callbacks-to --require-explicit-defaults --apiinone-shape --modellix-create-paths', {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  let receiver: Server;
  let receiverOrigin: string;
  const deliveries: Delivery[] = [];
  /** Every flag set. */
  let flagged: RunningSimulatorProcess;
  /** No flag: the defaults. */
  let plain: RunningSimulatorProcess;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end('ok');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    [flagged, plain] = await Promise.all([
      startSimulator([
        '--time-scale',
        '0.001',
        '--hold',
        '--deliver-callbacks-to',
        receiverOrigin,
        '--require-explicit-defaults',
        '--apiinone-shape',
        'kling',
        '--modellix-create-paths',
        'async',
      ]),
      startSimulator(['--time-scale', '0.001']),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([flagged?.stop(), plain?.stop()]);
    receiver?.close();
  });

  const tasksOf = async (url: string) =>
    (await (await fetch(`${url}/__sim/tasks`)).json()) as { clock: number; tasks: SimulatedTask[] };

  it('holds the render until POST /__sim/release, then calls back the local receiver at the path and query registered', async () => {
    const client = new KlingClient({ gateway: 'evolink', apiKey: 'test', baseUrl: flagged.url });
    try {
      const callbackUrl = 'https://hooks.example.com/kling/job-1?token=x';
      // The SDK sends every default explicitly, so --require-explicit-defaults accepts its body.
      const handle = await client.submit({ prompt: 'a fox in the snow', callbackUrl });

      // Held past its render time (read on the simulator's own clock): still running, nothing sent.
      let held: SimulatedTask | undefined;
      await vi.waitFor(
        async () => {
          const { clock, tasks } = await tasksOf(flagged.url);
          held = tasks.find((task) => task.id === handle.id);
          expect(clock).toBeGreaterThan(
            (held?.createdAt ?? 0) + (held?.renderMs ?? Number.POSITIVE_INFINITY),
          );
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(held).toMatchObject({ gateway: 'evolink', state: 'running', progress: 99, held: true });
      expect(deliveries).toEqual([]);
      expect((await client.getTask(handle)).status).toBe('running');

      const released = await fetch(`${flagged.url}/__sim/release`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ taskId: handle.id }),
      });
      expect(released.status).toBe(200);
      expect(await released.json()).toEqual({ released: [handle.id] });

      await vi.waitFor(() => expect(deliveries).toHaveLength(1), { timeout: 30_000, interval: 50 });
      const [delivery] = deliveries;
      if (delivery === undefined) throw new Error('no delivery');
      expect(delivery.url).toBe('/kling/job-1?token=x');
      const confirmed = await client.confirmWebhook({
        rawBody: delivery.body,
        headers: delivery.headers,
        expected: handle,
      });
      expect(confirmed).toMatchObject({ id: handle.id, gateway: 'evolink', status: 'succeeded' });

      const callbacks = (await (await fetch(`${flagged.url}/__sim/callbacks`)).json()) as {
        callbacks: unknown[];
      };
      expect(callbacks.callbacks).toEqual([
        expect.objectContaining({
          taskId: handle.id,
          url: callbackUrl,
          target: `${receiverOrigin}/kling/job-1?token=x`,
          status: 200,
        }),
      ]);
    } finally {
      await client.close();
    }
  });

  it('--require-explicit-defaults refuses a body that leaves sound out; without it the body is accepted', async () => {
    const { sound: _, ...soundless } = WIRE.evolink.validBody();
    const send = (url: string) =>
      fetch(`${url}${WIRE.evolink.createPath}`, {
        method: 'POST',
        headers: WIRE.evolink.authHeaders('test'),
        body: JSON.stringify(soundless),
      });
    const refused = await send(flagged.url);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/sound.*must be sent explicitly/);
    const accepted = await send(plain.url);
    expect(accepted.status, await accepted.clone().text()).toBe(200);
  });

  it("--modellix-create-paths async serves only Modellix's …/async create path", async () => {
    const send = (url: string, path: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: WIRE.modellix.authHeaders('test'),
        body: JSON.stringify(WIRE.modellix.validBody()),
      });
    const bare = WIRE.modellix.createPath;
    const async = `${bare}/async`;
    expect((await send(flagged.url, bare)).status).toBe(404);
    expect((await send(flagged.url, async)).status).toBe(200);
    expect((await send(plain.url, bare)).status).toBe(200);
    expect((await send(plain.url, async)).status).toBe(200);
  });

  it("--apiinone-shape kling answers API in One's status reads in Kling's own shape, which the SDK reads", async () => {
    const read = async (url: string) => {
      const created = await fetch(`${url}${WIRE.apiinone.createPath}`, {
        method: 'POST',
        headers: WIRE.apiinone.authHeaders('test'),
        body: JSON.stringify(WIRE.apiinone.validBody()),
      });
      expect(created.status).toBe(200);
      const id = WIRE.apiinone.taskIdOf((await created.json()) as never);
      const reply = await fetch(`${url}${WIRE.apiinone.statusPath(id)}`, {
        headers: WIRE.apiinone.authHeaders('test'),
      });
      return { id, data: ((await reply.json()) as { data: Record<string, unknown> }).data };
    };
    const kling = await read(flagged.url);
    expect(kling.data).toMatchObject({ task_id: kling.id, task_status: expect.any(String) });
    expect(kling.data).not.toHaveProperty('status');
    const client = new KlingClient({ gateway: 'apiinone', apiKey: 'test', baseUrl: flagged.url });
    try {
      // Held, so never finished; queued or running depending on how far its render clock has got.
      expect(await client.getTask(kling.id)).toMatchObject({
        id: kling.id,
        status: expect.stringMatching(/^(queued|running)$/),
      });
    } finally {
      await client.close();
    }
    const standard = await read(plain.url);
    expect(standard.data).toMatchObject({ task_id: standard.id, status: expect.any(String) });
    expect(standard.data).not.toHaveProperty('task_status');
  });

  it('prints its settings and the admin routes as JSON', async () => {
    const stopped = await flagged.stop();
    expect(stopped.code).toBe(0);
    expect(json(stopped)).toMatchObject({
      ok: true,
      url: flagged.url,
      hold: true,
      requireExplicitDefaults: true,
      deliverCallbacksTo: receiverOrigin,
      apiinoneShape: 'kling',
      modellixCreatePaths: ['async'],
      admin: { tasks: `${flagged.url}/__sim/tasks`, release: `${flagged.url}/__sim/release` },
    });
  });

  it('rejects a malformed --deliver-callbacks-to, --apiinone-shape or --modellix-create-paths with exit 2', async () => {
    for (const flags of [
      ['--deliver-callbacks-to', 'not-a-url'],
      ['--deliver-callbacks-to', 'ftp://127.0.0.1:21'],
      ['--deliver-callbacks-to', 'http://127.0.0.1:3000/hooks'],
      ['--apiinone-shape', 'xml'],
      ['--modellix-create-paths', 'bare,sync'],
    ]) {
      const result = await kling(['simulator', '--port', '0', ...flags]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr, flags.join(' ')).toContain(flags[0]);
    }
  });
});
