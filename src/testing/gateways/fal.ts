/**
 * fal (https://fal.ai), Kling 3.0 on the queue API (`https://queue.fal.run`). Sources, read 2026-12-03:
 * - the generated input types of every Kling endpoint, fal-ai/fal-js `libs/client/src/types/endpoints.ts`
 *   @381105e138b85502b528fb8f6c16d909e30e462a (v3: `KlingVideoV34k{Text,Image}ToVideoInput`, shared by
 *   standard, pro and 4k; Omni: `O3Pro{Text,Image}ToVideoInput` and `O3ProReferenceVideoI2VInput`, shared by
 *   o3 standard, pro and 4k);
 * - the queue client, `libs/client/src/queue.ts`, `types/common.ts`, `response.ts`, `request.ts`
 *   (`Authorization: Key <key>`, `?fal_webhook=`, status/result/cancel under the owner and app only);
 * - fal's Python client, fal-ai/fal `projects/fal_client/src/fal_client/client.py`
 *   @ece3ee11cf7c9abd18d919bc9d65cde95f11a05d (a COMPLETED status may carry `error` and `error_type`);
 * - fal's docs: api-reference/inference-api (202 while queued or running, 200 once complete; "Do not build
 *   these URLs yourself"), inference-api/queue/result (results kept 1 hour, 6 minutes if 10 KB or
 *   larger), inference-api/queue/cancel, documentation/model-apis/errors and request-errors (error
 *   shapes), model-endpoints/webhooks (payload, 10 retries over 2 hours, signed deliveries), the Kling
 *   model pages (defaults: v3 `generate_audio` true, o3 false).
 * Everything the documents leave open is marked INFERRED where it is decided; the fixtures under
 * test/fixtures/fal/ name each source.
 *
 * fal's routes use the protocol's optional hooks: one create path per endpoint (`createPathAliases`,
 * validated per endpoint), a status path that answers 202 or 200 and reads `?logs=1`
 * (`statusWireReply`), and the result and cancel paths (`extraRoutes`). Not wired yet: the webhook
 * registered in the submit URL's query (`falWebhookTarget`; `callbacks.target` sees only the body).
 */
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { QUEUED_SHARE, type TaskRecord, type TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import { SAMPLE_VIDEO } from '../sample-video.js';
import type { JsonObject, JsonValue, SimulatorOp } from '../types.js';
import {
  checkArray,
  checkBoolean,
  checkExplicit,
  checkKeys,
  checkObject,
  checkRequired,
  checkString,
  child,
  type Problems,
} from './checks.js';
import type { CallbackProtocol, GatewayError, GatewayProtocol, ReplyContext, WireReply } from './protocol.js';

/** The app every status, result and cancel URL uses, whatever endpoint the request was submitted to. */
export const FAL_APP_PATH = '/fal-ai/kling-video';

export type FalFamily = 'v3' | 'o3';
export type FalKind = 'text-to-video' | 'image-to-video' | 'reference-to-video';
export type FalTier = 'standard' | 'pro' | '4k';

export interface FalEndpoint {
  /** fal's endpoint id, e.g. `fal-ai/kling-video/v3/pro/text-to-video`. */
  id: string;
  /** The submit path, the id with a leading slash. */
  path: string;
  family: FalFamily;
  tier: FalTier;
  kind: FalKind;
}

const FAMILIES: readonly FalFamily[] = ['v3', 'o3'];
const TIERS: readonly FalTier[] = ['standard', 'pro', '4k'];
/** v3 has text- and image-to-video; Omni also reference-to-video (endpoints.ts L75285–75333). */
const KINDS: Record<FalFamily, readonly FalKind[]> = {
  v3: ['text-to-video', 'image-to-video'],
  o3: ['text-to-video', 'image-to-video', 'reference-to-video'],
};

/** The fifteen Kling 3.0 endpoints, by name (`v3/pro/text-to-video`, `o3/4k/reference-to-video`, ...). */
export const FAL_ENDPOINTS: Readonly<Record<string, FalEndpoint>> = Object.fromEntries(
  FAMILIES.flatMap((family) =>
    TIERS.flatMap((tier) =>
      KINDS[family].map((kind) => {
        const name = `${family}/${tier}/${kind}`;
        const id = `fal-ai/kling-video/${name}`;
        return [name, { id, path: `/${id}`, family, tier, kind }] as const;
      }),
    ),
  ),
);

/** The endpoint a submit path names (origin and query ignored), or undefined. */
export function falEndpointOf(pathOrUrl: string): FalEndpoint | undefined {
  const path = URL.canParse(pathOrUrl) ? new URL(pathOrUrl).pathname : pathOrUrl.split('?')[0];
  return Object.values(FAL_ENDPOINTS).find((endpoint) => endpoint.path === path);
}

/** `"3"`…`"15"`: fal types `duration` as a string enum, not a number. */
const DURATIONS = Array.from({ length: 13 }, (_, i) => String(i + 3));
/** A shot's `duration`, `"1"`…`"15"` (`KlingV3MultiPromptElement`), default `"5"`. */
const SHOT_DURATIONS = Array.from({ length: 15 }, (_, i) => String(i + 1));
const ASPECT_RATIOS = ['16:9', '9:16', '1:1'];
const SHOT_TYPES = ['customize', 'intelligent'];

interface InputRules {
  fields: readonly string[];
  /** The start-frame field (image-to-video only): v3 `start_image_url`, Omni `image_url`. */
  startField?: 'start_image_url' | 'image_url';
  /** "Either prompt or multi_prompt must be provided, but not both" (o3 text-to-video says only
   * "Required unless multi_prompt is provided": there "not both" is strict-only). */
  exclusivePrompts: boolean;
}

const COMMON = ['prompt', 'multi_prompt', 'duration', 'generate_audio', 'shot_type'];
type FalRules = {
  v3: Record<'text-to-video' | 'image-to-video', InputRules>;
  o3: Record<FalKind, InputRules>;
};
const RULES: FalRules = {
  v3: {
    'text-to-video': {
      fields: [...COMMON, 'aspect_ratio', 'negative_prompt', 'cfg_scale'],
      exclusivePrompts: true,
    },
    'image-to-video': {
      fields: [...COMMON, 'start_image_url', 'end_image_url', 'negative_prompt', 'cfg_scale', 'elements'],
      startField: 'start_image_url',
      exclusivePrompts: true,
    },
  },
  o3: {
    'text-to-video': { fields: [...COMMON, 'aspect_ratio'], exclusivePrompts: false },
    'image-to-video': {
      fields: [...COMMON, 'image_url', 'end_image_url'],
      startField: 'image_url',
      exclusivePrompts: true,
    },
    // O3ProReferenceVideoI2VInput (L43889): reference images, optional frames, elements.
    'reference-to-video': {
      fields: [...COMMON, 'aspect_ratio', 'start_image_url', 'end_image_url', 'image_urls', 'elements'],
      exclusivePrompts: true,
    },
  },
};

function rulesOf(endpoint: FalEndpoint): InputRules {
  return endpoint.family === 'o3'
    ? RULES.o3[endpoint.kind]
    : RULES.v3[endpoint.kind === 'reference-to-video' ? 'text-to-video' : endpoint.kind];
}

/** The fields of an endpoint's generated input type (for the adapter's tests and the fixtures' test). */
export function falInputFields(endpointName: string): readonly string[] {
  const endpoint = FAL_ENDPOINTS[endpointName];
  return endpoint === undefined ? [] : rulesOf(endpoint).fields;
}

/**
 * The vendor's defaults where a body leaves a field out: v3 `generate_audio` true (generated type and
 * model pages), o3 false (the o3 text-to-video docs page; the o3 image-to-video default is stated nowhere
 * read, false assumed), `duration` "5", `aspect_ratio` "16:9", `shot_type` "customize".
 */
export function falDefaults(endpointName: string): JsonObject {
  const endpoint = FAL_ENDPOINTS[endpointName];
  const defaults: JsonObject = {
    duration: '5',
    generate_audio: endpoint?.family === 'v3',
    shot_type: 'customize',
  };
  if (endpoint !== undefined && endpoint.kind !== 'image-to-video') defaults.aspect_ratio = '16:9';
  if (endpoint?.family === 'v3') {
    defaults.negative_prompt = 'blur, distort, and low quality';
    defaults.cfg_scale = 0.5;
  }
  return defaults;
}

/**
 * Every problem with a submit body for one endpoint. `endpointName` is a key of `FAL_ENDPOINTS`; without
 * it (the simulator's create handler does not pass the path to `validate` yet) the body is refused, so
 * that a wiring that forgets it fails loudly instead of validating against the wrong endpoint.
 *
 * fal validates with pydantic: unknown fields are ignored (strict mode refuses them), optional fields
 * may be null (fal's own o3 example sends `multi_prompt: null`), enums are strings.
 */
export function validateFalInput(body: JsonObject, problems: Problems, endpointName?: string): void {
  const endpoint = endpointName === undefined ? undefined : FAL_ENDPOINTS[endpointName];
  if (endpoint === undefined) {
    problems.add(
      '',
      endpointName === undefined
        ? 'the simulator was not told which fal endpoint was called (validate needs the create path)'
        : `unknown fal endpoint ${JSON.stringify(endpointName)}`,
    );
    return;
  }
  const rules = rulesOf(endpoint);
  checkKeys(problems, '', body, rules.fields, false);
  const given = (key: string): JsonValue | undefined => (body[key] === null ? undefined : body[key]);

  const prompt = given('prompt');
  const shots = given('multi_prompt');
  if (prompt === undefined && shots === undefined) {
    problems.add('prompt', 'is required unless multi_prompt is given (either prompt or multi_prompt)');
  }
  if (prompt !== undefined && shots !== undefined) {
    const message = 'must not be sent with prompt (either prompt or multi_prompt, not both)';
    if (rules.exclusivePrompts) problems.add('multi_prompt', message);
    else problems.addStrict('multi_prompt', message);
  }
  if (checkString(problems, 'prompt', prompt, { min: 1 }) && prompt.length > 2500) {
    // Kling's own limit (fal states "keep the prompt under 2500 characters" on the turbo pages only).
    problems.addStrict('prompt', 'must be at most 2500 characters');
  }
  checkExplicit(problems, 'duration', given('duration'));
  checkEnum(problems, 'duration', given('duration'), DURATIONS);
  checkExplicit(problems, 'generate_audio', given('generate_audio'));
  checkBoolean(problems, 'generate_audio', given('generate_audio'));
  checkEnum(problems, 'shot_type', given('shot_type'), SHOT_TYPES);
  const duration = typeof given('duration') === 'string' ? Number(given('duration')) : 5;
  checkShots(problems, shots, duration);

  if (rules.fields.includes('aspect_ratio')) {
    checkEnum(problems, 'aspect_ratio', given('aspect_ratio'), ASPECT_RATIOS);
  }
  if (rules.fields.includes('negative_prompt')) {
    checkString(problems, 'negative_prompt', given('negative_prompt'));
  }
  if (rules.fields.includes('cfg_scale')) checkRange(problems, 'cfg_scale', given('cfg_scale'), 0, 1);
  if (rules.startField !== undefined) {
    // Required: null is not a value here.
    checkRequired(problems, rules.startField, body[rules.startField] ?? undefined);
    checkFile(problems, rules.startField, given(rules.startField));
    checkFile(problems, 'end_image_url', given('end_image_url'));
  }
  if (rules.startField === undefined && rules.fields.includes('start_image_url')) {
    // Reference-to-video: both frames optional.
    checkFile(problems, 'start_image_url', given('start_image_url'));
    checkFile(problems, 'end_image_url', given('end_image_url'));
  }
  if (rules.fields.includes('image_urls')) checkReferenceImages(problems, given('image_urls'));
  if (rules.fields.includes('elements')) checkElements(problems, given('elements'));
  if (rules.fields.includes('image_urls'))
    checkReferenceTotal(problems, given('image_urls'), given('elements'));
}

/** `image_urls: Array<string>`: "Reference images for style/appearance. Reference in prompt as @Image1". */
function checkReferenceImages(problems: Problems, images: JsonValue | undefined): void {
  if (!checkArray(problems, 'image_urls', images)) return;
  images.forEach((url, i) => {
    checkFile(problems, child('image_urls', i), url);
  });
}

/** "Maximum 4 total (elements + reference images) when using video" (an element with a video_url). */
function checkReferenceTotal(
  problems: Problems,
  images: JsonValue | undefined,
  elements: JsonValue | undefined,
): void {
  const list = (value: JsonValue | undefined): JsonValue[] => (Array.isArray(value) ? value : []);
  const withVideo = list(elements).some(
    (e) =>
      typeof e === 'object' && e !== null && !Array.isArray(e) && (e.video_url ?? undefined) !== undefined,
  );
  const total = list(images).length + list(elements).length;
  if (withVideo && total > 4) {
    problems.add(
      'image_urls',
      `at most 4 elements and reference images in all with a video element, got ${total}`,
    );
  }
}

/** A string enum, as pydantic checks it: `5` is not `"5"`. */
function checkEnum(problems: Problems, path: string, value: JsonValue | undefined, options: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !options.includes(value)) {
    problems.add(path, `must be one of ${options.map((option) => JSON.stringify(option)).join(', ')}`);
  }
}

