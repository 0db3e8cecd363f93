/**
 * apiframe v2, model `kling-3.0` (research/gateways-apiinone-apiframe.md §2; the OpenAPI document in
 * apiframe-ai/apiframe-nodejs-sdk). Its schema has `additionalProperties: false` at the top level and in
 * `klingParams`, so no key it does not list is ever sent. It dedupes creates by `Idempotency-Key`.
 */
import { GATEWAYS } from '../catalog/index.js';
import { KlingUnsupportedError } from '../errors.js';
import type { ResolvedVideoRequest } from '../request/index.js';
import {
  asNumber,
  asObject,
  at,
  buildTask,
  DAY_MS,
  firstString,
  isHttpUrl,
  malformed,
  mergeRawFields,
  optional,
  toDate,
} from './shared.js';
import type { GatewayAdapter, GatewayPaths, TaskStatus, Video } from './types.js';

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

  statusRequest: (id, { paths }) => ({
    method: 'GET',
    path: paths.status.replace('{id}', encodeURIComponent(id)),
    headers: {},
  }),

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
    const error =
      firstString(body, ['error', 'message']) ?? `HTTP ${status} from ${GATEWAYS.apiframe.vendor}`;
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
};

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
