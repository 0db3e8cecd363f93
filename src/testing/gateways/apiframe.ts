/**
 * apiframe v2, model `kling-3.0`. Source: the vendor's OpenAPI document (apiframe-ai/apiframe-nodejs-sdk
 * openapi.json) and https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0. The schema has
 * `additionalProperties: false` at the top level and in `klingParams`, so unknown fields are rejected
 * even outside strict mode. The inner format of `multi_prompt` (a JSON string) is inferred from the
 * sibling `kling-3.0-omni` schema and checked in strict mode only.
 */
import { createHash, createHmac } from 'node:crypto';
import type { TaskRecord, TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import type { JsonObject, JsonValue } from '../types.js';
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
  isJsonObject,
  type Problems,
} from './checks.js';
import { imageTypeOf } from './files.js';
import {
  type CallbackEvent,
  type CallbackProtocol,
  type GatewayError,
  type GatewayProtocol,
  type ReceivedFile,
  type ReplyContext,
  statusOf,
  type UploadProtocol,
  type WireReply,
} from './protocol.js';

const FIELDS = ['model', 'prompt', 'webhookUrl', 'webhookEvents', 'klingParams'] as const;
const KLING_PARAMS = [
  'duration',
  'aspect_ratio',
  'mode',
  'start_image',
  'end_image',
  'negative_prompt',
  'generate_audio',
  'multi_prompt',
] as const;

function validate(body: JsonObject, problems: Problems): void {
  checkKeys(problems, '', body, FIELDS, true);
  checkRequired(problems, 'model', body.model);
  checkString(problems, 'model', body.model, { oneOf: ['kling-3.0'] });
  checkRequired(problems, 'prompt', body.prompt);
  checkString(problems, 'prompt', body.prompt, { min: 1, max: 4000 });
  checkUrl(problems, 'webhookUrl', body.webhookUrl);
  if (checkArray(problems, 'webhookEvents', body.webhookEvents, { min: 1 })) {
    body.webhookEvents.forEach((event, index) => {
      checkString(problems, child('webhookEvents', index), event, {
        oneOf: ['progress', 'completed', 'failed'],
      });
    });
  }
  // klingParams is optional in the schema, but it carries mode, duration and generate_audio.
  checkExplicit(problems, 'klingParams', body.klingParams);
  const params = body.klingParams;
  if (!checkObject(problems, 'klingParams', params)) return;
  checkKeys(problems, 'klingParams', params, KLING_PARAMS, true);
  checkExplicit(problems, 'klingParams.duration', params.duration);
  checkInteger(problems, 'klingParams.duration', params.duration, { min: 3, max: 15 });
  checkString(problems, 'klingParams.aspect_ratio', params.aspect_ratio, { oneOf: ['16:9', '9:16', '1:1'] });
  checkExplicit(problems, 'klingParams.mode', params.mode);
  checkString(problems, 'klingParams.mode', params.mode, { oneOf: ['standard', 'pro', '4k'] });
  checkUrl(problems, 'klingParams.start_image', params.start_image);
  checkUrl(problems, 'klingParams.end_image', params.end_image);
  checkString(problems, 'klingParams.negative_prompt', params.negative_prompt, { max: 2500 });
  checkExplicit(problems, 'klingParams.generate_audio', params.generate_audio);
  checkBoolean(problems, 'klingParams.generate_audio', params.generate_audio);
  if (checkString(problems, 'klingParams.multi_prompt', params.multi_prompt)) {
    checkMultiPrompt(problems, params.multi_prompt);
  }
}

/** Inferred: a JSON array (as a string) of at most 6 `{prompt: 1–4000 chars, duration: integer 1–15}`. */
function checkMultiPrompt(problems: Problems, text: string): void {
  const path = 'klingParams.multi_prompt';
  let shots: unknown;
  try {
    shots = JSON.parse(text);
  } catch {
    problems.addStrict(path, 'must be a JSON array of {prompt, duration} encoded as a string');
    return;
  }
  if (!Array.isArray(shots) || shots.length < 1 || shots.length > 6) {
    problems.addStrict(path, 'must encode an array of 1 to 6 shots');
    return;
  }
  (shots as JsonValue[]).forEach((shot, index) => {
    const shotPath = child(path, index);
    if (typeof shot !== 'object' || shot === null || Array.isArray(shot)) {
      problems.addStrict(shotPath, 'must be an object {prompt, duration}');
      return;
    }
    const keys = Object.keys(shot);
    if (keys.some((key) => key !== 'prompt' && key !== 'duration')) {
      problems.addStrict(shotPath, 'may only have prompt and duration');
    }
    const prompt = shot.prompt;
    if (typeof prompt !== 'string' || prompt.length < 1 || prompt.length > 4000) {
      problems.addStrict(child(shotPath, 'prompt'), 'must be a string of 1 to 4000 characters');
    }
    const duration = shot.duration;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > 15) {
      problems.addStrict(child(shotPath, 'duration'), 'must be an integer between 1 and 15');
    }
  });
}

