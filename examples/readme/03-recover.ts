// README.md, ### Recovering an uncertain submit. test/readme.test.ts keeps the block and this file equal,
// type-checks it (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { readFile, writeFile } from 'node:fs/promises';
import { KlingClient, KlingSubmitUncertainError, type SubmitRecord, type TaskHandle } from 'kling-sdk';

const client = new KlingClient({
  gateway: 'kling', // the official Kling API: every create carries an external id of ours
  baseUrl: process.env.KLING_BASE_URL ?? 'https://api-singapore.klingai.com',
});
const request = { prompt: 'a lighthouse at dusk', duration: 5 };

let handle: TaskHandle;
try {
  handle = await client.submit(request, {
    onBeforeSend: (record) => writeFile('lighthouse.submitting.json', JSON.stringify(record)), // names the external id
  });
} catch (error) {
  if (!KlingSubmitUncertainError.is(error)) throw error; // any other submit error: no task was created
  const found = await client.recover(error); // looks the task up by error.externalId
  handle = found.found ? found.handle : await client.submit(request); // resend only when provably absent
}

// After a crash between sending and saving the handle: the record saved before the request left.
const record: SubmitRecord = JSON.parse(await readFile('lighthouse.submitting.json', 'utf8'));
const result = await client.recover(record); // throws when the reply proves nothing: never resend then
if (result.found) console.log('found', result.handle.id === handle.id, result.task.status);
else console.log('not found, safe to resend:', result.safeToResend);
await client.close();
// #endregion readme
