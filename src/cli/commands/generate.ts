import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  checkBudget,
  GATEWAYS,
  type KlingClient,
  KlingNotFoundError,
  KlingSubmitUncertainError,
  KlingTaskFailedError,
  KlingValidationError,
  type MaxCost,
  type PollOptions,
  type SubmitRecord,
  type SucceededTask,
  type TaskHandle,
} from 'kling-sdk';
import {
  addConnectionOptions,
  type ConnectionFlags,
  connect,
  gatewayFrom,
  numberFlag,
  secondsFlag,
} from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { CliError, EXIT, Interrupted } from '../exit-codes.js';
import { describeEstimate, total } from '../format.js';
import { handlePathFor, writeHandle } from '../handle-file.js';
import type { Output } from '../io.js';
import { DownloadProgress, RenderProgress } from '../progress.js';
import { addRequestOptions, type RequestFlags, requestFromFlags } from '../request-options.js';
import { addPricingOption, type PricingFlags, pricingFrom } from './quote.js';

interface GenerateFlags extends RequestFlags, PricingFlags, ConnectionFlags, PollFlags, JsonFlag {
  out?: string;
  yes?: boolean;
  maxCost?: string;
  maxCredits?: string;
  timeout?: string;
  idempotencyKey?: string;
  wait: boolean;
}

