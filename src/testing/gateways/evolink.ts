/**
 * EvoLink, models `kling-v3-text-to-video` and `kling-v3-image-to-video`. Source: docs.evolink.ai OpenAPI
 * specs (mirrored in github.com/Pharmacist9527/mintlify-docs), current contract as of 2026-04:
 * `image_start` required on image-to-video, no `aspect_ratio` there,
 * `element_id` a string, `quality` includes 4k, multi-shot `duration` a string.
 */
import type { TaskRecord, TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import type { JsonObject, JsonValue, SimulatorOp } from '../types.js';
import {
  checkArray,
  checkBoolean,
  checkExplicit,
  checkInteger,
  checkKeys,
  checkObject,
  checkRequired,
  checkString,
  checkUrl,
  child,
  type Problems,
} from './checks.js';
import { fileProblems } from './files.js';
import {
  type CallbackProtocol,
  type GatewayError,
  type GatewayProtocol,
  type ReplyContext,
  readBearerKey,
  statusOf,
  type UploadProtocol,
  unixSeconds,
  type WireReply,
} from './protocol.js';

const TEXT_TO_VIDEO = 'kling-v3-text-to-video';
const IMAGE_TO_VIDEO = 'kling-v3-image-to-video';
const COMMON_FIELDS = [
  'model',
  'prompt',
  'negative_prompt',
  'duration',
  'quality',
  'sound',
  'model_params',
  'callback_url',
];
const MODEL_PARAMS = ['multi_shot', 'shot_type', 'multi_prompt', 'watermark_info', 'element_list'];

function validate(body: JsonObject, problems: Problems): void {
  checkRequired(problems, 'model', body.model);
  checkString(problems, 'model', body.model, { oneOf: [TEXT_TO_VIDEO, IMAGE_TO_VIDEO] });
  const imageToVideo = body.model === IMAGE_TO_VIDEO;
  checkKeys(
    problems,
    '',
    body,
    [...COMMON_FIELDS, ...(imageToVideo ? ['image_start', 'image_end'] : []), 'aspect_ratio'],
    false,
  );
  const params = checkObject(problems, 'model_params', body.model_params) ? body.model_params : {};
  const customShots = params.multi_shot === true && params.shot_type === 'customize';

  // "Required when multi_shot=false or shot_type=intelligence" (text-to-video); "Can be empty when
  // multi_shot=true and shot_type=customize" (image-to-video, where a start image carries the content).
  if (!imageToVideo && !customShots && (body.prompt === undefined || body.prompt === '')) {
    problems.add('prompt', 'is required unless model_params.multi_shot is true with shot_type "customize"');
  }
  checkString(problems, 'prompt', body.prompt, { max: 2500 });
  checkString(problems, 'negative_prompt', body.negative_prompt, { max: 2500 });
  checkExplicit(problems, 'duration', body.duration);
  checkInteger(problems, 'duration', body.duration, { min: 3, max: 15 });
  checkExplicit(problems, 'quality', body.quality);
  checkString(problems, 'quality', body.quality, { oneOf: ['720p', '1080p', '4k'] });
  checkExplicit(problems, 'sound', body.sound);
  checkString(problems, 'sound', body.sound, { oneOf: ['on', 'off'] });
  if (imageToVideo) {
    checkRequired(problems, 'image_start', body.image_start);
    checkUrl(problems, 'image_start', body.image_start);
    checkUrl(problems, 'image_end', body.image_end);
    if (body.image_end !== undefined && body.image_start === undefined) {
      problems.add('image_end', 'needs image_start ("image_start (first frame) must be provided")');
    }
    // Removed from the image-to-video schema on 2026-03-14: the video takes the start image's ratio.
    if (body.aspect_ratio !== undefined)
      problems.addStrict('aspect_ratio', `is not accepted by ${IMAGE_TO_VIDEO}`);
  } else {
    checkString(problems, 'aspect_ratio', body.aspect_ratio, { oneOf: ['16:9', '9:16', '1:1'] });
  }
  checkModelParams(problems, params, imageToVideo, body.duration);
  // "HTTPS protocol only", "Internal IPs are prohibited", "must not exceed 2048 characters".
  checkUrl(problems, 'callback_url', body.callback_url, {
    httpsOnly: true,
    maxLength: 2048,
    publicHostOnly: true,
  });
}

function checkModelParams(
  problems: Problems,
  params: JsonObject,
  imageToVideo: boolean,
  duration: JsonValue | undefined,
): void {
  const path = 'model_params';
  checkKeys(problems, path, params, MODEL_PARAMS, false);
  checkBoolean(problems, child(path, 'multi_shot'), params.multi_shot);
  const multiShot = params.multi_shot === true;
  if (multiShot) checkRequired(problems, child(path, 'shot_type'), params.shot_type);
  else if (params.shot_type !== undefined)
    problems.addStrict(child(path, 'shot_type'), 'needs multi_shot: true');
  checkString(problems, child(path, 'shot_type'), params.shot_type, { oneOf: ['customize', 'intelligence'] });
  const customize = multiShot && params.shot_type === 'customize';
  if (customize) checkRequired(problems, child(path, 'multi_prompt'), params.multi_prompt);
  else if (params.multi_prompt !== undefined) {
    problems.addStrict(
      child(path, 'multi_prompt'),
      'is only used with multi_shot: true and shot_type "customize"',
    );
  }
  checkShots(problems, params.multi_prompt, typeof duration === 'number' ? duration : 5);
  if (params.element_list !== undefined && !imageToVideo) {
    problems.addStrict(child(path, 'element_list'), `is only accepted by ${IMAGE_TO_VIDEO}`);
  }
  if (checkArray(problems, child(path, 'element_list'), params.element_list, { max: 3 })) {
    params.element_list.forEach((element, index) => {
      const elementPath = child(child(path, 'element_list'), index);
      if (!checkObject(problems, elementPath, element)) return;
      checkKeys(problems, elementPath, element, ['element_id'], false);
      checkRequired(problems, child(elementPath, 'element_id'), element.element_id);
      checkString(problems, child(elementPath, 'element_id'), element.element_id, { min: 1 });
    });
  }
  const watermark = params.watermark_info;
  if (checkObject(problems, child(path, 'watermark_info'), watermark)) {
    checkKeys(problems, child(path, 'watermark_info'), watermark, ['enabled'], false);
    checkRequired(problems, child(path, 'watermark_info.enabled'), watermark.enabled);
    checkBoolean(problems, child(path, 'watermark_info.enabled'), watermark.enabled);
  }
}

/**
 * `multi_prompt: [{index: int, prompt: ≤512, duration: string}]`, 1–6 shots; "Each shot must be ≥1 and ≤
 * total"; "The sum of all shot duration values must equal the total video duration".
 */
function checkShots(problems: Problems, shots: JsonValue | undefined, total: number): void {
  const path = 'model_params.multi_prompt';
  if (!checkArray(problems, path, shots, { min: 1, max: 6 })) return;
  let sum = 0;
  shots.forEach((shot, index) => {
    const shotPath = child(path, index);
    if (!checkObject(problems, shotPath, shot)) return;
    checkKeys(problems, shotPath, shot, ['index', 'prompt', 'duration'], false);
    checkRequired(problems, child(shotPath, 'index'), shot.index);
    checkInteger(problems, child(shotPath, 'index'), shot.index, { min: 0, max: Number.MAX_SAFE_INTEGER });
    checkRequired(problems, child(shotPath, 'prompt'), shot.prompt);
    checkString(problems, child(shotPath, 'prompt'), shot.prompt, { min: 1, max: 512 });
    checkRequired(problems, child(shotPath, 'duration'), shot.duration);
    if (shot.duration === undefined) return;
    if (typeof shot.duration !== 'string') {
      problems.add(child(shotPath, 'duration'), 'must be a string of whole seconds, such as "5"');
      return;
    }
    const seconds = /^\d+$/.test(shot.duration) ? Number(shot.duration) : Number.NaN;
    if (!(seconds >= 1 && seconds <= total)) {
      problems.add(child(shotPath, 'duration'), `must be whole seconds between 1 and ${total}`);
      return;
    }
    sum += seconds;
  });
  if (sum !== 0 && sum !== total)
    problems.add(path, `shot durations add up to ${sum}, not duration ${total}`);
}

/** Published credits per second by quality and sound; `credits_reserved` is in 1/10,000 credit. */
const CREDITS_PER_SECOND: Record<string, Record<string, number>> = {
  '720p': { off: 5.4, on: 8.1 },
  '1080p': { off: 7.1982, on: 10.8 },
};

/**
 * What a create is priced at: a field left out is the vendor's documented default (quality 720p, sound
 * off, duration 5), as EvoLink's own examples leave `sound` out (unless `requireExplicitDefaults`).
 */
function usageOf(body: JsonObject): JsonValue | undefined {
  const quality = typeof body.quality === 'string' ? body.quality : '720p';
  const sound = typeof body.sound === 'string' ? body.sound : 'off';
  const perSecond = CREDITS_PER_SECOND[quality]?.[sound];
  // No 4k rate is published: the simulator leaves `usage` out rather than invent a figure.
  if (perSecond === undefined) return undefined;
  const seconds = typeof body.duration === 'number' ? body.duration : 5;
  return {
    billing_rule: 'per_second',
    credits_reserved: Math.round(perSecond * seconds * 10_000),
    user_group: 'default',
  };
}

const STATUS: Record<TaskView['state'], string> = {
  queued: 'pending',
  running: 'processing',
  succeeded: 'completed',
  failed: 'failed',
};

/** The task object: the create reply and every poll share it ("consistent with task query API"). */
function taskReply(task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue {
  const finished = view.state === 'succeeded' || view.state === 'failed';
  const taskInfo: JsonObject = { can_cancel: !finished };
  // Seconds still to go at the time of this reply ("Estimated time remaining", as the vendor's client
  // prints it), left out once the task is over (the documented finished examples carry none).
  if (task.estimatedSeconds !== undefined && !finished) {
    const elapsedSeconds = (context.now - task.createdAt) / 1000;
    taskInfo.estimated_time = Math.max(0, Math.round(task.estimatedSeconds - elapsedSeconds));
  }
  taskInfo.video_duration = typeof task.body.duration === 'number' ? task.body.duration : 5;
  const reply: JsonObject = {
    created: unixSeconds(context.dateOf(task.createdAt)),
    id: task.id,
    model: typeof task.body.model === 'string' ? task.body.model : TEXT_TO_VIDEO,
    object: 'video.generation.task',
    progress: view.progress,
    status: STATUS[view.state],
    task_info: taskInfo,
    type: 'video',
  };
  const usage = usageOf(task.body);
  if (usage !== undefined) reply.usage = usage;
  if (view.state === 'succeeded') reply.results = [context.videoUrl];
  if (view.state === 'failed') {
    reply.error = {
      code: 'generation_failed_no_content',
      message: 'Generation failed (simulated: the prompt contains SIM_FAIL)',
      type: 'task_error',
    };
  }
  return reply;
}

/**
 * `{"error":{"code":string,"message","type","param"?}}`, worded as each endpoint's spec words it: the
 * create spec (kling-v3-*.json) and the task spec (task-management/get-task-detail.json) differ in their
 * 401, 402, 429 and 500 examples, and the task spec's 404 carries no `param` (HEAD a301c93a).
 */
function errorReply(error: GatewayError, op?: SimulatorOp): WireReply {
  const status = statusOf(error);
  const taskRead = op === 'status';
  const body = (code: string, message: string, type: string, param?: string): JsonValue => ({
    error: param === undefined ? { code, message, type } : { code, message, type, param },
  });
  switch (error.kind) {
    case 'invalid': {
      const first = error.problems[0] ?? '';
      const param = first.includes(': ') ? first.slice(0, first.indexOf(': ')) : undefined;
      const message = `Invalid request parameters: ${error.problems.join('; ')}`;
      return { status, body: body('invalid_request', message, 'invalid_request_error', param) };
    }
    case 'bad-task-id': {
      const message = "Invalid task ID format, must start with 'task-unified-'";
      return { status, body: body('invalid_task_id', message, 'invalid_request_error', 'task_id') };
    }
    case 'unauthenticated': {
      // One wording per endpoint, whether the key is missing or wrong.
      const message = taskRead ? 'Authentication required' : 'Invalid or expired token';
      return { status, body: body('unauthorized', message, 'authentication_error') };
    }
    case 'no-credits': {
      const message = 'Insufficient quota. Please top up your account.';
      const code = taskRead ? 'quota_exceeded' : 'insufficient_quota';
      return { status, body: body(code, message, 'insufficient_quota') };
    }
    case 'not-found': {
      const message = 'The requested task could not be found';
      return { status, body: body('task_not_found', message, 'invalid_request_error') };
    }
    case 'idempotency-conflict':
      return { status, body: body('invalid_request', 'Conflict', 'invalid_request_error') };
    case 'unavailable': {
      // 429 and 500 are documented (per endpoint); 502/503/504 codes are the vendor client's
      // (upstream_error) or invented.
      const documented = taskRead
        ? ({
            429: ['rate_limit_exceeded', 'Rate limit exceeded', 'evo_api_error'],
            500: ['internal_error', 'Failed to retrieve task status', 'api_error'],
          } as const)
        : ({
            429: ['rate_limit_exceeded', 'Too many requests, please try again later', 'rate_limit_error'],
            500: ['internal_error', 'Internal server error', 'api_error'],
          } as const);
      const [code, message, type] = (
        {
          ...documented,
          502: ['upstream_error', 'Upstream service error', 'api_error'],
          503: ['service_unavailable', 'Service temporarily unavailable', 'api_error'],
          504: ['gateway_timeout', 'Upstream timed out', 'api_error'],
        } as const
      )[error.status];
      return { status, body: body(code, message, type) };
    }
  }
}

/**
 * `callback_url`: "Triggered when task is completed, failed, or cancelled"; "Callback response format is
 * consistent with task query API"; "Timeout: 10 seconds"; "Maximum 3 retries after failure (at 1/2/4
 * seconds after failure)"; "2xx status code is considered successful". No signature is documented.
 */
const callbacks: CallbackProtocol = {
  target: (body) =>
    typeof body.callback_url === 'string'
      ? { url: body.callback_url, events: ['completed', 'failed'] }
      : undefined,
  request: (task, view, context) => ({
    body: JSON.stringify(taskReply(task, view, context)),
    headers: { 'content-type': 'application/json' },
  }),
  retryDelaysMs: [1000, 2000, 4000],
  timeoutMs: 10_000,
};

const FILE_TTL_MS = 72 * 60 * 60 * 1000;

/**
 * The file API (a separate host in production, https://files-api.evolink.ai; docs file-series/
 * upload-stream.json): multipart `file`, "image/jpeg, image/png, image/gif, image/webp formats only",
 * "Files will expire after 72 hours". Its envelope is `{success, code, msg, data}`. The 100 MB limit is
 * the vendor's MCP skill's; its error bodies (`{success: false, code, msg}`) are as the vendor's own
 * client reads them.
 */
const upload: UploadProtocol = {
  path: '/api/v1/files/upload/stream',
  status: 200,
  field: 'file',
  accept: (file) =>
    fileProblems(file.bytes, 'file', {
      types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
      maxBytes: 100 * 1024 * 1024,
    }),
  newId: (random) => `file_${random.hex(16)}`,
  reply: (stored, url, dateOf) => ({
    success: true,
    code: 200,
    msg: 'File uploaded successfully',
    data: {
      file_id: stored.id,
      file_name: stored.filename,
      original_name: stored.filename,
      file_size: stored.bytes.length,
      mime_type: stored.contentType,
      upload_path: 'images',
      file_url: url,
      download_url: url,
      upload_time: new Date(dateOf(stored.createdAt)).toISOString(),
      expires_at: new Date(dateOf(stored.createdAt) + FILE_TTL_MS).toISOString(),
    },
  }),
  errorReply: (error) => {
    const status = statusOf(error);
    const msg =
      error.kind === 'invalid'
        ? `Invalid request: ${error.problems.join('; ')}`
        : error.kind === 'unauthenticated'
          ? 'Invalid API key'
          : 'Request failed';
    return { status, body: { success: false, code: status, msg } };
  },
};

/** `GET /v1/credits` (docs account-management/get-credits.json): the account's and this key's credits. */
const balance = {
  path: '/v1/credits',
  reply: (amount: number): JsonValue => ({
    data: {
      token: { remaining_credits: amount, unlimited_credits: false, used_credits: 0 },
      user: { remaining_credits: amount, used_credits: 0 },
    },
    message: '',
    success: true,
  }),
};

export const evolink: GatewayProtocol = {
  id: 'evolink',
  createPath: '/v1/videos/generations',
  statusPath: '/v1/tasks/:id',
  createdStatus: 200,
  readApiKey: readBearerKey,
  validate,
  isWellFormedId: (id) => id.startsWith('task-unified-'),
  newTaskId: (random: SeededRandom, createdAtEpochMs: number) =>
    `task-unified-${unixSeconds(createdAtEpochMs)}-${random.chars('abcdefghijklmnopqrstuvwxyz0123456789', 8)}`,
  // A hint of 120–240 s in `task_info.estimated_time`; the real render lands within ±30% of it.
  planRender: (random: SeededRandom) => {
    const estimatedSeconds = Math.round(random.between(120, 240));
    return { estimatedSeconds, renderMs: estimatedSeconds * 1000 * random.between(0.7, 1.3) };
  },
  createdReply: taskReply,
  statusReply: taskReply,
  errorReply,
  balance,
  upload,
  callbacks,
};
