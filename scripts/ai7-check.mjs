// kling-sdk/ai with ai@7 (Node >= 22), from the built dist/: run by `npm run test:node-matrix` on each
// Node >= 22 (ai@7 does not run on Node 20, where `npm test` covers ai@6). ai@7 is installed into a
// temporary project, not the repo (the repo's engine-strict Node 20 can't install it). Against the
// simulator: experimental_generateVideo through doGenerate and, with `poll`, through doStart/doStatus;
// experimental_startVideo, then experimental_getVideoStatus from a new client given only the saved
// operation; and a create that fails after creating, under ai@7's retries: still one task.
// AI7_VERSION picks the version (default: the latest 7.x). Needs `npm run build` first.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.log(`ai7-check: skipped on Node ${process.versions.node} (ai@7 needs Node >= 22)`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'kling-ai7-'));
try {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'kling-ai7-check', private: true }));
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--loglevel=error',
      `ai@${process.env.AI7_VERSION ?? '7'}`,
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const requireHere = createRequire(join(dir, 'package.json'));
  const aiVersion = requireHere('ai/package.json').version;
  const ai = await import(pathToFileURL(requireHere.resolve('ai')).href);
  // The package under test, by its own name (self-reference through `exports`): the built dist/.
  const { KlingClient, KlingError } = await import('kling-sdk');
  const { createKling, klingMetadata } = await import('kling-sdk/ai');
  const { startGatewaySimulator } = await import('kling-sdk/testing');
  globalThis.AI_SDK_LOG_WARNINGS = false;

  const sim = await startGatewaySimulator({ seed: 7, timeScale: 0.001 });
  const client = () =>
    new KlingClient({ gateway: 'evolink', apiKey: 'k', baseUrl: sim.url, clock: sim.clientClock });
  const noDownload = async () => ({ data: new Uint8Array([0]), mediaType: 'video/mp4' });
  const creates = () => sim.stats.requests.filter((r) => r.op === 'create').length;
  try {
    // 1. doGenerate (no poll option): as on ai@6.
    const generated = await ai.experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      fps: 30,
      download: noDownload,
    });
    assert.equal(generated.videos.length, 1);
    assert.equal(klingMetadata(generated.providerMetadata)?.gateway, 'evolink');
    assert.deepEqual(
      generated.warnings.map((w) => w.feature),
      ['fps'],
    );
    console.log(`ok - ai@${aiVersion}: experimental_generateVideo (doGenerate)`);

    // 2. With `poll`, ai@7 uses doStart/doStatus (the v3 model's extra methods, passed through).
    sim.reset();
    const polled = await ai.experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      poll: { intervalMs: 20, timeoutMs: 60_000 },
      download: noDownload,
    });
    assert.equal(polled.videos.length, 1);
    assert.equal(klingMetadata(polled.providerMetadata)?.status, 'succeeded');
    assert.equal(sim.stats.created.evolink, 1);
    console.log(`ok - ai@${aiVersion}: experimental_generateVideo with poll (doStart/doStatus)`);

    // 3. startVideo, save the operation, resume it from a new client with getVideoStatus.
    sim.reset();
    const started = await ai.experimental_startVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
    });
    const saved = JSON.stringify(started.operation);
    const elsewhere = createKling(client()).video();
    let status;
    for (let i = 0; i < 1000; i++) {
      status = await ai.experimental_getVideoStatus(elsewhere, { operation: JSON.parse(saved) });
      if (status.status !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(status?.status, 'completed');
    assert.equal(sim.stats.created.evolink, 1);
    console.log(
      `ok - ai@${aiVersion}: experimental_startVideo, then experimental_getVideoStatus in a new client`,
    );

    // 4. A create that fails after creating: ai@7's retries (maxRetries 2) never re-send it.
    sim.reset();
    sim.setFaults([{ op: 'create', kind: 'http-500-after-create', times: 1 }]);
    const error = await ai
      .experimental_startVideo({ model: createKling(client()).video(), prompt: 'a fox', maxRetries: 2 })
      .catch((e) => e);
    assert.ok(
      KlingError.is(error) && error.taskState === 'may-exist',
      `a may-exist KlingError, got ${error}`,
    );
    assert.equal(creates(), 1);
    assert.equal(sim.stats.created.evolink, 1);
    console.log(`ok - ai@${aiVersion}: a create failing after creating is not retried (one task)`);
  } finally {
    await sim.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
