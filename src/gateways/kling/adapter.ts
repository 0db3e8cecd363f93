/**
 * The official Kling API, new standard (model in the path; https://kling.ai/document-api/api/video/3-0-omni/
 * text-to-video and its sibling pages, read through the mirror `aself101/kling-api` `docs/api/` @ 71eb8c9e):
 * `POST /text-to-video/kling-3.0` (`prompt`), `/image-to-video/kling-3.0` and `/omni-video/kling-3.0-omni`
 * (`contents[]`), each with `settings` and `options`; status by `GET /tasks?task_ids=<id>` (`data` is an
 * array); errors `{code, message, request_id}`; the API key as Bearer.
 *
 * Every create carries our `options.external_task_id`; `lookupRequest`/`parseLookup` find the task by it
 * (`GET /tasks?external_task_ids=<id>`). The legacy standard (`/v1/videos/…`, `model_name`) is ./legacy.ts.
 */

import { KlingUnsupportedError } from '../../errors.js';
import type { ResolvedVideoRequest } from '../../request/index.js';
import { asObject, at, firstString, isHttpUrl, malformed, optional, toDate } from '../read.js';
import { buildTask, DAY_MS } from '../task.js';
import type {
  GatewayAdapter,
  GatewayPaths,
  ParseContext,
  Task,
  TaskCost,
  TaskStatus,
  Video,
} from '../types.js';
import { mergeRawFields, statusRequestByPath } from '../wire.js';
import { catalog, klingModel } from './catalog.js';
import { parseKlingError } from './errors.js';
import { isLegacyRoute, klingLegacyTaskOf, legacyTaskPath } from './legacy-task.js';
import { parseKlingWebhook, verifyKlingWebhook } from './webhook.js';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  submitted: 'queued',
  processing: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
};

/** The create path of each kind; text-to-video is `paths.create` (overridable by `endpoints.create`). */
export const KLING_PATHS = {
  t2v: '/text-to-video/kling-3.0',
  i2v: '/image-to-video/kling-3.0',
  omni: '/omni-video/kling-3.0-omni',
} as const;

const RESOLUTION = { std: '720p', pro: '1080p', '4k': '4k' } as const;

/** "generated results will be cleared after 30 days" (outputs[].url). */
export const OUTPUT_TTL_MS = 30 * DAY_MS;

export type KlingKind = keyof typeof KLING_PATHS;

/**
 * The create path a request needs. Omni video for what only it takes (reference images, a reference video,
 * or elements without a first frame: image-to-video's `first_frame` is required) or where the caller
 * chose Omni (`providerOptions.kling.model: 'omni'`); image-to-video for a first frame; text-to-video
 * otherwise.
 */
export function klingKindOf(request: ResolvedVideoRequest): KlingKind {
  if (klingModel(request) === 'omni') return 'omni';
  return request.startImage === undefined ? 't2v' : 'i2v';
}

/** `providerOptions.kling` as raw wire fields: without `model`, the SDK's own choice of model. */
export function klingRawFields(request: ResolvedVideoRequest): Record<string, unknown> | undefined {
  const raw = request.providerOptions?.kling;
  if (raw === undefined || !('model' in raw)) return raw;
  const { model: _model, ...rest } = raw;
  return rest;
}

/**
 * The prompt as the new standard takes it. Customize multi-shot is written in it exactly as the pages
 * document: "shot n, m, words; shot n, m, words;" (n the shot number, m its seconds), so a request with both
 * a prompt and custom shots has no place for its prompt: refused, never dropped.
 */
function promptOf(request: ResolvedVideoRequest): string | undefined {
  if (request.multiShot?.type === 'customize') {
    if (request.prompt !== undefined) {
      throw new KlingUnsupportedError(
        'kling',
        'prompt',
        'kling writes customize multi-shot as the prompt ("shot n, m, words;"): give the shots or a prompt, not both',
      );
    }
    return request.multiShot.shots.map((s, i) => `shot ${i + 1}, ${s.duration}, ${s.prompt};`).join(' ');
  }
  return request.prompt;
}

function settingsOf(request: ResolvedVideoRequest, kind: KlingKind): Record<string, unknown> {
  // `multi_shot` defaults to TRUE: a request without multi-shot says false, explicitly.
  const settings: Record<string, unknown> = {
    multi_shot: request.multiShot !== undefined,
    audio: request.sound ? 'native' : 'off',
    resolution: RESOLUTION[request.mode],
  };
  if (request.aspectRatio !== undefined && kind !== 'i2v') settings.aspect_ratio = request.aspectRatio;
  // With a reference video the video sets the length (the request schema leaves duration out).
  if (request.duration !== undefined && request.referenceVideos === undefined) {
    settings.duration = request.duration;
  }
  return settings;
}