function checkRange(
  problems: Problems,
  path: string,
  value: JsonValue | undefined,
  min: number,
  max: number,
) {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.add(path, 'must be a number');
  } else if (value < min || value > max) {
    problems.add(path, `must be between ${min} and ${max}, got ${value}`);
  }
}

/**
 * A file input: an http(s) URL, or a data URI ("Some models also accept data URIs (data:image/png;base64,
 * ...)", fal CDN docs; which models is not said, so the simulator accepts them everywhere).
 */
function checkFile(problems: Problems, path: string, value: JsonValue | undefined): void {
  if (!checkString(problems, path, value, { min: 1 })) return;
  if (/^data:[\w.+-]+\/[\w.+-]+(;[\w=.+-]+)*;base64,[A-Za-z0-9+/=]+$/.test(value)) return;
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) {
    problems.add(path, 'must be an http(s) URL or a base64 data URI');
  }
}

/**
 * `multi_prompt: [{prompt, duration?: "1".."15"}]` (no `index`). Strict only, from Kling's own API and
 * fal's turbo pages ("1-6 shots"; "the total duration must not exceed 15s"): 1–6 shots whose durations
 * add up to the video's `duration` (fal does not say whether it checks the sum).
 */
function checkShots(problems: Problems, shots: JsonValue | undefined, total: number): void {
  const path = 'multi_prompt';
  if (!checkArray(problems, path, shots)) return;
  if (shots.length < 1 || shots.length > 6) problems.addStrict(path, 'must have 1 to 6 shots');
  let sum = 0;
  shots.forEach((shot, index) => {
    const shotPath = child(path, index);
    if (!checkObject(problems, shotPath, shot)) return;
    checkKeys(problems, shotPath, shot, ['prompt', 'duration'], false);
    checkRequired(problems, child(shotPath, 'prompt'), shot.prompt ?? undefined);
    checkString(problems, child(shotPath, 'prompt'), shot.prompt ?? undefined, { min: 1 });
    const duration = shot.duration ?? undefined;
    checkEnum(problems, child(shotPath, 'duration'), duration, SHOT_DURATIONS);
    sum += typeof duration === 'string' && SHOT_DURATIONS.includes(duration) ? Number(duration) : 5;
  });
  if (shots.length > 0 && sum !== total) {
    problems.addStrict(path, `shot durations add up to ${sum}, not duration ${total}`);
  }
}

