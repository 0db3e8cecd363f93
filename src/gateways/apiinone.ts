/**
 * API in One (apiin.one), model `kling-3`. Create is documented; the task-status body is NOT
 * (research/gateways-apiinone-apiframe.md §1.4), so `parseTask` reads it defensively: it unwraps a
 * `data` envelope, accepts the spellings seen in public clients, and keeps `raw` for the caller.
 */
import { GATEWAYS } from '../catalog/index.js';
import type { ResolvedVideoRequest } from '../request/index.js';
import {
  asNumber,
  asObject,
  at,
  buildTask,
  firstString,
  isHttpUrl,
  malformed,
  mergeRawFields,
  optional,
  statusRequestByPath,
} from './shared.js';
import type { GatewayAdapter, GatewayPaths, TaskStatus, Video } from './types.js';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  pending: 'queued',
  queued: 'queued',
  waiting: 'queued',
  submitted: 'queued',
  in_progress: 'running',
  processing: 'running',
  running: 'running',
  generating: 'running',
  completed: 'succeeded',
  complete: 'succeeded',
  success: 'succeeded',
  succeeded: 'succeeded',
  succeed: 'succeeded',
  finished: 'succeeded',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  cancelled: 'canceled',
  canceled: 'canceled',
};

/** Where public clients have looked for the video URL; none is documented. */
const VIDEO_URL_PATHS = [
  'video_url',
  'output.video_url',
  'result.video_url',
  'result.url',
  'urls.0',
  'result_urls.0',
  'output.0',
  'videos.0.url',
  'videos.0',
  'url',
];

export const apiinone: GatewayAdapter = {
  id: 'apiinone',
  paths: { create: '/api/v1/videos/generations', status: '/api/v1/tasks/{id}' },

  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),

  toWire(request: ResolvedVideoRequest, { paths }: { paths: GatewayPaths }) {
    const body: Record<string, unknown> = {
      model: 'kling-3',
      mode: request.mode,
      duration: request.duration,
      // API in One defaults sound to true: always send ours.
      sound: request.sound,
    };
    if (request.prompt !== undefined) body.prompt = request.prompt;
    if (request.aspectRatio !== undefined) body.aspect_ratio = request.aspectRatio;
    if (request.startImage !== undefined) body.image = request.startImage;
    if (request.multiShot?.type === 'customize') {
      body.multi_shots = true;
      body.multi_prompt = request.multiShot.shots.map((s) => ({ prompt: s.prompt, duration: s.duration }));
    }
    if (request.callbackUrl !== undefined) body.callback_url = request.callbackUrl;
    return {
      method: 'POST',
      path: paths.create,
      headers: { 'content-type': 'application/json' },
      body: mergeRawFields('apiinone', body, request.providerOptions?.apiinone),
    };
  },

  statusRequest: statusRequestByPath,

  parseSubmit(body) {
    const id = firstString(body, ['data.task_id', 'data.id', 'task_id', 'id']);
    if (id === undefined) throw malformed('apiinone', 'the create reply has no task id', body);
    return { id };
  },

  parseTask(body, context) {
    const data = asObject(at(body, 'data')) ?? asObject(body);
    if (data === undefined) throw malformed('apiinone', 'the status reply is not an object', body);
    const id = firstString(data, ['task_id', 'id']);
    if (id === undefined) throw malformed('apiinone', 'the status reply has no task id', body);
    const url = VIDEO_URL_PATHS.map((p) => at(data, p)).find(isHttpUrl);
    const videos: Video[] = url === undefined ? [] : [{ url }];
    const errorMessage = firstString(data, [
      'error.message',
      'error',
      'fail_reason',
      'failure_reason',
      'message',
    ]);
    return buildTask({
      gateway: 'apiinone',
      id,
      raw: body,
      vendorStatus: firstString(data, ['status', 'state', 'task_status']),
      table: STATUS,
      context,
      videos,
      error: { code: firstString(data, ['error.code', 'error_code']), message: errorMessage },
      progress: asNumber(data.progress),
    });
  },

  parseError(status, body) {
    // Documented: {"error":{"code":400,"message":"Invalid parameters","type":"invalid_request"}}
    const message =
      firstString(body, ['error.message', 'message', 'error']) ??
      `HTTP ${status} from ${GATEWAYS.apiinone.vendor}`;
    return {
      message,
      ...optional('code', firstString(body, ['error.code', 'code'])),
      ...optional('type', firstString(body, ['error.type', 'type'])),
    };
  },

  // `callback_url` is documented ("Use callback_url on supported async tasks"); the payload is NOT, nor
  // any signature. Read defensively as a status reply (a `data` envelope, several spellings), raw kept.
  parseWebhook: (body, context) => ({
    task: apiinone.parseTask(body, context),
    ...optional('event', firstString(body, ['event', 'data.event'])),
  }),
  // No upload or balance API is documented (balance is a dashboard page, /billing/credits).
};