/** "credits-per-second × duration": standard 3, standard-audio 4, pro 5, pro-audio 7; 4k is unpublished. */
export function apiframeCreditCost(body: JsonObject): number | null {
  const params: JsonObject = isJsonObject(body.klingParams) ? body.klingParams : {};
  // The vendor's defaults where a body leaves them out: duration 5, mode pro, generate_audio true (the
  // Kling 3.0 docs page; option `requireExplicitDefaults` refuses such bodies instead).
  const duration = typeof params.duration === 'number' ? params.duration : 5;
  const mode = params.mode ?? 'pro';
  const audio = params.generate_audio ?? true;
  const perSecond =
    mode === 'standard' ? (audio === true ? 4 : 3) : mode === 'pro' ? (audio === true ? 7 : 5) : undefined;
  return perSecond === undefined ? null : perSecond * duration;
}

function statusWord(view: TaskView): string {
  switch (view.state) {
    case 'queued':
      return 'QUEUED';
    case 'running':
      return 'PROCESSING';
    case 'succeeded':
      return 'COMPLETED';
    case 'failed':
      return 'FAILED';
  }
}

/** The `Job` object of the spec; on failure "Credits are refunded" (creditCost 0, progress 0 as documented). */
function statusReply(task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue {
  const failed = view.state === 'failed';
  return {
    id: task.id,
    status: statusWord(view),
    model: 'kling-3.0',
    progress: view.progress,
    result: view.state === 'succeeded' ? { videoUrl: context.videoUrl } : null,
    error: failed ? 'Provider returned an error: simulated failure (SIM_FAIL)' : null,
    creditCost: failed ? 0 : apiframeCreditCost(task.body),
    // Spec enum pending | delivered | failed (the docs' examples show "sent"); null without a webhookUrl.
    webhookStatus: task.webhookStatus ?? null,
    createdAt: new Date(context.dateOf(task.createdAt)).toISOString(),
    completedAt:
      view.finishedAt === undefined ? null : new Date(context.dateOf(view.finishedAt)).toISOString(),
    expired: false,
    input: task.body,
  };
}

/** `ErrorResponse {error}`; 400 adds `details` by JSON path, 402 adds the credit figures. */
function errorReply(error: GatewayError): WireReply {
  const status = statusOf(error);
  switch (error.kind) {
    case 'invalid':
      return {
        status,
        body: { error: 'Request body failed validation.', details: detailsOf(error.problems) },
      };
    case 'bad-task-id':
      return { status, body: { error: '`id` is not a valid UUID.' } };
    case 'unauthenticated':
      return {
        status,
        body: { error: error.reason === 'missing' ? 'API key is required' : 'Invalid API key' },
      };
    case 'no-credits':
      return {
        status,
        body: {
          error: 'Insufficient credits',
          creditsRequired: apiframeCreditCost(error.body) ?? 0,
          creditsAvailable: 0,
        },
      };
    case 'not-found':
      return { status, body: { error: 'Job not found' } };
    case 'idempotency-conflict':
      // 409 is not in the spec; the vendor SDK maps it to "replayed an idempotency key with a different body".
      return { status, body: { error: 'Idempotency-Key was already used with a different request body' } };
    case 'unavailable':
      return {
        status,
        body: {
          error:
            status === 429
              ? 'Rate limit exceeded'
              : status === 503
                ? 'Service unavailable'
                : 'Upstream failed',
        },
      };
  }
}

/** `details: {[jsonPath]: string[]}` from `path: message` lines. */
function detailsOf(problems: readonly string[]): JsonObject {
  const details: { [path: string]: string[] } = {};
  for (const problem of problems) {
    const split = problem.indexOf(': ');
    const path = split === -1 ? '' : problem.slice(0, split);
    const message = split === -1 ? problem : problem.slice(split + 2);
    details[path] = [...(details[path] ?? []), message];
  }
  return details;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EVENTS: readonly CallbackEvent[] = ['progress', 'completed', 'failed'];

/**
 * Webhooks (docs-v2.apiframe.ai/docs/webhooks): POST of `{event, jobId, status, ...}` with
 * `X-Webhook-Event` and `X-Webhook-Signature: sha256=<hex>`, the HMAC-SHA256 of the body keyed with the
 * raw SHA-256 digest of the API key (the vendor SDK's webhooks.ts). Which events fire when
 * `webhookEvents` is left out is not documented: the simulator assumes completed and failed. The
 * video `result` shape `{videoUrl}` is the job's (the webhook examples are Midjourney's). No retry
 * policy is documented: one attempt.
 */
const callbacks: CallbackProtocol = {
  target(body) {
    if (typeof body.webhookUrl !== 'string') return undefined;
    const asked = Array.isArray(body.webhookEvents) ? body.webhookEvents : ['completed', 'failed'];
    return { url: body.webhookUrl, events: EVENTS.filter((e) => asked.includes(e)) };
  },
  request(task, view, context, event, apiKey) {
    const common = { event, jobId: task.id, status: statusWord(view), model: 'kling-3.0' };
    const payload: JsonObject =
      event === 'progress'
        ? { ...common, progress: view.progress }
        : event === 'failed'
          ? { ...common, error: 'Provider returned an error: simulated failure (SIM_FAIL)' }
          : {
              ...common,
              progress: 100,
              result: { videoUrl: context.videoUrl },
              creditCost: apiframeCreditCost(task.body),
              completedAt: new Date(context.dateOf(view.finishedAt ?? task.createdAt)).toISOString(),
            };
    const body = JSON.stringify(payload);
    const secret = createHash('sha256').update(apiKey, 'utf8').digest();
    const signature = createHmac('sha256', secret).update(body, 'utf8').digest('hex');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-webhook-event': event,
        'x-webhook-signature': `sha256=${signature}`,
      },
    };
  },
  retryDelaysMs: [],
  timeoutMs: 10_000,
};