/**
 * fal's `elements` (`KlingV3ComboElementInput`): "either an image set (frontal + reference images) or a
 * video", "1-3" reference images, "A request can only have one element with a video"; an optional voice.
 */
function checkElements(problems: Problems, elements: JsonValue | undefined): void {
  if (!checkArray(problems, 'elements', elements)) return;
  let videos = 0;
  elements.forEach((element, index) => {
    const path = child('elements', index);
    if (!checkObject(problems, path, element)) return;
    checkKeys(
      problems,
      path,
      element,
      ['frontal_image_url', 'reference_image_urls', 'video_url', 'voice_id'],
      false,
    );
    checkFile(problems, child(path, 'frontal_image_url'), element.frontal_image_url ?? undefined);
    checkFile(problems, child(path, 'video_url'), element.video_url ?? undefined);
    checkString(problems, child(path, 'voice_id'), element.voice_id ?? undefined, { min: 1 });
    const references = element.reference_image_urls ?? undefined;
    if (checkArray(problems, child(path, 'reference_image_urls'), references)) {
      if (references.length < 1 || references.length > 3) {
        problems.add(child(path, 'reference_image_urls'), 'must have 1 to 3 images');
      }
      references.forEach((url, i) => {
        checkFile(problems, child(child(path, 'reference_image_urls'), i), url);
      });
    }
    const hasImages = (element.frontal_image_url ?? undefined) !== undefined || references !== undefined;
    if ((element.video_url ?? undefined) !== undefined) videos += 1;
    else if (!hasImages)
      problems.add(path, 'must be an image set (frontal_image_url, reference_image_urls) or a video_url');
  });
  if (videos > 1) problems.add('elements', 'only one element may have a video');
}