/** A path as it can be pasted into a shell. */
export function shellArg(path: string): string {
  return /^[\w./:@%+=,-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** `kling wait <target>` with the connection flags it needs to reach the same gateway again. */
export function resumeCommand(ctx: Context, target: string, flags: ConnectionFlags & PollFlags): string {
  const shown =
    isAbsolute(target) && !relative(ctx.cwd, target).startsWith('..') ? relative(ctx.cwd, target) : target;
  const parts = ['kling wait', shellArg(shown)];
  if (!target.endsWith('.json') && flags.gateway !== undefined) parts.push(`--gateway ${flags.gateway}`);
  if (flags.baseUrl !== undefined) parts.push(`--base-url ${shellArg(flags.baseUrl)}`);
  if (flags.pollInterval !== undefined) parts.push(`--poll-interval ${shellArg(flags.pollInterval)}`);
  return parts.join(' ');
}

export interface PollFlags {
  pollInterval?: string;
}

export function addPollOption(command: Command): Command {
  return command.option(
    '--poll-interval <seconds>',
    "poll at most this far apart (default: the gateway's render times and hints; e.g. 1 against a local simulator)",
  );
}

/** The client's poll policy for --poll-interval: every delay capped at it. */
export function pollFrom(flags: PollFlags): { poll?: PollOptions } {
  const intervalMs = secondsFlag('--poll-interval', flags.pollInterval);
  return intervalMs === undefined ? {} : { poll: { intervalMs, maxIntervalMs: intervalMs } };
}

function maxCostFrom(flags: GenerateFlags): MaxCost | undefined {
  const usd = numberFlag('--max-cost', flags.maxCost);
  const credits = numberFlag('--max-credits', flags.maxCredits);
  if (usd === undefined && credits === undefined) return undefined;
  return { ...(usd === undefined ? {} : { usd }), ...(credits === undefined ? {} : { credits }) };
}

/** Checked before the paid submit, so the video and its handle have somewhere to go. */
async function checkWritable(dir: string): Promise<void> {
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new CliError(EXIT.usage, `--out: can't write to ${dir} (missing or read-only). Nothing was sent.`);
  }
}

/** A task id as a file name. */
function fileNameFor(id: string): string {
  return `${id.replace(/[^\w.-]+/g, '_')}.mp4`;
}

/**
 * Waits for a submitted task with the render bar, then downloads it with the download bar. Shared by
 * `generate` and `wait`; failures get the advice a person needs (how to resume).
 */
export async function finish(
  ctx: Context,
  out: Output,
  client: KlingClient,
  handle: TaskHandle | string,
  options: {
    timeoutMs: number | undefined;
    outPath: string | undefined;
    /** The command that resumes this wait, or undefined where nothing can (the sandbox is gone). */
    resume: string | undefined;
  },
): Promise<{ task: SucceededTask; file?: { path: string; bytes: number } }> {
  const { resume } = options;
  const render = new RenderProgress(out, client.gateway);
  let task: SucceededTask;
  try {
    task = await client.wait(handle, {
      signal: ctx.signal,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      onProgress: (t) => render.update(t),
    });
  } catch (error) {
    // Not for a task that ended, or one the gateway does not know: nothing is left to resume there.
    const ended =
      KlingTaskFailedError.is(error) || KlingNotFoundError.is(error) || KlingValidationError.is(error);
    if (!ended && resume !== undefined) {
      ctx.failure.advice.push(
        `the task is still rendering at ${GATEWAYS[client.gateway].vendor} (and is paid for): resume with ${resume}`,
      );
    }
    throw error;
  } finally {
    render.stop();
  }
  out.note(`rendered: ${task.videos.map((v) => v.url).join(' ')}`);
  if (options.outPath === undefined) return { task };
  const bar = new DownloadProgress(out);
  try {
    const file = await client.download(task, options.outPath, {
      signal: ctx.signal,
      onProgress: bar.onProgress,
    });
    return { task, file };
  } catch (error) {
    if (resume !== undefined) {
      ctx.failure.advice.push(
        `the video is ready; ${resume} downloads it again (links expire, often after 24 h)`,
      );
    }
    throw error;
  } finally {
    bar.stop();
  }
}

export function taskSummary(task: SucceededTask): Record<string, unknown> {
  return { id: task.id, gateway: task.gateway, status: task.status, videos: task.videos, cost: task.cost };
}

export function registerGenerate(program: Command, ctx: Context): void {
  const command = program
    .command('generate')
    .description(
      'price, confirm, submit, wait with a progress bar, download: saves the video and a resumable handle',
    );
  addConnectionOptions(command, { sandbox: true });
  addRequestOptions(command);
  addPricingOption(command);
  addPollOption(command);
  command
    .option(
      '--out <path>',
      'where to save the video (default: <task id>.mp4); the handle goes to <path>.handle.json',
    )
    .option('-y, --yes', 'spend without asking (required with --json or without a terminal)')
    .option('--max-cost <usd>', 'refuse (exit 7) if the estimate is above this many dollars, or unknown')
    .option(
      '--max-credits <credits>',
      'refuse (exit 7) if the estimate is above this many credits, or unknown',
    )
    .option('--timeout <seconds>', 'give up waiting after this long (exit 5; default 20 minutes)')
    .option(
      '--idempotency-key <key>',
      'apiframe only: the key of an uncertain submit, to recover its task without paying twice',
    )
    .option('--no-wait', 'submit, save the handle and exit; kling wait <handle-file> finishes it');
  addJsonOption(command);
  withHelp(command, [
    'kling generate --sandbox --prompt "a fox in the snow" --yes',
    'kling generate --gateway evolink --prompt "a paper boat" --mode pro --duration 8 --sound --out boat.mp4',
    'kling generate --gateway apiframe --prompt "a fox" --max-cost 1 --usd-per-credit 0.01 --yes --json',
  ]);
  command.action(async (flags: GenerateFlags) => {
    const out = begin(ctx, flags);
    const gateway = gatewayFrom(flags, ctx.env);
    const request = requestFromFlags(flags, gateway);
    const maxCost = maxCostFrom(flags);
    const timeoutMs = secondsFlag('--timeout', flags.timeout);
    const connection = await connect(gateway, flags, { pricing: pricingFrom(flags), ...pollFrom(flags) });
    try {
      const { client } = connection;
      const estimate = client.estimate(request);
      out.line(`estimate: ${describeEstimate(estimate)}`);
      if (connection.sandbox) out.note('sandbox: an in-process gateway simulator; no key, nothing is spent');
      if (maxCost !== undefined) checkBudget(estimate, maxCost);
      await checkWritable(dirname(resolve(ctx.cwd, flags.out ?? 'video.mp4')));
      if (flags.yes !== true) {
        const where = `${GATEWAYS[gateway].vendor}${connection.sandbox ? ' (sandbox)' : ''}`;
        await out.confirm(`Submit to ${where} for ${total(estimate)}? Proceed?`, ctx.signal);
      }

      let sent: SubmitRecord | undefined;
      let handle: TaskHandle;
      try {
        handle = await client.submit(request, {
          signal: ctx.signal,
          ...(maxCost === undefined ? {} : { maxCost }),
          ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
          onBeforeSend: (record) => {
            sent = record;
          },
        });
      } catch (error) {
        if (sent !== undefined && (KlingSubmitUncertainError.is(error) || error instanceof Interrupted)) {
          const key =
            (KlingSubmitUncertainError.is(error) ? error.idempotencyKey : undefined) ?? sent.idempotencyKey;
          ctx.failure.extra.taskState = 'may-exist';
          if (key !== undefined) ctx.failure.extra.idempotencyKey = key;
          ctx.failure.advice.push(
            key === undefined
              ? `the submit may have created a task at ${GATEWAYS[gateway].vendor}, and it may be billed: check its dashboard before sending again (re-sending could pay twice)`
              : `the submit may have created a task, and it may be billed. ${GATEWAYS[gateway].vendor} dedupes by key: re-run the same command with --idempotency-key ${key} to get it back without paying twice`,
          );
        }
        throw error;
      }

      const outPath = resolve(ctx.cwd, flags.out ?? fileNameFor(handle.id));
      const handleFile = handlePathFor(outPath);
      const saved = handle.toJSON();
      ctx.failure.extra.handle = saved;
      out.line(`submitted: task ${handle.id} at ${gateway}`);
      out.line(`handle: ${JSON.stringify(saved)}`);
      await writeHandle(handleFile, saved);
      ctx.failure.extra.handleFile = handleFile;
      out.line(`handle saved to ${handleFile}`);
      const resume = connection.sandbox ? undefined : resumeCommand(ctx, handleFile, flags);
      if (!flags.wait) {
        if (resume !== undefined) out.line(`resume with: ${resume}`);
        out.result({ ok: true, gateway, estimate, handle: saved, handleFile });
        return;
      }

      const { task, file } = await finish(ctx, out, client, handle, { timeoutMs, outPath, resume });
      out.line(`saved ${file?.path ?? outPath} (${file?.bytes ?? 0} bytes)`);
      out.result({ ok: true, gateway, estimate, handle: saved, handleFile, task: taskSummary(task), file });
    } finally {
      await connection.close();
    }
  });
}
