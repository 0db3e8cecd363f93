// README.md, #### Signed callbacks: Kling and fal. test/readme.test.ts keeps the block and this file equal,
// type-checks it (examples/readme/tsconfig.json) and runs it against the simulator, offline.
// #region readme
import type { IncomingHttpHeaders } from 'node:http';
import { fetchFalWebhookKeys, parseWebhook, type Task, type TaskHandle, type WebhookKeySet } from 'kling-sdk';

/** fal's public keys: fetched at startup with a deadline (then cached a day), never inside a handler. */
export function loadFalKeys(): Promise<WebhookKeySet> {
  return fetchFalWebhookKeys({ timeoutMs: 5_000 });
}

/**
 * A callback of the official Kling API (Standard Webhooks, signed with the console's Webhook Secret,
 * `whsec_…`) or of fal (Ed25519, checked against fal's keys). A missing, wrong or stale (over 5 minutes)
 * signature, or a callback for another task, throws `KlingWebhookError`: answer 401.
 */
export function readSignedCallback(
  expected: TaskHandle,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  secrets: { klingWebhookSecret: string; falKeys: WebhookKeySet },
): Task {
  const { task, verified } = parseWebhook({
    gateway: expected.gateway,
    rawBody, // exactly as received
    headers,
    expected,
    webhookSecret: secrets.klingWebhookSecret, // used for kling
    webhookKeys: secrets.falKeys, // used for fal
  });
  if (!verified) throw new Error(`${expected.gateway}: unsigned; act on client.confirmWebhook() instead`);
  return task;
}

// #endregion readme

// Not in the README: one kling and one fal task on a simulator that signs with its own secret and key
// and delivers to a receiver that uses readSignedCallback. parseWebhook checks the signed timestamps
// against this machine's clock, so the simulator's clock starts 400 s back and jumps 400 simulated
// seconds (0.4 real seconds at its time scale) once both tasks are in: the renders end, and the
// deliveries are dated now.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KlingClient } from 'kling-sdk';
import { FAL_SIMULATOR_JWKS, KLING_SIMULATOR_WEBHOOK_SECRET, startGatewaySimulator } from 'kling-sdk/testing';

const secrets = { klingWebhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET, falKeys: FAL_SIMULATOR_JWKS };
const jobs = new Map<string, TaskHandle>();
const read = new Map<string, (outcome: Task | Error) => void>();
const server = createServer(async (req, res) => {
  const token = req.url?.split('/').pop() ?? '';
  const handle = jobs.get(token);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (handle === undefined) return void res.writeHead(404).end();
  try {
    const task = readSignedCallback(handle, Buffer.concat(chunks), req.headers, secrets);
    res.writeHead(200).end();
    read.get(token)?.(task);
  } catch (error) {
    res.writeHead(401).end();
    read.get(token)?.(error as Error);
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
let wall = Date.now() - 400_000;
const sim = await startGatewaySimulator({
  now: () => wall,
  deliverCallbacksTo: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
});
try {
  const outcomes: Promise<Task | Error>[] = [];
  const clients: KlingClient[] = [];
  for (const gateway of ['kling', 'fal'] as const) {
    const client = new KlingClient({ gateway, apiKey: 'sk-readme', baseUrl: sim.url });
    clients.push(client);
    const token = `job-${gateway}`;
    const handle = await client.submit({
      prompt: 'a heron at dawn',
      callbackUrl: `https://hooks.example.com/kling/${token}`,
    });
    jobs.set(token, handle);
    outcomes.push(new Promise((resolve) => read.set(token, resolve)));
  }
  wall += 400;
  for (const outcome of await Promise.all(outcomes)) {
    if (outcome instanceof Error) throw outcome;
    console.log(`${outcome.gateway}: signed callback verified, task ${outcome.id} ${outcome.status}`);
  }
  await Promise.all(clients.map((client) => client.close()));
} finally {
  server.close();
  await sim.close();
}