// ---------------------------------------------------------------------------------------------------
// The queue: state, replies, result retention, cancellation.

/** A result is kept 1 hour after the request completes, 6 minutes if it is 10 KB or larger (DOCUMENTED). */
export const FAL_RESULT_TTL_MS = 60 * 60 * 1000;
export const FAL_LARGE_RESULT_TTL_MS = 6 * 60 * 1000;
export const FAL_LARGE_RESULT_BYTES = 10 * 1024;
/** INFERRED: one queue position per 4 simulated seconds of queue still ahead. */
const QUEUE_SLOT_MS = 4000;

/** Cancellations, by task (a `TaskRecord` has no field for it; tasks the simulator forgets drop out). */
const cancelled = new WeakMap<TaskRecord, number>();

export type FalPhase = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The request's phase at `now`: the lifecycle's view, unless it was cancelled while still queued. */
export function falPhase(
  task: TaskRecord,
  view: TaskView,
  now: number,
): { phase: FalPhase; finishedAt?: number } {
  const cancelledAt = cancelled.get(task);
  if (cancelledAt !== undefined && now >= cancelledAt) return { phase: 'cancelled', finishedAt: cancelledAt };
  return view.finishedAt === undefined
    ? { phase: view.state }
    : { phase: view.state, finishedAt: view.finishedAt };
}

