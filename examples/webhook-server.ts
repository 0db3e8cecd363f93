// npx tsx examples/webhook-server.ts
//
// A webhook receiver on node:http. Each job gets its own callback URL (a random token in the path), so
// the receiver knows which task a callback may be for and passes it as `expected`: a callback naming
// any other task is refused. It reads each callback with parseWebhook (apiframe's signature must match,
// or it answers 401), answers 200 at once, for a gateway that does not sign its callbacks (EvoLink,
// API in One) trusts only what confirmWebhook reads back from the API, and acts once per task (a
// captured apiframe delivery verifies forever: its signature carries no timestamp).
//
// With no key: starts the gateway simulator in-process, which delivers its callbacks to this server
// (deliverCallbacksTo), generates one video on apiframe (or KLING_GATEWAY), and exits once the callback
// is handled. With KLING_GATEWAY, that gateway's key and PUBLIC_URL (the https address that reaches
// this server, e.g. a tunnel) set, it submits one real task (this costs money) and waits for its callback.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GATEWAYS,
  type GatewayId,
  isGatewayId,
  KlingClient,
  KlingError,
  KlingWebhookError,
  parseWebhook,
  type Task,
  type TaskHandle,
} from 'kling-sdk';

const PATH = '/kling/webhook';
const MAX_BODY_BYTES = 1024 * 1024;

const chosen = process.env.KLING_GATEWAY ?? 'apiframe';
if (!isGatewayId(chosen) || chosen === 'modellix') {
  throw new Error('KLING_GATEWAY must be apiinone, apiframe or evolink (Modellix sends no callbacks)');
}
const gateway: GatewayId = chosen;
const apiKey = process.env[GATEWAYS[gateway].apiKeyEnv];
const live = apiKey !== undefined;

/** The body exactly as sent: a signature covers these bytes, not a re-serialized object. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

let client: KlingClient;
let finished: (task: Task) => void = () => {};
/** Each job's callback token → its handle (a promise: a callback may beat submit's reply). */
const jobs = new Map<string, Promise<TaskHandle>>();
/** Tasks whose final state was acted on: a gateway's retry or a replayed delivery does nothing twice. */
const handled = new Set<string>();
const done = new Promise<Task>((resolve) => {
  finished = resolve;
});

const server = createServer(async (req, res) => {
  const [path = '', token = ''] = (req.url?.split('?')[0] ?? '').split(/\/(?=[^/]*$)/);
  const job = jobs.get(token);
  if (req.method !== 'POST' || path !== PATH || job === undefined) {
    res.writeHead(404).end();
    return;
  }
  const rawBody = await readBody(req);
  if (rawBody === undefined) {
    res.writeHead(413).end();
    return;
  }
  const expected = await job.catch(() => undefined);
  if (expected === undefined) {
    res.writeHead(404).end(); // the submit failed: no task to expect
    return;
  }
  let parsed: ReturnType<typeof parseWebhook>;
  try {
    // apiframe signs with the key the task was created with; `expected` refuses another task's callback.
    parsed = parseWebhook({ gateway, rawBody, headers: req.headers, apiKey: apiKey ?? 'demo-key', expected });
  } catch (error) {
    // A forged or garbled callback: refuse it, and never act on it.
    const status = KlingWebhookError.is(error) ? 401 : 400;
    console.warn(`refused a callback (${status}): ${error instanceof Error ? error.message : String(error)}`);
    res.writeHead(status).end();
    return;
  }
  // Answer at once (gateways time out, EvoLink after 10 s, and retry), then do the work.
  res.writeHead(200).end('ok');
  const { task, verified, event } = parsed;
  console.log(`callback: task ${task.id} ${task.status}${event ? ` (${event})` : ''}, verified: ${verified}`);
  if (task.status === 'queued' || task.status === 'running') return;
  try {
    // Unsigned callbacks prove nothing: re-read the task from the API before trusting it.
    const trusted = verified
      ? task
      : await client.confirmWebhook({ rawBody, headers: req.headers, expected });
    if (!verified) console.log(`confirmed from the API: ${trusted.status}`);
    if (trusted.status === 'queued' || trusted.status === 'running') return; // forged, or early
    // Dedupe on the trusted final state, never on what an unverified body claims (a forger could
    // otherwise mark the task seen and have the real callback dropped).
    if (handled.has(trusted.id)) return;
    handled.add(trusted.id);
    finished(trusted);
  } catch (error) {
    console.error('could not confirm the callback:', KlingError.is(error) ? error.message : error);
  }
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
await once(server, 'listening');
const localOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`listening on ${localOrigin}${PATH}`);

let stop = async () => {};
let callbackUrl: string;
if (live) {
  const publicUrl = process.env.PUBLIC_URL;
  if (publicUrl === undefined)
    throw new Error('set PUBLIC_URL to the https address that reaches this server');
  client = new KlingClient({ gateway });
  callbackUrl = `${publicUrl.replace(/\/$/, '')}${PATH}`;
  console.log(`submitting a real task on ${GATEWAYS[gateway].vendor} (this costs money)…`);
} else {
  const { startGatewaySimulator } = await import('kling-sdk/testing');
  // The SDK accepts only public https callback URLs; the simulator redirects them to this server.
  const sim = await startGatewaySimulator({ timeScale: 0.01, deliverCallbacksTo: localOrigin });
  client = new KlingClient({ gateway, apiKey: 'demo-key', baseUrl: sim.url, clock: sim.clientClock });
  callbackUrl = `https://hooks.example.com${PATH}`;
  stop = () => sim.close();
  console.log(`submitting on the ${GATEWAYS[gateway].vendor} simulator (no key, no cost)…`);
}

try {
  // One URL per job: the token tells the receiver which task to expect there.
  const token = randomUUID();
  const submitted = client.submit({
    prompt: 'A heron lifting off a misty lake at dawn',
    callbackUrl: `${callbackUrl}/${token}`,
  });
  jobs.set(token, submitted);
  const handle = await submitted;
  console.log(`submitted ${handle.id}; waiting for the callback…`);
  const task = await done;
  console.log(task.status === 'succeeded' ? `video: ${task.videos[0].url}` : `task ${task.status}`);
} finally {
  server.close();
  await client.close();
  await stop();
}
