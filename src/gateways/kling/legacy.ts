/**
 * The official Kling API, legacy standard (`model_name` in the body; still supported, "no current plans for
 * deprecation", and the only one access-key/secret-key JWTs work on): `POST /v1/videos/text2video`,
 * `/v1/videos/image2video` (`kling-v3`) and `/v1/videos/omni-video` (`kling-v3-omni`); status by
 * `GET /v1/videos/<kind>/<task_id | external_task_id>` with `task_status` submitted|processing|succeed|failed,
 * `task_result.videos[]` and `final_unit_deduction` (the units charged). Read from the vendor's text-to-video
 * and image-to-video pages (a third party's crawl of https://kling.ai/document-api, see
 * test/fixtures/kling/SOURCE.md) and `vercel/ai` `packages/klingai` (what `@ai-sdk/klingai` sends); the
 * omni-video body (`image_list[].image_url`, `element_list`) is a reseller's copy of the vendor page (INFERRED).
 *
 * The kind a task was created on is its handle's `route` (`text2video`, `image2video`, `omni-video`): the
 * status path and the lookup by external id need it. Callbacks and errors are the new standard adapter's
 * (the same envelope and codes); batch reads are the new standard's only.
 */
import { KlingUnsupportedError, KlingValidationError } from '../../errors.js';
import type { ResolvedVideoRequest } from '../../request/index.js';
import { asObject, at, firstString, malformed } from '../read.js';
import type { GatewayAdapter, GatewayPaths, TaskLocation, WireRequest } from '../types.js';
import { mergeRawFields } from '../wire.js';
import { imageField, type KlingKind, kling, klingKindOf, klingRawFields } from './adapter.js';
import { isLegacyRoute, KLING_LEGACY_KINDS, klingLegacyTaskOf, legacyTaskPath } from './legacy-task.js';

const MODEL_NAME: Readonly<Record<KlingKind, string>> = {
  t2v: 'kling-v3',
  i2v: 'kling-v3',
  omni: 'kling-v3-omni',
};

const LEGACY_PATHS: GatewayPaths = {
  create: '/v1/videos/text2video',
  status: '/v1/videos/text2video/{id}',
};

function imageOf(value: string | Uint8Array, field: string): string {
  // Local files were uploaded (or inlined) by the client before toWire; bytes here are a bug upstream.
  if (typeof value !== 'string') {
    throw new KlingUnsupportedError(
      'kling',
      field,
      `kling (legacy standard): ${field} must be a URL or base64`,
    );
  }
  return imageField(value);
}

/**
 * An element id as `element_list` takes it: the page types it `long`. A whole number that JSON carries
 * exactly is sent as a number; a longer one as the string given (a JS number would change its digits).
 */
function elementId(id: string): number | string {
  const n = Number(id);
  return /^\d+$/.test(id) && Number.isSafeInteger(n) ? n : id;
}

/** The legacy create body for a validated request. */
export function legacyBody(request: ResolvedVideoRequest, kind: KlingKind): Record<string, unknown> {
  const body: Record<string, unknown> = { model_name: MODEL_NAME[kind] };
  const shots = request.multiShot;
  if (shots?.type === 'customize' && request.prompt !== undefined) {
    // "multi_shot true: the prompt parameter is invalid" (image-to-video page): it would be dropped.
    throw new KlingUnsupportedError(
      'kling',
      'prompt',
      'kling (legacy standard) ignores the prompt with customize multi-shot (multi_prompt carries the shots): give the shots or a prompt, not both',
    );
  }
  if (request.prompt === undefined && shots?.type !== 'customize') {
    // "When multi_shot is false or shot_type is intelligence, the current parameter must not be empty"
    // (the image-to-video page too, though the new standard takes a first frame alone).
    throw new KlingUnsupportedError(
      'kling',
      'prompt',
      'kling (legacy standard) needs a prompt unless the shots are customize multi-shot (the new standard takes a first frame alone)',
    );
  }
  if (request.prompt !== undefined) body.prompt = request.prompt;
  if (request.negativePrompt !== undefined) body.negative_prompt = request.negativePrompt;
  // `multi_shot` defaults to false here; sent explicitly all the same.
  body.multi_shot = shots !== undefined;
  if (shots !== undefined) {
    body.shot_type = shots.type;
    if (shots.type === 'customize') {
      body.multi_prompt = shots.shots.map((shot, i) => ({
        index: i + 1,
        prompt: shot.prompt,
        duration: String(shot.duration),
      }));
    }
  }
  body.sound = request.sound ? 'on' : 'off';
  body.mode = request.mode;
  body.duration = String(request.duration);
  if (request.aspectRatio !== undefined) {
    // Image-to-video takes its aspect ratio from the image: no aspect_ratio on that page.
    if (kind === 'i2v') {
      throw new KlingUnsupportedError(
        'kling',
        'aspectRatio',
        'kling (legacy standard) image-to-video takes its aspect ratio from the image (no aspect_ratio)',
      );
    }
    body.aspect_ratio = request.aspectRatio;
  }
  if (kind === 'i2v') {
    if (request.startImage !== undefined) body.image = imageOf(request.startImage, 'startImage');
    if (request.endImage !== undefined) body.image_tail = imageOf(request.endImage, 'endImage');
  }
  if (kind === 'omni') {
    // A reseller's copy of the omni-video page: image_list [{image_url, type?}] (INFERRED).
    const images: Record<string, unknown>[] = [];
    if (request.startImage !== undefined) {
      images.push({ image_url: imageOf(request.startImage, 'startImage'), type: 'first_frame' });
    }
    if (request.endImage !== undefined) {
      images.push({ image_url: imageOf(request.endImage, 'endImage'), type: 'end_frame' });
    }
    for (const image of request.referenceImages ?? []) {
      images.push({ image_url: imageOf(image, 'referenceImages') });
    }
    if (images.length > 0) body.image_list = images;
    if (request.referenceVideos !== undefined) {
      throw new KlingUnsupportedError(
        'kling',
        'referenceVideos',
        'kling (legacy standard): a reference video (video_list) is not mapped until its rules are verified',
      );
    }
  }
  if (request.elements !== undefined) {
    if (kind === 't2v') {
      throw new KlingUnsupportedError(
        'kling',
        'elements',
        'kling (legacy standard) text-to-video takes no element_list',
      );
    }
    body.element_list = request.elements.map((element) => ({ element_id: elementId(element.id) }));
  }
  if (request.watermark !== undefined) body.watermark_info = { enabled: request.watermark };
  if (request.callbackUrl !== undefined) body.callback_url = request.callbackUrl;
  return body;
}

