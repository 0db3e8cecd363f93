import { type HttpHandler, HttpResponse, http } from 'msw';
import { GATEWAY_IDS } from '../catalog/index.js';
import { bodyOf, isShortCircuit, serverErrorReply, shortCircuitReply, spoil } from './faults.js';
import { type GatewayProtocol, PROTOCOLS } from './gateways/index.js';
import {
  answerExtraRoute,
  answerListRoute,
  createTask,
  downloadVideo,
  getTask,
  type Outcome,
  readBalance,
  serveUpload,
  UPLOADS_PATH,
  uploadFile,
} from './operations.js';
import type { SimulatorState } from './state.js';
import type { GatewayId, RequestRecord, SimulatorOp } from './types.js';

interface Route {
  gateway: GatewayId | 'unknown';
  op: SimulatorOp;
  request: Request;
}

/**
 * Every request goes through here: pick a fault, let the gateway answer (or not), spoil the answer if the
 * fault says so, and record what happened. `HttpResponse.error()` means "destroy the connection".
 */
async function serve(state: SimulatorState, route: Route, answer: () => Promise<Outcome>): Promise<Response> {
  const { request } = route;
  const entry: RequestRecord = {
    gateway: route.gateway,
    op: route.op,
    method: request.method,
    path: new URL(request.url).pathname,
    status: 0,
    at: state.clock(),
  };
  const idempotencyKey = request.headers.get('idempotency-key');
  if (idempotencyKey !== null) entry.idempotencyKey = idempotencyKey;
  state.record(entry);

  const fault = state.faults.pick(route.gateway, route.op);
  if (fault !== undefined) entry.fault = fault.kind;
  if (fault?.kind === 'reset') {
    entry.status = 'dropped';
    return HttpResponse.error();
  }
  if (fault?.kind === 'hang') {
    entry.status = 'hung';
    await state.untilEnded(request.signal);
    return HttpResponse.error();
  }
  const protocol = route.gateway === 'unknown' ? undefined : PROTOCOLS[route.gateway];
  if (fault !== undefined && isShortCircuit(fault.kind)) {
    const body = fault.kind === 'http-402' ? await bodyOf(request) : undefined;
    const response = shortCircuitReply(fault.kind, fault.retryAfter, protocol, body, route.op);
    entry.status = response.status;
    return response;
  }

  let outcome: Outcome;
  try {
    outcome = await answer();
  } catch (error) {
    entry.status = 500; // msw answers a throwing resolver with a 500; the record should agree
    throw error;
  }
  if (outcome.rejection !== undefined) entry.rejection = outcome.rejection;
  if (fault?.kind === 'drop-after-create') {
    entry.status = 'dropped';
    return HttpResponse.error();
  }
  if (fault?.kind === 'hang-after-create') {
    entry.status = 'hung';
    await state.untilEnded(request.signal);
    return HttpResponse.error();
  }
  if (fault?.kind === 'http-500-after-create') {
    const response = serverErrorReply(protocol);
    entry.status = response.status;
    return response;
  }
  entry.status = outcome.response.status;
  if (
    fault?.kind === 'truncated-json' ||
    fault?.kind === 'wrong-content-type' ||
    fault?.kind === 'unknown-status' ||
    fault?.kind === 'missing-fields'
  ) {
    return spoil(fault.kind, outcome.response);
  }
  return outcome.response;
}

/** Matches the path on any origin, so msw also intercepts calls to the production hosts. */
function anyOrigin(path: string): string {
  return `*${path}`;
}

