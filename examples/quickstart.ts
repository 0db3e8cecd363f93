// npm run demo
//
// With no key: starts the gateway simulator in-process, prices one request at every gateway, generates
// it on the cheapest, and saves the MP4 under out/. With KLING_GATEWAY and that gateway's key set
// (e.g. KLING_GATEWAY=evolink EVOLINK_API_KEY=...), the same script uses the real gateway.
import { mkdir } from 'node:fs/promises';
import {
  GATEWAYS,
  type GatewayId,
  isGatewayId,
  KlingClient,
  quote,
  type Task,
  type VideoRequest,
} from 'kling-sdk';

const request: VideoRequest = {
  prompt: 'A paper boat drifting down a rain-soaked street at dusk, cinematic',
  mode: 'pro',
  duration: 8,
  sound: true,
};

const realGateway = process.env.KLING_GATEWAY;
if (realGateway !== undefined && !isGatewayId(realGateway)) {
  throw new Error(`KLING_GATEWAY must be one of ${Object.keys(GATEWAYS).join(', ')}`);
}

console.log(`Quote for ${request.mode}, ${request.duration} s, sound ${request.sound ? 'on' : 'off'}:`);
const estimates = quote(request);
console.table(
  estimates.map((e) => ({
    gateway: e.gateway,
    'vendor row': e.rateKey,
    total: e.exact ? `${e.total} ${e.unit}` : 'unknown',
    usd: e.usd === null ? '— (no $ rate published)' : `${e.usdApproximate ? '~' : ''}$${e.usd.toFixed(2)}`,
  })),
);

// The cheapest gateway with a dollar price, unless a real one was chosen.
const gateway: GatewayId = realGateway ?? estimates.find((e) => e.usd !== null)?.gateway ?? 'evolink';
let client: KlingClient;
let stop = async () => {};
if (realGateway !== undefined) {
  client = new KlingClient({ gateway }); // the key comes from the gateway's env variable
  console.log(`\nGenerating on ${GATEWAYS[gateway].vendor} (real gateway, this costs money)…`);
} else {
  // The simulator is a dev dependency (msw); a published app would not load it.
  const { startGatewaySimulator } = await import('kling-sdk/testing');
  const sim = await startGatewaySimulator({ timeScale: 0.02 });
  client = new KlingClient({ gateway, apiKey: 'demo-key', baseUrl: sim.url, clock: sim.clientClock });
  stop = () => sim.close();
  console.log(`\nGenerating on ${GATEWAYS[gateway].vendor} via the local simulator (no key, no cost)…`);
}

const line = (text: string) =>
  process.stdout.isTTY ? process.stdout.write(`\r${text.padEnd(60)}`) : console.log(text);
const started = Date.now();
try {
  const task = await client.generate(request, {
    maxCost: { usd: 5 },
    onSubmitted: (handle) =>
      console.log(
        `submitted ${handle.id} (save this to resume: ${JSON.stringify(handle).length} bytes of JSON)`,
      ),
    onProgress: (t: Task) => line(`  ${t.status}${t.progress === undefined ? '' : ` ${t.progress}%`}`),
  });
  if (process.stdout.isTTY) process.stdout.write('\n');
  await mkdir('out', { recursive: true });
  const path = `out/${gateway}-${task.id}.mp4`;
  const saved = await client.download(task, path, {
    onProgress: ({ bytes }) => line(`  downloading ${bytes} bytes`),
  });
  if (process.stdout.isTTY) process.stdout.write('\n');
  console.log(
    `saved ${saved.path} (${saved.bytes} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  await client.close();
  await stop();
}
