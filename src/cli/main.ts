import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerGenerate } from './commands/generate.js';
import { registerEstimate, registerQuote } from './commands/quote.js';
import { registerSimulator } from './commands/simulator.js';
import { registerBalance, registerTasks } from './commands/tasks.js';
import type { Context } from './context.js';
import {
  describeError,
  EXIT,
  EXIT_CODES_HELP,
  type ExitCode,
  exitCodeFor,
  Interrupted,
} from './exit-codes.js';
import { Output, type Streams } from './io.js';
import { safeText } from './safe-text.js';

export interface MainOptions {
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
}

function packageVersion(): string {
  const pkg = createRequire(import.meta.url)('kling-sdk/package.json') as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export function buildProgram(ctx: Context): Command {
  const program = new Command('kling')
    .description(
      'Kling 3.0 videos through API in One, apiframe, EvoLink, Modellix, fal and Kling itself: quote, generate, follow, download.\n' +
        'API keys come from --api-key or APIINONE_API_KEY, APIFRAME_API_KEY, EVOLINK_API_KEY, MODELLIX_API_KEY.',
    )
    .version(packageVersion(), '-v, --version')
    .configureOutput({
      writeOut: (text) => ctx.streams.stdout.write(text),
      writeErr: (text) => ctx.streams.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  program.addHelpText(
    'after',
    `
Examples:
  $ kling quote --prompt "a paper boat on a rainy street" --mode pro --duration 8 --sound
  $ kling generate --sandbox --prompt "a fox in the snow" --yes
  $ kling generate --gateway evolink --prompt "a fox" --out fox.mp4
  $ kling wait fox.mp4.handle.json
${EXIT_CODES_HELP}`,
  );
  registerQuote(program, ctx);
  registerEstimate(program, ctx);
  registerGenerate(program, ctx);
  registerTasks(program, ctx);
  registerBalance(program, ctx);
  registerSimulator(program, ctx);
  return program;
}

function report(ctx: Context, error: unknown): ExitCode {
  const code = exitCodeFor(error);
  const { extra, advice } = ctx.failure;
  if (ctx.out.json) {
    ctx.out.result({
      ok: false,
      exitCode: code,
      error: describeError(error),
      ...extra,
      ...(advice.length === 0 ? {} : { advice }),
    });
    return code;
  }
  // Messages carry gateway text: safe for the terminal, and a line break in it can't pose as a line of ours.
  const write = (text: string): void => {
    ctx.streams.stderr.write(`${safeText(text, { multiline: true }).replace(/\n(?=\S)/g, '\n  ')}\n`);
  };
  const message = error instanceof Error ? error.message : String(error);
  write(`kling: ${error instanceof Interrupted ? 'interrupted (Ctrl-C)' : message}`);
  for (const line of advice) write(`kling: ${line}`);
  if (code === EXIT.unexpected && error instanceof Error && error.stack !== undefined) {
    ctx.streams.stderr.write(`${safeText(error.stack, { multiline: true })}\n`);
  }
  return code;
}

/** Runs `kling` with `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[], options: MainOptions): Promise<ExitCode> {
  const ctx: Context = {
    ...options,
    out: new Output(options.streams, argv.includes('--json')),
    failure: { extra: {}, advice: [] },
  };
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(ctx, error);
  }
}
