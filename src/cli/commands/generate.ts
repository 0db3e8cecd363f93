import { constants, existsSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  checkBudget,
  GATEWAYS,
  KlingApiError,
  KlingAuthError,
  type KlingClient,
  KlingNotFoundError,
  KlingSubmitUncertainError,
  KlingTaskFailedError,
  KlingTimeoutError,
  KlingValidationError,
  type MaxCost,
  type PollOptions,
  type SavedHandle,
  type SubmitRecord,
  type SucceededTask,
  type TaskHandle,
} from 'kling-sdk';
import {
  addConnectionOptions,
  boundsText,
  type ConnectionFlags,
  connect,
  gatewayFrom,
  numberFlag,
  POLL_INTERVAL_SECONDS,
  secondsFlag,
  TIMEOUT_SECONDS,
} from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { CliError, EXIT, Interrupted } from '../exit-codes.js';
import { describeEstimate, total } from '../format.js';
import { handlePathFor, videoFileFor, writeHandle } from '../handle-file.js';
import type { Output } from '../io.js';
import { DownloadProgress, RenderProgress } from '../progress.js';
import { addRequestOptions, type RequestFlags, requestFromFlags } from '../request-options.js';
import { safeText } from '../safe-text.js';
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

/**
 * `kling wait <target>` with the connection flags it needs to reach the same gateway again. A key given
 * with --api-key is asked for again (`--api-key YOUR_KEY`), never printed.
 */
export function resumeCommand(ctx: Context, target: string, flags: ConnectionFlags & PollFlags): string {
  const shown =
    isAbsolute(target) && !relative(ctx.cwd, target).startsWith('..') ? relative(ctx.cwd, target) : target;
  const parts = ['kling wait', shellArg(shown)];
  if (!target.endsWith('.json') && flags.gateway !== undefined) parts.push(`--gateway ${flags.gateway}`);
  if (flags.baseUrl !== undefined) parts.push(`--base-url ${shellArg(flags.baseUrl)}`);
  if (flags.pollInterval !== undefined) parts.push(`--poll-interval ${shellArg(flags.pollInterval)}`);
  if (flags.apiKey !== undefined) parts.push('--api-key YOUR_KEY (the key you passed; it is not printed)');
  return parts.join(' ');
}

export interface PollFlags {
  pollInterval?: string;
}

export function addPollOption(command: Command): Command {
  return command.option(
    '--poll-interval <seconds>',
    `poll at most this far apart, ${boundsText(POLL_INTERVAL_SECONDS)} s (default: the gateway's render times and hints; e.g. 1 against a local simulator)`,
  );
}

/** The --timeout flag of generate and wait. */
export function addTimeoutOption(command: Command): Command {
  return command.option(
    '--timeout <seconds>',
    `give up waiting after this long, ${boundsText(TIMEOUT_SECONDS)} s (exit 5; default 20 minutes)`,
  );
}

export function timeoutFrom(flags: { timeout?: string }): number | undefined {
  return secondsFlag('--timeout', flags.timeout, TIMEOUT_SECONDS);
}

/** The client's poll policy for --poll-interval: every delay capped at it. */
export function pollFrom(flags: PollFlags): { poll?: PollOptions } {
  const intervalMs = secondsFlag('--poll-interval', flags.pollInterval, POLL_INTERVAL_SECONDS);
  return intervalMs === undefined ? {} : { poll: { intervalMs, maxIntervalMs: intervalMs } };
}

/** The budget from --max-cost/--max-credits: malformed text is a usage error here, before anything is sent. */
function maxCostFrom(flags: GenerateFlags): MaxCost | undefined {
  const usd = numberFlag('--max-cost', flags.maxCost);
  const credits = numberFlag('--max-credits', flags.maxCredits);
  if (usd !== undefined) return credits === undefined ? { usd } : { usd, credits };
  return credits === undefined ? undefined : { credits };
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Most file systems take names of at most 255 bytes. */
const MAX_NAME_BYTES = 255;

/** Checked before the paid submit, so the video and its handle have somewhere to go. */
async function checkWritable(out: string | undefined, cwd: string, savesHandle: boolean): Promise<void> {
  const path = resolve(cwd, out ?? 'video.mp4');
  const dir = dirname(path);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new CliError(EXIT.usage, `--out: can't write to ${dir} (missing or read-only). Nothing was sent.`);
  }
  if (out !== undefined && Buffer.byteLength(basename(handlePathFor(path))) > MAX_NAME_BYTES) {
    throw new CliError(
      EXIT.usage,
      `--out: the name is too long for its handle file (${basename(handlePathFor(path))}). Nothing was sent.`,
    );
  }
  // A handle file without its video is a task that was never downloaded (maybe still rendering, and
  // paid for): writing this submit's handle over it would lose the only way back to that task.
  if (savesHandle && out !== undefined && isRegularFile(handlePathFor(path)) && !existsSync(path)) {
    throw new CliError(
      EXIT.usage,
      `--out: ${handlePathFor(path)} holds the handle of an earlier task whose video was never saved (it may still be rendering, and is paid for). Finish it with \`kling wait ${handlePathFor(path)}\`, or remove that file, or pick another --out. Nothing was sent.`,
    );
  }
}

/**
 * Saves the handle of a paid task. A failure to write it does not end the command (the task is
 * rendering and paid for): the handle is printed instead, and the failure report repeats it.
 */
