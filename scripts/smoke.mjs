// Loads the BUILT package the way users do, through its own `exports` (self-reference by name),
// with both require() and import(), and calls it. attw and publint check the package's shape;
// they miss a CommonJS build that loads and then fails at run time (research/toolchain.md §3).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const request = { prompt: 'smoke test', duration: 7, sound: true };
const checks = [];

const entries = {
  'require("kling-sdk")': require('kling-sdk'),
  'require("kling-sdk/pricing")': require('kling-sdk/pricing'),
  'import("kling-sdk")': await import('kling-sdk'),
  'import("kling-sdk/pricing")': await import('kling-sdk/pricing'),
};
for (const [name, mod] of Object.entries(entries)) {
  const estimate = mod.estimateCost('evolink', request);
  assert.equal(estimate.usd, 0.7875, `${name}: estimateCost`);
  assert.equal(estimate.credits, 56.7, `${name}: estimateCost credits`);
  assert.equal(mod.quote(request)[0].gateway, 'evolink', `${name}: quote`);
  checks.push(`${name}: estimateCost and quote`);
}

// A KlingError thrown by the CommonJS copy is recognised by the ESM copy's brand check.
const cjs = entries['require("kling-sdk")'];
const esm = entries['import("kling-sdk")'];
let thrown;
try {
  cjs.estimateCost('apiinone', { prompt: 'x', mode: '4k' });
} catch (error) {
  thrown = error;
}
assert.ok(!(thrown instanceof esm.KlingUnsupportedError), 'the two copies really are distinct');
assert.ok(esm.KlingUnsupportedError.is(thrown), 'KlingUnsupportedError.is across ESM and CommonJS');
checks.push('KlingError.is across the ESM and CommonJS copies');

// The pricing entry's whole import graph (following relative chunks) loads no package at all.
const FORBIDDEN = /^(zod|undici|p-retry)(\/|$)/;
function packagesLoadedBy(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/\bfrom\s*["']([^"']+)["']/g),
    ...source.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...source.matchAll(/\brequire\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...source.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
  ].map((m) => m[1]);
  return specifiers.flatMap((s) =>
    s.startsWith('.') ? packagesLoadedBy(join(dirname(file), s), seen) : [s],
  );
}
for (const file of ['dist/pricing.js', 'dist/pricing.cjs']) {
  const loaded = packagesLoadedBy(file);
  assert.deepEqual(
    loaded.filter((s) => FORBIDDEN.test(s)),
    [],
    `${file} must not load zod, undici or p-retry`,
  );
  assert.deepEqual(
    loaded.filter((s) => !s.startsWith('node:')),
    [],
    `${file} loads no package at all`,
  );
  checks.push(`${file}: no runtime dependency in its import graph`);
}

// msw is an optional peer: only kling-sdk/testing may load it.
for (const file of ['dist/index.js', 'dist/index.cjs']) {
  assert.ok(!packagesLoadedBy(file).some((s) => /^msw(\/|$)/.test(s)), `${file} must not load msw`);
  checks.push(`${file}: msw stays out of the main entry's import graph`);
}
for (const [name, mod] of [
  ['import("kling-sdk/testing")', await import('kling-sdk/testing')],
  ['require("kling-sdk/testing")', require('kling-sdk/testing')],
]) {
  const sim = await mod.startGatewaySimulator({ seed: 1 });
  const client = new esm.KlingClient({ gateway: 'evolink', apiKey: 'smoke', baseUrl: sim.url });
  const handle = await client.submit({ prompt: 'smoke test' });
  assert.equal(sim.stats.created.evolink, 1, `${name}: the simulator saw the task`);
  assert.ok(handle.id.startsWith('task-unified-'), `${name}: a handle came back`);
  await client.close();
  await sim.close();
  checks.push(`${name}: the simulator serves a submit from the built client`);
}
const cjsClient = new cjs.KlingClient({
  gateway: 'apiframe',
  apiKey: 'smoke',
  baseUrl: 'http://127.0.0.1:9',
});
const refused = await cjsClient.submit({ prompt: 'x' }, { maxRetries: 1 }).catch((e) => e);
assert.ok(cjs.KlingConnectionError.is(refused), `the CommonJS build retries and reports: ${refused}`);
checks.push('require("kling-sdk"): a submit retries through the inlined p-retry and fails typed');

// undici (~80 ms to import) loads on the first request, not when the package is loaded.
const { execFileSync } = await import('node:child_process');
const loadedEagerly = execFileSync(process.execPath, [
  '-e',
  "require('kling-sdk'); process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('/node_modules/undici/'))))",
]).toString();
assert.equal(loadedEagerly, 'false', 'require("kling-sdk") must not load undici');
checks.push('require("kling-sdk"): undici is not loaded until the first request');

// zod is bundled into both builds (tree-shaken): the main entry loads no zod package, and still validates.
for (const file of ['dist/index.js', 'dist/index.cjs']) {
  assert.ok(!packagesLoadedBy(file).includes('zod'), `${file} must not load the zod package (it is bundled)`);
  checks.push(`${file}: zod is bundled, not loaded from node_modules`);
}
const zodLoaded = execFileSync(process.execPath, [
  '-e',
  "const k = require('kling-sdk'); k.parseVideoRequest({ prompt: 'x' }); let bad; try { k.parseVideoRequest({ duration: 99 }) } catch (e) { bad = k.KlingValidationError.is(e) } process.stdout.write(String(bad && !Object.keys(require.cache).some((f) => f.includes('/node_modules/zod/'))))",
]).toString();
assert.equal(zodLoaded, 'true', 'require("kling-sdk") validates with its bundled zod');
checks.push('require("kling-sdk"): validation works with the bundled zod');

// The scanner itself must see imports, or the checks above prove nothing.
assert.ok(
  packagesLoadedBy('dist/index.js').includes('p-retry'),
  'the graph scanner finds p-retry in the main entry',
);
assert.ok(
  packagesLoadedBy('dist/index.cjs').includes('undici'),
  'the graph scanner finds the lazy undici import in the CommonJS entry',
);

for (const line of checks) console.log(`ok - ${line}`);
console.log(`smoke: ${checks.length} checks passed`);
