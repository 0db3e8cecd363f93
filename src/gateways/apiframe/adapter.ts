/**
 * apiframe v2, model `kling-3.0` (https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0; the OpenAPI
 * document in github.com/apiframe-ai/apiframe-nodejs-sdk). Its schema has `additionalProperties: false` at the top level and in
 * `klingParams`, so no key it does not list is ever sent. It dedupes creates by `Idempotency-Key`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { KlingUnsupportedError, KlingValidationError, KlingWebhookError } from '../../errors.js';
import type { ResolvedVideoRequest } from '../../request/index.js';
import { asNumber, asObject, at, firstString, isHttpUrl, malformed, optional, toDate } from '../read.js';
import { buildTask, DAY_MS } from '../task.js';
import type {
  GatewayAdapter,
  GatewayPaths,
  HeaderLookup,
  TaskStatus,
  Video,
  WebhookSecrets,
} from '../types.js';
import { mergeRawFields, multipartForm, statusRequestByPath } from '../wire.js';
import { catalog } from './catalog.js';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  queued: 'queued',
  processing: 'running',
  completed: 'succeeded',
  failed: 'failed',
  cancelled: 'canceled',
  canceled: 'canceled',
};

const MODE = { std: 'standard', pro: 'pro', '4k': '4k' } as const;

/** Every key the schema lists, top level and in `klingParams`: nothing else may be sent. */
const TOP_LEVEL_KEYS = new Set(['model', 'prompt', 'webhookUrl', 'webhookEvents', 'klingParams']);
const KLING_PARAMS_KEYS = new Set([
  'duration',
  'aspect_ratio',
  'mode',
  'start_image',
  'end_image',
  'negative_prompt',
  'generate_audio',
  'multi_prompt',
]);

export const apiframe: GatewayAdapter = {
  id: 'apiframe',
  paths: { create: '/v2/videos/generate', status: '/v2/jobs/{id}' },

  authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),

  toWire(
    request: ResolvedVideoRequest,
    { paths, idempotencyKey }: { paths: GatewayPaths; idempotencyKey?: string },
  ) {
    const klingParams: Record<string, unknown> = {
      duration: request.duration,
      mode: MODE[request.mode],
      // The docs say audio defaults to true (the kling-api README says false): always send ours.
      generate_audio: request.sound,
    };
    if (request.aspectRatio !== undefined) klingParams.aspect_ratio = request.aspectRatio;
    if (request.startImage !== undefined) klingParams.start_image = request.startImage;
    if (request.endImage !== undefined) klingParams.end_image = request.endImage;
    if (request.negativePrompt !== undefined) klingParams.negative_prompt = request.negativePrompt;
    if (request.multiShot?.type === 'customize') {
      // The schema types multi_prompt as a string holding a JSON array of timed prompts.
      klingParams.multi_prompt = JSON.stringify(
        request.multiShot.shots.map((s) => ({ prompt: s.prompt, duration: s.duration })),
      );
    }
    const body: Record<string, unknown> = { model: 'kling-3.0', prompt: request.prompt, klingParams };
    if (request.callbackUrl !== undefined) {
      body.webhookUrl = request.callbackUrl;
      body.webhookEvents = ['completed', 'failed'];
    }
    const merged = mergeRawFields('apiframe', body, request.providerOptions?.apiframe, ['klingParams']);
    rejectUnlistedKeys(merged);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    return { method: 'POST', path: paths.create, headers, body: merged };
  },

  statusRequest: statusRequestByPath,

  parseSubmit(body) {
    const id = firstString(body, ['jobId', 'id']);
    if (id === undefined) throw malformed('apiframe', 'the create reply has no jobId', body);
    return { id };
  },

  parseTask(body, context) {
    const job = asObject(body);
    const id = firstString(job, ['id', 'jobId']);
    if (job === undefined || id === undefined) throw malformed('apiframe', 'the job reply has no id', body);
    const vendorStatus = firstString(job, ['status']);
    // Result links live for the CDN's default retention of 24 h after completion.
    const completedAt = toDate(job.completedAt);
    const expiresAt = completedAt === undefined ? undefined : new Date(completedAt.getTime() + DAY_MS);
    const url = ['result.videoUrl', 'result.video_url', 'result.videos.0', 'result.url', 'result']
      .map((p) => at(job, p))
      .find(isHttpUrl);
    const videos: Video[] = url === undefined ? [] : [{ url, ...optional('expiresAt', expiresAt) }];
    const creditCost = asNumber(job.creditCost);
    return buildTask({
      gateway: 'apiframe',
      id,
      raw: body,
      vendorStatus,
      table: STATUS,
      context,
      videos,
      error: { message: firstString(job, ['error']) },
      progress: asNumber(job.progress),
      // Credits are taken at submit and refunded on failure: final only once the job completed.
      cost:
        creditCost === undefined
          ? undefined
          : { amount: creditCost, unit: 'credits', reserved: vendorStatus?.toUpperCase() !== 'COMPLETED' },
    });
  },

  parseError(status, body) {
    const error = firstString(body, ['error', 'message']) ?? `HTTP ${status} from ${catalog.info.vendor}`;
    const details = asObject(at(body, 'details'));
    const detailText =
      details === undefined
        ? ''
        : ` (${Object.entries(details)
            .map(
              ([path, problems]) =>
                `${path}: ${Array.isArray(problems) ? problems.join(', ') : String(problems)}`,
            )
            .join('; ')})`;
    const required = asNumber(at(body, 'creditsRequired'));
    const available = asNumber(at(body, 'creditsAvailable'));
    const credits =
      required === undefined ? '' : ` (${required} credits required, ${available ?? 'unknown'} available)`;
    return { message: `${error}${detailText}${credits}` };
  },

  // `POST /v2/uploads` (multipart, field `file`) → 201 {id, url, kind, contentType, byteSize, expiresAt};
  // "The URL drops straight into any start_image … field" (openapi.json; the vendor SDK's uploads.ts).
  uploadRequest: (file) => ({
    method: 'POST',
    path: '/v2/uploads',
    headers: {},
    body: multipartForm(file, 'file'),
  }),

  parseUpload(body) {
    const url = firstString(body, ['url']);
    if (!isHttpUrl(url)) throw malformed('apiframe', 'the upload reply has no url', body);
    return {
      url,
      ...optional('id', firstString(body, ['id'])),
      ...optional('expiresAt', toDate(at(body, 'expiresAt'))),
    };
  },

  // `GET /v2/me` → {user, team: {id, name, credits, plan, customerId} | null, apiKey} (openapi.json).
  balanceRequest: () => ({ method: 'GET', path: '/v2/me', headers: {} }),

  parseBalance(body) {
    const credits = asNumber(at(body, 'team.credits'));
    if (credits === undefined) {
      throw malformed('apiframe', 'the /v2/me reply has no team.credits (is the key in a team?)', body);
    }
    return { amount: credits, unit: 'credits' };
  },

  verifyWebhook: verifySignature,

  /**
   * A webhook body is not a job: `{event, jobId, status, progress?, result?, error?, creditCost?,
   * completedAt?}` (docs-v2.apiframe.ai/docs/webhooks). The job reader takes `jobId` for `id`; a body
   * without `status` takes it from its event word.
   */
  parseWebhook(body, context) {
    const event = firstString(body, ['event']);
    const fromEvent = event === undefined ? undefined : EVENT_STATUS[event.toLowerCase()];
    const job = asObject(body);
    const withStatus =
      job !== undefined && firstString(job, ['status']) === undefined && fromEvent !== undefined
        ? { ...job, status: fromEvent }
        : body;
    const task = { ...apiframe.parseTask(withStatus, context), raw: body };
    return { task, ...optional('event', event) };
  },
};