/** `queue_position`, "Number of requests ahead of yours (only when IN_QUEUE)"; falls to 0 as the queue drains. */
export function falQueuePosition(task: TaskRecord, now: number): number {
  const left = task.createdAt + task.renderMs * QUEUED_SHARE - now;
  return Math.max(0, Math.ceil(left / QUEUE_SLOT_MS) - 1);
}

/** The URLs the submit reply hands out: under the app only (`fal-ai/kling-video`), not the endpoint path. */
export function falUrls(task: TaskRecord, origin: string): JsonObject {
  const base = `${origin}${FAL_APP_PATH}/requests/${encodeURIComponent(task.id)}`;
  return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
}

/** The submit reply: `InQueueQueueStatus` plus `gateway_request_id` (webhooks page). */
function createdReply(task: TaskRecord, _view: TaskView, context: ReplyContext): JsonValue {
  return {
    status: 'IN_QUEUE',
    request_id: task.id,
    gateway_request_id: task.id,
    ...falUrls(task, context.origin),
    queue_position: falQueuePosition(task, context.now),
  };
}

/** What a failed Kling render answers on the result GET: a model error (shape DOCUMENTED, content INFERRED). */
const FAILURE: WireReply = {
  status: 422,
  body: {
    detail: [
      {
        loc: ['body', 'prompt'],
        msg: 'The content could not be processed because it contained material flagged by a content checker. (simulated: SIM_FAIL)',
        type: 'content_policy_violation',
        url: 'https://docs.fal.ai/errors#content_policy_violation',
      },
    ],
  },
};
const CANCELLED: WireReply = {
  status: 499,
  body: { detail: 'Request was cancelled', error_type: 'client_cancelled' },
};

/**
 * `GET …/requests/{id}/status[?logs=1]`: 202 while IN_QUEUE or IN_PROGRESS, 200 once COMPLETED. A failed
 * or cancelled request is COMPLETED too, with `error` and `error_type` (read by fal's Python client).
 */
export function falStatusReply(
  task: TaskRecord,
  view: TaskView,
  context: ReplyContext,
  options: { logs?: boolean } = {},
): WireReply {
  const { phase, finishedAt } = falPhase(task, view, context.now);
  const common: JsonObject = { request_id: task.id, ...falUrls(task, context.origin) };
  const logs = options.logs === true ? logLines(task, phase, context) : null;
  switch (phase) {
    case 'queued':
      return {
        status: 202,
        body: { status: 'IN_QUEUE', queue_position: falQueuePosition(task, context.now), ...common },
      };
    case 'running':
      return { status: 202, body: { status: 'IN_PROGRESS', ...common, logs } };
    default: {
      const started = task.createdAt + task.renderMs * QUEUED_SHARE;
      const inferenceTime =
        phase === 'cancelled' ? null : Math.max(0, ((finishedAt ?? started) - started) / 1000);
      const body: JsonObject = {
        status: 'COMPLETED',
        ...common,
        logs,
        metrics: { inference_time: inferenceTime },
      };
      if (phase === 'failed') {
        body.error = `Invalid status code: ${FAILURE.status}`;
        body.error_type = 'content_policy_violation';
      }
      if (phase === 'cancelled') {
        body.error = 'Request was cancelled';
        body.error_type = 'client_cancelled';
      }
      return { status: 200, body };
    }
  }
}

