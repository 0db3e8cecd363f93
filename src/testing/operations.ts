import { HttpResponse } from 'msw';
import { Problems } from './gateways/checks.js';
import type { GatewayError, GatewayProtocol, ReplyContext, WireReply } from './gateways/index.js';
import type { ExtraRoute, GatewayTasks, ListRoute, StoredUpload } from './gateways/protocol.js';
import type { TaskRecord } from './lifecycle.js';
import { SAMPLE_VIDEO } from './sample-video.js';
import { type SimulatorState, videoPath } from './state.js';
import type { JsonObject, JsonValue, SimulatorOp } from './types.js';

/** The answer to one request, plus what the request record should say about it. */
export interface Outcome {
  response: Response;
  rejection?: string[];
}

/** The key that `sk-invalid` stands for: any other non-empty key is accepted. */
export const INVALID_API_KEY = 'sk-invalid';
/** Prompt markers that let a test ask for a failed render or an empty account. */
export const FAIL_TRIGGER = 'SIM_FAIL';
export const NO_CREDITS_TRIGGER = 'SIM_NO_CREDITS';

function reply(wire: WireReply): Response {
  return HttpResponse.json(wire.body, { status: wire.status });
}

function refuse(protocol: GatewayProtocol, error: GatewayError, op?: SimulatorOp): Outcome {
  const outcome: Outcome = { response: reply(protocol.errorReply(error, op)) };
  if (error.kind === 'invalid') outcome.rejection = [...error.problems];
  return outcome;
}

/** The caller's key, or why the gateway refuses: its own auth hook where it has one (a ready reply). */
function authenticate(
  state: SimulatorState,
  protocol: GatewayProtocol,
  request: Request,
): GatewayError | WireReply | string {
  if (protocol.authenticateRequest !== undefined)
    return protocol.authenticateRequest(request, state.dateOf(state.clock()));
  const key = protocol.readApiKey(request);
  if (key === undefined) return { kind: 'unauthenticated', reason: 'missing' };
  if (key === INVALID_API_KEY) return { kind: 'unauthenticated', reason: 'invalid' };
  return key;
}

function refuseAuth(protocol: GatewayProtocol, failure: GatewayError | WireReply, op?: SimulatorOp): Outcome {
  return 'kind' in failure ? refuse(protocol, failure, op) : { response: reply(failure) };
}

/** One gateway's tasks, for its list routes and admission checks. */
function gatewayTasks(state: SimulatorState, protocol: GatewayProtocol, request: Request): GatewayTasks {
  return {
    tasks: state.tasksOf(protocol.id),
    ...(state.maxConcurrentTasks === undefined ? {} : { maxConcurrentTasks: state.maxConcurrentTasks }),
    view: (task) => state.view(task),
    contextOf: (task) => replyContext(state, request, task),
  };
}

/** A gateway's route over many tasks (Kling's batch status read): its auth, then its reply. */
export function answerListRoute(
  state: SimulatorState,
  protocol: GatewayProtocol,
  route: ListRoute,
  request: Request,
): Outcome {
  const apiKey = authenticate(state, protocol, request);
  if (typeof apiKey !== 'string') return refuseAuth(protocol, apiKey, route.op);
  return { response: reply(route.reply(request, gatewayTasks(state, protocol, request))) };
}

function replyContext(state: SimulatorState, request: Request, task: TaskRecord): ReplyContext {
  const origin = new URL(request.url).origin;
  return {
    origin,
    videoUrl: `${origin}${videoPath(task.id)}`,
    dateOf: (ms) => state.dateOf(ms),
    now: state.clock(),
    apiinoneShape: state.apiinoneShape,
  };
}

