/**
 * Modellix, model `kling/kling-v3-omni-video` (https://docs.modellix.ai/kling/kling-v3-omni-video).
 * References are flat `images` / `videos` lists; a reference video forces sound off and no duration.
 * The failed-task error field is undocumented: read defensively.
 */

import type { ResolvedVideoRequest } from '../../request/index.js';
import { asNumber, asObject, at, firstString, isHttpUrl, malformed, optional, toDate } from '../read.js';
import { buildTask } from '../task.js';
import type { GatewayAdapter, GatewayPaths, TaskStatus, Video } from '../types.js';
import { mergeRawFields, multipartForm, statusRequestByPath } from '../wire.js';
import { catalog } from './catalog.js';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  pending: 'queued',
  processing: 'running',
  success: 'succeeded',
  failed: 'failed',
  // The query contract lists the four above; the vendor's CLI and its test replies also use these.
  running: 'running',
  completed: 'succeeded',
  succeeded: 'succeeded',
  error: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
};

export const modellix: GatewayAdapter = {
  id: 'modellix',
  // The vendor's CLI (2026-07) posts without the `/async` suffix ("the removed async suffix"); its docs page
  // and its own skill, updated the same day, post to `…/async`. A 404 on create created nothing, so the
  // client tries the other path once and keeps the one that answered. `endpoints.create` overrides both.
  paths: { create: '/api/v1/kling/kling-v3-omni-video', status: '/api/v1/tasks/{id}' },
  createPathFallbacks: ['/api/v1/kling/kling-v3-omni-video/async'],

  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),

  toWire(request: ResolvedVideoRequest, { paths }: { paths: GatewayPaths }) {
    const body: Record<string, unknown> = {
      prompt: request.prompt,
      mode: request.mode,
      sound: request.sound ? 'on' : 'off',
    };
    // With a reference video the duration must be left out (the video sets it).
    if (request.referenceVideos === undefined) body.duration = request.duration;
    if (request.aspectRatio !== undefined) body.aspect_ratio = request.aspectRatio;
    if (request.referenceImages !== undefined) body.images = request.referenceImages;
    if (request.referenceVideos !== undefined) body.videos = request.referenceVideos;
    if (request.multiShot?.type === 'intelligence') {
      body.multi_shot = true;
      body.shot_type = 'intelligence';
    }
    return {
      method: 'POST',
      path: paths.create,
      headers: { 'content-type': 'application/json' },
      body: mergeRawFields('modellix', body, request.providerOptions?.modellix),
    };
  },

  statusRequest: statusRequestByPath,

  parseSubmit(body) {
    // The reply's get_result.url is not trusted: the poll URL is built from the task id.
    const id = firstString(body, ['data.task_id']);
    if (id === undefined) throw malformed('modellix', 'the create reply has no data.task_id', body);
    return { id };
  },

  parseTask(body, context) {
    const data = asObject(at(body, 'data'));
    const id = firstString(data, ['task_id']);
    if (data === undefined || id === undefined)
      throw malformed('modellix', 'the task reply has no data.task_id', body);
    const expiresAt = toDate(data.result_expires_at);
    const resources = at(data, 'result.resources') ?? at(data, 'resources');
    const urls = (Array.isArray(resources) ? resources : [])
      .map((r: unknown) => (typeof r === 'string' ? r : at(r, 'url')))
      .filter(isHttpUrl);
    const videos: Video[] = urls.map((url) => ({ url, ...optional('expiresAt', expiresAt) }));
    return buildTask({
      gateway: 'modellix',
      id,
      raw: body,
      vendorStatus: firstString(data, ['status']),
      table: STATUS,
      context,
      videos,
      error: {
        code: firstString(data, ['error.code', 'error_code']),
        message: firstString(data, ['error.message', 'error', 'fail_reason', 'message']),
      },
      progress: asNumber(data.progress),
    });
  },

  parseError(status, body) {
    // {"code": <http status>, "message": "<Category>: <detail>"}
    const message =
      firstString(body, ['message', 'error.message', 'error']) ??
      `HTTP ${status} from ${catalog.info.vendor}`;
    const category = /^([A-Za-z ]+):/.exec(message)?.[1];
    return { message, ...optional('code', firstString(body, ['code'])), ...optional('type', category) };
  },

  // `POST /api/v1/media/files` (multipart, field `file`) "returns a file_id and url you can pass into
  // prediction APIs" (docs.modellix.ai llms.txt); the reply `{code: 0, data: {file_id, url, filename,
  // size, type, created_at}}` is as the vendor's CLI reads it (src/lib/modellix-client.ts).
  uploadRequest: (file) => ({
    method: 'POST',
    path: '/api/v1/media/files',
    headers: {},
    body: multipartForm(file, 'file'),
  }),

  parseUpload(body) {
    const url = firstString(body, ['data.url']);
    if (!isHttpUrl(url)) throw malformed('modellix', 'the upload reply has no data.url', body);
    return { url, ...optional('id', firstString(body, ['data.file_id'])) };
  },

  // `GET /api/v1/team/balance` → {code: 0, data: {balance}}: US dollars (docs; the vendor's CLI).
  balanceRequest: () => ({ method: 'GET', path: '/api/v1/team/balance', headers: {} }),

  parseBalance(body) {
    const balance = asNumber(at(body, 'data.balance'));
    if (balance === undefined) throw malformed('modellix', 'the balance reply has no data.balance', body);
    return { amount: balance, unit: 'usd' };
  },
  // No parseWebhook: Modellix sends no callbacks for kling-v3-omni-video.
};