function logLines(task: TaskRecord, phase: FalPhase, context: ReplyContext): JsonValue {
  if (phase === 'queued' || phase === 'cancelled') return [];
  const started = task.createdAt + task.renderMs * QUEUED_SHARE;
  return [
    {
      message: 'Generating video',
      level: 'INFO',
      source: 'USER',
      timestamp: new Date(context.dateOf(started)).toISOString(),
    },
  ];
}

/** `{ video: File }` (I2VOutput): the simulator's sample video on the origin the client called. */
function resultBody(context: ReplyContext): JsonObject {
  return {
    video: {
      url: context.videoUrl,
      content_type: 'video/mp4',
      file_name: 'output.mp4',
      file_size: SAMPLE_VIDEO.length,
    },
  };
}

/** How long fal keeps a result body of this size. */
export function falResultTtlMs(body: JsonValue): number {
  const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
  return bytes >= FAL_LARGE_RESULT_BYTES ? FAL_LARGE_RESULT_TTL_MS : FAL_RESULT_TTL_MS;
}

/**
 * `GET …/requests/{id}` (the `response_url`): the model's own status and body ("If the model returned an
 * error, this operation returns the same error"), kept for `falResultTtlMs` after completion. INFERRED:
 * before completion 400, once gone 404 (neither is documented).
 */
export function falResultReply(task: TaskRecord, view: TaskView, context: ReplyContext): WireReply {
  const { phase, finishedAt } = falPhase(task, view, context.now);
  if (phase === 'queued' || phase === 'running') {
    return { status: 400, body: { detail: 'Request is still in progress', error_type: 'bad_request' } };
  }
  const reply =
    phase === 'succeeded'
      ? { status: 200, body: resultBody(context) }
      : phase === 'failed'
        ? FAILURE
        : CANCELLED;
  if (finishedAt !== undefined && context.now >= finishedAt + falResultTtlMs(reply.body)) {
    return { status: 404, body: { detail: 'Request not found' } };
  }
  return reply;
}

/** When the result of a finished request stops being served (simulated ms), or undefined while running. */
export function falResultExpiresAt(
  task: TaskRecord,
  view: TaskView,
  context: ReplyContext,
): number | undefined {
  const { phase, finishedAt } = falPhase(task, view, context.now);
  if (finishedAt === undefined || phase === 'queued' || phase === 'running') return undefined;
  const body =
    phase === 'succeeded' ? resultBody(context) : phase === 'failed' ? FAILURE.body : CANCELLED.body;
  return finishedAt + falResultTtlMs(body);
}

/**
 * `PUT …/requests/{id}/cancel`: "If the request is in the queue, fal removes it. If the request is in
 * progress, fal sends a cancellation signal to the runner. The model app decides how to stop the work."
 * The simulated Kling app does not stop (the render finishes and is billed). Status codes INFERRED:
 * 202 CANCELLATION_REQUESTED, 400 ALREADY_COMPLETED, 404 NOT_FOUND (for a request this gateway never
 * issued: pass undefined).
 */
export function falCancelReply(
  task: TaskRecord | undefined,
  view: TaskView | undefined,
  now: number,
): WireReply {
  if (task === undefined || view === undefined) return { status: 404, body: { status: 'NOT_FOUND' } };
  const { phase } = falPhase(task, view, now);
  if (phase === 'queued') {
    cancelled.set(task, now);
    return { status: 202, body: { status: 'CANCELLATION_REQUESTED' } };
  }
  if (phase === 'running') return { status: 202, body: { status: 'CANCELLATION_REQUESTED' } };
  return { status: 400, body: { status: 'ALREADY_COMPLETED' } };
}

/** The queue routes besides submit, for the handler table (paths without origin, msw syntax). */
export const FAL_QUEUE_ROUTES = {
  status: { method: 'GET', path: `${FAL_APP_PATH}/requests/:id/status`, op: 'status' },
  result: { method: 'GET', path: `${FAL_APP_PATH}/requests/:id`, op: 'status' },
  cancel: { method: 'PUT', path: `${FAL_APP_PATH}/requests/:id/cancel`, op: 'other' },
  /** Server-sent status events; not simulated. */
  statusStream: { method: 'GET', path: `${FAL_APP_PATH}/requests/:id/status/stream`, op: 'status' },
} as const;

