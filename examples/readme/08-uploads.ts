// README.md, ### Uploads (the test writes the two frames). test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { readFile } from 'node:fs/promises';
import { KlingClient } from 'kling-sdk';

const client = new KlingClient({
  gateway: 'evolink',
  baseUrl: process.env.KLING_BASE_URL ?? 'https://api.evolink.ai',
});
const pngBuffer = await readFile('./frames/last.png'); // or any Buffer / Uint8Array
await client.generate({
  prompt: 'the fox turns its head',
  startImage: './frames/first.png',
  endImage: pngBuffer,
});
await client.close();
// #endregion readme
