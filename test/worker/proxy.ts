// A pass-through HTTP proxy in front of the simulator that can swallow the reply to one create:
// the gateway creates the task, the worker never hears back. That is the moment a crash costs
// money (a marker, no handle, a task that exists), and the test kills the worker right there.
import { once } from 'node:events';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The create paths of the gateways the worker test uses (the adapters' defaults). */
const CREATE_PATHS: Record<string, string> = {
  '/v2/videos/generate': 'apiframe',
  '/v1/videos/generations': 'evolink',
  '/text-to-video/kling-3.0': 'kling',
};

export interface SwallowedReply {
  gateway: string;
  status: number;
  body: string;
  idempotencyKey?: string;
}

export interface SwallowingProxy {
  url: string;
  /** Swallow the reply to the next create sent to `gateway`; resolves once the gateway has answered it. */
  swallowNextCreate(gateway: string): Promise<SwallowedReply>;
  close(): Promise<void>;
}

export async function startSwallowingProxy(target: string): Promise<SwallowingProxy> {
  const upstream = new URL(target);
  const armed = new Map<string, (reply: SwallowedReply) => void>();
  const sockets = new Set<Socket>();
  const swallowed = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const gateway = req.method === 'POST' ? CREATE_PATHS[(req.url ?? '').split('?')[0] ?? ''] : undefined;
    const swallow = gateway === undefined ? undefined : armed.get(gateway);
    if (gateway !== undefined && swallow !== undefined) armed.delete(gateway);
    // The Host header goes through unchanged, so reply URLs (the video) point back at this proxy.
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        if (gateway === undefined || swallow === undefined) {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          swallowed.add(res); // never answered: the client waits until it is killed
          const key = req.headers['idempotency-key'];
          swallow({
            gateway,
            status: reply.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
          });
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    swallowNextCreate(gateway) {
      return new Promise((resolve) => armed.set(gateway, resolve));
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of swallowed) res.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