/** JSON with sorted keys, so the same body always compares equal whatever its key order. */
function fingerprint(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${fingerprint(value[key] ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function readBody(request: Request): Promise<{ text: string; body: JsonObject } | { problem: string }> {
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: 'body: must be valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { problem: 'body: must be a JSON object' };
  }
  return { text, body: body as JsonObject };
}

/**
 * A paid create: auth, body rules, idempotency replay, credit check, then a new task.
 * Validation comes before the credit check, as on the real gateways (a bad body costs nothing).
 */
export async function createTask(
  state: SimulatorState,
  protocol: GatewayProtocol,
  request: Request,
  createPathName?: string,
): Promise<Outcome> {
  const apiKey = authenticate(state, protocol, request);
  if (typeof apiKey !== 'string') return refuseAuth(protocol, apiKey);
  const reject = (problems: readonly string[]): Outcome => {
    state.stats.rejected[protocol.id] += 1;
    return refuse(protocol, { kind: 'invalid', problems });
  };

  const idempotencyKey = protocol.idempotency
    ? (request.headers.get('idempotency-key') ?? undefined)
    : undefined;
  const idempotency = protocol.idempotency;
  if (idempotency && idempotencyKey !== undefined && idempotencyKey.length > idempotency.maxKeyLength) {
    return reject([`Idempotency-Key: must be at most ${idempotency.maxKeyLength} characters`]);
  }
  const read = await readBody(request);
  if ('problem' in read) return reject([read.problem]);
  const problems = new Problems(state.strict, state.requireExplicitDefaults);
  protocol.validate(read.body, problems, createPathName);
  checkOwnUploads(state, read.body, '', problems);
  if (problems.list.length > 0) return reject(problems.list);

  const scope =
    idempotencyKey === undefined ? undefined : `${protocol.id}\u0000${apiKey}\u0000${idempotencyKey}`;
  if (idempotency && scope !== undefined) {
    const earlier = state.recall(scope, idempotency.windowMs);
    const original = earlier && state.findTask(earlier.taskId);
    if (earlier && original) {
      if (earlier.fingerprint !== fingerprint(read.body))
        return refuse(protocol, { kind: 'idempotency-conflict' });
      const body = protocol.createdReply(
        original,
        state.view(original),
        replyContext(state, request, original),
      );
      return { response: reply({ status: protocol.createdStatus, body }) };
    }
  }
  if (read.text.includes(NO_CREDITS_TRIGGER))
    return refuse(protocol, { kind: 'no-credits', body: read.body });
  const refusal = protocol.admitCreate?.(read.body, gatewayTasks(state, protocol, request));
  if (refusal !== undefined) return { response: reply(refusal) };

  const task = newTask(state, protocol, read.body, read.text.includes(FAIL_TRIGGER));
  if (idempotencyKey !== undefined) task.idempotencyKey = idempotencyKey;
  task.apiKey = apiKey;
  task.origin = new URL(request.url).origin;
  state.addTask(task);
  state.callbacks.watch(task, protocol.callbacks, request.url);
  if (scope !== undefined) state.remember(scope, fingerprint(read.body), task.id);
  const body = protocol.createdReply(task, state.view(task), replyContext(state, request, task));
  return { response: reply({ status: protocol.createdStatus, body }) };
}

function newTask(
  state: SimulatorState,
  protocol: GatewayProtocol,
  body: JsonObject,
  failing: boolean,
): TaskRecord {
  const createdAt = state.clock();
  let id: string;
  do id = protocol.newTaskId(state.random, state.dateOf(createdAt));
  while (state.findTask(id) !== undefined);
  const plan = protocol.planRender(state.random);
  const task: TaskRecord = {
    gateway: protocol.id,
    id,
    body,
    createdAt,
    renderMs: plan.renderMs,
    failing,
    held: state.hold,
  };
  if (plan.estimatedSeconds !== undefined) task.estimatedSeconds = plan.estimatedSeconds;
  return task;
}

/** A status poll: only tasks this gateway created are visible through it. */
export function getTask(
  state: SimulatorState,
  protocol: GatewayProtocol,
  id: string,
  request: Request,
): Outcome {
  const apiKey = authenticate(state, protocol, request);
  if (typeof apiKey !== 'string') return refuseAuth(protocol, apiKey, 'status');
  if (protocol.isWellFormedId && !protocol.isWellFormedId(id))
    return refuse(protocol, { kind: 'bad-task-id', id }, 'status');
  const task = state.findTask(id) ?? protocol.findByCallerId?.(id, state.tasksOf(protocol.id));
  if (task === undefined || task.gateway !== protocol.id)
    return refuse(protocol, { kind: 'not-found', id }, 'status');
  const view = state.view(task);
  const context = replyContext(state, request, task);
  const wire = protocol.statusWireReply?.(task, view, context, request) ?? {
    status: 200,
    body: protocol.statusReply(task, view, context),
  };
  return { response: reply(wire) };
}

/** A gateway's own route on a task (fal's result and cancel): auth, then the route's reply. */
export function answerExtraRoute(
  state: SimulatorState,
  protocol: GatewayProtocol,
  route: ExtraRoute,
  id: string,
  request: Request,
): Outcome {
  const apiKey = authenticate(state, protocol, request);
  if (typeof apiKey !== 'string') return refuseAuth(protocol, apiKey, route.op);
  const task = state.findTask(id);
  const found =
    task === undefined || task.gateway !== protocol.id
      ? undefined
      : { task, view: state.view(task), context: replyContext(state, request, task) };
  return { response: reply(route.reply(found, state.clock())) };
}

/** Path prefix of the files the simulator's upload APIs store (an origin the simulator owns). */
export const UPLOADS_PATH = '/sim-uploads/';

/**
 * A gateway fetches the images a create names. For a URL of the simulator's own uploads it can tell:
 * one it never stored (or forgot at reset) is refused, as a real gateway refuses an image it can't fetch.
 */
function checkOwnUploads(
  state: SimulatorState,
  value: JsonValue | undefined,
  path: string,
  problems: Problems,
): void {
  if (typeof value === 'string') {
    // canParse first: a prompt is not a URL, and a thrown TypeError per string is slow in a hot loop.
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    if (!url.pathname.startsWith(UPLOADS_PATH)) return;
    const id = decodeURIComponent(url.pathname.slice(UPLOADS_PATH.length));
    if (state.findUpload(id) === undefined)
      problems.add(path, `the file at ${value} could not be fetched (404)`);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkOwnUploads(state, item, `${path}[${index}]`, problems);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      checkOwnUploads(state, item, path === '' ? key : `${path}.${key}`, problems);
    }
  }
}

/** An upload: auth, a multipart body with the file, the gateway's rules for it; then stored and served. */
export async function uploadFile(
  state: SimulatorState,
  protocol: GatewayProtocol,
  request: Request,
): Promise<Outcome> {
  const spec = protocol.upload;
  if (spec === undefined) return { response: HttpResponse.text('Not Found', { status: 404 }) };
  const refuseUpload = (error: GatewayError): Outcome => {
    const outcome: Outcome = { response: reply((spec.errorReply ?? protocol.errorReply)(error)) };
    if (error.kind === 'invalid') outcome.rejection = [...error.problems];
    return outcome;
  };
  const apiKey = authenticate(state, protocol, request);
  if (typeof apiKey !== 'string')
    return 'kind' in apiKey ? refuseUpload(apiKey) : { response: reply(apiKey) };
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return refuseUpload({ kind: 'invalid', problems: ['body: must be multipart/form-data'] });
  }
  const part = form.get(spec.field);
  if (part === null || typeof part === 'string') {
    return refuseUpload({ kind: 'invalid', problems: [`${spec.field}: is required (a file part)`] });
  }
  const file = {
    bytes: new Uint8Array(await part.arrayBuffer()),
    declaredType: part.type,
    filename: 'name' in part && typeof part.name === 'string' && part.name !== '' ? part.name : 'upload',
  };
  const verdict = spec.accept(file);
  if ('problems' in verdict) return refuseUpload({ kind: 'invalid', problems: verdict.problems });
  let id: string;
  do id = spec.newId(state.random);
  while (state.findUpload(id) !== undefined);
  const stored: StoredUpload = {
    gateway: protocol.id,
    id,
    bytes: file.bytes,
    contentType: verdict.contentType,
    filename: file.filename,
    createdAt: state.clock(),
  };
  const url = `${new URL(request.url).origin}${UPLOADS_PATH}${encodeURIComponent(id)}`;
  state.addUpload(stored, url);
  const body = spec.reply(stored, url, (ms) => state.dateOf(ms));
  return { response: reply({ status: spec.status, body }) };
}