// ---------------------------------------------------------------------------------------------------
// Errors.

/** `detail[]` items from `path: message` problems: `loc` is `["body", ...path]`, as pydantic reports. */
export function falValidationDetail(problems: readonly string[]): JsonValue[] {
  return problems.map((problem) => {
    const split = problem.indexOf(': ');
    const path = split === -1 ? '' : problem.slice(0, split);
    const msg = split === -1 ? problem : problem.slice(split + 2);
    const loc: JsonValue[] = ['body'];
    for (const part of path.split('.').filter((p) => p !== '')) {
      const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
      if (match?.[1]) loc.push(match[1]);
      for (const index of (match?.[2] ?? '').matchAll(/\[(\d+)\]/g)) loc.push(Number(index[1]));
    }
    if (loc.length > 1 && loc[1] === 'body') loc.splice(1, 1); // "body: must be valid JSON"
    const type = msg.startsWith('is required')
      ? 'missing'
      : msg.startsWith('must be one of')
        ? 'enum'
        : msg.startsWith('unknown field')
          ? 'extra_forbidden'
          : msg.includes('valid JSON')
            ? 'json_invalid'
            : 'value_error';
    return { loc, msg, type };
  });
}

/**
 * Refusals in fal's shapes: a validation error is 422 `{detail: [{loc, msg, type}]}` (DOCUMENTED); a
 * platform error is `{detail: string, error_type}` (DOCUMENTED, request-errors page; the
 * `X-Fal-Error-Type` header it also documents cannot be set through `WireReply`). INFERRED from users'
 * reports: 401 "No user found for Key ID and Secret", 403 "User is locked. Reason: Exhausted balance".
 */
function errorReply(error: GatewayError, _op?: SimulatorOp): WireReply {
  switch (error.kind) {
    case 'invalid':
      return { status: 422, body: { detail: falValidationDetail(error.problems) } };
    case 'unauthenticated':
      return {
        status: 401,
        body: {
          detail:
            error.reason === 'missing'
              ? 'Missing authorization header'
              : 'No user found for Key ID and Secret',
        },
      };
    case 'no-credits':
      return {
        status: 403,
        body: {
          detail:
            'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing',
        },
      };
    case 'not-found':
    case 'bad-task-id':
      return { status: 404, body: { detail: 'Request not found' } };
    case 'idempotency-conflict':
      // fal has no idempotency key; never produced.
      return { status: 409, body: { detail: 'Conflict' } };
    case 'unavailable': {
      const [detail, type] = (
        {
          429: ['Too many concurrent requests', 'rate_limited'],
          500: ['Internal error', 'internal_error'],
          502: ['The runner sent an incomplete response', 'runner_incomplete_response'],
          503: ['No runner could be allocated', 'runner_scheduling_failure'],
          504: ['Request timed out', 'request_timeout'],
        } as const
      )[error.status];
      return { status: error.status, body: { detail, error_type: type } };
    }
  }
}

/** `Authorization: Key <key>` (fal-js request.ts), not Bearer. */
export function readFalKey(request: Request): string | undefined {
  const match = /^Key\s+(\S.*)$/i.exec(request.headers.get('authorization') ?? '');
  const key = match?.[1]?.trim();
  return key === undefined || key === '' ? undefined : key;
}

// ---------------------------------------------------------------------------------------------------
// Webhooks.

/** The webhook a submit URL registers: `?fal_webhook=<url>` (fal-js queue.ts), on completion either way. */
export function falWebhookTarget(
  submitUrl: string | URL,
): { url: string; events: ('completed' | 'failed')[] } | undefined {
  const url = typeof submitUrl === 'string' ? new URL(submitUrl) : submitUrl;
  const target = url.searchParams.get('fal_webhook');
  return target === null || target === '' ? undefined : { url: target, events: ['completed', 'failed'] };
}

