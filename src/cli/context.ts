import type { Command } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { Output, type Streams } from './io.js';

/** What every command runs with: injected by the entry point (streams, environment, Ctrl-C signal). */
export interface Context {
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted by Ctrl-C (SIGINT) or SIGTERM, with an `Interrupted` reason. */
  signal: AbortSignal;
  /** The running command's output (human or --json): errors are reported through it. */
  out: Output;
  /** What a failure report should add: fields for --json, advice lines for people. */
  failure: { extra: Record<string, unknown>; advice: string[] };
}

export interface JsonFlag {
  json?: boolean;
}

export function addJsonOption(command: Command): Command {
  return command.option(
    '--json',
    'machine-readable output only: one JSON document on stdout, no bars or prompts',
  );
}

/** Sets up the command's output from its --json flag. */
export function begin(ctx: Context, flags: JsonFlag): Output {
  ctx.out = new Output(ctx.streams, flags.json === true);
  return ctx.out;
}

/** Help text appended to every command: examples, then the exit codes. */
export function withHelp(command: Command, examples: string[]): Command {
  const lines = examples.length === 0 ? '' : `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`;
  return command.addHelpText('after', `${lines}${EXIT_CODES_HELP}`);
}
