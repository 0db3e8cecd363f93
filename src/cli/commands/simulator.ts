import type { Command } from 'commander';
import type { FaultKind, FaultRule } from 'kling-sdk/testing';
import { loadTesting, numberFlag } from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';

interface SimulatorFlags extends JsonFlag {
  port: string;
  timeScale: string;
  seed?: string;
  fault: string[];
}

const OPS = ['create', 'status', 'download', 'upload', 'balance', 'any'] as const;
/** Every fault the simulator injects (a Record, so a new kind fails the typecheck until listed). */
const KINDS: Record<FaultKind, true> = {
  'http-500': true,
  'http-502': true,
  'http-503': true,
  'http-504': true,
  'http-429': true,
  'http-400': true,
  'http-402': true,
  none: true,
  reset: true,
  'drop-after-create': true,
  'http-500-after-create': true,
  hang: true,
  'hang-after-create': true,
  html: true,
  'truncated-json': true,
  'wrong-content-type': true,
  'huge-body': true,
  drip: true,
  'unknown-status': true,
  'missing-fields': true,
};

/** `op:kind[:rate]`, e.g. `create:drop-after-create` or `status:http-503:0.3`. */
function parseFault(spec: string): FaultRule {
  const [op, kind, rate, extra] = spec.split(':');
  if (op === undefined || kind === undefined || kind === '' || extra !== undefined) {
    throw new CliError(EXIT.usage, `--fault ${spec}: expected op:kind[:rate], e.g. status:http-503:0.3`);
  }
  if (!(OPS as readonly string[]).includes(op)) {
    throw new CliError(EXIT.usage, `--fault ${spec}: op must be one of ${OPS.join(', ')}`);
  }
  if (!Object.hasOwn(KINDS, kind)) {
    throw new CliError(EXIT.usage, `--fault ${spec}: kind must be one of ${Object.keys(KINDS).join(', ')}`);
  }
  const rule = { op, kind } as FaultRule;
  const share = numberFlag('--fault rate', rate);
  if (share !== undefined && share > 1) {
    throw new CliError(EXIT.usage, `--fault ${spec}: rate must be between 0 and 1`);
  }
  if (share !== undefined) rule.rate = share;
  return rule;
}

export function registerSimulator(program: Command, ctx: Context): void {
  const command = program
    .command('simulator')
    .description(
      "serve the four gateways' APIs on loopback for local development (no key, no spend; needs msw)",
    )
    .option('--port <port>', 'the port on 127.0.0.1 (0: any free port)', '4010')
    .option(
      '--time-scale <n>',
      'wall time per simulated time: 1 is real time, 0.01 makes a 150 s render 1.5 s',
      '0.01',
    )
    .option('--seed <n>', 'seed for ids, render times and fault rates (replays a run)')
    .option(
      '--fault <op:kind[:rate]>',
      'inject a fault, e.g. create:drop-after-create or status:http-503:0.3 (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
  addJsonOption(command);
  withHelp(command, [
    'kling simulator --port 4010',
    'kling generate --gateway evolink --base-url http://127.0.0.1:4010 --api-key test --poll-interval 1 --prompt "a fox" --yes',
  ]);
  command.action(async (flags: SimulatorFlags) => {
    const out = begin(ctx, flags);
    const port = numberFlag('--port', flags.port);
    if (port === undefined || !Number.isInteger(port) || port > 65535) {
      throw new CliError(EXIT.usage, `--port ${flags.port}: expected a port number, 0–65535`);
    }
    const timeScale = numberFlag('--time-scale', flags.timeScale);
    if (timeScale === undefined || timeScale <= 0) {
      throw new CliError(EXIT.usage, `--time-scale ${flags.timeScale}: expected a positive number`);
    }
    const seed = numberFlag('--seed', flags.seed);
    const faults = flags.fault.map(parseFault);
    const { startGatewaySimulator } = await loadTesting('kling simulator');
    if (ctx.signal.aborted) return;
    const sim = await startGatewaySimulator({
      port,
      timeScale,
      faults,
      ...(seed === undefined ? {} : { seed }),
    }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'EADDRINUSE') {
        throw new CliError(
          EXIT.usage,
          `port ${port} is in use: pick another with --port (0 for any free port)`,
        );
      }
      throw error;
    });
    out.result({ ok: true, url: sim.url, seed: sim.seed, timeScale });
    out.line(
      `Kling gateway simulator on ${sim.url} (seed ${sim.seed}; a 150 s render takes ${150 * timeScale} s)`,
    );
    out.line(
      'It speaks API in One, apiframe, EvoLink and Modellix; any API key works (sk-invalid answers 401).',
    );
    out.line('Point a client at it:');
    out.line(
      `  kling generate --gateway evolink --base-url ${sim.url} --api-key test --poll-interval 1 --prompt "a fox" --yes`,
    );
    out.line(`  new KlingClient({ gateway: 'evolink', apiKey: 'test', baseUrl: '${sim.url}' })`);
    out.line(
      "Clients poll on the vendors' real render times (a first poll after 60-120 s) unless told otherwise:",
    );
    out.line('  --poll-interval 1, or the client option poll: { intervalMs: 1000, maxIntervalMs: 1000 }.');
    out.line('A prompt with SIM_FAIL fails the render; SIM_NO_CREDITS answers 402. Ctrl-C stops it.');
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await sim.close();
    const created = Object.values(sim.stats.created).reduce((a, b) => a + b, 0);
    out.note(`simulator stopped (${created} task${created === 1 ? '' : 's'} created)`);
  });
}