/** The kind a status read goes to: the handle's route, or the client's status path when it was given. */
function statusPath(id: string, { paths, route }: TaskLocation): string {
  const encoded = encodeURIComponent(id);
  if (isLegacyRoute(route)) return legacyTaskPath(route, id);
  if (paths.status !== LEGACY_PATHS.status) return paths.status.replace('{id}', encoded);
  throw new KlingValidationError(
    [
      {
        path: ['id'],
        message:
          'a task of the legacy standard is read under the path it was created on (/v1/videos/<kind>/<id>): pass the handle submit returned (it keeps that route), not the bare id',
      },
    ],
    { subject: 'handle' },
  );
}

// Batch status reads are the new standard's (`GET /tasks`); whether they list legacy tasks is undocumented.
const {
  maxBatchStatusIds: _maxBatchStatusIds,
  batchStatusRequest: _batchStatusRequest,
  parseBatchStatus: _parseBatchStatus,
  ...shared
} = kling;

export const klingLegacy: GatewayAdapter = {
  ...shared,
  paths: LEGACY_PATHS,

  toWire(request, { paths, externalId }): WireRequest {
    const kind = klingKindOf(request);
    const body = legacyBody(request, kind);
    if (externalId !== undefined) body.external_task_id = externalId;
    return {
      method: 'POST',
      // Text-to-video is `paths.create` (overridable by `endpoints.create`); the other kinds keep theirs.
      path: kind === 't2v' ? paths.create : `/v1/videos/${KLING_LEGACY_KINDS[kind]}`,
      headers: { 'content-type': 'application/json' },
      body: mergeRawFields('kling', body, klingRawFields(request), []),
      route: KLING_LEGACY_KINDS[kind],
    };
  },

  statusRequest: (id, location) => ({ method: 'GET', path: statusPath(id, location), headers: {} }),

  parseSubmit(body) {
    const id = firstString(body, ['data.task_id']);
    if (id === undefined) throw malformed('kling', 'the create reply has no data.task_id', body);
    return { id };
  },

  parseTask(body, context) {
    const record = asObject(at(body, 'data'));
    if (record === undefined || firstString(record, ['task_id']) === undefined) {
      throw malformed('kling', 'the task reply has no data.task_id', body);
    }
    return klingLegacyTaskOf(record, body, context);
  },

  // "GET /v1/videos/<kind>/<external_task_id>": the query takes either id. The kind is the route's where
  // the caller has it, text-to-video otherwise; an unknown id is an error reply, never proof of absence.
  lookupRequest: (externalId, { route }) => {
    const kind = isLegacyRoute(route) ? route : KLING_LEGACY_KINDS.t2v;
    return { method: 'GET', path: legacyTaskPath(kind, externalId), headers: {} };
  },

  parseLookup(body, context) {
    const record = asObject(at(body, 'data'));
    if (record === undefined || firstString(record, ['task_id']) === undefined) {
      throw malformed('kling', 'the lookup reply has no data.task_id', body);
    }
    return klingLegacyTaskOf(record, body, context);
  },
};
