import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type GatewayId, isGatewayId, type SavedHandle } from 'kling-sdk';
import { type GatewayFlags, gatewayFrom } from './connection.js';
import { CliError, EXIT } from './exit-codes.js';

/** What `kling status` and `kling wait` were pointed at: a task id, or a saved handle file. */
export interface TaskTarget {
  gateway: GatewayId;
  id: string;
  /** The handle file's JSON, for `client.resume` (which validates it). */
  saved?: string;
  /** The handle file's absolute path. */
  file?: string;
}

const HANDLE_SUFFIX = '.handle.json';

/** `<out>.handle.json`: where `kling generate` saves the resumable handle of `<out>`. */
export function handlePathFor(out: string): string {
  return `${out}${HANDLE_SUFFIX}`;
}

/** The video path a handle file was saved for (`fox.mp4.handle.json` → `fox.mp4`), if it follows the pattern. */
export function videoPathFor(handleFile: string): string | undefined {
  return handleFile.endsWith(HANDLE_SUFFIX) ? handleFile.slice(0, -HANDLE_SUFFIX.length) : undefined;
}

/** An id that can be a file name as it is: short, plain characters, not hidden, not `.` or `..`. */
const PLAIN_ID = /^[\w-][\w.-]{0,99}$/;

/**
 * `<id>.mp4`, the default video file of a task, made safe from the gateway's id: the id itself where
 * it is a plain short name, else its letters, digits, `_` and `-` (at most 64) and a hash of the whole
 * id, so the name always fits (no `ENAMETOOLONG`), stays in its directory (no `/`, no `..`) and two ids
 * never share a file.
 */
export function videoFileFor(id: string): string {
  if (PLAIN_ID.test(id)) return `${id}.mp4`;
  const readable = id
    .replace(/[^\w-]+/g, '_')
    .replace(/^[_-]+/, '')
    .slice(0, 64);
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${readable === '' ? 'task' : readable}-${hash}.mp4`;
}

export async function writeHandle(path: string, handle: SavedHandle): Promise<void> {
  await writeFile(path, `${JSON.stringify(handle, null, 2)}\n`, { mode: 0o600 });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A path to a saved handle (any existing file, or anything ending in .json), else a task id with --gateway. */
export async function resolveTarget(
  target: string,
  flags: GatewayFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<TaskTarget> {
  const path = resolve(cwd, target);
  if (isFile(path) || target.endsWith('.json')) {
    if (!existsSync(path)) throw new CliError(EXIT.usage, `${target}: no such handle file`);
    const saved = await readFile(path, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(saved);
    } catch {
      throw new CliError(EXIT.usage, `${target}: not a saved handle (not JSON)`);
    }
    const { gateway, id } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
      string,
      unknown
    >;
    if (!isGatewayId(gateway) || typeof id !== 'string') {
      throw new CliError(EXIT.usage, `${target}: not a saved handle (no gateway and id)`);
    }
    const wanted = flags.gateway ?? gateway;
    if (wanted !== gateway) {
      throw new CliError(EXIT.usage, `${target} is a handle for ${gateway}, not --gateway ${wanted}`);
    }
    return { gateway, id, saved, file: path };
  }
  return { gateway: gatewayFrom(flags, env), id: target };
}
