/**
 * EvoLink, models `kling-v3-text-to-video` / `kling-v3-image-to-video`
 * (https://docs.evolink.ai/en/api-manual/video-series/kling/kling-v3-image-to-video). Follows the newest docs: `image_start` is
 * required for image-to-video, which takes no `aspect_ratio`; `element_id` is a string; multi-shot
 * durations are strings.
 */

import type { ResolvedVideoRequest } from '../../request/index.js';
import { asNumber, asObject, at, firstString, isHttpUrl, malformed, optional, toDate } from '../read.js';
import { buildTask, DAY_MS } from '../task.js';
import type { GatewayAdapter, GatewayPaths, TaskCost, TaskStatus, Video } from '../types.js';
import { mergeRawFields, multipartForm, statusRequestByPath } from '../wire.js';
import { catalog } from './catalog.js';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  pending: 'queued',
  processing: 'running',
  completed: 'succeeded',
  failed: 'failed',
  // Not in the status enum, but callbacks fire "when completed, failed, or cancelled".
  cancelled: 'canceled',
  canceled: 'canceled',
};

const QUALITY = { std: '720p', pro: '1080p', '4k': '4k' } as const;

/** `usage.credits_reserved` is in 1/10,000 credit (270000 for 5 s at 5.4 credits/s). */
const CREDIT_UNITS = 10_000;

