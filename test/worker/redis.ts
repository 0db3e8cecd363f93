// A real Redis server for the worker test: Debian's redis-server, installed with apt when it is
// missing (CI installs it in .ci/run first), started on a private unix socket (no port to race for)
// with persistence off, and stopped afterwards.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  /** The socket path: ioredis takes it where it takes a URL, and so does the example's REDIS_URL. */
  url: string;
  connect(): Redis;
  stop(): Promise<void>;
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Finds redis-server, or installs Debian's package when this process may. Returns why not, if not. */
export function ensureRedisServer(): { ok: true } | { ok: false; reason: string } {
  if (hasRedisServer()) return { ok: true };
  const root = process.getuid?.() === 0;
  const aptGet = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!root || !aptGet) {
    return {
      ok: false,
      reason: `redis-server is not installed and cannot be installed here (${root ? 'no apt-get' : 'not root'}): apt-get install -y redis-server`,
    };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], {
      env,
      stdio: 'ignore',
      timeout: 300_000,
    }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 300_000 });
    install();
  }
  return hasRedisServer()
    ? { ok: true }
    : { ok: false, reason: 'apt-get install -y redis-server failed (is the Debian mirror reachable?)' };
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kling-redis-'));
  const socket = join(dir, 'redis.sock');
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      '0', // no TCP listener: the socket only
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const connect = () => new Redis(socket, { maxRetriesPerRequest: null });
  const probe = new Redis(socket, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  probe.on('error', () => {}); // ECONNREFUSED/ENOENT until the server is up
  try {
    const ready = probe.ping();
    const died = exited.then(() => {
      throw new Error(`redis-server exited:\n${output}`);
    });
    await Promise.race([ready, died]);
  } finally {
    probe.disconnect();
  }

  return {
    url: socket,
    connect,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
