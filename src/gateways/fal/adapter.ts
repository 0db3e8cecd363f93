/**
 * fal, Kling 3.0 on the queue API (`https://queue.fal.run`), from fal's generated input types
 * (fal-ai/fal-js `libs/client/src/types/endpoints.ts`@381105e1: `KlingVideoV34k{Text,Image}ToVideoInput`
 * for v3; `O3Pro{Text,Image}ToVideoInput` and `O3ProReferenceVideoI2VInput` for every o3 tier) and its
 * queue client (`queue.ts`). Submit to `fal-ai/kling-video/{v3|o3}/{tier}/{kind}`; the status
 * (`…/requests/{id}/status`: IN_QUEUE, IN_PROGRESS, COMPLETED) and the result (`…/requests/{id}`) live
 * under the app `fal-ai/kling-video` alone, whatever endpoint took the request, so the task id is the
 * `request_id` and nothing else needs keeping. A failed request also says COMPLETED: with `error` on
 * the status, or as the model's error reply to the result read. Results are kept 1 hour.
 */

import { KlingApiError, KlingResultExpiredError, KlingValidationError } from '../../errors.js';
import type { ResolvedVideoRequest } from '../../request/index.js';
import { asObject, at, firstString, isHttpUrl, malformed, optional } from '../read.js';
import { buildTask } from '../task.js';
import type { GatewayAdapter, GatewayPaths, Task, TaskStatus } from '../types.js';
import { mergeRawFields, statusRequestByPath } from '../wire.js';
import { catalog, falModel, falUnsupported } from './catalog.js';
import { verifyFalWebhook } from './webhook.js';

