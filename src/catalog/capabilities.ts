import type { GatewayId } from '../gateways/catalog.js';
import { isLocalMedia } from './media.js';
import type { Mode, VideoRequest } from './video-request.js';

/** Optional request fields whose support differs between gateways. */
export type OptionalField =
  | 'negativePrompt'
  | 'aspectRatio'
  | 'startImage'
  | 'endImage'
  | 'referenceImages'
  | 'referenceVideos'
  | 'elements'
  | 'watermark'
  | 'callbackUrl';

/** How a gateway supports one optional field; conditional support names the field it depends on. */
export type FieldSupport =
  | { support: 'yes' }
  | { support: 'no'; why: string }
  | { support: 'only-with'; field: keyof VideoRequest; why: string }
  | { support: 'only-without'; field: keyof VideoRequest; why: string };

/** An image type, as its first bytes (magic bytes) tell it. */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/**
 * What a local image (a file or bytes the SDK uploads) must be for this gateway's Kling 3.0 frames and
 * references, as the vendor documents it: checked on the file's own bytes before any upload.
 */
export interface ImageRules {
  /** Accepted types, by magic bytes. JPEG and PNG unless the vendor documents more. */
  types: readonly ImageType[];
  /** Largest file, in bytes. */
  maxBytes: number;
  /** Smallest width and height, in pixels (where documented). */
  minSide?: number;
  /** Narrowest and widest width ÷ height (where documented). */
  aspect?: { min: number; max: number };
  /** Where the rule comes from: the vendor's public page (URL) or published client, and when it was read. */
  source: string;
}

export interface GatewayCapabilities {
  modes: readonly Mode[];
  multiShot: readonly ('customize' | 'intelligence')[];
  /** A prompt is required, except where one of these makes it optional. */
  prompt: { required: true; exceptWith: readonly ('startImage' | 'customShots')[] };
  /**
   * The longest prompt the gateway takes, in characters. The request schema allows the largest of these
   * (REQUEST_LIMITS.maxPromptLength); `findUnsupported` holds each gateway to its own.
   */
  maxPromptLength: number;
  fields: Readonly<Record<OptionalField, FieldSupport>>;
  /** The gateway dedupes creates by an idempotency key (so a submit can be retried safely). */
  idempotencyKey: boolean;
  /** The gateway has an upload API, so images may be local files or bytes (the SDK uploads them). */
  uploads: boolean;
  /**
   * Where `uploads` is false although the vendor has an upload API: why the SDK does not use it, said in
   * place of "has no upload API" when a local image is refused (fal: its CDN upload takes two requests).
   */
  uploadsNotWired?: string;
  /** What the gateway assumes when a field is omitted; the SDK always sends its own value instead. */
  vendorDefaults: { mode: string; sound: boolean | string; duration: number; source: string };
  /**
   * What a local image must be. The official Kling API, when it is added, documents the same as
   * EvoLink: JPG/JPEG/PNG, ≤ 10 MB, width and height ≥ 300 px, aspect 1:2.5–2.5:1
   * (https://kling.ai/document-api).
   */
  images: ImageRules;
}

/** One thing a gateway can't do with a request. */
export interface UnsupportedUse {
  field: string;
  message: string;
}

/** Each optional field's place in the catalog order (a null-prototype record: the fastest lookup). */
const OPTIONAL_FIELD_ORDER: Readonly<Record<string, number>> = Object.assign(
  Object.create(null) as Record<string, number>,
  {
    negativePrompt: 0,
    aspectRatio: 1,
    startImage: 2,
    endImage: 3,
    referenceImages: 4,
    referenceVideos: 5,
    elements: 6,
    watermark: 7,
    callbackUrl: 8,
  } satisfies Record<OptionalField, number>,
);

/** The optional fields `request` uses, in catalog order; undefined when it uses none. */
function presentOptionalFields(request: VideoRequest): OptionalField[] | undefined {
  let present: OptionalField[] | undefined;
  for (const key in request) {
    if (OPTIONAL_FIELD_ORDER[key] === undefined) continue;
    const field = key as OptionalField;
    if (!isPresent(request[field])) continue;
    if (present === undefined) present = [field];
    else present.push(field);
  }
  if (present !== undefined && present.length > 1) {
    present.sort((a, b) => (OPTIONAL_FIELD_ORDER[a] ?? 0) - (OPTIONAL_FIELD_ORDER[b] ?? 0));
  }
  return present;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && !(Array.isArray(value) && value.length === 0);
}