async function saveHandle(
  ctx: Context,
  out: Output,
  path: string,
  saved: SavedHandle,
): Promise<string | undefined> {
  try {
    await writeHandle(path, saved);
    ctx.failure.extra.handleFile = path;
    return path;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const advice = `could not save the handle to ${path} (${reason}); keep it to resume the task: ${JSON.stringify(saved)}`;
    ctx.failure.advice.push(advice);
    out.note(`kling: ${advice}`);
    return undefined;
  }
}

/**
 * What a person needs to hear when a wait ends without a video, beyond the error itself: whether the
 * task may still be rendering (and how to resume it), or why there is nothing to resume.
 */
function waitAdvice(
  error: unknown,
  id: string,
  gateway: KlingClient['gateway'],
  resume: string | undefined,
  submittedHere: boolean,
): string | undefined {
  const vendor = GATEWAYS[gateway].vendor;
  const task = safeText(id);
  // A task that ended, or a wait that never started: nothing is left to resume.
  if (KlingTaskFailedError.is(error) || KlingValidationError.is(error)) return undefined;
  if (KlingNotFoundError.is(error)) {
    const later =
      submittedHere && resume !== undefined
        ? `; it was just submitted, so it may not be listed yet: try ${resume} in a minute`
        : ': check the id, --gateway, and that the key belongs to the account that submitted it';
    return `${vendor} does not know task ${task}${later}`;
  }
  if (KlingAuthError.is(error)) {
    return `${vendor} refused the API key${resume === undefined ? '' : `; if the task exists it keeps rendering: resume with ${resume} and a key ${vendor} accepts`}`;
  }
  if (
    KlingApiError.is(error) &&
    error.status >= 400 &&
    error.status < 500 &&
    ![408, 429].includes(error.status)
  ) {
    return `${vendor} refused to look up task ${task} (HTTP ${error.status}): check the id and --gateway`;
  }
  if (resume === undefined) return undefined;
  const seen = submittedHere || (KlingTimeoutError.is(error) && error.lastTask !== undefined);
  return seen
    ? `the task is still rendering at ${vendor} (and is paid for): resume with ${resume}`
    : `if the task is rendering at ${vendor}, resume with ${resume}`;
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
    /** Whether this command submitted the task (so it exists and is paid for). */
    submittedHere: boolean;
  },
): Promise<{ task: SucceededTask; file?: { path: string; bytes: number } }> {
  const { resume } = options;
  const id = typeof handle === 'string' ? handle : handle.id;
  const render = new RenderProgress(out, client.gateway);
  let task: SucceededTask;
  try {
    task = await client.wait(handle, {
      signal: ctx.signal,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      onProgress: (t) => render.update(t),
    });
  } catch (error) {
    const advice = waitAdvice(error, id, client.gateway, resume, options.submittedHere);
    if (advice !== undefined) ctx.failure.advice.push(advice);
    throw error;
  } finally {
    render.stop();
  }
  out.note(`rendered: ${task.videos.map((v) => safeText(v.url)).join(' ')}`);
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
    .option(
      '--idempotency-key <key>',
      'apiframe only: the key of an uncertain submit, to recover its task without paying twice',
    )
    .option(
      '--no-wait',
      'submit, save the handle and exit; kling wait <handle-file> finishes it (not with --sandbox)',
    );
  addTimeoutOption(command);
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
    const timeoutMs = timeoutFrom(flags);
    if (flags.sandbox === true && !flags.wait) {
      throw new CliError(
        EXIT.usage,
        '--sandbox tasks live only as long as the command (its simulator stops with it): drop --no-wait',
      );
    }
    const connection = await connect(gateway, flags, ctx.env, {
      pricing: pricingFrom(flags),
      ...pollFrom(flags),
    });
    try {
      const { client } = connection;
      const estimate = client.estimate(request);
      out.line(`estimate: ${describeEstimate(estimate)}`);
      if (connection.sandbox) out.note('sandbox: an in-process gateway simulator; no key, nothing is spent');
      if (maxCost !== undefined) checkBudget(estimate, maxCost);
      await checkWritable(flags.out, ctx.cwd, !connection.sandbox);
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

      // The task exists and is paid for: record it before anything else that can fail (the id is the
      // gateway's text, so the default file name is made safe from it). A sandbox task ends with this
      // command, so its handle would resume nothing: none is saved.
      const saved = handle.toJSON();
      ctx.failure.extra.handle = saved;
      const outPath = resolve(ctx.cwd, flags.out ?? videoFileFor(handle.id));
      const handleFile = connection.sandbox
        ? undefined
        : await saveHandle(ctx, out, handlePathFor(outPath), saved);
      out.line(`submitted: task ${safeText(handle.id)} at ${gateway}`);
      out.line(`handle: ${JSON.stringify(saved)}`);
      if (handleFile !== undefined) out.line(`handle saved to ${handleFile}`);
      const resume = connection.sandbox
        ? undefined
        : resumeCommand(ctx, handleFile ?? handle.id, { ...flags, gateway });
      if (!flags.wait) {
        if (resume !== undefined) out.line(`resume with: ${resume}`);
        out.result({
          ok: true,
          gateway,
          estimate,
          handle: saved,
          ...(handleFile === undefined ? {} : { handleFile }),
        });
        return;
      }

      const { task, file } = await finish(ctx, out, client, handle, {
        timeoutMs,
        outPath,
        resume,
        submittedHere: true,
      });
      out.line(`saved ${file?.path ?? outPath} (${file?.bytes ?? 0} bytes)`);
      out.result({
        ok: true,
        gateway,
        estimate,
        handle: saved,
        ...(handleFile === undefined ? {} : { handleFile }),
        task: taskSummary(task),
        file,
      });
    } finally {
      await connection.close();
    }
  });
}