/** A balance read: the amount set by the `balances` option, in the gateway's documented shape. */
export function readBalance(state: SimulatorState, protocol: GatewayProtocol, request: Request): Outcome {
  if (protocol.balance === undefined) return { response: HttpResponse.text('Not Found', { status: 404 }) };
  const apiKey = authenticate(state, protocol, request);
  if (typeof apiKey !== 'string') return refuseAuth(protocol, apiKey);
  return { response: reply({ status: 200, body: protocol.balance.reply(state.balances[protocol.id]) }) };
}

/** An uploaded file, served back without auth (as the vendors' CDNs serve them). */
export function serveUpload(state: SimulatorState, id: string): Outcome {
  const stored = state.findUpload(id);
  if (stored === undefined) return { response: HttpResponse.text('Not Found', { status: 404 }) };
  return {
    response: new HttpResponse(stored.bytes.slice(), {
      status: 200,
      headers: { 'content-type': stored.contentType, 'content-length': String(stored.bytes.length) },
    }),
  };
}

/** The finished video, as the gateways' CDNs serve it: no auth, only once the task has succeeded. */
export function downloadVideo(task: TaskRecord | undefined, state: SimulatorState): Outcome {
  if (task === undefined || state.view(task).state !== 'succeeded') {
    return { response: HttpResponse.text('Not Found', { status: 404 }) };
  }
  return {
    response: new HttpResponse(SAMPLE_VIDEO.slice(), {
      status: 200,
      headers: { 'content-type': 'video/mp4', 'content-length': String(SAMPLE_VIDEO.length) },
    }),
  };
}
