// README.md, ### Cancel. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { KlingClient, KlingTaskFailedError } from 'kling-sdk';

const client = new KlingClient({
  gateway: 'fal', // fal documents a cancel; the other gateways refuse with KlingUnsupportedError
  baseUrl: process.env.KLING_BASE_URL ?? 'https://queue.fal.run',
});
const handle = await client.submit({ prompt: 'a lighthouse at dusk' });

const { outcome } = await client.cancel(handle); // 'canceled' (fal took it) or 'too-late' (already finished)
console.log(outcome);

// fal removes a queued request; one already rendering may still finish (and be billed): the wait says which
const ended = await client.wait(handle).then(
  (task) => task.status,
  (error: unknown) => {
    if (KlingTaskFailedError.is(error)) return error.task.status; // 'canceled'
    throw error;
  },
);
console.log(ended);
await client.close();
// #endregion readme
