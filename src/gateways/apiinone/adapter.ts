/**
 * API in One (apiin.one), model `kling-3`. Create is documented; the task-status body is NOT
 * (https://apiin.one/docs and https://apiin.one/models/kling-3 name only its path), so `parseTask` reads every
 * shape the resellers of this model family use: a `data` envelope or none; the id as `task_id`, `taskId`
 * or `id` (or, when a reply names none, the id that was asked for); the status words of Kling, kie and
 * the generic guesses; the video URL wherever a result holds one (Kling's `task_result.videos[].url`,
 * `result.urls[]`, `output.url`, `resultUrls[]`, a `resultJson` string). `raw` is kept for the caller,
 * and a reply that still can't be read is reported with the field names it carried (never values).
 */

import { nestsDeeperThan } from '../../http/json.js';
import type { ResolvedVideoRequest } from '../../request/index.js';
import { asNumber, asObject, firstString, malformed, optional } from '../read.js';
import { buildTask, normalizeStatus } from '../task.js';
import type { GatewayAdapter, GatewayPaths, TaskStatus } from '../types.js';
import { mergeRawFields, statusRequestByPath } from '../wire.js';
import { catalog } from './catalog.js';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  pending: 'queued',
  queued: 'queued',
  queuing: 'queued',
  in_queue: 'queued',
  waiting: 'queued',
  submitted: 'queued',
  created: 'queued',
  starting: 'queued',
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
  fail: 'failed',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  cancelled: 'canceled',
  canceled: 'canceled',
};

/** Where the resellers of this family put the id, the status word and the failure reason. */
const ID_KEYS = ['task_id', 'taskId', 'id'];
const STATUS_KEYS = ['status', 'state', 'task_status', 'taskStatus'];
const ERROR_MESSAGE_PATHS = [
  'error.message',
  'error',
  'task_status_msg',
  'failMsg',
  'fail_msg',
  'fail_reason',
  'failure_reason',
  'error_message',
  'errorMessage',
];
const ERROR_CODE_PATHS = ['error.code', 'error_code', 'errorCode', 'failCode', 'fail_code'];

/**
 * Top-level keys of the status object that hold the result, in the order they are searched: Kling's own
 * `task_result.videos[].url`, `result.urls[]`, `output.url`, kie-style `resultUrls[]` and `resultJson`
 * (a JSON string), and the spellings public clients guess (`video_url`, `output.video_url`, …).
 */
const RESULT_KEYS = [
  'video_url',
  'videoUrl',
  'task_result',
  'taskResult',
  'result',
  'results',
  'output',
  'outputs',
  'resultUrls',
  'result_urls',
  'resultJson',
  'result_json',
  'videos',
  'video',
  'urls',
  'url',
];
/** Keys inside a result that never hold the video (inputs, stills, callbacks). */
const NOT_THE_VIDEO = /image|cover|thumb|poster|preview|frame|callback|webhook|param|input|prompt|audio/i;
/** How deep a result is searched, and how long a `resultJson` string may be before it is skipped. */
const MAX_RESULT_DEPTH = 6;
const MAX_RESULT_JSON_LENGTH = 64 * 1024;
const VIDEO_EXTENSION = /\.(mp4|mov|webm|m4v)(\?|#|$)/i;

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
    const id = firstString(body, ['data.task_id', 'data.taskId', 'data.id', 'task_id', 'taskId', 'id']);
    if (id === undefined) throw malformed('apiinone', 'the create reply has no task id', body);
    return { id };
  },

  parseTask(body, context) {
    const top = asObject(body);
    if (top === undefined) throw malformed('apiinone', 'the status reply is not an object', body);
    // A `data` envelope ({code, message, data}) or none; the id may sit outside the envelope.
    const data = asObject(top.data) ?? top;
    const id = firstString(data, ID_KEYS) ?? firstString(top, ID_KEYS) ?? context.taskId;
    if (id === undefined) {
      throw malformed('apiinone', `the status reply has no task id (${fieldsSeen(top, data)})`, body);
    }
    const vendorStatus = firstString(data, STATUS_KEYS);
    const url = findVideoUrl(data);
    if (
      url === undefined &&
      normalizeStatus(vendorStatus, STATUS, context.statusMap).status === 'succeeded'
    ) {
      throw malformed(
        'apiinone',
        `the task reports success but carries no video URL (${fieldsSeen(top, data)})`,
        body,
      );
    }
    return buildTask({
      gateway: 'apiinone',
      id,
      raw: body,
      vendorStatus,
      table: STATUS,
      context,
      videos: url === undefined ? [] : [{ url }],
      error: { code: firstString(data, ERROR_CODE_PATHS), message: firstString(data, ERROR_MESSAGE_PATHS) },
      progress: asNumber(data.progress),
    });
  },

  parseError(status, body) {
    // Documented: {"error":{"code":400,"message":"Invalid parameters","type":"invalid_request"}}
    const message =
      firstString(body, ['error.message', 'message', 'error']) ??
      `HTTP ${status} from ${catalog.info.vendor}`;
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

/**
 * The video URL in a status object: the result keys searched in order, each depth-first (at most
 * MAX_RESULT_DEPTH levels, JSON strings such as kie's `resultJson` parsed on the way), http(s) only, keys
 * that name inputs or stills skipped. A URL that looks like a video file, or sits under a key naming a
 * video, wins over one that does not.
 */
function findVideoUrl(data: Record<string, unknown>): string | undefined {
  const found: { url: string; videoLike: boolean }[] = [];
  const visit = (value: unknown, depth: number, videoKey: boolean): void => {
    if (depth > MAX_RESULT_DEPTH || found.length >= 16) return;
    if (typeof value === 'string') {
      const text = value.trim();
      if (/^https?:\/\//i.test(text)) {
        found.push({ url: text, videoLike: videoKey || VIDEO_EXTENSION.test(text) });
      } else if (
        (text.startsWith('{') || text.startsWith('[')) &&
        text.length <= MAX_RESULT_JSON_LENGTH &&
        !nestsDeeperThan(text, MAX_RESULT_DEPTH)
      ) {
        try {
          visit(JSON.parse(text), depth + 1, videoKey);
        } catch {
          // Not JSON after all: no URL in it.
        }
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value.slice(0, 16)) visit(item, depth + 1, videoKey);
      return;
    }
    const object = asObject(value);
    if (object === undefined) return;
    for (const key of Object.keys(object).slice(0, 64)) {
      if (NOT_THE_VIDEO.test(key)) continue;
      visit(object[key], depth + 1, videoKey || /video/i.test(key));
    }
  };
  for (const key of RESULT_KEYS) {
    if (Object.hasOwn(data, key)) visit(data[key], 0, /video/i.test(key));
  }
  return (found.find((f) => f.videoLike) ?? found[0])?.url;
}

/**
 * The key names a reply carried, for an error about a reply we could not read: the top level and the
 * `data` envelope, names only (values could hold anything, a key included), few and short.
 */
function fieldsSeen(top: Record<string, unknown>, data: Record<string, unknown>): string {
  const names = (object: Record<string, unknown>): string => {
    const keys = Object.keys(object);
    const shown = keys.slice(0, 20).map((k) => k.replace(/[^\w.-]/g, '?').slice(0, 40));
    return `${shown.join(', ')}${keys.length > 20 ? `, … (${keys.length} in all)` : ''}`;
  };
  const seen = `fields seen: ${names(top) || 'none'}`;
  return data === top ? seen : `${seen}; in data: ${names(data) || 'none'}`;
}
