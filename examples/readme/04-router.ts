// README.md, ### Router: several gateways, one submit. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { GATEWAYS, type GatewayId, KlingClient, KlingRouter } from 'kling-sdk';

// One client per gateway, each with its key from its variable (EVOLINK_API_KEY, ...).
const clients = (['evolink', 'modellix', 'apiframe'] as const).map(
  (gateway: GatewayId) =>
    new KlingClient({ gateway, baseUrl: process.env.KLING_BASE_URL ?? GATEWAYS[gateway].baseUrl }),
);
const router = new KlingRouter({
  clients, // or { evolink: ..., modellix: ... }; the array's order is the 'ordered' strategy's
  strategy: 'cheapest', // default; 'ordered' keeps the order above
  pricing: { usdPerCredit: { apiframe: 0.01 } }, // optional: ranks and budgets (default: each client's own)
});
const request = { prompt: 'a lighthouse in a storm', duration: 5 };

router.quote(request, { maxCost: 1 }); // { candidates: CostEstimate[], skipped }, nothing sent
const handle = await router.submit(request, { maxCost: 1 });
console.log(handle.gateway, handle.skipped); // the gateway that took it; [{ gateway, reason, error }] for the others
const { task, handle: h, skipped } = await router.generate(request);
console.log(task.videos[0].url, h.gateway, skipped);
await router.wait(JSON.stringify(handle)); // wait, getTask, resume, download: on the handle's gateway
await Promise.all(clients.map((client) => client.close())); // the clients stay yours to close
// #endregion readme