function contentsOf(request: ResolvedVideoRequest, prompt: string | undefined): Record<string, unknown>[] {
  const contents: Record<string, unknown>[] = [];
  if (prompt !== undefined) contents.push({ type: 'prompt', text: prompt });
  if (typeof request.startImage === 'string') {
    contents.push({ type: 'first_frame', url: imageField(request.startImage) });
  }
  if (typeof request.endImage === 'string') {
    contents.push({ type: 'last_frame', url: imageField(request.endImage) });
  }
  for (const url of request.referenceImages ?? []) {
    contents.push({ type: 'refer_image', url: typeof url === 'string' ? imageField(url) : url });
  }
  for (const url of request.referenceVideos ?? []) contents.push({ type: 'feature_video', url });
  (request.elements ?? []).forEach((element, i) => {
    contents.push({ type: 'element', element_id: element.id, id: `element_${i + 1}` });
  });
  return contents;
}

export const kling: GatewayAdapter = {
  id: 'kling',
  paths: { create: KLING_PATHS.t2v, status: '/tasks?task_ids={id}' },

  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),

  toWire(request: ResolvedVideoRequest, { paths, externalId }: { paths: GatewayPaths; externalId?: string }) {
    const kind = klingKindOf(request);
    const prompt = promptOf(request);
    const body: Record<string, unknown> = {};
    if (kind === 't2v') body.prompt = prompt;
    else body.contents = contentsOf(request, prompt);
    body.settings = settingsOf(request, kind);
    const options: Record<string, unknown> = {};
    if (request.callbackUrl !== undefined) options.callback_url = request.callbackUrl;
    if (request.watermark !== undefined) options.watermark_info = { enabled: request.watermark };
    if (externalId !== undefined) options.external_task_id = externalId;
    if (Object.keys(options).length > 0) body.options = options;
    return {
      method: 'POST',
      path: kind === 't2v' ? paths.create : KLING_PATHS[kind],
      headers: { 'content-type': 'application/json' },
      body: mergeRawFields('kling', body, klingRawFields(request), ['settings', 'options']),
    };
  },

  // A legacy-standard handle (its route names the kind it was created on) is read where it lives.
  statusRequest: (id, location) =>
    isLegacyRoute(location.route)
      ? { method: 'GET', path: legacyTaskPath(location.route, id), headers: {} }
      : statusRequestByPath(id, location),

  parseSubmit(body) {
    const id = firstString(body, ['data.id']);
    if (id === undefined) throw malformed('kling', 'the create reply has no data.id', body);
    return { id };
  },

  parseTask(body, context) {
    const list = at(body, 'data');
    // The legacy query's reply (a legacy handle's read): `data` is the task record itself.
    const record = Array.isArray(list) ? undefined : asObject(list);
    if (record !== undefined && firstString(record, ['task_id']) !== undefined) {
      return klingLegacyTaskOf(record, body, context);
    }
    if (!Array.isArray(list)) throw malformed('kling', 'the task reply has no data[] list', body);
    // A batch reply: the item for the id asked for (the only one, when one id was asked).
    const items = list.map(asObject).filter((item) => item !== undefined);
    const item =
      (context.taskId === undefined
        ? undefined
        : items.find((i) => firstString(i, ['id']) === context.taskId)) ??
      (items.length === 1 ? items[0] : undefined);
    if (item === undefined || firstString(item, ['id']) === undefined) {
      const which = context.taskId === undefined ? '' : ` for task ${context.taskId}`;
      throw malformed('kling', `the task reply lists no task${which} (data has ${list.length} items)`, body);
    }
    return klingTaskOf(item, body, context);
  },

  // Batch status (the poll scheduler's): `GET /tasks?task_ids=a,b,…`, at most 20 ids a request (the
  // chunk aself101/kling-api sends). Each item is read as a one-item reply of its own (its `raw`); an id
  // the reply leaves out (unknown ids are) is read alone by the client.
  maxBatchStatusIds: 20,
  batchStatusRequest: (ids, { paths }) => ({
    method: 'GET',
    path: paths.status.replace('{id}', ids.map(encodeURIComponent).join(',')),
    headers: {},
  }),
  parseBatchStatus(body, context) {
    const list = at(body, 'data');
    if (!Array.isArray(list)) throw malformed('kling', 'the task reply has no data[] list', body);
    const tasks = new Map<string, Task>();
    for (const entry of list) {
      const item = asObject(entry);
      const id = firstString(item, ['id']);
      if (item === undefined || id === undefined || tasks.has(id)) continue;
      const raw = { ...(body as Record<string, unknown>), data: [item] };
      tasks.set(id, klingTaskOf(item, raw, { ...context, taskId: id }));
    }
    return tasks;
  },

  externalIds: true,

  // "GET /tasks?external_task_ids=…" (the batch query by our ids; the reply names it `external_id`).
  lookupRequest: (externalId) => ({
    method: 'GET',
    path: `/tasks?external_task_ids=${encodeURIComponent(externalId)}`,
    headers: {},
  }),

  parseLookup(body, context) {
    const list = at(body, 'data');
    if (!Array.isArray(list)) throw malformed('kling', 'the lookup reply has no data[] list', body);
    // An empty list on a 2xx: no task of the account carries that id (unknown ids are left out).
    if (list.length === 0) return null;
    const items = list.map(asObject).filter((item) => item !== undefined);
    const wanted = context.taskId;
    const item =
      (wanted === undefined ? undefined : items.find((i) => firstString(i, ['external_id']) === wanted)) ??
      (items.length === 1 ? items[0] : undefined);
    if (item === undefined || firstString(item, ['id']) === undefined) {
      throw malformed('kling', `the lookup reply lists no task (data has ${list.length} items)`, body);
    }
    return klingTaskOf(item, body, context);
  },

  // Callbacks (./webhook.ts): Standard Webhooks signatures (the Webhook Secret); a new-standard record is
  // read as one `GET /tasks` item, a legacy one (`task_id`) by the webhook module.
  verifyWebhook: verifyKlingWebhook,
  parseWebhook: (body, context) =>
    parseKlingWebhook(body, context, (record, c) => kling.parseTask({ data: [record] }, c)),

  parseError: (status, body) => parseKlingError(status, body, catalog.info.vendor),
};