export const evolink: GatewayAdapter = {
  id: 'evolink',
  paths: { create: '/v1/videos/generations', status: '/v1/tasks/{id}' },

  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),

  toWire(request: ResolvedVideoRequest, { paths }: { paths: GatewayPaths }) {
    const imageToVideo = request.startImage !== undefined;
    const body: Record<string, unknown> = {
      model: imageToVideo ? 'kling-v3-image-to-video' : 'kling-v3-text-to-video',
      duration: request.duration,
      quality: QUALITY[request.mode],
      sound: request.sound ? 'on' : 'off',
    };
    if (request.prompt !== undefined) body.prompt = request.prompt;
    // Text-to-video's schema requires `prompt` ("required": ["model", "prompt"]) while saying it "Can be
    // empty when multi_shot=true and shot_type=customize (content provided by multi_prompt)": a customize
    // multi-shot without a prompt sends an empty one. Not the shots joined: customize ignores the prompt,
    // and six 512-character shots would pass its 2,500-character limit.
    else if (!imageToVideo && request.multiShot?.type === 'customize') body.prompt = '';
    if (request.negativePrompt !== undefined) body.negative_prompt = request.negativePrompt;
    // Image-to-video takes its ratio from the image (the catalog refuses aspectRatio there).
    if (request.aspectRatio !== undefined && !imageToVideo) body.aspect_ratio = request.aspectRatio;
    if (request.startImage !== undefined) body.image_start = request.startImage;
    if (request.endImage !== undefined) body.image_end = request.endImage;
    if (request.callbackUrl !== undefined) body.callback_url = request.callbackUrl;

    const modelParams: Record<string, unknown> = {};
    if (request.multiShot !== undefined) {
      modelParams.multi_shot = true;
      modelParams.shot_type = request.multiShot.type;
      if (request.multiShot.type === 'customize') {
        modelParams.multi_prompt = request.multiShot.shots.map((s, i) => ({
          index: i + 1,
          prompt: s.prompt,
          duration: String(s.duration),
        }));
      }
    }
    if (request.elements !== undefined) {
      modelParams.element_list = request.elements.map((e) => ({ element_id: e.id }));
    }
    if (request.watermark !== undefined) modelParams.watermark_info = { enabled: request.watermark };
    if (Object.keys(modelParams).length > 0) body.model_params = modelParams;

    return {
      method: 'POST',
      path: paths.create,
      headers: { 'content-type': 'application/json' },
      body: mergeRawFields('evolink', body, request.providerOptions?.evolink, ['model_params']),
    };
  },

  statusRequest: statusRequestByPath,

  parseSubmit(body) {
    const id = firstString(body, ['id', 'task_id']);
    if (id === undefined) throw malformed('evolink', 'the create reply has no task id', body);
    return { id, ...optional('cost', reservedCost(body)) };
  },

  parseTask(body, context) {
    const task = asObject(body);
    const id = firstString(task, ['id']);
    if (task === undefined || id === undefined) throw malformed('evolink', 'the task reply has no id', body);
    // Links are valid 24 h from generation, which is no earlier than the task's creation.
    const created = toDate(task.created);
    const expiresAt = created === undefined ? undefined : new Date(created.getTime() + DAY_MS);
    const urls = [at(task, 'results.0'), at(task, 'result_data.0.video_url')].filter(isHttpUrl);
    const videos: Video[] = urls.slice(0, 1).map((url) => ({ url, ...optional('expiresAt', expiresAt) }));
    // Seconds still to go, counted from this reply: the vendor's own client prints it as "Estimated
    // time remaining: ~Ns" while a task runs (EvoLinkAI/evolink-media-mcp check-task.ts); the API docs
    // say "Estimated time to completion (seconds)". Not a total to subtract the elapsed time from.
    const etaSeconds = asNumber(at(task, 'task_info.estimated_time'));
    return buildTask({
      gateway: 'evolink',
      id,
      raw: body,
      vendorStatus: firstString(task, ['status']),
      table: STATUS,
      context,
      videos,
      error: { code: firstString(task, ['error.code']), message: firstString(task, ['error.message']) },
      progress: asNumber(task.progress),
      etaSeconds,
      cost: reservedCost(body),
    });
  },

  parseError(status, body) {
    // The files API answers in its own envelope, {success, code, msg}.
    const message =
      firstString(body, ['error.message', 'message', 'msg']) ?? `HTTP ${status} from ${catalog.info.vendor}`;
    const param = firstString(body, ['error.param']);
    return {
      message: param === undefined ? message : `${message} (param: ${param})`,
      ...optional('code', firstString(body, ['error.code'])),
      ...optional('type', firstString(body, ['error.type'])),
    };
  },

  // The file API is a separate host: `POST https://files-api.evolink.ai/api/v1/files/upload/stream`
  // (multipart, field `file`; jpeg/png/gif/webp; files expire after 72 h) → {success, code, msg,
  // data: {file_id, file_url, download_url, expires_at, …}} (docs: file-series/upload-stream.json).
  uploadBaseUrl: catalog.uploadBaseUrl,

  uploadRequest: (file) => ({
    method: 'POST',
    path: '/api/v1/files/upload/stream',
    headers: {},
    body: multipartForm(file, 'file'),
  }),

  parseUpload(body) {
    if (at(body, 'success') === false) {
      const reason = firstString(body, ['msg']) ?? 'no reason given';
      throw malformed('evolink', `the file API refused the upload: ${reason}`, body);
    }
    const url = firstString(body, ['data.file_url', 'data.download_url']);
    if (!isHttpUrl(url)) throw malformed('evolink', 'the upload reply has no data.file_url', body);
    return {
      url,
      ...optional('id', firstString(body, ['data.file_id'])),
      ...optional('expiresAt', toDate(at(body, 'data.expires_at'))),
    };
  },

  // `GET /v1/credits` → {data: {token: {remaining_credits, unlimited_credits, used_credits},
  // user: {remaining_credits, used_credits}}, message, success} (docs: account-management/get-credits.json).
  // The balance is the account's (`user`); a key's own cap is in `raw.data.token`.
  balanceRequest: () => ({ method: 'GET', path: '/v1/credits', headers: {} }),

  parseBalance(body) {
    const remaining = asNumber(at(body, 'data.user.remaining_credits'));
    if (remaining === undefined) {
      throw malformed('evolink', 'the credits reply has no data.user.remaining_credits', body);
    }
    return { amount: remaining, unit: 'credits' };
  },

  // "Callback response format is consistent with task query API"; unsigned (no signature documented).
  parseWebhook: (body, context) => ({ task: evolink.parseTask(body, context) }),
};

function reservedCost(body: unknown): TaskCost | undefined {
  const reserved = asNumber(at(body, 'usage.credits_reserved'));
  return reserved === undefined
    ? undefined
    : { amount: reserved / CREDIT_UNITS, unit: 'credits', reserved: true };
}
