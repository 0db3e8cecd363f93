// npm run check:pack — the package as users get it: `npm pack`, installed from the tarball into a new
// project outside the repo (dependencies from the registry, engine-strict on the machine's Node), then
// used from CommonJS, ESM and TypeScript (node16 resolution, and the legacy `node`). Each file prices a
// request and submits a real one to the simulator from the installed `kling-sdk/testing`. Before msw (an
// optional peer) is installed, the main and pricing entries must load without it.
//
// Needs `npm run build` first (npm test builds). Set KEEP_PACK_DIR=1 to keep the temporary project.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const started = performance.now();
const log = (line) => console.log(`check:pack: ${line}`);
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
for (const file of [
  'dist/index.js',
  'dist/index.cjs',
  'dist/pricing.cjs',
  'dist/testing.js',
  'dist/ai.cjs',
]) {
  if (!existsSync(join(repo, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
}
// The msw the repo is tested with, so the project sees the peer version we support.
const mswVersion = JSON.parse(readFileSync(join(repo, 'node_modules/msw/package.json'), 'utf8')).version;
// Likewise the `ai` (an optional peer of kling-sdk/ai).
const aiVersion = JSON.parse(readFileSync(join(repo, 'node_modules/ai/package.json'), 'utf8')).version;

const dir = mkdtempSync(join(tmpdir(), 'kling-pack-'));
// The install must be alone: a node_modules in a folder above the temp dir (a stray /tmp/node_modules)
// would let msw resolve from there, and the no-msw checks below would fail for a reason not the package's.
for (let up = dirname(dir); ; up = dirname(up)) {
  if (existsSync(join(up, 'node_modules'))) {
    throw new Error(
      `check:pack: ${join(up, 'node_modules')} is above the temp dir ${dir}: remove it or set TMPDIR elsewhere`,
    );
  }
  if (dirname(up) === up) break;
}
const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };
const run = (cmd, args, cwd = dir) =>
  execFileSync(cmd, args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const node = (file) => run(process.execPath, [file]);

try {
  // 1. The tarball: only what `files` lists, plus package.json, README and LICENSE.
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], repo));
  const tarball = join(dir, packed.filename);
  const paths = packed.files.map((f) => f.path);
  const stray = paths.filter((p) => !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(p));
  assert.deepEqual(stray, [], 'the tarball holds only dist/, package.json, README.md and LICENSE');
  for (const need of ['dist/index.d.ts', 'dist/index.d.cts', 'dist/testing.cjs', 'README.md', 'LICENSE']) {
    assert.ok(paths.includes(need), `the tarball holds ${need}`);
  }
  // Source maps were two thirds of the package (issue 13 item 5); `npm run build:sourcemaps` builds them apart.
  const maps = paths.filter((p) => p.endsWith('.map'));
  assert.deepEqual(maps, [], 'the tarball holds no source maps');
  log(`${packed.filename}: ${paths.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed`);

  // 2. A new project (CommonJS by default), engine-strict like the repo, the tarball installed alone.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'kling-pack-check', version: '1.0.0', private: true }, null, 2),
  );
  writeFileSync(join(dir, '.npmrc'), 'engine-strict=true\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball]);
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules/kling-sdk/package.json'), 'utf8'));
  assert.equal(installed.version, pkg.version);
  log(`installed kling-sdk@${installed.version} with its dependencies from the registry`);

  // 3. Without msw: the main and pricing entries load and work; msw really is absent.
  writeFileSync(
    join(dir, 'no-msw.cjs'),
    `const assert = require('node:assert/strict');
assert.throws(() => require.resolve('msw'), /Cannot find module/, 'msw is not installed');
const sdk = require('kling-sdk');
const pricing = require('kling-sdk/pricing');
assert.equal(sdk.estimateCost('evolink', { prompt: 'x', duration: 7, sound: true }).usd, 0.7875);
assert.equal(pricing.quote({ prompt: 'x' })[0].gateway, 'evolink');
assert.throws(() => require('kling-sdk/testing'), /msw/, 'the testing entry names its missing peer');
assert.throws(() => require.resolve('ai'), /Cannot find module/, 'ai is not installed');
const { createKling } = require('kling-sdk/ai');
assert.equal(createKling({ gateway: 'evolink', apiKey: 'k' }).video().specificationVersion, 'v3');
console.log('ok - without msw: require("kling-sdk") and "kling-sdk/pricing" work; "kling-sdk/testing" asks for msw');
console.log('ok - without ai: require("kling-sdk/ai") works');
`,
  );
  process.stdout.write(node('no-msw.cjs'));
  writeFileSync(
    join(dir, 'no-msw.mjs'),
    `import assert from 'node:assert/strict';
const { estimateCost } = await import('kling-sdk');
assert.equal(estimateCost('apiframe', { prompt: 'x' }).credits, 15);
console.log('ok - without msw: import("kling-sdk") works');
`,
  );
  process.stdout.write(node('no-msw.mjs'));
  // Every bin the package declares runs from the install, without the optional msw too.
  for (const name of Object.keys(installed.bin ?? {})) {
    const help = run(join(dir, 'node_modules/.bin', name), ['--help']);
    assert.match(help, /usage/i, `${name} --help prints its usage`);
    console.log(`ok - without msw: the \`${name}\` bin runs (--help)`);
  }

  // 4. With msw: both module systems price and submit through the installed package.
  run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--ignore-scripts',
    `msw@${mswVersion}`,
    `ai@${aiVersion}`,
  ]);
  const body = (how) => `
const request = { prompt: 'pack check', mode: 'pro', duration: 8, sound: true };
const estimate = sdk.estimateCost('evolink', request);
assert.equal(estimate.usd, 1.2, '${how}: estimateCost from kling-sdk');
assert.deepEqual(pricing.estimateCost('evolink', request), estimate, '${how}: kling-sdk/pricing agrees');
const sim = await testing.startGatewaySimulator({ seed: 7 });
try {
  for (const gateway of ['evolink', 'apiframe']) {
    const client = new sdk.KlingClient({ gateway, apiKey: 'pack-check', baseUrl: sim.url });
    const handle = await client.submit(request, { maxCost: { credits: 100 } });
    assert.equal(handle.gateway, gateway);
    assert.equal(client.resume(JSON.stringify(handle)).id, handle.id, '${how}: a saved handle resumes');
    await client.close();
  }
  assert.deepEqual([sim.stats.created.evolink, sim.stats.created.apiframe], [1, 1], '${how}: one task each');
  const bad = await new sdk.KlingClient({ gateway: 'evolink', apiKey: 'sk-invalid', baseUrl: sim.url })
    .submit(request)
    .catch((error) => error);
  assert.ok(sdk.KlingAuthError.is(bad) && bad.taskState === 'not-created', '${how}: typed errors');
  // kling-sdk/ai through the AI SDK (its default download refuses the simulator's loopback host).
  const result = await ai.experimental_generateVideo({
    model: kai.createKling({ gateway: 'evolink', apiKey: 'pack-check', baseUrl: sim.url, clock: sim.clientClock }).video(),
    prompt: 'pack check',
    download: async ({ url }) => ({ data: new Uint8Array(await (await fetch(url)).arrayBuffer()), mediaType: 'video/mp4' }),
  });
  assert.equal(result.providerMetadata.kling.gateway, 'evolink', '${how}: kling-sdk/ai with ai');
  assert.ok(result.video.uint8Array.length > 0 && sim.stats.created.evolink === 2, '${how}: one more task, downloaded');
} finally {
  await sim.close();
}
console.log('ok - ${how}: estimateCost, kling-sdk/pricing, a real submit to the simulator from kling-sdk/testing, and experimental_generateVideo with kling-sdk/ai');
`;
  writeFileSync(
    join(dir, 'use.cjs'),
    `const assert = require('node:assert/strict');
const sdk = require('kling-sdk');
const pricing = require('kling-sdk/pricing');
const testing = require('kling-sdk/testing');
const kai = require('kling-sdk/ai');
const ai = require('ai');
(async () => {${body('CommonJS')}})().catch((error) => { console.error(error); process.exit(1); });
`,
  );
  writeFileSync(
    join(dir, 'use.mjs'),
    `import assert from 'node:assert/strict';
import * as sdk from 'kling-sdk';
import * as pricing from 'kling-sdk/pricing';
import * as testing from 'kling-sdk/testing';
import * as kai from 'kling-sdk/ai';
import * as ai from 'ai';
${body('ESM')}`,
  );
  process.stdout.write(node('use.cjs'));
  process.stdout.write(node('use.mjs'));

  // 5. TypeScript users, both module systems, resolved through the package's own `exports` and types.
  const ts = `
const request: VideoRequest = { prompt: 'typed', mode: 'pro', duration: 8, sound: true };
const estimate: CostEstimate = estimateCost('evolink', request);
const total: number | null = estimate.total;
const handle: SavedHandle | undefined = undefined as SavedHandle | undefined;
const client = new KlingClient({ gateway: 'apiframe', apiKey: 'k' });
const submitted: Promise<TaskHandle> = client.submit(request, { onBeforeSend: (r: SubmitRecord) => void r.idempotencyKey });
// @ts-expect-error: not a gateway
new KlingClient({ gateway: 'nope' });
const sim: Promise<RunningSimulator> = startGatewaySimulator({ hold: true });
const model: KlingVideoModel = createKling(client).video();
void [total, handle, submitted, sim, KlingSubmitUncertainError.is(null), model];
`;
  const names =
    'KlingClient, KlingSubmitUncertainError, type SavedHandle, type SubmitRecord, type TaskHandle, type VideoRequest';
  writeFileSync(
    join(dir, 'consumer.cts'),
    `import { ${names} } from 'kling-sdk';
import { type CostEstimate, estimateCost } from 'kling-sdk/pricing';
import { type RunningSimulator, startGatewaySimulator } from 'kling-sdk/testing';
import { createKling, type KlingVideoModel } from 'kling-sdk/ai';
${ts}`,
  );
  writeFileSync(join(dir, 'consumer.mts'), readFileSync(join(dir, 'consumer.cts'), 'utf8'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['consumer.cts', 'consumer.mts'],
    }),
  );
  const tsc = join(repo, 'node_modules/typescript/bin/tsc');
  run(process.execPath, [tsc, '-p', dir]);
  console.log(
    'ok - TypeScript (node16): kling-sdk, kling-sdk/pricing, kling-sdk/testing and kling-sdk/ai type-check as .cts and .mts',
  );

  // 6. The legacy `moduleResolution: node` (node10), still the setting of many CommonJS projects: it
  // ignores `exports`, so the subpaths resolve only through `typesVersions` (issue 17 item 10). Deprecated
  // in TypeScript 6 (hence ignoreDeprecations), not in the TypeScript 5 most such projects run.
  writeFileSync(join(dir, 'consumer-node10.ts'), readFileSync(join(dir, 'consumer.cts'), 'utf8'));
  writeFileSync(
    join(dir, 'tsconfig.node10.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'commonjs',
        moduleResolution: 'node',
        ignoreDeprecations: '6.0',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        // Where each import resolved to, to prove it is the package's own types (not an implicit any).
        traceResolution: true,
      },
      files: ['consumer-node10.ts'],
    }),
  );
  let trace;
  try {
    trace = run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.node10.json')]);
  } catch (error) {
    const errors = String(error.stdout ?? '')
      .split('\n')
      .filter((line) => line.includes('error TS'));
    throw new Error(`moduleResolution node: the consumer does not type-check:\n${errors.join('\n')}`);
  }
  for (const [specifier, file] of [
    ['kling-sdk', 'dist/index.d.cts'],
    ['kling-sdk/pricing', 'dist/pricing.d.cts'],
    ['kling-sdk/testing', 'dist/testing.d.cts'],
    ['kling-sdk/ai', 'dist/ai.d.cts'],
  ]) {
    const resolved = trace.match(
      new RegExp(`Module name '${specifier}' was successfully resolved to '([^']+)'`),
    )?.[1];
    assert.ok(
      resolved?.endsWith(`node_modules/kling-sdk/${file}`),
      `moduleResolution node: ${specifier} resolves to ${file} (got ${resolved})`,
    );
  }
  console.log(
    'ok - TypeScript (moduleResolution node): kling-sdk, kling-sdk/pricing, kling-sdk/testing and kling-sdk/ai resolve to their types and type-check',
  );

  log(`passed in ${((performance.now() - started) / 1000).toFixed(1)} s (${dir})`);
} finally {
  if (process.env.KEEP_PACK_DIR === undefined) rmSync(dir, { recursive: true, force: true });
}
