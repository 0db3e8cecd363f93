// README.md, ### Webhooks. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it, with no APIFRAME_API_KEY set, against the simulator.
// #region readme
import type { IncomingMessage } from 'node:http';
import { type KlingClient, parseWebhook, type Task, type TaskHandle } from 'kling-sdk';

/**
 * Reads one callback. Give each job its own callback URL (https://hooks.example.com/kling/<token>) and
 * keep token → handle in `jobs`. `apiKey` is the key the task was created with: apiframe signs with it.
 * Throws `KlingWebhookError` for a forged or garbled callback, or one for another task: answer 401.
 */
export async function readCallback(
  client: KlingClient,
  apiKey: string,
  jobs: ReadonlyMap<string, TaskHandle>,
  req: IncomingMessage,
): Promise<Task | undefined> {
  const token = req.url?.split('/').pop() ?? '';
  const expected = jobs.get(token); // the handle (or task id) this URL was registered for
  if (expected === undefined) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks); // exactly as received: a re-serialized body breaks the signature
  const { task, verified } = parseWebhook({
    gateway: client.gateway,
    rawBody,
    headers: req.headers,
    apiKey,
    expected,
  });
  // apiframe: X-Webhook-Signature checked (HMAC-SHA256 keyed with the SHA-256 digest of the key,
  // sha256=<hex> or bare hex, constant time); missing or wrong → KlingWebhookError, never verified: false.
  // A callback naming any task but `expected` → KlingWebhookError, signed or not.
  if (verified) return task;
  return client.confirmWebhook({ rawBody, headers: req.headers, expected }); // unsigned: re-read from the API
}

// #endregion readme

// Not in the README: a receiver on node:http that uses readCallback, and one task per signing and
// unsigned gateway on a simulator that delivers its callbacks to that receiver.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KlingClient as Client, KlingWebhookError } from 'kling-sdk';
import { startGatewaySimulator } from 'kling-sdk/testing';

if (process.env.APIFRAME_API_KEY !== undefined) throw new Error('run this without APIFRAME_API_KEY');
const apiKey = 'sk-readme-webhooks';
const jobs = new Map<string, TaskHandle>();
const finals = new Map<string, (task: Task) => void>();
let client: KlingClient;
const server = createServer(async (req, res) => {
  try {
    const task = await readCallback(client, apiKey, jobs, req);
    res.writeHead(task === undefined ? 404 : 200).end();
    if (task?.status === 'succeeded' || task?.status === 'failed') finals.get(task.id)?.(task);
  } catch (error) {
    res.writeHead(KlingWebhookError.is(error) ? 401 : 500).end();
    if (!KlingWebhookError.is(error)) console.error(error);
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const sim = await startGatewaySimulator({
  deliverCallbacksTo: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
});
try {
  for (const gateway of ['apiframe', 'evolink'] as const) {
    client = new Client({ gateway, apiKey, baseUrl: sim.url, clock: sim.clientClock });
    const token = `job-${gateway}`;
    const handle = await client.submit({
      prompt: 'a heron at dawn',
      callbackUrl: `https://hooks.example.com/kling/${token}`,
    });
    jobs.set(token, handle);
    const task = await new Promise<Task>((resolve) => finals.set(handle.id, resolve));
    if (task.status !== 'succeeded') throw new Error(`${gateway}: the task ${task.status}`);
    console.log(`${gateway}: callback read, task ${task.id} ${task.status}`);
    await client.close();
  }
} finally {
  server.close();
  await sim.close();
}