/** One task item of a new-standard reply (`GET /tasks` `data[]`, the new callback body) as a task. */
export function klingTaskOf(item: Record<string, unknown>, raw: unknown, context: ParseContext): Task {
  const updated = toDate(item.update_time);
  const outputs = Array.isArray(item.outputs) ? item.outputs : [];
  const videos: Video[] = outputs
    .filter((o) => at(o, 'type') === 'video' && isHttpUrl(at(o, 'url')))
    .map((o) => ({
      url: at(o, 'url') as string,
      // Cleared 30 days after generation: the last update of a finished task.
      ...optional(
        'expiresAt',
        updated === undefined ? undefined : new Date(updated.getTime() + OUTPUT_TTL_MS),
      ),
    }));
  const message = firstString(item, ['message']);
  return buildTask({
    gateway: 'kling',
    id: firstString(item, ['id']) ?? '',
    raw,
    vendorStatus: firstString(item, ['status']),
    table: STATUS,
    context,
    videos,
    error: { message: message === '' ? undefined : message },
    cost: actualCost(item.billing),
  });
}

/**
 * `billing[]`, the actual charge: units of a resource pack (`charge_type: unit`) or the balance in USD
 * (`charge_type: cash`, `currency: USD`); amounts are decimal strings. A CNY balance, mixed charges or an
 * unreadable amount leave the cost out (the raw reply keeps it).
 */
function actualCost(billing: unknown): TaskCost | undefined {
  if (!Array.isArray(billing) || billing.length === 0) return undefined;
  let units = 0;
  let usd = 0;
  for (const entry of billing) {
    const amount = Number(firstString(entry, ['amount']) ?? at(entry, 'amount'));
    if (!Number.isFinite(amount)) return undefined;
    const type = at(entry, 'charge_type');
    if (type === 'unit') units += amount;
    else if (type === 'cash' && at(entry, 'currency') === 'USD') usd += amount;
    else return undefined;
  }
  if (units > 0 && usd > 0) return undefined;
  return usd > 0
    ? { amount: usd, unit: 'usd', reserved: false }
    : { amount: units, unit: 'credits', reserved: false };
}

/** An image as Kling takes it: a URL, or base64 without the `data:…;base64,` prefix (its docs say so). */
export function imageField(value: string): string {
  const comma = value.indexOf(',');
  return value.startsWith('data:') && comma > 0 && value.slice(0, comma).endsWith(';base64')
    ? value.slice(comma + 1)
    : value;
}
