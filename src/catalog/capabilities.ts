import type { GatewayId } from './gateways.js';
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

/** The SDK's own ceiling where a vendor documents no size: what the client reads into memory. */
const UNDOCUMENTED_MAX_BYTES = 100 * 1024 * 1024;
const JPEG_PNG: readonly ImageType[] = ['image/jpeg', 'image/png'];

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
  /** What the gateway assumes when a field is omitted; the SDK always sends its own value instead. */
  vendorDefaults: { mode: string; sound: boolean | string; duration: number; source: string };
  /**
   * What a local image must be. The official Kling API, when it is added, documents the same as
   * EvoLink: JPG/JPEG/PNG, ≤ 10 MB, width and height ≥ 300 px, aspect 1:2.5–2.5:1
   * (https://kling.ai/document-api).
   */
  images: ImageRules;
}

const yes = { support: 'yes' } as const;
const no = (why: string): FieldSupport => ({ support: 'no', why });

export const CAPABILITIES: Readonly<Record<GatewayId, GatewayCapabilities>> = {
  apiinone: {
    modes: ['std', 'pro'],
    multiShot: ['customize'],
    prompt: { required: true, exceptWith: ['customShots'] },
    // "Text description of the video (max 2500 chars)" (https://apiin.one/tr/models/kling-3).
    maxPromptLength: 2500,
    fields: {
      negativePrompt: no('API in One documents no negative prompt for kling-3'),
      aspectRatio: yes,
      startImage: yes,
      endImage: no('API in One documents no end frame for kling-3'),
      referenceImages: no('API in One takes one image (the first frame), not reference images'),
      referenceVideos: no('API in One takes no reference video'),
      elements: no("API in One's elements format is undocumented"),
      watermark: no('API in One documents no watermark option'),
      callbackUrl: yes,
    },
    idempotencyKey: false,
    uploads: false,
    vendorDefaults: {
      mode: 'std',
      sound: true,
      duration: 5,
      source: 'https://apiin.one/tr/models/kling-3 (Body Parameters), read 2026-11-22',
    },
    // No upload API, so no local image reaches it; nothing documented about image URLs either.
    images: {
      types: JPEG_PNG,
      maxBytes: UNDOCUMENTED_MAX_BYTES,
      source: 'https://apiin.one/models/kling-3 (no image limits stated), read 2026-11-22',
    },
  },
  apiframe: {
    modes: ['std', 'pro', '4k'],
    multiShot: ['customize'],
    prompt: { required: true, exceptWith: [] },
    // "prompt": string, minLength 1, maxLength 4000 (openapi.json, the kling-3.0 GenerateVideoRequest;
    // the docs' overview: "1–4,000 characters").
    maxPromptLength: 4000,
    fields: {
      negativePrompt: yes,
      aspectRatio: yes,
      startImage: yes,
      endImage: yes,
      referenceImages: no('apiframe kling-3.0 takes start and end frames, not reference images'),
      referenceVideos: no('apiframe kling-3.0 takes no reference video'),
      elements: no('apiframe kling-3.0 has no elements'),
      watermark: no('apiframe kling-3.0 has no watermark option'),
      callbackUrl: yes,
    },
    idempotencyKey: true,
    uploads: true,
    vendorDefaults: {
      mode: 'pro',
      sound: true,
      duration: 5,
      source: 'https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0, read 2026-11-22',
    },
    // The start frame is a "URL of an image to use as the first frame"; `POST /v2/uploads` takes
    // images, videos and audio. No format, size or pixel limit is documented for kling-3.0 frames.
    images: {
      types: JPEG_PNG,
      maxBytes: UNDOCUMENTED_MAX_BYTES,
      source:
        'https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0 and POST /v2/uploads in the openapi.json of github.com/apiframe-ai/apiframe-nodejs-sdk: no limits stated, read 2026-11-22',
    },
  },
  evolink: {
    modes: ['std', 'pro', '4k'],
    multiShot: ['customize', 'intelligence'],
    prompt: { required: true, exceptWith: ['startImage', 'customShots'] },
    // `prompt` "maxLength": 2500 in both kling-v3 request schemas (test/fixtures/evolink/schemas/).
    maxPromptLength: 2500,
    fields: {
      negativePrompt: yes,
      aspectRatio: {
        support: 'only-without',
        field: 'startImage',
        why: 'EvoLink image-to-video takes its aspect ratio from the start image',
      },
      startImage: yes,
      endImage: yes,
      referenceImages: no('EvoLink Kling 3.0 takes start and end frames, not reference images'),
      referenceVideos: no('EvoLink Kling 3.0 takes no reference video'),
      elements: {
        support: 'only-with',
        field: 'startImage',
        why: 'EvoLink takes elements only on image-to-video (a startImage)',
      },
      watermark: yes,
      callbackUrl: yes,
    },
    idempotencyKey: false,
    uploads: true,
    vendorDefaults: {
      mode: '720p',
      sound: 'off',
      duration: 5,
      source:
        'https://docs.evolink.ai/en/api-manual/video-series/kling/kling-v3-image-to-video, read 2026-11-22',
    },
    // Start and end frames: "JPG/JPEG/PNG, ≤ 10MB, width/height ≥ 300px, aspect ratio 1:2.5 ~ 2.5:1"
    // (the file API itself takes up to 100 MB and more types; the video model refuses them).
    images: {
      types: JPEG_PNG,
      maxBytes: 10 * 1024 * 1024,
      minSide: 300,
      aspect: { min: 1 / 2.5, max: 2.5 },
      source:
        'https://evolink.ai/kling-3 ("Image requirements") and https://docs.evolink.ai/en/api-manual/video-series/kling/kling-v3-image-to-video (the first frame), read 2026-11-22',
    },
  },
  modellix: {
    modes: ['std', 'pro'],
    multiShot: ['intelligence'],
    prompt: { required: true, exceptWith: [] },
    // `prompt`: "length 1–2500" (https://docs.modellix.ai/kling/kling-v3-omni-video, read 2026-11-24).
    maxPromptLength: 2500,
    fields: {
      negativePrompt: no('Modellix kling-v3-omni-video has no negative prompt'),
      aspectRatio: yes,
      startImage: no('Modellix kling-v3-omni-video has no first or last frame; use referenceImages'),
      endImage: no('Modellix kling-v3-omni-video has no first or last frame; use referenceImages'),
      referenceImages: yes,
      referenceVideos: yes,
      elements: no('Modellix kling-v3-omni-video has no elements'),
      watermark: no('Modellix kling-v3-omni-video has no watermark option'),
      callbackUrl: no('Modellix sends no callbacks for kling-v3-omni-video; poll instead'),
    },
    idempotencyKey: false,
    uploads: true,
    vendorDefaults: {
      mode: 'pro',
      sound: 'off',
      duration: 5,
      source: 'https://docs.modellix.ai/kling/kling-v3-omni-video, read 2026-11-22',
    },
    // `images`: "Reference image URL or Base64 string". `POST /api/v1/media/files` takes PNG, JPEG and
    // WebP up to 16 MiB (the vendor's CLI, src/lib/media-file.ts; src/testing/gateways/modellix.ts).
    // No pixel limit is documented.
    images: {
      types: ['image/jpeg', 'image/png', 'image/webp'],
      maxBytes: 16 * 1024 * 1024,
      source:
        "https://docs.modellix.ai/kling/kling-v3-omni-video (images: a URL or Base64) and the vendor's CLI, github.com/Modellix/modellix-cli src/lib/media-file.ts (uploads), read 2026-11-22",
    },
  },
};