function param(value: string | readonly string[] | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** A handler and the path it serves (the route table orders handlers by path). */
interface PathRoute {
  path: string;
  handler: HttpHandler;
}

function createHandler(state: SimulatorState, protocol: GatewayProtocol): PathRoute {
  const handler = http.post(anyOrigin(protocol.createPath), ({ request }) =>
    serve(state, { gateway: protocol.id, op: 'create', request }, () => createTask(state, protocol, request)),
  );
  return { path: protocol.createPath, handler };
}

/**
 * The create path under each name the vendor documents (Modellix: `bare` and `async`); one the options
 * switch off answers the gateway's 404 and creates nothing.
 */
function createHandlers(state: SimulatorState, protocol: GatewayProtocol): PathRoute[] {
  const aliases = protocol.createPathAliases;
  const serves = (name: string) => protocol.servesCreatePath?.(name, state) ?? true;
  if (aliases === undefined) return [createHandler(state, protocol)];
  return Object.entries(aliases).map(([name, path]) => ({
    path,
    handler: http.post(anyOrigin(path), ({ request }) =>
      serve(state, { gateway: protocol.id, op: 'create', request }, async () => {
        if (serves(name) || protocol.missingPathReply === undefined)
          return createTask(state, protocol.atCreatePath?.(name) ?? protocol, request, name);
        const wire = protocol.missingPathReply(new URL(request.url).pathname);
        return { response: HttpResponse.json(wire.body, { status: wire.status }) };
      }),
    ),
  }));
}

/**
 * The status route of every gateway that polls `path`. Where several share it (API in One and Modellix:
 * `/api/v1/tasks/:id`) the simulator knows which gateway issued an id; an unknown id is answered by the
 * gateway that claims it (`claimsUnknownId`), else by the one that claims none.
 */
function statusHandler(
  state: SimulatorState,
  path: string,
  protocols: readonly GatewayProtocol[],
): HttpHandler {
  const [only] = protocols;
  if (only === undefined) throw new Error(`no gateway polls ${path}`);
  const fallback = protocols.find((p) => p.claimsUnknownId === undefined) ?? only;
  return http.get(anyOrigin(path), ({ request, params }) => {
    const id = param(params.id);
    const owner = state.findTask(id)?.gateway;
    const protocol =
      protocols.length === 1
        ? only
        : (protocols.find((p) => p.id === owner) ??
          protocols.find((p) => p.claimsUnknownId?.(id) === true) ??
          fallback);
    return serve(state, { gateway: protocol.id, op: 'status', request }, async () =>
      getTask(state, protocol, id, request),
    );
  });
}

/** One status route per status path, each with the gateways that poll it. */
function statusHandlers(state: SimulatorState, protocols: readonly GatewayProtocol[]): PathRoute[] {
  const byPath = new Map<string, GatewayProtocol[]>();
  for (const protocol of protocols) {
    const sharing = byPath.get(protocol.statusPath);
    if (sharing === undefined) byPath.set(protocol.statusPath, [protocol]);
    else sharing.push(protocol);
  }
  return [...byPath].map(([path, sharing]) => ({ path, handler: statusHandler(state, path, sharing) }));
}

/** Each gateway's own routes on its tasks (`extraRoutes`: fal's result and cancel). */
function extraHandlers(state: SimulatorState, protocols: readonly GatewayProtocol[]): PathRoute[] {
  return protocols.flatMap((protocol) =>
    (protocol.extraRoutes ?? []).map((route) => {
      const method = { GET: http.get, PUT: http.put, POST: http.post, DELETE: http.delete }[route.method];
      const handler = method(anyOrigin(route.path), ({ request, params }) =>
        serve(state, { gateway: protocol.id, op: route.op, request }, async () =>
          answerExtraRoute(state, protocol, route, param(params.id), request),
        ),
      );
      return { path: route.path, handler };
    }),
  );
}

/** Each gateway's routes over many tasks at once (`listRoutes`: Kling's batch `GET /tasks`). */
function listHandlers(state: SimulatorState, protocols: readonly GatewayProtocol[]): PathRoute[] {
  return protocols.flatMap((protocol) =>
    (protocol.listRoutes ?? []).map((route) => {
      const method = route.method === 'GET' ? http.get : http.post;
      // At the origin's root only: `*/tasks` would also match the loopback server's `/__sim/tasks`.
      const handler = method(anyOrigin(route.path), ({ request }) =>
        new URL(request.url).pathname !== route.path
          ? undefined
          : serve(state, { gateway: protocol.id, op: route.op, request }, async () =>
              answerListRoute(state, protocol, route, request),
            ),
      );
      return { path: route.path, handler };
    }),
  );
}

function downloadHandler(state: SimulatorState): HttpHandler {
  return http.get(anyOrigin('/files/:file'), ({ request, params }) => {
    const file = param(params.file);
    const task = file.endsWith('.mp4') ? state.findTask(decodeURIComponent(file.slice(0, -4))) : undefined;
    return serve(state, { gateway: task?.gateway ?? 'unknown', op: 'download', request }, async () =>
      downloadVideo(task, state),
    );
  });
}

/** The upload API of each gateway that has one (POST, multipart). */
function uploadHandlers(state: SimulatorState, protocols: readonly GatewayProtocol[]): PathRoute[] {
  return protocols.flatMap((protocol) => {
    const spec = protocol.upload;
    if (spec === undefined) return [];
    const handler = http.post(anyOrigin(spec.path), ({ request }) =>
      serve(state, { gateway: protocol.id, op: 'upload', request }, () =>
        uploadFile(state, protocol, request),
      ),
    );
    return [{ path: spec.path, handler }];
  });
}

/** The balance endpoint of each gateway that has one (GET). */
function balanceHandlers(state: SimulatorState, protocols: readonly GatewayProtocol[]): PathRoute[] {
  return protocols.flatMap((protocol) => {
    const spec = protocol.balance;
    if (spec === undefined) return [];
    const handler = http.get(anyOrigin(spec.path), ({ request }) =>
      serve(state, { gateway: protocol.id, op: 'balance', request }, async () =>
        readBalance(state, protocol, request),
      ),
    );
    return [{ path: spec.path, handler }];
  });
}

/** Files stored by the upload APIs, served back without auth so a gateway (or a test) can fetch them. */
function uploadedFileHandler(state: SimulatorState): HttpHandler {
  return http.get(anyOrigin(`${UPLOADS_PATH}:id`), ({ request, params }) => {
    const id = decodeURIComponent(param(params.id));
    const gateway = state.findUpload(id)?.gateway ?? 'unknown';
    return serve(state, { gateway, op: 'other', request }, async () => serveUpload(state, id));
  });
}

/**
 * The handler list, built from the registry's gateway ids: each registered gateway's create, status, upload
 * and balance routes (a registered gateway without a protocol fails here and in tsc). A route matches its
 * path on any origin (`*<path>`), so a path that ends another (EvoLink's `/v1/tasks/:id` ends API in One's
 * `/api/v1/tasks/:id`) must come after it: the gateway routes go longest path first.
 */
export function buildHandlers(state: SimulatorState): HttpHandler[] {
  const protocols = GATEWAY_IDS.map((id) => {
    const protocol = PROTOCOLS[id] as GatewayProtocol | undefined;
    if (protocol === undefined) throw new Error(`gateway ${id} is registered but has no simulator protocol`);
    return protocol;
  });
  const routes = [
    ...protocols.flatMap((protocol) => createHandlers(state, protocol)),
    ...statusHandlers(state, protocols),
    ...uploadHandlers(state, protocols),
    ...balanceHandlers(state, protocols),
    ...extraHandlers(state, protocols),
    ...listHandlers(state, protocols),
  ].sort((a, b) => b.path.length - a.path.length);
  return [...routes.map((r) => r.handler), downloadHandler(state), uploadedFileHandler(state)];
}
