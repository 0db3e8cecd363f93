import type { Command } from 'commander';
import type { ApiInOneShape, FaultKind, FaultRule, SimulatorOptions } from 'kling-sdk/testing';
import { loadTesting, numberFlag } from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';

interface SimulatorFlags extends JsonFlag {
  port: string;
  timeScale: string;
  seed?: string;
  fault: string[];
  hold?: boolean;
  requireExplicitDefaults?: boolean;
  deliverCallbacksTo?: string;
  apiinoneShape: string;
  modellixCreatePaths: string;
}

/** API in One's status-reply shapes (a Record, so a new shape fails the typecheck until listed). */
const APIINONE_SHAPES: Record<ApiInOneShape, true> = {
  default: true,
  kling: true,
  'result-urls': true,
  'output-url': true,
  'result-urls-camel': true,
  'result-json': true,
};
type ModellixCreatePath = NonNullable<SimulatorOptions['modellixCreatePaths']>[number];
const MODELLIX_CREATE_PATHS: Record<ModellixCreatePath, true> = { bare: true, async: true };

/**
 * `--deliver-callbacks-to`: an http(s) origin, nothing after it (the callback URL keeps its own path
 * and query), no credentials.
 */
function parseOrigin(value: string): string {
  const usage = `--deliver-callbacks-to ${JSON.stringify(value)}: expected an http(s) origin, e.g. http://127.0.0.1:4321`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(EXIT.usage, usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(EXIT.usage, usage);
  if (url.username !== '' || url.password !== '') {
    throw new CliError(EXIT.usage, `${usage} without credentials`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[?#]$/.test(value)) {
    throw new CliError(
      EXIT.usage,
      `${usage}, with no path or query: callbacks keep the path and query of the URL they were registered with`,
    );
  }
  return url.origin;
}

/** `--modellix-create-paths bare,async`: which of the two documented create paths exist. */
function parseModellixPaths(value: string): ModellixCreatePath[] {
  const names = value.split(',').map((name) => name.trim());
  const known = Object.keys(MODELLIX_CREATE_PATHS);
  if (names.some((name) => !known.includes(name))) {
    throw new CliError(
      EXIT.usage,
      `--modellix-create-paths ${JSON.stringify(value)}: expected bare, async or bare,async`,
    );
  }
  return [...new Set(names)] as ModellixCreatePath[];
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
      "serve the six gateways' APIs on loopback for local development (no key, no spend; needs msw)",
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
    )
    .option(
      '--hold',
      'renders stay running (at 99%) until released: POST {"taskId": "<id>"} or {"all": true} to /__sim/release',
    )
    .option(
      '--deliver-callbacks-to <origin>',
      "POST callbacks to this origin instead of the callback URL's, its path and query kept (without it, none is sent)",
    )
    .option(
      '--require-explicit-defaults',
      'refuse a create that leaves mode, duration or sound to the vendor default (the SDK never does)',
    )
    .option(
      '--apiinone-shape <shape>',
      `API in One's status and callback shape: ${Object.keys(APIINONE_SHAPES).join(', ')}`,
      'default',
    )
    .option(
      '--modellix-create-paths <list>',
      "Modellix's create paths served: bare (…/kling-v3-omni-video), async (…/async) or bare,async",
      'bare,async',
    );
  addJsonOption(command);
  command.addHelpText(
    'after',
    [
      '',
      'Admin routes on the same origin, for a test in another process (JSON):',
      '  GET  /__sim/tasks       every task: id, gateway, state, progress, held, …',
      '  GET  /__sim/callbacks   every callback delivery: target, attempt, status',
      '  POST /__sim/release     {"taskId": "<id>"} or {"all": true}: ends the hold (--hold)',
    ].join('\n'),
  );
  withHelp(command, [
    'kling simulator --port 4010',
    'kling simulator --hold --deliver-callbacks-to http://127.0.0.1:3000',
    'curl -X POST http://127.0.0.1:4010/__sim/release -H "content-type: application/json" -d \'{"all":true}\'',
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
    const deliverCallbacksTo =
      flags.deliverCallbacksTo === undefined ? undefined : parseOrigin(flags.deliverCallbacksTo);
    if (!Object.hasOwn(APIINONE_SHAPES, flags.apiinoneShape)) {
      throw new CliError(
        EXIT.usage,
        `--apiinone-shape ${JSON.stringify(flags.apiinoneShape)}: expected one of ${Object.keys(APIINONE_SHAPES).join(', ')}`,
      );
    }
    const apiinoneShape = flags.apiinoneShape as ApiInOneShape;
    const modellixCreatePaths = parseModellixPaths(flags.modellixCreatePaths);
    const hold = flags.hold === true;
    const requireExplicitDefaults = flags.requireExplicitDefaults === true;
    const { startGatewaySimulator } = await loadTesting('kling simulator');
    if (ctx.signal.aborted) return;
    const sim = await startGatewaySimulator({
      port,
      timeScale,
      faults,
      hold,
      requireExplicitDefaults,
      apiinoneShape,
      modellixCreatePaths,
      ...(deliverCallbacksTo === undefined ? {} : { deliverCallbacksTo }),
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
    out.result({
      ok: true,
      url: sim.url,
      seed: sim.seed,
      timeScale,
      hold,
      requireExplicitDefaults,
      deliverCallbacksTo: deliverCallbacksTo ?? null,
      apiinoneShape,
      modellixCreatePaths,
      admin: {
        tasks: `${sim.url}/__sim/tasks`,
        callbacks: `${sim.url}/__sim/callbacks`,
        release: `${sim.url}/__sim/release`,
      },
    });
    out.line(
      `Kling gateway simulator on ${sim.url} (seed ${sim.seed}; a 150 s render takes ${150 * timeScale} s)`,
    );
    out.line(
      'It speaks API in One, apiframe, EvoLink, Modellix, fal and the official Kling API; any API key works (sk-invalid answers 401).',
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
    if (hold) {
      out.line(
        `Renders are held at 99% until released: curl -X POST ${sim.url}/__sim/release -H 'content-type: application/json' -d '{"all":true}'`,
      );
    }
    out.line(
      deliverCallbacksTo === undefined
        ? 'Callbacks are not sent (--deliver-callbacks-to <origin> sends them to a local receiver).'
        : `Callbacks go to ${deliverCallbacksTo}, each with the path and query of its callback URL.`,
    );
    if (requireExplicitDefaults) {
      out.line('A create that leaves mode, duration or sound to the vendor default is refused.');
    }
    out.line(`Tasks: ${sim.url}/__sim/tasks; callback deliveries: ${sim.url}/__sim/callbacks.`);
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