/** The simulator's signing key (a fixed Ed25519 seed; never fal's). */
const SIGNING_KEY = createPrivateKey({
  key: Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    createHash('sha256').update('kling-sdk fal simulator webhook key').digest(),
  ]),
  format: 'der',
  type: 'pkcs8',
});
export const FAL_SIMULATOR_KEY_ID = 'kling-sdk-simulator';
/** The JWKS a test passes to a verifier in place of https://rest.alpha.fal.ai/.well-known/jwks.json. */
export const FAL_SIMULATOR_JWKS: { keys: JsonObject[] } = {
  keys: [
    { ...(createPublicKey(SIGNING_KEY).export({ format: 'jwk' }) as JsonObject), kid: FAL_SIMULATOR_KEY_ID },
  ],
};
export const FAL_SIMULATOR_USER_ID = 'simulator-user';

/**
 * Signed headers (INFERRED recipe, see test/fixtures/fal/webhook-signature.jsonc): hex Ed25519 over
 * `request_id \n user_id \n timestamp \n hex(sha256(body))`.
 */
export function falWebhookHeaders(
  requestId: string,
  body: string,
  epochSeconds: number,
): Record<string, string> {
  const timestamp = String(epochSeconds);
  const digest = createHash('sha256').update(body, 'utf8').digest('hex');
  const message = [requestId, FAL_SIMULATOR_USER_ID, timestamp, digest].join('\n');
  return {
    'content-type': 'application/json',
    'x-fal-webhook-request-id': requestId,
    'x-fal-webhook-user-id': FAL_SIMULATOR_USER_ID,
    'x-fal-webhook-timestamp': timestamp,
    'x-fal-webhook-signature': sign(null, Buffer.from(message, 'utf8'), SIGNING_KEY).toString('hex'),
  };
}

/** The delivery body: `{request_id, gateway_request_id, status: OK|ERROR, payload, error}`. */
export function falWebhookBody(task: TaskRecord, view: TaskView, context: ReplyContext): JsonObject {
  const reply = falResultReply(task, view, { ...context, now: view.finishedAt ?? context.now });
  const ok = reply.status === 200;
  return {
    request_id: task.id,
    gateway_request_id: task.id,
    status: ok ? 'OK' : 'ERROR',
    payload: reply.body,
    error: ok ? null : `Invalid status code: ${reply.status}`,
  };
}

/**
 * "If the webhook fails to deliver the payload, it will retry 10 times in the span of 2 hours": the
 * spacing is not documented; doubling from 7 s adds up to 7161 s. The attempt timeout is not documented.
 * `target(body)` cannot see the submit URL's `fal_webhook` query: see `falWebhookTarget`.
 */
const callbacks: CallbackProtocol = {
  target: (_body, createUrl) => (createUrl === undefined ? undefined : falWebhookTarget(createUrl)),
  request: (task, view, context) => {
    const body = JSON.stringify(falWebhookBody(task, view, context));
    return {
      body,
      headers: falWebhookHeaders(task.id, body, Math.floor(context.dateOf(context.now) / 1000)),
    };
  },
  retryDelaysMs: Array.from({ length: 10 }, (_, i) => 7000 * 2 ** i),
  timeoutMs: 15_000,
};

export const fal: GatewayProtocol = {
  id: 'fal',
  createPath: (FAL_ENDPOINTS['v3/standard/text-to-video'] as FalEndpoint).path,
  createPathAliases: Object.fromEntries(Object.entries(FAL_ENDPOINTS).map(([name, e]) => [name, e.path])),
  statusPath: FAL_QUEUE_ROUTES.status.path,
  // INFERRED: fal-js accepts any 2xx; the docs show no status for the submit reply.
  createdStatus: 200,
  readApiKey: readFalKey,
  validate: validateFalInput,
  newTaskId: (random: SeededRandom) => random.uuid(),
  // INFERRED: no latency is published; Kling 3.0 renders take minutes.
  planRender: (random: SeededRandom) => ({ renderMs: random.between(90_000, 240_000) }),
  createdReply,
  statusReply: (task, view, context) => falStatusReply(task, view, context).body,
  statusWireReply: (task, view, context, request) =>
    falStatusReply(task, view, context, { logs: new URL(request.url).searchParams.get('logs') === '1' }),
  extraRoutes: [
    {
      ...FAL_QUEUE_ROUTES.result,
      reply: (found) =>
        found === undefined
          ? errorReply({ kind: 'not-found', id: '' })
          : falResultReply(found.task, found.view, found.context),
    },
    {
      ...FAL_QUEUE_ROUTES.cancel,
      reply: (found, now) => falCancelReply(found?.task, found?.view, now),
    },
  ],
  errorReply,
  callbacks,
};
