import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getResponse } from 'msw';
import { buildSimulator } from './simulator.js';
import type { SimulatorState } from './state.js';
import type { GatewaySimulator, RunningSimulator, SimulatorOptions } from './types.js';

/** Request bodies are a few KB of JSON; anything past this is refused rather than buffered. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** Connection-level headers that describe the Node socket, not the request a handler should see. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

/** The simulator's handlers served over real HTTP on 127.0.0.1, on a random free port. */
export async function startGatewaySimulator(options?: SimulatorOptions): Promise<RunningSimulator> {
  const { simulator, state } = buildSimulator(options);
  const sockets = new Set<Socket>();
  const inFlight = new Set<AbortController>();
  const server = createServer((req, res) => {
    void serveOne(simulator, state, inFlight, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(options?.port ?? 0, '127.0.0.1');
  await once(server, 'listening'); // rejects on 'error', e.g. EADDRINUSE for a port in use
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutDown(server, state, inFlight, sockets);
    return closing;
  };
  return { ...simulator, url: `http://127.0.0.1:${port}`, close };
}

/** Ends hung requests, then every socket (keep-alive ones included), so the process can exit. */
async function shutDown(
  server: Server,
  state: SimulatorState,
  inFlight: Set<AbortController>,
  sockets: Set<Socket>,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const controller of inFlight) controller.abort();
  state.endHungRequests();
  state.callbacks.stop();
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await closed;
}

async function serveOne(
  simulator: GatewaySimulator,
  state: SimulatorState,
  inFlight: Set<AbortController>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const controller = new AbortController();
  inFlight.add(controller);
  // The client going away aborts the request, which is what ends a 'hang'.
  res.once('close', () => {
    inFlight.delete(controller);
    if (!res.writableFinished) controller.abort();
  });
  try {
    const request = await toFetchRequest(req, controller.signal);
    if (request === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('Payload Too Large');
      return;
    }
    const response = await getResponse(simulator.handlers, request);
    if (response === undefined) {
      const path = new URL(request.url).pathname;
      state.record({
        gateway: 'unknown',
        op: 'other',
        method: request.method,
        path,
        status: 404,
        at: state.clock(),
      });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    // `HttpResponse.error()`: a network error, so the connection goes without a response.
    if (response.type === 'error') {
      req.socket.destroy();
      return;
    }
    await writeResponse(res, response);
  } catch {
    if (res.headersSent) res.destroy();
    else res.writeHead(500, { 'content-type': 'text/plain' }).end('Simulator error');
  }
}

async function toFetchRequest(req: IncomingMessage, signal: AbortSignal): Promise<Request | undefined> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = req.method ?? 'GET';
  const init: RequestInit = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_REQUEST_BYTES) return undefined;
      chunks.push(buffer);
    }
    init.body = Buffer.concat(chunks);
  }
  // The Host the client used, so reply URLs (video, get_result) point back where it called.
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, init);
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body !== null) {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await once(res, 'drain');
    }
  }
  res.end();
}