/** One thing a gateway can't do with a request. */
export interface UnsupportedUse {
  field: string;
  message: string;
}

const OPTIONAL_FIELDS = Object.keys(CAPABILITIES.apiinone.fields) as OptionalField[];

/** Each optional field's place in the catalog order (a null-prototype record: the fastest lookup). */
const OPTIONAL_FIELD_ORDER: Readonly<Record<string, number>> = Object.assign(
  Object.create(null) as Record<string, number>,
  Object.fromEntries(OPTIONAL_FIELDS.map((f, i) => [f, i])),
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
 * Every feature of `request` that `gateway` can't honour, with a message naming field and gateway.
 * Pure: pricing and the client both use it, so a quote never lists a gateway that lacks a feature
 * the request uses. (A missing prompt does not change a price: see `findMissingRequired`.)
 */
export function findUnsupported(gateway: GatewayId, request: VideoRequest): UnsupportedUse[] {
  const caps = CAPABILITIES[gateway];
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
          message: `${field} is a local file or bytes, but ${gateway} has no upload API: pass an http(s) URL`,
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

/** Fields `gateway` requires that `request` leaves out (today only the prompt). */
export function findMissingRequired(gateway: GatewayId, request: VideoRequest): UnsupportedUse[] {
  if (request.prompt !== undefined) return [];
  const excused = CAPABILITIES[gateway].prompt.exceptWith.some((reason) =>
    reason === 'startImage' ? request.startImage !== undefined : request.multiShot?.type === 'customize',
  );
  return excused ? [] : [{ field: 'prompt', message: promptRequiredMessage(gateway) }];
}

function promptRequiredMessage(gateway: GatewayId): string {
  const except = CAPABILITIES[gateway].prompt.exceptWith;
  if (except.length === 0) return `${gateway} requires a prompt`;
  const clauses = except.map((e) => (e === 'startImage' ? 'a startImage' : "'customize' multi-shot"));
  return `${gateway} requires a prompt unless the request has ${clauses.join(' or ')}`;
}
