/**
 * fal, Kling 3.0 on the queue API (`https://queue.fal.run`), from fal's generated input types
 * (fal-ai/fal-js `libs/client/src/types/endpoints.ts`@381105e1: `KlingVideoV34k{Text,Image}ToVideoInput`)
 * and its queue client (`queue.ts`). Submit to `fal-ai/kling-video/v3/{tier}/{kind}`; the status
 * (`…/requests/{id}/status`: IN_QUEUE, IN_PROGRESS, COMPLETED) and the result (`…/requests/{id}`) live
 * under the app `fal-ai/kling-video` alone, whatever endpoint took the request, so the task id is the
 * `request_id` and nothing else needs keeping. A failed request also says COMPLETED: with `error` on
 * the status, or as the model's error reply to the result read. Results are kept 1 hour.
 */

import { KlingValidationError } from '../../errors.js';
import type { ResolvedVideoRequest } from '../../request/index.js';
import { asObject, at, firstString, isHttpUrl, malformed, optional } from '../read.js';
import { buildTask } from '../task.js';
import type { GatewayAdapter, GatewayPaths, Task, TaskStatus } from '../types.js';
import { mergeRawFields, statusRequestByPath } from '../wire.js';
import { catalog } from './catalog.js';
import { verifyFalWebhook } from './webhook.js';

/** COMPLETED is read as still running until the result is in hand (`needsResult`, then the result read). */
const STATUS: Readonly<Record<string, TaskStatus>> = {
  in_queue: 'queued',
  in_progress: 'running',
  completed: 'running',
};
const COMPLETED = 'COMPLETED';

const TIER = { std: 'standard', pro: 'pro', '4k': '4k' } as const;

/** "fal keeps the result for 1 hour after the request completes" (https://fal.ai/docs/inference-api/queue/result). */
const RESULT_TTL_MS = 60 * 60 * 1000;

