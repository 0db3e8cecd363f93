// npm run demo:ai
//
// kling-sdk/ai through the Vercel AI SDK (ai@6's experimental_generateVideo), against the gateway
// simulator started in-process: a router over three gateways (the cheapest takes the request), the
// AI SDK's warnings, a budget refusal before anything is sent, and the start/status flow resumed from
// the saved operation by a new client, as another process would. No key, no network, no money.
import { mkdir } from 'node:fs/promises';
import { experimental_generateVideo as generateVideo } from 'ai';
import { type GatewayId, KlingBudgetError, KlingClient, KlingRouter, KlingRoutingError } from 'kling-sdk';
import { createKling, klingMetadata } from 'kling-sdk/ai';
import { startGatewaySimulator } from 'kling-sdk/testing';

// The AI SDK logs warnings to the console; this demo prints them itself.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const sim = await startGatewaySimulator({ timeScale: 0.002 }); // a 150 s render takes 0.3 s
const clientOf = (gateway: GatewayId) =>
  new KlingClient({ gateway, apiKey: 'demo', baseUrl: sim.url, clock: sim.clientClock });
const clients = [clientOf('apiinone'), clientOf('modellix'), clientOf('evolink')];
const router = new KlingRouter({ clients });
const kling = createKling(router); // or createKling({ gateway: 'evolink' }) for one gateway
const model = kling.video();

try {
  // 1. Generate: priced, routed to the cheapest gateway, waited for. fps and seed are not Kling
  //    settings: the AI SDK gets 'unsupported' warnings and the video is made as estimated.
  const result = await generateVideo({
    model,
    prompt: 'A paper boat drifting down a rain-soaked street at dusk, cinematic',
    duration: 8,
    resolution: '1920x1080', // exactly mode 'pro'
    generateAudio: true,
    fps: 24,
    seed: 42,
    providerOptions: { kling: { maxCost: 2, negativePrompt: 'blur, text' } },
    // ai@6 would download the whole video into memory; stream it to disk below instead.
    download: async () => ({ data: new Uint8Array(), mediaType: 'video/mp4' }),
  });
  const meta = klingMetadata(result.providerMetadata);
  if (meta === undefined) throw new Error('not a kling-sdk result');
  console.log(`generated on ${meta.gateway}, task ${meta.taskId}`);
  console.log(
    `  estimate before submit: ${meta.estimate.total} ${meta.estimate.unit} (${meta.estimate.rateKey})`,
  );
  console.log(
    `  gateways not used: ${(meta.skipped ?? []).map((s) => `${s.gateway} (${s.reason})`).join(', ') || 'none'}`,
  );
  for (const warning of result.warnings) {
    console.log(
      `  warning: ${warning.type === 'other' ? warning.message : `${warning.feature}: ${warning.details}`}`,
    );
  }
  await mkdir('out', { recursive: true });
  const task = await router.wait(meta.handle); // finished already: one status read
  const saved = await router.download(task, 'out/ai-sdk-boat.mp4');
  console.log(`  streamed ${saved.bytes} bytes to ${saved.path}`);

  // 2. A budget: refused before anything is sent (nothing to retry, nothing paid).
  const refused = await generateVideo({
    model,
    prompt: 'the same boat, 15 s at 1080p with sound',
    duration: 15,
    resolution: '1920x1080',
    generateAudio: true,
    providerOptions: { kling: { maxCost: 0.5 } },
  }).catch((error: unknown) => error);
  // A router rules out each gateway over budget (KlingRoutingError, `skipped` says why); a client
  // throws KlingBudgetError. Either way taskState is 'not-created'.
  if (KlingRoutingError.is(refused) || KlingBudgetError.is(refused)) {
    console.log(`\n${refused.name} before sending (taskState ${refused.taskState}): ${refused.message}`);
  } else throw refused;

  // 3. Start/status (ai@7's experimental_startVideo calls doStart): the operation is the task handle
  //    as JSON. Save it anywhere; any process resumes it with a client of that gateway.
  const started = await model.doStart({
    prompt: 'a paper boat, seen from above',
    n: 1,
    aspectRatio: '9:16',
    resolution: undefined,
    duration: 5,
    fps: undefined,
    seed: undefined,
    image: undefined,
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: false,
    providerOptions: {},
  });
  const operation = JSON.stringify(started.operation);
  console.log(`\nstarted; saved operation: ${operation.slice(0, 80)}…`);
  const elsewhere = createKling({
    clients: [clientOf('apiinone'), clientOf('modellix'), clientOf('evolink')],
  }).video();
  for (;;) {
    const status = await elsewhere.doStatus({ operation: JSON.parse(operation) });
    if (status.status === 'completed') {
      console.log(`resumed in a new router: completed, ${status.videos.length} video`);
      break;
    }
    if (status.status === 'error') throw new Error(status.error);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`\ntasks created: ${JSON.stringify(sim.stats.created)}`);
} finally {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
}