type FalKind = 'text-to-video' | 'image-to-video' | 'reference-to-video';

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
  // `{model}` (v3 or o3: `falModel`), `{tier}` (the mode) and `{kind}` (text-, image- or
  // reference-to-video) are filled from the request.
  paths: {
    create: '/fal-ai/kling-video/{model}/{tier}/{kind}',
    status: '/fal-ai/kling-video/requests/{id}/status',
  },

  authHeaders: (apiKey) => ({ authorization: `Key ${apiKey}` }),

  toWire(request: ResolvedVideoRequest, { paths }: { paths: GatewayPaths }) {
    const { model: chosen, ...raw } = request.providerOptions?.fal ?? {};
    const model = falModel(request);
    // `findUnsupported` refused these before (pricing and submit alike); kept as a guard for direct calls.
    const unsupported = falUnsupported(request)[0];
    if (model === undefined || unsupported !== undefined) {
      throw new KlingValidationError([
        {
          path: model === undefined ? ['providerOptions', 'fal', 'model'] : [unsupported?.field ?? ''],
          message: unsupported?.message ?? `unknown fal model ${JSON.stringify(chosen)}`,
        },
      ]);
    }
    const references = request.referenceImages ?? [];
    const kind: FalKind =
      references.length > 0
        ? 'reference-to-video'
        : request.startImage !== undefined
          ? 'image-to-video'
          : 'text-to-video';
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
      // fal's default is true on v3 and false on o3: always sent.
      generate_audio: request.sound,
    };
    if (request.prompt !== undefined) body.prompt = request.prompt;
    if (shots !== undefined) {
      body.multi_prompt = shots.map((s) => ({ prompt: s.prompt, duration: String(s.duration) }));
    }
    if (request.multiShot !== undefined) {
      body.shot_type = request.multiShot.type === 'intelligence' ? 'intelligent' : 'customize';
    }
    // v3 only (the o3 input types have none; `falUnsupported` refuses it there).
    if (request.negativePrompt !== undefined) body.negative_prompt = request.negativePrompt;
    // Text- and reference-to-video only (the catalog refuses aspectRatio with a start image).
    if (request.aspectRatio !== undefined && kind !== 'image-to-video')
      body.aspect_ratio = request.aspectRatio;
    if (request.startImage !== undefined) {
      // Omni image-to-video names its start frame `image_url`; v3 and Omni reference-to-video `start_image_url`.
      body[model === 'o3' && kind === 'image-to-video' ? 'image_url' : 'start_image_url'] =
        request.startImage;
    }
    if (request.endImage !== undefined) body.end_image_url = request.endImage;
    if (references.length > 0) body.image_urls = references;

    const path = paths.create
      .replace('{model}', model)
      .replace('{tier}', TIER[request.mode])
      .replace('{kind}', kind);
    // The webhook is registered in the submit URL's query (fal-js queue.ts: `query: { fal_webhook }`).
    const query =
      request.callbackUrl === undefined ? '' : `?fal_webhook=${encodeURIComponent(request.callbackUrl)}`;
    return {
      method: 'POST',
      path: `${path}${query}`,
      headers: { 'content-type': 'application/json' },
      // `model` is the SDK's choice of endpoint, never a wire field.
      body: mergeRawFields('fal', body, request.providerOptions?.fal === undefined ? undefined : raw),
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
      // "Number of requests ahead of yours (only when IN_QUEUE)" (fal-js types/common.ts).
      queuePosition:
        vendorStatus.toUpperCase() === 'IN_QUEUE' ? numberAt(reply, 'queue_position') : undefined,
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
    // The status read just found the request COMPLETED, so a result that is not found is one fal no
    // longer keeps (the status code once it is gone is not documented: 404, or 410 Gone). Thrown, as the
    // read's own error, with what to do.
    if (error.status === 404 || error.status === 410) {
      throw new KlingResultExpiredError(
        `fal: the result of request ${statusTask.id} is gone (HTTP ${error.status}): fal keeps a result ` +
          '1 hour after the request completes (6 minutes if it is 10 KB or larger). Run the task again, ' +
          'and download the video as soon as it succeeds',
        { gateway: 'fal', status: error.status, ...optional('code', error.code) },
      );
    }
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

  /**
   * `PUT …/requests/{id}/cancel` (the `cancel_url`; fal-js queue.ts sends no body): "If the request is
   * in the queue, fal removes it. If the request is in progress, fal sends a cancellation signal to the
   * runner. The model app decides how to stop the work" (fal.ai/docs/inference-api/queue/cancel).
   */
  cancelRequest(id, options) {
    const status = statusRequestByPath(id, options);
    return { method: 'PUT', path: status.path.replace(/\/status$/, '/cancel'), headers: {} };
  },

  /**
   * The body's `status`: OK or CANCELLATION_REQUESTED (taken), ALREADY_COMPLETED (too late); the docs
   * name no status codes (202 and 400 are INFERRED), so the word decides. NOT_FOUND is not a cancel.
   */
  parseCancel(_status, body) {
    const word = firstString(body, ['status'])?.toUpperCase();
    switch (word) {
      case 'OK':
        return { outcome: 'canceled', message: 'fal removed the request from its queue' };
      case 'CANCELLATION_REQUESTED':
        return {
          outcome: 'canceled',
          message:
            'fal removes a queued request; a running one is only signalled, and the Kling app may still finish (and bill) it: read the task to see which',
        };
      case 'ALREADY_COMPLETED':
        return { outcome: 'too-late', message: 'the request had already completed' };
      case 'NOT_FOUND':
        throw KlingApiError.from('fal: cancel: NOT_FOUND (fal has no such request, or no longer keeps it)', {
          gateway: 'fal',
          status: 404,
        });
      default:
        throw malformed(
          'fal',
          'the cancel reply has no status OK, CANCELLATION_REQUESTED or ALREADY_COMPLETED',
          body,
        );
    }
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

function numberAt(body: unknown, path: string): number | undefined {
  const value = at(body, path);
  return typeof value === 'number' ? value : undefined;
}

function errorText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value).slice(0, 200);
}
