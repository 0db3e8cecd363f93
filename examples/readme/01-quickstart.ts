// README.md, the first example. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { writeFile } from 'node:fs/promises';
import { GATEWAYS, KlingClient, quote } from 'kling-sdk';

const request = { prompt: 'A paper boat on a rainy street', mode: 'pro', duration: 8, sound: true } as const;
const [cheapest] = quote(request); // every gateway that can serve it, cheapest first: evolink, $1.20
if (cheapest === undefined) throw new Error('no gateway can serve this request');

const client = new KlingClient({
  gateway: cheapest.gateway, // the key from EVOLINK_API_KEY
  baseUrl: process.env.KLING_BASE_URL ?? GATEWAYS[cheapest.gateway].baseUrl, // or the simulator, see below
});
const task = await client.generate(request, {
  maxCost: { usd: 2 }, // refused before sending if the estimate is higher, or unknown
  onSubmitted: (handle) => writeFile('boat.handle.json', JSON.stringify(handle)), // client.resume(it) after a restart
});
await client.download(task, 'boat.mp4'); // streamed to a temp file, renamed when complete
await client.close();
// #endregion readme