/** `POST /v2/uploads`, multipart `file` → 201 `Upload {id, url, kind, contentType, byteSize, expiresAt}`. */
const upload: UploadProtocol = {
  path: '/v2/uploads',
  status: 201,
  field: 'file',
  accept(file: ReceivedFile) {
    const image = imageTypeOf(file.bytes);
    if (image !== undefined) return { contentType: image };
    // kind is image | video | audio; only images are checked by their bytes here.
    if (/^(video|audio)\/[\w.+-]+$/.test(file.declaredType)) return { contentType: file.declaredType };
    return { problems: ['file: must be an image, a video or an audio file'] };
  },
  newId: (random) => random.uuid(),
  // "Files spend ~1-2h on the CDN before reaping": the shorter is reported.
  reply: (stored, url, dateOf) => ({
    id: stored.id,
    url,
    kind: stored.contentType.split('/')[0] ?? 'image',
    contentType: stored.contentType,
    byteSize: stored.bytes.length,
    expiresAt: new Date(dateOf(stored.createdAt) + 60 * 60 * 1000).toISOString(),
  }),
};

/** `GET /v2/me` → `{user, team: {id, name, credits, plan, customerId}, apiKey}` (openapi.json `Me`). */
const balance = {
  path: '/v2/me',
  reply: (amount: number): JsonValue => ({
    user: { id: '00000000-0000-4000-8000-000000000001', email: 'simulator@example.com', role: 'OWNER' },
    team: {
      id: '00000000-0000-4000-8000-000000000002',
      name: 'Simulator',
      credits: amount,
      plan: 'pro',
      customerId: null,
    },
    apiKey: { id: '00000000-0000-4000-8000-000000000003', name: 'Default', prefix: 'afk_sim' },
  }),
};

export const apiframe: GatewayProtocol = {
  id: 'apiframe',
  createPath: '/v2/videos/generate',
  statusPath: '/v2/jobs/:id',
  createdStatus: 202,
  // "Optional client-supplied key (max 255 chars). Replaying the same key within 24 hours returns the
  // original job rather than creating a duplicate."
  idempotency: { maxKeyLength: 255, windowMs: 24 * 60 * 60 * 1000 },
  readApiKey: (request) => request.headers.get('x-api-key')?.trim() || undefined,
  validate,
  isWellFormedId: (id) => UUID.test(id),
  newTaskId: (random: SeededRandom) => random.uuid(),
  // "Avg. completion ~150s"; "Typical latency is about 135 seconds".
  planRender: (random: SeededRandom) => ({ renderMs: random.between(135_000, 150_000) }),
  // `JobAccepted`: "idempotent replays may return the original status".
  createdReply: (task, view) => ({ jobId: task.id, status: statusWord(view) }),
  statusReply,
  errorReply,
  balance,
  upload,
  callbacks,
};
