import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GATEWAYS, KlingNotFoundError, type Task } from 'kling-sdk';
import { addConnectionOptions, type ConnectionFlags, connect, gatewayFrom } from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { resolveTarget, videoPathFor } from '../handle-file.js';
import { safeText } from '../safe-text.js';
import {
  addPollOption,
  addTimeoutOption,
  finish,
  type PollFlags,
  pollFrom,
  resumeCommand,
  taskSummary,
  timeoutFrom,
} from './generate.js';

interface StatusFlags extends ConnectionFlags, JsonFlag {}
interface WaitFlags extends StatusFlags, PollFlags {
  out?: string;
  timeout?: string;
  download: boolean;
}

const TARGET = '<id|handle-file>';
const TARGET_HELP = 'a task id (with --gateway), or a handle file saved by kling generate';

function finite(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A date the gateway gave (or one computed from its fields), or nothing when it is out of range. */
function dateText(date: Date | undefined): string | undefined {
  return date instanceof Date && Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

/**
 * `kling status` for people. Each field from the gateway is one line of safe text (`safeText`): the
 * id, the status word, URLs and the error can't act on the terminal or start lines of their own.
 */
export function describeTask(task: Task): string[] {
  const progress = finite(task.progress) ? ` ${Math.round(task.progress)}%` : '';
  // An estimate of the time left, only while the task is still on its way.
  const pending = task.status === 'queued' || task.status === 'running';
  const eta =
    pending && finite(task.etaSeconds) && task.etaSeconds > 0
      ? ` (about ${Math.round(task.etaSeconds)} s left)`
      : '';
  const lines = [
    `task ${safeText(task.id)} at ${task.gateway} (${GATEWAYS[task.gateway].vendor}): ${task.status}${progress}${eta}`,
  ];
  if (task.statusUnknown === true)
    lines.push(`  the gateway said '${safeText(task.vendorStatus)}', a status word the SDK does not know`);
  if (task.status === 'succeeded') {
    for (const video of task.videos) {
      const until = dateText(video.expiresAt);
      lines.push(`  video: ${safeText(video.url)}${until === undefined ? '' : ` (until ${until})`}`);
    }
  }
  if (task.status === 'failed' || task.status === 'canceled') {
    const code = task.error.code === undefined ? '' : ` (${safeText(task.error.code)})`;
    lines.push(`  error: ${safeText(task.error.message)}${code}`);
  }
  if (task.cost !== undefined) {
    lines.push(
      `  cost: ${safeText(task.cost.amount)} ${task.cost.unit}${task.cost.reserved ? ' (reserved)' : ''}`,
    );
  }
  return lines;
}

/** Why a task can't be read, where the error alone leaves it unclear. */
function notKnown(ctx: Context, error: unknown, gateway: Task['gateway'], id: string): void {
  if (KlingNotFoundError.is(error)) {
    ctx.failure.advice.push(
      `${GATEWAYS[gateway].vendor} does not know task ${safeText(id)}: check the id, --gateway, and that the key belongs to the account that submitted it`,
    );
  }
}

export function registerTasks(program: Command, ctx: Context): void {
  const status = program
    .command('status')
    .description('read a task once: status, progress, video links')
    .argument(TARGET, TARGET_HELP);
  addConnectionOptions(status, { sandbox: false });
  addJsonOption(status);
  withHelp(status, [
    'kling status boat.mp4.handle.json',
    'kling status task-unified-123 --gateway evolink --json',
  ]);
  status.action(async (target: string, flags: StatusFlags) => {
    const out = begin(ctx, flags);
    const { gateway, id, saved } = await resolveTarget(target, flags, ctx.env, ctx.cwd);
    const connection = await connect(gateway, flags, ctx.env);
    try {
      const handle = saved === undefined ? id : connection.client.resume(saved);
      const task = await connection.client.getTask(handle, { signal: ctx.signal }).catch((error: unknown) => {
        notKnown(ctx, error, gateway, id);
        throw error;
      });
      out.result({ ok: true, task });
      for (const line of describeTask(task)) out.line(line);
    } finally {
      await connection.close();
    }
  });

  const wait = program
    .command('wait')
    .description('follow a task to the end with a progress bar, then download it (resumes kling generate)')
    .argument(TARGET, TARGET_HELP);
  addConnectionOptions(wait, { sandbox: false });
  addPollOption(wait);
  wait
    .option('--out <path>', 'where to save the video (default: the handle file name without .handle.json)')
    .option('--no-download', 'print the video links instead of downloading');
  addTimeoutOption(wait);
  addJsonOption(wait);
  withHelp(wait, [
    'kling wait boat.mp4.handle.json',
    'kling wait task-unified-123 --gateway evolink --out fox.mp4',
  ]);
  wait.action(async (target: string, flags: WaitFlags) => {
    const out = begin(ctx, flags);
    const { gateway, id, saved, file } = await resolveTarget(target, flags, ctx.env, ctx.cwd);
    const timeoutMs = timeoutFrom(flags);
    const connection = await connect(gateway, flags, ctx.env, pollFrom(flags));
    try {
      const handle = saved === undefined ? id : connection.client.resume(saved);
      const resume = resumeCommand(ctx, file ?? id, { ...flags, gateway });
      const wanted = flags.out ?? (file === undefined ? undefined : videoPathFor(file));
      const outPath = flags.download && wanted !== undefined ? resolve(ctx.cwd, wanted) : undefined;
      const result = await finish(ctx, out, connection.client, handle, {
        timeoutMs,
        outPath,
        resume,
        submittedHere: false,
      });
      for (const video of result.task.videos) out.line(`video: ${safeText(video.url)}`);
      if (result.file !== undefined) out.line(`saved ${result.file.path} (${result.file.bytes} bytes)`);
      out.result({ ok: true, task: taskSummary(result.task), file: result.file });
    } finally {
      await connection.close();
    }
  });
}

export function registerBalance(program: Command, ctx: Context): void {
  const command = program
    .command('balance')
    .description("the account's remaining credits or dollars at a gateway");
  addConnectionOptions(command, { sandbox: true });
  addJsonOption(command);
  withHelp(command, ['kling balance --gateway evolink', 'kling balance --gateway modellix --json']);
  command.action(async (flags: StatusFlags & { gateway?: string }) => {
    const out = begin(ctx, flags);
    const gateway = gatewayFrom(flags, ctx.env);
    const connection = await connect(gateway, flags, ctx.env);
    try {
      const balance = await connection.client.getBalance({ signal: ctx.signal });
      out.result({ ok: true, gateway: balance.gateway, amount: balance.amount, unit: balance.unit });
      const amount = balance.unit === 'usd' ? `$${balance.amount}` : `${balance.amount} credits`;
      out.line(`${gateway} (${GATEWAYS[gateway].vendor}): ${amount}`);
    } finally {
      await connection.close();
    }
  });
}
