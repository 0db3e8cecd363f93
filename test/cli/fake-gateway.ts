import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted gateway on loopback for the replies the simulator never gives (a hostile or broken
 * vendor): it speaks EvoLink's routes (`POST /v1/videos/generations`, `GET /v1/tasks/{id}`; bodies
 * shaped as test/fixtures/evolink/) and answers whatever the test says, serves a small video under
 * `/files/`, and answers 404 to anything else.
 */
export interface FakeReply {
  status?: number;
  body: unknown;
}

export interface FakeScript {
  /** The reply to a create (default: a pending task `task-unified-fake`). */
  create?: () => FakeReply;
  /** The reply to a status read of `id` (default: a 404). */
  task?: (id: string) => FakeReply;
}

export interface FakeGateway {
  url: string;
  /** Every request received, in order. */
  requests: { method: string; path: string }[];
  /** How many creates (paid submits) were received. */
  creates(): number;
  close(): Promise<void>;
}

const CREATE_PATH = '/v1/videos/generations';
const TASK_PATH = '/v1/tasks/';
/** Where the fake serves a (tiny, fake) video: `${url}/files/<anything>`. */
const FILES_PATH = '/files/';
const VIDEO = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypisom'), Buffer.alloc(4)]);

/** EvoLink's reply to a create: a pending task with `id`. */
export function pendingTask(id: string): Record<string, unknown> {
  return {
    created: Math.floor(Date.now() / 1000),
    id,
    object: 'video.generation.task',
    progress: 0,
    status: 'pending',
    task_info: { can_cancel: true, estimated_time: 300, video_duration: 5 },
    type: 'video',
  };
}

/** EvoLink's reply for a finished task with one video at `url`. */
export function completedTask(
  id: string,
  url: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    created: Math.floor(Date.now() / 1000) - 10,
    id,
    object: 'video.generation.task',
    progress: 100,
    results: [url],
    status: 'completed',
    task_info: { can_cancel: false, estimated_time: 300, video_duration: 5 },
    type: 'video',
    ...extra,
  };
}

/** EvoLink's error envelope. */
export function errorBody(message: string, code = 'invalid_request'): Record<string, unknown> {
  return { error: { code, message, type: 'invalid_request_error' } };
}

export async function startFakeGateway(script: FakeScript = {}): Promise<FakeGateway> {
  const requests: { method: string; path: string }[] = [];
  const answer = (res: ServerResponse, reply: FakeReply): void => {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path });
    req.resume();
    req.once('end', () => {
      if (req.method === 'POST' && path === CREATE_PATH) {
        answer(res, script.create?.() ?? { body: pendingTask('task-unified-fake') });
      } else if (req.method === 'GET' && path.startsWith(TASK_PATH)) {
        const id = decodeURIComponent(path.slice(TASK_PATH.length));
        answer(
          res,
          script.task?.(id) ?? { status: 404, body: errorBody('Task not found', 'task_not_found') },
        );
      } else if (req.method === 'GET' && path.startsWith(FILES_PATH)) {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(VIDEO.length) });
        res.end(VIDEO);
      } else {
        answer(res, { status: 404, body: errorBody(`no route ${path}`) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    creates: () => requests.filter((r) => r.method === 'POST' && r.path === CREATE_PATH).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
