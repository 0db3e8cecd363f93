import {
  KlingApiError,
  KlingBudgetError,
  KlingConnectionError,
  KlingError,
  KlingFileError,
  KlingResponseError,
  KlingSubmitUncertainError,
  KlingTaskFailedError,
  KlingTimeoutError,
  KlingUnsupportedError,
  KlingValidationError,
} from 'kling-sdk';

/** The `kling` exit codes: documented in `kling --help` and the README; tests pin them. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  api: 3,
  taskFailed: 4,
  timedOut: 5,
  submitUncertain: 6,
  budget: 7,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    unexpected error (a bug: please report it)
  2    usage, validation or unsupported field, or a spend not confirmed: nothing was sent
  3    the gateway refused or failed the call (auth, credits, other 4xx/5xx, unreadable reply)
       or could not be reached
  4    the task failed or was canceled at the gateway
  5    timed out waiting for the task (it may still finish: kling wait <handle-file>)
  6    submit outcome uncertain: the task may exist and be billed; do not re-send blind
  7    refused by --max-cost/--max-credits (the estimate is above it, or unknown)
  130  interrupted (Ctrl-C); a submitted task keeps rendering: kling wait <handle-file>`;

/** An error the CLI raises itself (bad flag value, no TTY to confirm on...), with its exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Raised (as an abort reason) when the user presses Ctrl-C. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** The exit code for anything a command throws. Brand checks, not instanceof (ESM and CJS copies). */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof Interrupted) return EXIT.interrupted;
  if (KlingValidationError.is(error) || KlingUnsupportedError.is(error)) return EXIT.usage;
  if (KlingBudgetError.is(error)) return EXIT.budget;
  if (KlingFileError.is(error)) return EXIT.usage; // a local path the CLI cannot write
  if (KlingSubmitUncertainError.is(error)) return EXIT.submitUncertain;
  if (KlingError.is(error) && error.taskState === 'may-exist') return EXIT.submitUncertain;
  if (KlingTaskFailedError.is(error)) return EXIT.taskFailed;
  if (KlingTimeoutError.is(error)) return EXIT.timedOut;
  if (KlingApiError.is(error) || KlingConnectionError.is(error) || KlingResponseError.is(error)) {
    return EXIT.api;
  }
  return EXIT.unexpected;
}

/** A JSON-safe description of an error, for `--json` output. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  const fields = error as unknown as Record<string, unknown>;
  for (const key of ['issues', 'field', 'gateway', 'status', 'code', 'type', 'requestId', 'taskState']) {
    if (fields[key] !== undefined) described[key] = fields[key];
  }
  for (const key of ['idempotencyKey', 'estimated', 'maxCost', 'retryAfterMs']) {
    if (fields[key] !== undefined) described[key] = fields[key];
  }
  const task = fields.task ?? fields.lastTask;
  if (typeof task === 'object' && task !== null) {
    const { id, gateway, status, error: taskError } = task as Record<string, unknown>;
    described.task = { id, gateway, status, ...(taskError === undefined ? {} : { error: taskError }) };
  }
  return described;
}
