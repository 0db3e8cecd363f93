import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getResponse } from 'msw';
import { FAL_SIMULATOR_JWKS } from './gateways/fal.js';
import { KLING_SIMULATOR_WEBHOOK_SECRET } from './gateways/kling.js';
import { buildSimulator } from './simulator.js';
import type { SimulatorState } from './state.js';
import type { GatewaySimulator, RunningSimulator, SimulatorOptions } from './types.js';

/** Request bodies are a few KB of JSON; anything past this is refused rather than buffered. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** Connection-level headers that describe the Node socket, not the request a handler should see. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

/**
 * The loopback server's own routes, for a receiver or driver in another process (`kling simulator`):
 * under a prefix no vendor path starts with, and never in the msw `handlers` (a test that mounts those
 * has the simulator object itself). `GET /__sim/tasks`, `GET /__sim/callbacks`, `POST /__sim/release`.
 */
export const ADMIN_PREFIX = '/__sim';
/** An admin request body is one small JSON object. */
const MAX_ADMIN_BYTES = 64 * 1024;

/**
 * The simulator's handlers served over real HTTP on 127.0.0.1, on a random free port, plus the admin
 * routes under `/__sim/` (see `RunningSimulator`).
 */
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
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`)) {
      const { status, body, headers } = await serveAdmin(simulator, state, req, pathname);
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
        .end(JSON.stringify(body));
      return;
    }
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

interface AdminReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ADMIN_ROUTES: Record<string, 'GET' | 'POST'> = {
  [`${ADMIN_PREFIX}/tasks`]: 'GET',
  [`${ADMIN_PREFIX}/callbacks`]: 'GET',
  [`${ADMIN_PREFIX}/release`]: 'POST',
  [`${ADMIN_PREFIX}/webhook-keys`]: 'GET',
};

function adminError(status: number, message: string, headers?: Record<string, string>): AdminReply {
  return { status, body: { error: { message } }, ...(headers === undefined ? {} : { headers }) };
}

/**
 * The admin routes. Not vendor traffic: nothing lands in `stats.requests`, and no fault rule applies.
 * - `GET /__sim/tasks`: `{ clock, tasks }`, every task as `tasks()` returns it (state, progress, held, …).
 * - `GET /__sim/callbacks`: `{ callbacks }`, `stats.callbacks` (where each delivery went, its status).
 * - `GET /__sim/webhook-keys`: `{ kling: { webhookSecret }, fal: { webhookKeys } }`, what the simulator's
 *   signed callbacks verify with.
 * - `POST /__sim/release` with `{ "taskId": "<id>" }` or `{ "all": true }` (content-type
 *   application/json): `release()`; answers `{ released: [ids no longer held] }`, 404 for an id the
 *   simulator never issued, 400 for any other body.
 */
async function serveAdmin(
  simulator: GatewaySimulator,
  state: SimulatorState,
  req: IncomingMessage,
  pathname: string,
): Promise<AdminReply> {
  const method = ADMIN_ROUTES[pathname];
  if (method === undefined) {
    const routes = Object.entries(ADMIN_ROUTES).map(([path, verb]) => `${verb} ${path}`);
    return adminError(404, `no simulator admin route ${pathname}; there are ${routes.join(', ')}`);
  }
  if (req.method !== method) {
    return adminError(405, `${pathname} takes ${method}`, { allow: method });
  }
  if (pathname === `${ADMIN_PREFIX}/tasks`) {
    return { status: 200, body: { clock: state.clock(), tasks: simulator.tasks() } };
  }
  if (pathname === `${ADMIN_PREFIX}/callbacks`) {
    return { status: 200, body: { callbacks: simulator.stats.callbacks } };
  }
  if (pathname === `${ADMIN_PREFIX}/webhook-keys`) {
    // What a receiver verifies the simulator's signed callbacks with (test values, not the vendors').
    return {
      status: 200,
      body: {
        kling: { webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET },
        fal: { webhookKeys: FAL_SIMULATOR_JWKS },
      },
    };
  }
  // A JSON content type keeps a web page's plain form post from releasing anything.
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return adminError(415, `${pathname} takes a JSON body (content-type: application/json)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_ADMIN_BYTES)
      return adminError(413, `${pathname}: the body is over ${MAX_ADMIN_BYTES} bytes`);
    chunks.push(buffer);
  }
  let input: unknown;
  try {
    input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return adminError(400, `${pathname}: the body is not JSON`);
  }
  const usage = `${pathname} takes {"taskId": "<id>"} or {"all": true}`;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return adminError(400, usage);
  const keys = Object.keys(input);
  const { taskId, all } = input as { taskId?: unknown; all?: unknown };
  const one = keys.length === 1 && typeof taskId === 'string' && taskId !== '';
  const every = keys.length === 1 && all === true;
  if (!one && !every) return adminError(400, usage);
  if (one && state.findTask(taskId) === undefined) {
    return adminError(404, `the simulator has no task ${JSON.stringify(taskId)}`);
  }
  const heldBefore = new Set(
    simulator
      .tasks()
      .filter((task) => task.held)
      .map((task) => task.id),
  );
  simulator.release(one ? taskId : undefined);
  const released = simulator
    .tasks()
    .filter((task) => heldBefore.has(task.id) && !task.held)
    .map((task) => task.id);
  return { status: 200, body: { released } };
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