export const fal: GatewayAdapter = {
  id: 'fal',
  // `{tier}` and `{kind}` are filled from the request's mode and start image.
  paths: {
    create: '/fal-ai/kling-video/v3/{tier}/{kind}',
    status: '/fal-ai/kling-video/requests/{id}/status',
  },

  authHeaders: (apiKey) => ({ authorization: `Key ${apiKey}` }),

  toWire(request: ResolvedVideoRequest, { paths }: { paths: GatewayPaths }) {
    const imageToVideo = request.startImage !== undefined;
    const shots = request.multiShot?.type === 'customize' ? request.multiShot.shots : undefined;
    if (shots !== undefined && request.prompt !== undefined) {
      // "Either prompt or multi_prompt must be provided, but not both": dropping one would be silent.
      throw new KlingValidationError([
        {
          path: ['prompt'],
          message: 'fal takes either a prompt or customize shots (multi_prompt), not both: leave one out',
        },
      ]);
    }
    const body: Record<string, unknown> = {
      duration: String(request.duration),
      // fal's v3 default is true: always sent.
      generate_audio: request.sound,
    };
    if (request.prompt !== undefined) body.prompt = request.prompt;
    if (shots !== undefined) {
      body.multi_prompt = shots.map((s) => ({ prompt: s.prompt, duration: String(s.duration) }));
    }
    if (request.multiShot !== undefined) {
      body.shot_type = request.multiShot.type === 'intelligence' ? 'intelligent' : 'customize';
    }
    if (request.negativePrompt !== undefined) body.negative_prompt = request.negativePrompt;
    // Text-to-video only (the catalog refuses aspectRatio with a start image).
    if (request.aspectRatio !== undefined && !imageToVideo) body.aspect_ratio = request.aspectRatio;
    if (request.startImage !== undefined) body.start_image_url = request.startImage;
    if (request.endImage !== undefined) body.end_image_url = request.endImage;

    const path = paths.create
      .replace('{tier}', TIER[request.mode])
      .replace('{kind}', imageToVideo ? 'image-to-video' : 'text-to-video');
    // The webhook is registered in the submit URL's query (fal-js queue.ts: `query: { fal_webhook }`).
    const query =
      request.callbackUrl === undefined ? '' : `?fal_webhook=${encodeURIComponent(request.callbackUrl)}`;
    return {
      method: 'POST',
      path: `${path}${query}`,
      headers: { 'content-type': 'application/json' },
      body: mergeRawFields('fal', body, request.providerOptions?.fal),
    };
  },

  // `?logs=1` is not asked for: the log lines are not used.
  statusRequest: statusRequestByPath,

  parseSubmit(body) {
    const id = firstString(body, ['request_id']);
    if (id === undefined) throw malformed('fal', 'the submit reply has no request_id', body);
    return { id };
  },

  parseTask(body, context) {
    const reply = asObject(body);
    const vendorStatus = firstString(reply, ['status']);
    const id = firstString(reply, ['request_id']) ?? context.taskId;
    if (reply === undefined || id === undefined || vendorStatus === undefined) {
      throw malformed('fal', 'the status reply has no status or request_id', body);
    }
    // A failed request says COMPLETED too, with `error` and `error_type` (fal-ai/fal client.py).
    const failed = vendorStatus.toUpperCase() === COMPLETED && reply.error != null;
    // A canceled request is COMPLETED with error type `client_cancelled` (499 in fal's error types).
    const canceled = failed && firstString(reply, ['error_type']) === 'client_cancelled';
    return buildTask({
      gateway: 'fal',
      id,
      raw: body,
      vendorStatus: failed ? 'COMPLETED (error)' : vendorStatus,
      table: failed ? { 'completed (error)': canceled ? 'canceled' : 'failed' } : STATUS,
      context,
      videos: [],
      error: {
        code: firstString(reply, ['error_type']),
        message: firstString(reply, ['error']) ?? errorText(reply.error),
      },
    });
  },

  needsResult: (task) => task.status === 'running' && task.vendorStatus?.toUpperCase() === COMPLETED,

  /** `GET …/requests/{id}`: the status path without `/status` (the `response_url`). */
  resultRequest(id, options) {
    const status = statusRequestByPath(id, options);
    return { ...status, path: status.path.replace(/\/status$/, '') };
  },

  parseResult(body, statusTask, context) {
    const url = at(body, 'video.url');
    if (!isHttpUrl(url)) throw malformed('fal', 'the result has no video.url', body);
    // Kept 1 hour after completion, which was no later than this read: the link lasts at most that long.
    return buildTask({
      gateway: 'fal',
      id: statusTask.id,
      raw: { status: statusTask.raw, result: body },
      vendorStatus: COMPLETED,
      table: { completed: 'succeeded' },
      context,
      videos: [{ url, expiresAt: new Date(context.now + RESULT_TTL_MS) }],
    });
  },

  // "If the model returned an error, this operation returns the same error": a 4xx model error is the
  // task's failure. Auth, not-found (the result is gone after an hour), timeouts and rate limits are the
  // read's own and are thrown.
  resultFailure(error, statusTask) {
    if (error.status < 400 || error.status >= 500 || [401, 403, 404, 408, 429].includes(error.status)) {
      return undefined;
    }
    const failed: Record<string, unknown> = {
      id: statusTask.id,
      gateway: 'fal',
      raw: statusTask.raw,
      status: error.status === 499 ? 'canceled' : 'failed',
      error: {
        ...optional('code', error.code ?? error.type),
        message: error.message.replace(/^fal: HTTP \d+: /, ''),
      },
    };
    if (statusTask.vendorStatus !== undefined) failed.vendorStatus = statusTask.vendorStatus;
    return failed as unknown as Task;
  },

  // Deliveries to `?fal_webhook=`: {request_id, gateway_request_id, status: OK|ERROR, payload, error}.
  // fal signs them (Ed25519, keys from a JWKS URL), but the recipe could not be confirmed from fal's own
  // pages: unsigned unless the caller gives `webhookKeys` (./webhook.ts checks the inferred recipe then);
  // `confirmWebhook` reads the task (status, then result) before trusting it.
  verifyWebhook: verifyFalWebhook,

  parseWebhook(body, context) {
    const id = firstString(body, ['request_id']);
    const word = firstString(body, ['status'])?.toUpperCase();
    if (id === undefined || (word !== 'OK' && word !== 'ERROR')) {
      throw malformed('fal', 'the webhook has no request_id or status OK|ERROR', body);
    }
    const url = at(body, 'payload.video.url');
    // OK with the result: succeeded. OK without a video (not a Kling payload): finished, result unread.
    const vendorStatus = word === 'ERROR' ? 'ERROR' : isHttpUrl(url) ? 'OK' : COMPLETED;
    const task = buildTask({
      gateway: 'fal',
      id,
      raw: body,
      vendorStatus,
      table: { ...STATUS, ok: 'succeeded', error: 'failed' },
      context,
      videos:
        isHttpUrl(url) && word === 'OK' ? [{ url, expiresAt: new Date(context.now + RESULT_TTL_MS) }] : [],
      error: {
        code: firstString(body, ['payload.detail.0.type', 'error_type']),
        message: firstString(body, ['error', 'payload.detail.0.msg', 'payload.detail']),
      },
    });
    return { task, event: word };
  },

  parseError(status, body) {
    // Request errors: {detail: string, error_type}; model errors: {detail: [{loc, msg, type, url?}]}.
    const detail = at(body, 'detail');
    const items = Array.isArray(detail) ? detail : [];
    const problems = items
      .map((item) => {
        const msg = firstString(item, ['msg']);
        if (msg === undefined) return undefined;
        const loc = at(item, 'loc');
        const path = Array.isArray(loc) ? loc.filter((p, i) => !(i === 0 && p === 'body')).join('.') : '';
        return path === '' ? msg : `${path}: ${msg}`;
      })
      .filter((p): p is string => p !== undefined);
    const message =
      problems.length > 0
        ? problems.join('; ')
        : (firstString(body, ['detail', 'error', 'message']) ?? `HTTP ${status} from ${catalog.info.vendor}`);
    const type = firstString(body, ['error_type']);
    const code = type ?? firstString(items[0], ['type']);
    return { message, ...optional('code', code), ...optional('type', type) };
  },
};

function errorText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value).slice(0, 200);
}
