import { type HttpHandler, HttpResponse, http } from 'msw';
import { bodyOf, isShortCircuit, serverErrorReply, shortCircuitReply, spoil } from './faults.js';
import { type GatewayProtocol, looksLikeApiInOneId, PROTOCOLS } from './gateways/index.js';
import {
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

function createHandler(state: SimulatorState, protocol: GatewayProtocol): HttpHandler {
  return http.post(anyOrigin(protocol.createPath), ({ request }) =>
    serve(state, { gateway: protocol.id, op: 'create', request }, () => createTask(state, protocol, request)),
  );
}

/**
 * The create path under each name the vendor documents (Modellix: `bare` and `async`); one the options
 * switch off answers the gateway's 404 and creates nothing.
 */
function createHandlers(state: SimulatorState, protocol: GatewayProtocol): HttpHandler[] {
  const aliases = protocol.createPathAliases;
  const serves = (name: string) => protocol.servesCreatePath?.(name, state) ?? true;
  if (aliases === undefined) return [createHandler(state, protocol)];
  return Object.entries(aliases).map(([name, path]) =>
    http.post(anyOrigin(path), ({ request }) =>
      serve(state, { gateway: protocol.id, op: 'create', request }, async () => {
        if (serves(name) || protocol.missingPathReply === undefined)
          return createTask(state, protocol, request);
        const wire = protocol.missingPathReply(new URL(request.url).pathname);
        return { response: HttpResponse.json(wire.body, { status: wire.status }) };
      }),
    ),
  );
}

function statusHandler(state: SimulatorState, protocol: GatewayProtocol): HttpHandler {
  return http.get(anyOrigin(protocol.statusPath), ({ request, params }) => {
    const id = param(params.id);
    return serve(state, { gateway: protocol.id, op: 'status', request }, async () =>
      getTask(state, protocol, id, request),
    );
  });
}

/**
 * API in One and Modellix poll the same path, `/api/v1/tasks/:id`: the simulator knows which gateway issued
 * an id; an unknown id is answered by the gateway whose id pattern it matches.
 */
function sharedStatusHandler(state: SimulatorState): HttpHandler {
  const { apiinone, modellix } = PROTOCOLS;
  if (apiinone.statusPath !== modellix.statusPath)
    throw new Error('API in One and Modellix no longer share a path');
  return http.get(anyOrigin(apiinone.statusPath), ({ request, params }) => {
    const id = param(params.id);
    const owner = state.findTask(id)?.gateway;
    const protocol =
      owner === 'apiinone' || owner === 'modellix'
        ? PROTOCOLS[owner]
        : looksLikeApiInOneId(id)
          ? apiinone
          : modellix;
    return serve(state, { gateway: protocol.id, op: 'status', request }, async () =>
      getTask(state, protocol, id, request),
    );
  });
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
function uploadHandlers(state: SimulatorState): HttpHandler[] {
  return Object.values(PROTOCOLS).flatMap((protocol) => {
    const spec = protocol.upload;
    if (spec === undefined) return [];
    return [
      http.post(anyOrigin(spec.path), ({ request }) =>
        serve(state, { gateway: protocol.id, op: 'upload', request }, () =>
          uploadFile(state, protocol, request),
        ),
      ),
    ];
  });
}

/** The balance endpoint of each gateway that has one (GET). */
function balanceHandlers(state: SimulatorState): HttpHandler[] {
  return Object.values(PROTOCOLS).flatMap((protocol) => {
    const spec = protocol.balance;
    if (spec === undefined) return [];
    return [
      http.get(anyOrigin(spec.path), ({ request }) =>
        serve(state, { gateway: protocol.id, op: 'balance', request }, async () =>
          readBalance(state, protocol, request),
        ),
      ),
    ];
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
 * The handler list. Order matters where one pattern also matches another's paths: API in One's
 * `/api/v1/...` routes must come before EvoLink's `*\/v1/...` ones.
 */
export function buildHandlers(state: SimulatorState): HttpHandler[] {
  const { apiinone, apiframe, evolink, modellix } = PROTOCOLS;
  return [
    sharedStatusHandler(state),
    createHandler(state, apiinone),
    ...createHandlers(state, modellix),
    createHandler(state, apiframe),
    statusHandler(state, apiframe),
    createHandler(state, evolink),
    statusHandler(state, evolink),
    downloadHandler(state),
    ...uploadHandlers(state),
    ...balanceHandlers(state),
    uploadedFileHandler(state),
  ];
}
