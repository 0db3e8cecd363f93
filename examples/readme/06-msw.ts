// README.md, the msw example under ### Testing your code without keys. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator.
// #region readme
import { KlingClient } from 'kling-sdk';
import { createGatewaySimulator } from 'kling-sdk/testing';
import { setupServer } from 'msw/node';

const sim = createGatewaySimulator();
const server = setupServer(...sim.handlers); // matches the real origins, e.g. https://api.evolink.ai
server.listen();
const client = new KlingClient({
  gateway: 'evolink',
  apiKey: 'test',
  fetch: globalThis.fetch,
  clock: sim.clientClock,
});
const task = await client.generate({ prompt: 'a fox' }); // answered by msw: no network, no key, no cost
console.log(task.videos[0].url);
server.close();
// #endregion readme