/** The status an event word implies, for a webhook body that leaves `status` out. */
const EVENT_STATUS: Readonly<Record<string, string>> = {
  progress: 'PROCESSING',
  completed: 'COMPLETED',
  failed: 'FAILED',
};

/**
 * `X-Webhook-Signature`: HMAC-SHA256 of the raw body, keyed with the raw 32-byte SHA-256 digest of the
 * API key, as `sha256=<hex>` or bare hex (https://docs-v2.apiframe.ai/docs/webhooks; the vendor
 * SDK's webhooks.ts). Compared in constant time; the messages never carry the key or the digest.
 */
function verifySignature(rawBody: Uint8Array, header: HeaderLookup, secrets: WebhookSecrets): boolean {
  const { apiKey } = secrets;
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new KlingValidationError([
      {
        path: ['apiKey'],
        message: 'apiframe signs callbacks with the API key: pass apiKey or set APIFRAME_API_KEY',
      },
    ]);
  }
  const value = header('x-webhook-signature')?.trim();
  if (value === undefined || value === '') {
    throw new KlingWebhookError('apiframe: the webhook has no X-Webhook-Signature header; it is not trusted');
  }
  const hex = /^sha256=/i.test(value) ? value.slice('sha256='.length) : value;
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new KlingWebhookError(
      'apiframe: the X-Webhook-Signature header is malformed (expected sha256=<64 hex digits>)',
    );
  }
  const secret = createHash('sha256').update(apiKey, 'utf8').digest();
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (!timingSafeEqual(Buffer.from(hex, 'hex'), expected)) {
    throw new KlingWebhookError(
      'apiframe: the webhook signature does not match (another API key signed it, or the body was changed)',
    );
  }
  return true;
}

/** apiframe answers 400 to any key its schema does not list; refuse it here, before paying a round trip. */
function rejectUnlistedKeys(body: Record<string, unknown>): void {
  const unlisted = Object.keys(body).filter((k) => !TOP_LEVEL_KEYS.has(k));
  const params = asObject(body.klingParams) ?? {};
  unlisted.push(
    ...Object.keys(params)
      .filter((k) => !KLING_PARAMS_KEYS.has(k))
      .map((k) => `klingParams.${k}`),
  );
  const first = unlisted[0];
  if (first !== undefined) {
    throw new KlingUnsupportedError(
      'apiframe',
      `providerOptions.apiframe.${first}`,
      `apiframe's kling-3.0 schema does not list ${unlisted.join(', ')}; it would reject the request`,
    );
  }
}
