// README.md, ## Vercel AI SDK: kling-sdk/ai. test/readme.test.ts keeps the block and this file equal,
// type-checks it (examples/readme/tsconfig.json) and runs it against the simulator.
// #region readme
import { experimental_generateVideo as generateVideo } from 'ai';
import { KlingClient } from 'kling-sdk';
import { createKling, klingMetadata } from 'kling-sdk/ai';
import { startGatewaySimulator } from 'kling-sdk/testing';

const sim = await startGatewaySimulator({ timeScale: 0.001 });
// Leave baseUrl and clock out (and set EVOLINK_API_KEY) for the real EvoLink.
const client = new KlingClient({
  gateway: 'evolink',
  apiKey: 'test',
  baseUrl: sim.url,
  clock: sim.clientClock,
});

const { providerMetadata } = await generateVideo({
  model: createKling(client).video(),
  prompt: 'A paper boat drifting down a rain-soaked street at dusk',
  duration: 8,
  resolution: '1920x1080', // exactly mode 'pro'
  generateAudio: true,
  providerOptions: { kling: { maxCost: 2, negativePrompt: 'blur' } }, // over $2: refused before sending
  download: async () => ({ data: new Uint8Array(), mediaType: 'video/mp4' }), // not into memory...
});
const kling = klingMetadata(providerMetadata);
if (kling === undefined) throw new Error('not a kling-sdk result');
console.log(kling.gateway, kling.estimate.rateKey, kling.estimate.total); // evolink 1080p+on 1.2
const task = await client.wait(kling.handle); // ...streamed to disk instead (already done: one status read)
await client.download(task, 'paper-boat.mp4');
await client.close();
await sim.close();
// #endregion readme
