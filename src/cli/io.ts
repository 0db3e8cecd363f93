import { createInterface } from 'node:readline';
import { CliError, EXIT, Interrupted } from './exit-codes.js';
import { safeJson, safeText } from './safe-text.js';

/** Where a command writes. Injected so the streams and the TTY checks come from one place. */
export interface Streams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Human output goes to stdout (results) and stderr (progress, advice); with `--json`, stdout carries
 * exactly one JSON document and nothing else is printed. Every line passes through `safeText` and the
 * JSON through `safeJson`: much of it came from a gateway, and none of it may act on the terminal.
 */
export class Output {
  readonly json: boolean;
  readonly streams: Streams;

  constructor(streams: Streams, json: boolean) {
    this.streams = streams;
    this.json = json;
  }

  /** A result line for people (suppressed with --json). */
  line(text = ''): void {
    if (!this.json) this.streams.stdout.write(`${safeText(text, { multiline: true })}\n`);
  }

  /** Progress and advice for people, on stderr (suppressed with --json). */
  note(text: string): void {
    if (!this.json) this.streams.stderr.write(`${safeText(text, { multiline: true })}\n`);
  }

  /** The one JSON document of a --json run. */
  result(value: unknown): void {
    if (this.json) this.streams.stdout.write(`${safeJson(value)}\n`);
  }

  /** Whether progress bars can be drawn (a terminal on stderr, not --json). */
  get interactive(): boolean {
    return !this.json && this.streams.stderr.isTTY === true;
  }

  /**
   * Asks "Proceed? [y/N]" on a terminal. Without one (a script, a pipe) it refuses: a spend is never
   * made silently.
   */
  async confirm(question: string, signal: AbortSignal): Promise<void> {
    if (this.json) {
      throw new CliError(EXIT.usage, '--json never prompts: pass --yes to spend. Nothing was sent.');
    }
    if (this.streams.stdin.isTTY !== true) {
      throw new CliError(
        EXIT.usage,
        'refusing to spend without confirmation: stdin is not a terminal, so pass --yes. Nothing was sent.',
      );
    }
    const rl = createInterface({ input: this.streams.stdin, output: this.streams.stderr });
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        rl.once('SIGINT', () => reject(new Interrupted()));
        rl.once('close', () => resolve(''));
        rl.question(`${question} [y/N] `, (text) => {
          signal.removeEventListener('abort', onAbort);
          resolve(text);
        });
      });
      if (!/^y(es)?$/i.test(answer.trim())) {
        throw new CliError(EXIT.usage, 'not confirmed. Nothing was sent.');
      }
    } finally {
      rl.close();
    }
  }
}