/**
 * Every feature of `request` a gateway with capabilities `caps` can't honour, with a message naming field
 * and gateway (`findUnsupported` in src/gateways/catalog.ts binds it to the registry).
 */
export function unsupportedUsesOn(
  gateway: GatewayId,
  caps: GatewayCapabilities,
  request: VideoRequest,
): UnsupportedUse[] {
  const problems: UnsupportedUse[] = [];
  const mode = request.mode ?? 'std';
  if (!caps.modes.includes(mode)) {
    problems.push({
      field: 'mode',
      message: `${gateway} does not support mode '${mode}' (it supports ${caps.modes.join(', ')})`,
    });
  }
  const promptLength = request.prompt?.length ?? 0;
  if (promptLength > caps.maxPromptLength) {
    problems.push({
      field: 'prompt',
      message: `${gateway} takes prompts of at most ${caps.maxPromptLength} characters (this one has ${promptLength})`,
    });
  }
  const shotType = request.multiShot?.type;
  if (shotType !== undefined && !caps.multiShot.includes(shotType)) {
    problems.push({
      field: 'multiShot',
      message:
        caps.multiShot.length === 0
          ? `${gateway} does not support multi-shot`
          : `${gateway} does not support '${shotType}' multi-shot (only ${caps.multiShot.join(', ')})`,
    });
  }
  // Only the optional fields the request uses, found from its own few keys (far cheaper than looking
  // every optional field up on it: pricing runs this on every estimate), then in catalog order.
  const present = presentOptionalFields(request);
  if (present === undefined) return problems;
  for (const field of present) {
    const rule = caps.fields[field];
    if (rule.support === 'no') {
      problems.push({ field, message: `${field} is not supported on ${gateway}: ${rule.why}` });
    } else if (rule.support === 'only-with' && !isPresent(request[rule.field])) {
      problems.push({ field, message: `${field} needs ${rule.field} on ${gateway}: ${rule.why}` });
    } else if (rule.support === 'only-without' && isPresent(request[rule.field])) {
      problems.push({
        field,
        message: `${field} can't be used with ${rule.field} on ${gateway}: ${rule.why}`,
      });
    }
  }
  if (!caps.uploads) {
    for (const field of present) {
      if (!MEDIA_FIELD_SET.has(field) || caps.fields[field].support === 'no') continue;
      const value = request[field];
      const local = Array.isArray(value)
        ? value.some((v) => isLocalMedia(v, REFERENCE_MEDIA))
        : isLocalMedia(value, FRAME_MEDIA);
      if (local) {
        problems.push({
          field,
          message: `${field} is a local file or bytes, but ${caps.uploadsNotWired ?? `${gateway} has no upload API`}: pass an http(s) URL`,
        });
      }
    }
  }
  return problems;
}

/** Image fields that may hold a local file or bytes where the gateway has an upload API. */
const MEDIA_FIELD_SET: ReadonlySet<OptionalField> = new Set(['startImage', 'endImage', 'referenceImages']);
/** Reference images may also be base64 data (Modellix); frames may not. */
const REFERENCE_MEDIA = { base64: true } as const;
const FRAME_MEDIA = { base64: false } as const;

/** Fields a gateway with capabilities `caps` requires that `request` leaves out (today only the prompt). */
export function missingRequiredOn(
  gateway: GatewayId,
  caps: GatewayCapabilities,
  request: VideoRequest,
): UnsupportedUse[] {
  if (request.prompt !== undefined) return [];
  const excused = caps.prompt.exceptWith.some((reason) =>
    reason === 'startImage' ? request.startImage !== undefined : request.multiShot?.type === 'customize',
  );
  return excused ? [] : [{ field: 'prompt', message: promptRequiredMessage(gateway, caps) }];
}

function promptRequiredMessage(gateway: GatewayId, caps: GatewayCapabilities): string {
  const except = caps.prompt.exceptWith;
  if (except.length === 0) return `${gateway} requires a prompt`;
  const clauses = except.map((e) => (e === 'startImage' ? 'a startImage' : "'customize' multi-shot"));
  return `${gateway} requires a prompt unless the request has ${clauses.join(' or ')}`;
}
