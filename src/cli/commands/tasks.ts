import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GATEWAYS, type Task } from 'kling-sdk';
import {
  addConnectionOptions,
  type ConnectionFlags,
  connect,
  gatewayFrom,
  secondsFlag,
} from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { resolveTarget, videoPathFor } from '../handle-file.js';
import { addPollOption, finish, type PollFlags, pollFrom, resumeCommand, taskSummary } from './generate.js';

interface StatusFlags extends ConnectionFlags, JsonFlag {}
interface WaitFlags extends StatusFlags, PollFlags {
  out?: string;
  timeout?: string;
  download: boolean;
}

const TARGET = '<id|handle-file>';
const TARGET_HELP = 'a task id (with --gateway), or a handle file saved by kling generate';

function describeTask(task: Task): string[] {
  const progress = task.progress === undefined ? '' : ` ${Math.round(task.progress)}%`;
  const eta = task.etaSeconds === undefined ? '' : ` (about ${Math.round(task.etaSeconds)} s left)`;
  const lines = [
    `task ${task.id} at ${task.gateway} (${GATEWAYS[task.gateway].vendor}): ${task.status}${progress}${eta}`,
  ];
  if (task.statusUnknown === true)
    lines.push(`  the gateway said '${task.vendorStatus}', a status word the SDK does not know`);
  if (task.status === 'succeeded') {
    for (const video of task.videos) {
      lines.push(
        `  video: ${video.url}${video.expiresAt === undefined ? '' : ` (until ${video.expiresAt.toISOString()})`}`,
      );
    }
  }
  if (task.status === 'failed' || task.status === 'canceled') {
    lines.push(
      `  error: ${task.error.message}${task.error.code === undefined ? '' : ` (${task.error.code})`}`,
    );
  }
  if (task.cost !== undefined) {
    lines.push(`  cost: ${task.cost.amount} ${task.cost.unit}${task.cost.reserved ? ' (reserved)' : ''}`);
  }
  return lines;
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
    const connection = await connect(gateway, flags);
    try {
      const handle = saved === undefined ? id : connection.client.resume(saved);
      const task = await connection.client.getTask(handle, { signal: ctx.signal });
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
    .option('--no-download', 'print the video links instead of downloading')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 5; default 20 minutes)');
  addJsonOption(wait);
  withHelp(wait, [
    'kling wait boat.mp4.handle.json',
    'kling wait task-unified-123 --gateway evolink --out fox.mp4',
  ]);
  wait.action(async (target: string, flags: WaitFlags) => {
    const out = begin(ctx, flags);
    const { gateway, id, saved, file } = await resolveTarget(target, flags, ctx.env, ctx.cwd);
    const timeoutMs = secondsFlag('--timeout', flags.timeout);
    const connection = await connect(gateway, flags, pollFrom(flags));
    try {
      const handle = saved === undefined ? id : connection.client.resume(saved);
      const resume = resumeCommand(ctx, file ?? id, { ...flags, gateway });
      const wanted = flags.out ?? (file === undefined ? undefined : videoPathFor(file));
      const outPath = flags.download && wanted !== undefined ? resolve(ctx.cwd, wanted) : undefined;
      const result = await finish(ctx, out, connection.client, handle, { timeoutMs, outPath, resume });
      for (const video of result.task.videos) out.line(`video: ${video.url}`);
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
    const connection = await connect(gateway, flags);
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
