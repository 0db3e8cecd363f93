/**
 * API in One (apiin.one), model `kling-3`. Sources: https://apiin.one/docs and the kling-3 model pages
 * (https://apiin.one/models/kling-3). Documented: the create body, the create reply, the error
 * envelope. NOT documented anywhere: the task-status body, 402/404/429 bodies, multi-shot limits; what the
 * simulator answers there is invented and marked so below.
 */
import type { TaskRecord, TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import type { ApiInOneShape, JsonObject, JsonValue } from '../types.js';
import {
  checkArray,
  checkBoolean,
  checkExplicit,
  checkKeys,
  checkObject,
  checkRequired,
  checkString,
  checkUrl,
  child,
  type Problems,
} from './checks.js';
import {
  type CallbackProtocol,
  type GatewayError,
  type GatewayProtocol,
  type ReplyContext,
  readBearerKey,
  statusOf,
  type WireReply,
} from './protocol.js';

/**
 * What API in One assumes for a field left out ("mode … default std", "duration … default 5", "sound …
 * default true"): a body may leave them out (unless `requireExplicitDefaults`), and the simulator renders
 * as if they were sent.
 */
const VENDOR_DEFAULTS = { mode: 'std', duration: 5, sound: true } as const;

const FIELDS = [
  'model',
  'prompt',
  'mode',
  'duration',
  'aspect_ratio',
  'sound',
  'image',
  'multi_shots',
  'multi_prompt',
  'kling_elements',
  // Documented generically ("Use callback_url on supported async tasks"), not for kling-3 specifically.
  'callback_url',
] as const;

function validate(body: JsonObject, problems: Problems): void {
  checkKeys(problems, '', body, FIELDS, false);
  checkRequired(problems, 'model', body.model);
  checkString(problems, 'model', body.model, { oneOf: ['kling-3'] });
  const multiShots = body.multi_shots === true;
  // "max 2500 chars. Not required if multi_shots is true."
  if (!multiShots && (body.prompt === undefined || body.prompt === '')) problems.add('prompt', 'is required');
  checkString(problems, 'prompt', body.prompt, { max: 2500 });
  checkExplicit(problems, 'mode', body.mode);
  checkString(problems, 'mode', body.mode, { oneOf: ['std', 'pro'] });
  checkDuration(problems, body.duration);
  checkString(problems, 'aspect_ratio', body.aspect_ratio, { oneOf: ['1:1', '9:16', '16:9'] });
  checkExplicit(problems, 'sound', body.sound);
  checkBoolean(problems, 'sound', body.sound);
  checkUrl(problems, 'image', body.image);
  checkBoolean(problems, 'multi_shots', body.multi_shots);
  checkMultiPrompt(problems, body, multiShots);
  // The element shape is unverified (maybe kie.ai's {name, description, element_input_urls}): objects only.
  if (checkArray(problems, 'kling_elements', body.kling_elements)) {
    body.kling_elements.forEach((item, index) => {
      checkObject(problems, child('kling_elements', index), item);
    });
  }
  checkUrl(problems, 'callback_url', body.callback_url);
}

/** "Video duration in seconds (3–15)", typed number; strict mode also wants an integer (billing is per second). */
function checkDuration(problems: Problems, duration: JsonValue | undefined): void {
  checkExplicit(problems, 'duration', duration);
  if (duration === undefined) return;
  if (typeof duration !== 'number') {
    problems.add('duration', 'must be a number');
  } else if (duration < 3 || duration > 15) {
    problems.add('duration', `must be between 3 and 15, got ${duration}`);
  } else if (!Number.isInteger(duration)) {
    problems.addStrict('duration', `must be a whole number of seconds, got ${duration}`);
  }
}

/**
 * "Array of {prompt, duration} objects for multi-shot mode". Limits are not documented for API in One;
 * strict mode applies upstream Kling's (1–6 shots, whole seconds adding up to `duration`).
 */
function checkMultiPrompt(problems: Problems, body: JsonObject, multiShots: boolean): void {
  const shots = body.multi_prompt;
  if (shots === undefined) {
    if (multiShots) problems.addStrict('multi_prompt', 'is required when multi_shots is true');
    return;
  }
  if (!multiShots) problems.addStrict('multi_prompt', 'is only used with multi_shots: true');
  if (!checkArray(problems, 'multi_prompt', shots)) return;
  if (shots.length < 1 || shots.length > 6) problems.addStrict('multi_prompt', 'must have 1 to 6 shots');
  let total = 0;
  shots.forEach((shot, index) => {
    const path = child('multi_prompt', index);
    if (!checkObject(problems, path, shot)) return;
    checkKeys(problems, path, shot, ['prompt', 'duration'], false);
    checkRequired(problems, child(path, 'prompt'), shot.prompt);
    checkString(problems, child(path, 'prompt'), shot.prompt, { min: 1 });
    checkRequired(problems, child(path, 'duration'), shot.duration);
    if (shot.duration === undefined) return;
    if (typeof shot.duration !== 'number' || shot.duration <= 0) {
      problems.add(child(path, 'duration'), 'must be a positive number');
    } else {
      if (!Number.isInteger(shot.duration))
        problems.addStrict(child(path, 'duration'), 'must be whole seconds');
      total += shot.duration;
    }
  });
  // An omitted duration is the vendor's default, 5 s.
  const duration = typeof body.duration === 'number' ? body.duration : VENDOR_DEFAULTS.duration;
  if (total !== duration) {
    problems.addStrict('multi_prompt', `shot durations add up to ${total}, not duration ${duration}`);
  }
}

const FAILURE = 'Generation failed (simulated: the prompt contains SIM_FAIL)';

/** The status word each shape uses per state; only IN_PROGRESS (the create reply) is documented. */
const WORDS: Record<ApiInOneShape, Record<TaskView['state'], string>> = {
  default: { queued: 'IN_PROGRESS', running: 'IN_PROGRESS', succeeded: 'COMPLETED', failed: 'FAILED' },
  kling: { queued: 'submitted', running: 'processing', succeeded: 'succeed', failed: 'failed' },
  'result-urls': { queued: 'pending', running: 'processing', succeeded: 'completed', failed: 'failed' },
  'output-url': { queued: 'starting', running: 'processing', succeeded: 'succeeded', failed: 'failed' },
  'result-urls-camel': { queued: 'waiting', running: 'generating', succeeded: 'success', failed: 'fail' },
  'result-json': { queued: 'waiting', running: 'generating', succeeded: 'success', failed: 'fail' },
};

/**
 * INVENTED: the status body. API in One documents only that GET /api/v1/tasks/{task_id} exists, so the
 * simulator answers in the shape `context.apiinoneShape` names (option `apiinoneShape`, see its type):
 * 'default' reuses the documented create envelope `{code, message, data}` with the field names a public
 * client guesses (`data.status`, `data.video_url`, `data.error`); the others are the shapes of Kling's own
 * API and of the resellers of this model family (their public docs, read 2026-11-24).
 */
function statusReply(task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue {
  const shape = context.apiinoneShape;
  const word = WORDS[shape][view.state];
  const done = view.state === 'succeeded';
  const failed = view.state === 'failed';
  const url = context.videoUrl;
  switch (shape) {
    case 'default': {
      const data: JsonObject = { task_id: task.id, status: word, progress: view.progress };
      if (done) data.video_url = url;
      if (failed) data.error = FAILURE;
      return { code: 200, message: 'success', data };
    }
    case 'kling': {
      const data: JsonObject = {
        task_id: task.id,
        task_status: word,
        task_status_msg: failed ? FAILURE : '',
        created_at: context.dateOf(task.createdAt),
        updated_at: context.dateOf(view.finishedAt ?? context.now),
      };
      const seconds = typeof task.body.duration === 'number' ? task.body.duration : VENDOR_DEFAULTS.duration;
      if (done) data.task_result = { videos: [{ id: `${task.id}-0`, url, duration: String(seconds) }] };
      return { code: 0, message: 'SUCCEED', request_id: `req-${task.id}`, data };
    }
    case 'result-urls': {
      const data: JsonObject = { id: task.id, status: word, progress: view.progress };
      if (done) data.result = { urls: [url] };
      if (failed) data.error = { code: 'generation_failed', message: FAILURE };
      return { code: 200, message: 'success', data };
    }
    case 'output-url': {
      // No envelope and no id: the client knows which task it asked for.
      const reply: JsonObject = { status: word };
      if (done) reply.output = { url };
      if (failed) reply.error = FAILURE;
      return reply;
    }
    case 'result-urls-camel':
    case 'result-json': {
      const data: JsonObject = {
        taskId: task.id,
        model: 'kling-3',
        state: word,
        // kie echoes the request as a JSON string: its image URLs are inputs, not the video.
        param: JSON.stringify(task.body),
        failCode: failed ? '500' : '',
        failMsg: failed ? FAILURE : '',
        createTime: context.dateOf(task.createdAt),
      };
      if (done && shape === 'result-urls-camel') data.resultUrls = [url];
      if (done && shape === 'result-json') data.resultJson = JSON.stringify({ resultUrls: [url] });
      if (view.finishedAt !== undefined) data.completeTime = context.dateOf(view.finishedAt);
      return { code: 200, msg: 'success', data };
    }
  }
}

/** Documented envelope `{"error":{"code":<int>,"message","type"}}`; only the 400 and 401 texts are documented. */
function errorReply(error: GatewayError): WireReply {
  const status = statusOf(error);
  const [message, type] = ((): [string, string] => {
    switch (error.kind) {
      case 'invalid':
        return [`Invalid parameters: ${error.problems.join('; ')}`, 'invalid_request'];
      case 'bad-task-id':
        return [`Invalid task id: ${error.id}`, 'invalid_request'];
      case 'unauthenticated':
        // INVENTED: the 401 `type` is cut off in the archived docs.
        return [error.reason === 'missing' ? 'Missing API key' : 'Invalid API key', 'authentication_error'];
      // INVENTED from here on: these statuses are not documented for API in One.
      case 'no-credits':
        return ['Insufficient credits', 'insufficient_credits'];
      case 'not-found':
        return [`Task not found: ${error.id}`, 'not_found'];
      case 'idempotency-conflict':
        return ['Conflict', 'invalid_request'];
      case 'unavailable':
        return status === 429
          ? ['Rate limit exceeded', 'rate_limit_error']
          : ['Upstream error', 'server_error'];
    }
  })();
  return { status, body: { error: { code: status, message, type } } };
}

/**
 * INVENTED: the callback. API in One documents `callback_url` ("Use callback_url on supported async
 * tasks") and nothing else: not the payload, the events, a signature or retries. The simulator POSTs the
 * (also invented) status body once when the task finishes, unsigned.
 */
const callbacks: CallbackProtocol = {
  target: (body) =>
    typeof body.callback_url === 'string'
      ? { url: body.callback_url, events: ['completed', 'failed'] }
      : undefined,
  request: (task, view, context) => ({
    body: JSON.stringify(statusReply(task, view, context)),
    headers: { 'content-type': 'application/json' },
  }),
  retryDelaysMs: [],
  timeoutMs: 10_000,
};

export const apiinone: GatewayProtocol = {
  id: 'apiinone',
  createPath: '/api/v1/videos/generations',
  statusPath: '/api/v1/tasks/:id',
  // Modellix polls the same path; an unknown id ending in `_kling3` is API in One's.
  claimsUnknownId: looksLikeApiInOneId,
  createdStatus: 200,
  readApiKey: readBearerKey,
  validate,
  // Documented example id `n75xxxx_kling3`: node 75 plus a slug.
  newTaskId: (random: SeededRandom) => `n75${random.hex(12)}_kling3`,
  // "Speed 60–180 seconds".
  planRender: (random: SeededRandom) => ({ renderMs: random.between(60_000, 180_000) }),
  createdReply: (task) => ({
    code: 200,
    message: 'success',
    data: { task_id: task.id, status: 'IN_PROGRESS' },
  }),
  statusReply,
  errorReply,
  callbacks,
  // No upload or balance API is documented.
};

/** API in One ids end in `_<modelslug>` (the documented example: `n75xxxx_kling3`). */
export function looksLikeApiInOneId(id: string): boolean {
  return id.endsWith('_kling3');
}
