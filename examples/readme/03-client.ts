// README.md, ## Using the client. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { readFile, writeFile } from 'node:fs/promises';
import { KlingClient } from 'kling-sdk';

const client = new KlingClient({
  gateway: 'apiframe', // 'apiinone' | 'apiframe' | 'evolink' | 'modellix'; the key from APIFRAME_API_KEY
  baseUrl: process.env.KLING_BASE_URL ?? 'https://api.apiframe.ai', // an origin: a proxy, the simulator
  pricing: { usdPerCredit: { apiframe: 0.01 } }, // your rate, so maxCost can be in dollars
});

client.estimate({ prompt: 'a fox', duration: 10 }); // CostEstimate, no request sent

const handle = await client.submit(
  { prompt: 'a fox', duration: 10 },
  {
    maxCost: { credits: 40 }, // KlingBudgetError before sending if above or unknown
    onBeforeSend: (record) => writeFile('fox.submitting.json', JSON.stringify(record)), // before the paid request leaves
  },
); // apiframe: an Idempotency-Key per submit, reused on retries
await writeFile('fox.handle.json', JSON.stringify(handle)); // { v, gateway, id, submittedAt, estimate, idempotencyKey }

const task = await client.getTask(handle); // one status read: queued | running | succeeded | failed | canceled
console.log(task.status);

const done = await client.wait(handle, {
  // polls on the gateway's own hints (the client's `poll` option tunes it)
  timeoutMs: 15 * 60_000, // one deadline for the whole wait, request in flight included
  signal: AbortSignal.timeout(20 * 60_000), // aborts reject with the signal's reason
  onProgress: (t) => console.log(t.status, t.progress),
});
console.log(done.videos[0].url);

const again = client.resume(await readFile('fox.handle.json', 'utf8')); // after a restart: no new submit
await client.wait(again);

const video = await client.generate(
  { prompt: 'a fox' },
  { onSubmitted: (h) => writeFile('fox-2.handle.json', JSON.stringify(h)) },
);
await client.download(video, 'fox.mp4', {
  onProgress: ({ bytes, totalBytes }) => console.log(bytes, totalBytes),
});
await client.close();
// #endregion readme
