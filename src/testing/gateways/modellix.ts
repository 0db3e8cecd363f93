/**
 * Modellix, model `kling/kling-v3-omni-video`. Source: docs.modellix.ai/kling/kling-v3-omni-video, the REST
 * error table at docs.modellix.ai/ways-to-use/api, and Modellix's own CLI for the task states
 * (github.com/Modellix/modellix-cli). NOT documented: the error field of a failed task (invented below).
 */
import type { TaskRecord, TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import type { JsonObject, JsonValue } from '../types.js';
import {
  checkBoolean,
  checkExplicit,
  checkInteger,
  checkKeys,
  checkRequired,
  checkString,
  checkStringList,
  type Problems,
} from './checks.js';
import { fileProblems } from './files.js';
import {
  type GatewayError,
  type GatewayProtocol,
  type ReplyContext,
  readBearerKey,
  statusOf,
  type UploadProtocol,
  unixSeconds,
  type WireReply,
} from './protocol.js';

const FIELDS = [
  'prompt',
  'multi_shot',
  'shot_type',
  'images',
  'videos',
  'sound',
  'mode',
  'aspect_ratio',
  'duration',
];
/** Modellix's internal model id (the docs' example shows an opaque `model-123`). */
const MODEL_ID = 'kling-v3-omni-video';
/** Retention is "24 hours" in one vendor doc and "about seven days" in another; the shorter is used. */
const RESULT_TTL_MS = 24 * 60 * 60 * 1000;

function validate(body: JsonObject, problems: Problems): void {
  checkKeys(problems, '', body, FIELDS, false);
  // "when multi_shot=false, prompt is required … When multi_shot=true … prompt is still required."
  checkRequired(problems, 'prompt', body.prompt);
  checkString(problems, 'prompt', body.prompt, { min: 1, max: 2500 });
  checkBoolean(problems, 'multi_shot', body.multi_shot);
  if (body.multi_shot === true) {
    checkRequired(problems, 'shot_type', body.shot_type);
    checkString(problems, 'shot_type', body.shot_type, { oneOf: ['intelligence'] });
  } else if (body.shot_type !== undefined) {
    problems.add('shot_type', 'must be omitted unless multi_shot is true');
  }
  checkStringList(problems, 'images', body.images, { min: 1 });
  // "Required array length: 1 element".
  checkStringList(problems, 'videos', body.videos, { min: 1, max: 1 });
  const withVideo = body.videos !== undefined;
  // Documented defaults: sound "off", mode "pro", multi_shot false; no default duration is stated (the
  // simulator prices nothing for Modellix, so none is assumed). `requireExplicitDefaults` wants them sent.
  checkExplicit(problems, 'sound', body.sound);
  checkString(problems, 'sound', body.sound, { oneOf: ['on', 'off'] });
  if (withVideo && body.sound === 'on') problems.add('sound', 'must be "off" when videos is provided');
  checkExplicit(problems, 'mode', body.mode);
  checkString(problems, 'mode', body.mode, { oneOf: ['std', 'pro'] });
  checkString(problems, 'aspect_ratio', body.aspect_ratio, { oneOf: ['16:9', '9:16', '1:1'] });
  if (withVideo) {
    if (body.duration !== undefined) problems.add('duration', 'must be omitted when videos is provided');
  } else {
    checkExplicit(problems, 'duration', body.duration);
    checkInteger(problems, 'duration', body.duration, { min: 3, max: 15 });
  }
}

const STATUS: Record<TaskView['state'], string> = {
  queued: 'pending',
  running: 'processing',
  succeeded: 'success',
  failed: 'failed',
};

function statusReply(task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue {
  const data: JsonObject = { status: STATUS[view.state], task_id: task.id, model_id: MODEL_ID };
  if (view.state === 'succeeded') {
    data.result = { resources: [{ type: 'video', url: context.videoUrl }] };
    data.result_expires_at = unixSeconds(context.dateOf(view.finishedAt ?? task.createdAt) + RESULT_TTL_MS);
  }
  // INVENTED: Modellix documents no error field for a failed task (its CLI fixtures carry only the status).
  if (view.state === 'failed') {
    data.error = {
      code: 'generation_failed',
      message: 'Generation failed (simulated: the prompt contains SIM_FAIL)',
    };
  }
  return { code: 0, message: 'success', data };
}

/**
 * `{code: <http status>, message: "<Category>: <detail>"}` and nothing else ("All error responses follow a
 * unified JSON format", docs.modellix.ai/how-to-use/error-handling: no `data`). The 400 and 401
 * categories are the documented ones ("Invalid parameters", "Authentication failed"); the others are
 * invented in the same style.
 */
function errorReply(error: GatewayError): WireReply {
  const status = statusOf(error);
  const message = ((): string => {
    switch (error.kind) {
      case 'invalid':
        return `Invalid parameters: ${error.problems.join('; ')}`;
      case 'bad-task-id':
        return `Invalid parameters: task id ${error.id}`;
      case 'unauthenticated':
        return error.reason === 'missing'
          ? 'Authentication failed: missing API key'
          : 'Authentication failed: invalid API key';
      case 'no-credits':
        return 'Insufficient balance: team balance is too low for this request';
      case 'not-found':
        return `Not found: task ${error.id} not found`;
      case 'idempotency-conflict':
        return 'Conflict: request conflicts with an earlier one';
      case 'unavailable':
        return {
          429: 'Rate Limited: rate limit exceeded',
          500: 'Internal Error: internal processing error',
          502: 'Bad Gateway: upstream provider error',
          503: 'Service Unavailable: service temporarily unavailable',
          504: 'Gateway Timeout: upstream provider timed out',
        }[error.status];
    }
  })();
  return { status, body: { code: status, message } };
}

/** The two create paths Modellix's own sources name (its docs page and github.com/Modellix/modellix-cli). */
const CREATE_PATHS = {
  bare: '/api/v1/kling/kling-v3-omni-video',
  async: '/api/v1/kling/kling-v3-omni-video/async',
} as const;

export const modellix: GatewayProtocol = {
  id: 'modellix',
  // The vendor's CLI posts without `/async` ("the removed async suffix"); its docs page and its skill,
  // updated the same day, post to `…/async`. Both are served unless option `modellixCreatePaths` says not.
  createPath: CREATE_PATHS.bare,
  createPathAliases: CREATE_PATHS,
  servesCreatePath: (name, options) => options.modellixCreatePaths.includes(name),
  // "404 Not Found: … model not found, provider not found", in the unified error format.
  missingPathReply: (path) => ({
    status: 404,
    body: { code: 404, message: `Not found: no model at ${path}` },
  }),
  statusPath: '/api/v1/tasks/:id',
  createdStatus: 200,
  readApiKey: readBearerKey,
  validate,
  newTaskId: (random: SeededRandom) => `task-${random.chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}`,
  // No published figure for this model; the same 60–180 s as API in One's Kling 3.0.
  planRender: (random: SeededRandom) => ({ renderMs: random.between(60_000, 180_000) }),
  createdReply: (task, _view, context) => ({
    code: 0,
    message: 'success',
    data: {
      status: 'pending',
      task_id: task.id,
      model_id: MODEL_ID,
      get_result: { method: 'GET', url: `${context.origin}/api/v1/tasks/${task.id}` },
    },
  }),
  statusReply,
  errorReply,
  // `GET /api/v1/team/balance` → `data.balance`, USD with 4 decimals (docs; the vendor's CLI).
  balance: {
    path: '/api/v1/team/balance',
    reply: (amount) => ({ code: 0, message: 'success', data: { balance: amount } }),
  },
  upload: mediaFiles(),
  // No callbacks: the public kling-v3-omni-video body has no callback field.
};

/**
 * `POST /api/v1/media/files`, multipart `file` (docs llms.txt): "Returns a file_id and url you can pass
 * into prediction APIs". PNG, JPEG and WebP up to 16 MiB, and the reply's `data` fields, are as the
 * vendor's CLI checks and reads them (src/lib/media-file.ts, modellix-client.ts).
 */
function mediaFiles(): UploadProtocol {
  return {
    path: '/api/v1/media/files',
    status: 200,
    field: 'file',
    accept: (file) =>
      fileProblems(file.bytes, 'file', {
        types: ['image/png', 'image/jpeg', 'image/webp'],
        maxBytes: 16 * 1024 * 1024,
      }),
    newId: (random) => `file-${random.chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}`,
    reply: (stored, url, dateOf) => ({
      code: 0,
      message: 'success',
      data: {
        file_id: stored.id,
        filename: stored.filename,
        size: stored.bytes.length,
        type: stored.contentType,
        url,
        created_at: new Date(dateOf(stored.createdAt)).toISOString(),
      },
    }),
  };
}
