/**
 * The server side of the benchmarks, in a process of its own so the client measured has the other core
 * (and its own memory figures) to itself. Prints one JSON line when ready, answers `stats` on stdin
 * with one JSON line, and stops when stdin closes.
 *
 * `server.ts overhead`: the gateway simulator with one EvoLink task held running, and a replay server
 * that answers every request with the simulator's exact reply for that task (status, headers and body,
 * recorded once), which costs the server almost nothing, so client overhead is not hidden behind the
 * simulator's own work.
 *
 * `server.ts scale <timeScale>`: the simulator alone, on a scaled clock, counting the sockets it
 * accepts (the `net.server.socket` diagnostics channel: every connection, whichever server).
 *
 * `server.ts waits <roundTripMs>`: a bare EvoLink-shaped server for 100,000 waits (the simulator
 * serves every request through msw, too slow for that): every reply after `roundTripMs` (default 100);
 * a task named `t<finishAtEpochMs>x<n>` reads `processing` until that time, then `completed`; a create
 * answers a new pending task. Counts requests and sockets.
 */
import { subscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { isMain, loadSdk, loadTesting } from './lib.js';

export interface OverheadServers {
  simulatorUrl: string;
  replayUrl: string;
  taskId: string;
  apiKey: string;
  /** The reply replayed, for the record. */
  replyBytes: number;
}

export interface ScaleServer {
  url: string;
  /** The simulator's epoch (ms since 1970): simulated time t is this + t. */
  epoch: number;
  timeScale: number;
}

export interface ScaleServerStats {
  created: number;
  statusRequests: number;
  socketsAccepted: number;
  peakOpenSockets: number;
  /** Simulated ms at which each task finished, by id. */
  finishedAt: Record<string, number>;
}

export const BENCH_API_KEY = 'sk-bench-0123456789';

export interface WaitsServer {
  url: string;
  roundTripMs: number;
}

export interface WaitsServerStats {
  statusRequests: number;
  creates: number;
  socketsAccepted: number;
  peakOpenSockets: number;
}

async function waits(roundTripMs: number): Promise<() => Promise<void>> {
  const stats: WaitsServerStats = { statusRequests: 0, creates: 0, socketsAccepted: 0, peakOpenSockets: 0 };
  let open = 0;
  const json = { 'content-type': 'application/json' };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      let body: string;
      if (req.method === 'POST') {
        stats.creates++;
        body = JSON.stringify({ id: `t${Date.now() + 60_000}x${stats.creates}`, status: 'pending' });
      } else {
        stats.statusRequests++;
        const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
        const finishAt = Number(id.slice(1, id.indexOf('x')));
        body =
          Date.now() >= finishAt
            ? JSON.stringify({
                id,
                created: 0,
                status: 'completed',
                progress: 100,
                results: [`https://cdn.test/${id}.mp4`],
              })
            : JSON.stringify({ id, created: 0, status: 'processing' });
      }
      setTimeout(() => res.writeHead(200, json).end(body), roundTripMs);
    });
  });
  server.on('connection', (socket: Socket) => {
    stats.socketsAccepted++;
    stats.peakOpenSockets = Math.max(stats.peakOpenSockets, ++open);
    socket.once('close', () => open--);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const ready: WaitsServer = { url: `http://127.0.0.1:${port}`, roundTripMs };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  return async () => {
    server.closeAllConnections();
    server.close();
  };
}

async function overhead(): Promise<() => Promise<void>> {
  const [{ KlingClient }, { startGatewaySimulator }] = await Promise.all([loadSdk(), loadTesting()]);
  const sim = await startGatewaySimulator({ hold: true, seed: 1 });
  const client = new KlingClient({ gateway: 'evolink', apiKey: BENCH_API_KEY, baseUrl: sim.url });
  const handle = await client.submit({ prompt: 'A paper boat on a rainy street', duration: 5 });
  await client.close();

  // The simulator's own reply to a status request, recorded byte for byte.
  const recorded = await fetch(`${sim.url}/v1/tasks/${handle.id}`, {
    headers: { authorization: `Bearer ${BENCH_API_KEY}` },
  });
  const body = Buffer.from(await recorded.arrayBuffer());
  const headers: Record<string, string> = {};
  recorded.headers.forEach((value, name) => {
    if (name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding') headers[name] = value;
  });
  headers['content-length'] = String(body.length);
  const replay = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(recorded.status, headers).end(body));
  });
  replay.keepAliveTimeout = 60_000;
  replay.listen(0, '127.0.0.1');
  await once(replay, 'listening');
  const { port } = replay.address() as AddressInfo;

  const ready: OverheadServers = {
    simulatorUrl: sim.url,
    replayUrl: `http://127.0.0.1:${port}`,
    taskId: handle.id,
    apiKey: BENCH_API_KEY,
    replyBytes: body.length,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  return async () => {
    replay.closeAllConnections();
    replay.close();
    await sim.close();
  };
}

async function scale(timeScale: number): Promise<() => Promise<void>> {
  let accepted = 0;
  let open = 0;
  let peak = 0;
  subscribe('net.server.socket', (message) => {
    const { socket } = message as { socket: Socket };
    accepted++;
    peak = Math.max(peak, ++open);
    socket.once('close', () => open--);
  });
  const { startGatewaySimulator } = await loadTesting();
  const sim = await startGatewaySimulator({ timeScale, seed: 7 });
  const ready: ScaleServer = {
    url: sim.url,
    epoch: Date.now() - sim.clock() * timeScale,
    timeScale,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'stats') return;
    const finishedAt: Record<string, number> = {};
    for (const task of sim.tasks()) if (task.finishedAt !== undefined) finishedAt[task.id] = task.finishedAt;
    const stats: ScaleServerStats = {
      created: Object.values(sim.stats.created).reduce((a, b) => a + b, 0),
      statusRequests: sim.stats.requests.filter((r) => r.op === 'status').length,
      socketsAccepted: accepted,
      peakOpenSockets: peak,
      finishedAt,
    };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  return () => sim.close();
}

if (isMain(import.meta.url)) {
  const [mode, arg] = process.argv.slice(2);
  const stop =
    mode === 'scale'
      ? await scale(Number(arg ?? 0.25))
      : mode === 'waits'
        ? await waits(Number(arg ?? 100))
        : await overhead();
  process.stdin.resume();
  process.stdin.on('end', () => {
    void stop().then(() => process.exit(0));
  });
}
