// npm run check:lock — package-lock.json must be what npm makes of package.json: otherwise `npm install`
// on a fresh clone rewrites the lock (a new `bin` entry, a changed range) and `npm ci` installs from a
// lock that no longer describes the package. Copies package.json and the lock to a temporary directory,
// lets npm bring the lock up to date there (`--package-lock-only`: nothing installed, no scripts run)
// and fails when anything changed, naming what.
//
// Offline on purpose: a lock in step with package.json holds every package npm needs, so npm has no
// reason to ask the registry; one it must ask (ENOTCACHED) lacks something, which is a failure too. So
// it runs the same with or without a network and an npm cache, before `npm ci` on a clean CI machine.
//
// Usage: node scripts/check-lock.mjs [directory holding package.json and package-lock.json]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const scratch = mkdtempSync(join(tmpdir(), 'kling-lock-'));
const fail = (message) => {
  console.error(`check:lock: FAILED: ${message}`);
  console.error(
    'check:lock: bring the lock up to date with `npm install --package-lock-only --ignore-scripts` and commit it.',
  );
  process.exitCode = 1;
};

try {
  for (const file of ['package.json', 'package-lock.json'])
    copyFileSync(join(dir, file), join(scratch, file));
  const before = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
  try {
    execFileSync(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
      {
        cwd: scratch,
        // An empty cache of its own: the answer must not depend on what this machine downloaded before.
        env: {
          ...process.env,
          npm_config_cache: join(scratch, '.npm-cache'),
          npm_config_update_notifier: 'false',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    const missing = output.match(/request to (\S+) failed: cache mode is 'only-if-cached'/)?.[1];
    fail(
      missing === undefined
        ? `npm could not bring the lock up to date offline:\n${output.trim()}`
        : `package-lock.json lacks what package.json asks for (npm had to fetch ${missing})`,
    );
  }
  if (process.exitCode !== 1) {
    const after = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
    const changes = differences(JSON.parse(before), JSON.parse(after));
    if (changes.length > 0 || before !== after) {
      const shown = changes.slice(0, 20).map((c) => `  ${c}`);
      if (changes.length > shown.length) shown.push(`  ... and ${changes.length - shown.length} more`);
      if (changes.length === 0) shown.push('  (the same JSON, written differently)');
      fail(
        `package-lock.json is out of step with package.json; npm install would change:\n${shown.join('\n')}`,
      );
    } else {
      console.log(`check:lock: package-lock.json is in step with package.json (${dir})`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** Paths where `a` and `b` differ, e.g. `+ packages[""].bin`. */
function differences(a, b, path = '') {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) => {
      const at = `${path}[${JSON.stringify(key)}]`;
      if (!(key in b)) return [`- ${at}`];
      if (!(key in a)) return [`+ ${at}: ${JSON.stringify(b[key])}`];
      return differences(a[key], b[key], at);
    });
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? []
    : [`~ ${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`];
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
