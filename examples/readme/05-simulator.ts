// README.md, ### Testing your code without keys: the simulator. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator.
// #region readme
import { KlingClient } from 'kling-sdk';
import { startGatewaySimulator } from 'kling-sdk/testing';

const sim = await startGatewaySimulator({
  timeScale: 0.001, // a 150 s render takes 150 ms
  faults: [{ op: 'status', kind: 'http-503', rate: 0.3, retryAfter: 1 }],
});
const client = new KlingClient({
  gateway: 'evolink',
  apiKey: 'test',
  baseUrl: sim.url,
  clock: sim.clientClock,
});
await client.generate({ prompt: 'a fox' });
console.log(sim.stats.created.evolink); // 1
await client.close();
await sim.close();
// #endregion readme
