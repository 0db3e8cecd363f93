/**
 * fal's catalog data: who it is, what it supports, what it charges and how long it renders.
 * Pure data (no network code): pricing reads it through the registry (src/gateways/catalog.ts).
 * Kling 3.0 through fal's queue: v3 (`fal-ai/kling-video/v3/{standard|pro|4k}/{text|image}-to-video`)
 * and Omni, o3 (`fal-ai/kling-video/o3/{standard|pro|4k}/{text|image|reference}-to-video`).
 */
import type { UnsupportedUse } from '../../catalog/capabilities.js';
import {
  type GatewayCatalog,
  JPEG_PNG,
  no,
  ratesFrom,
  UNDOCUMENTED_MAX_BYTES,
  yes,
} from '../../catalog/gateways.js';
import { mediaSource } from '../../catalog/media.js';
import type { VideoRequest } from '../../catalog/video-request.js';

/** fal's two Kling 3.0 models: v3 (`kling-video/v3/...`) and Omni (`kling-video/o3/...`). */
export type FalModel = 'v3' | 'o3';
export const FAL_MODELS: readonly FalModel[] = ['v3', 'o3'];

/**
 * The model a request takes at fal: `providerOptions.fal.model` where the caller names one; else Omni
 * (o3) where only Omni can serve the request (reference images: its `reference-to-video` endpoints);
 * else v3. Undefined when `model` is given but is neither (`falUnsupported` says so).
 */
export function falModel(request: VideoRequest): FalModel | undefined {
  const chosen = request.providerOptions?.fal?.model;
  if (chosen !== undefined) return FAL_MODELS.find((m) => m === chosen);
  return hasReferenceImages(request) ? 'o3' : 'v3';
}

function hasReferenceImages(request: VideoRequest): boolean {
  return Array.isArray(request.referenceImages) && request.referenceImages.length > 0;
}

/** What fal can't do with a request beyond the capabilities table: the Omni endpoints' gaps. */
export function falUnsupported(request: VideoRequest): UnsupportedUse[] {
  const problems: UnsupportedUse[] = [];
  const model = falModel(request);
  if (model === undefined) {
    problems.push({
      field: 'providerOptions',
      message: `providerOptions.fal.model must be 'v3' (Kling 3.0) or 'o3' (Kling 3.0 Omni), got ${JSON.stringify(request.providerOptions?.fal?.model)}`,
    });
    return problems;
  }
  if (model === 'v3' && hasReferenceImages(request)) {
    problems.push({
      field: 'referenceImages',
      message:
        "referenceImages are not supported on fal's Kling 3.0 v3 endpoints (providerOptions.fal.model 'v3'): only Omni's reference-to-video takes them (model 'o3', or leave model out)",
    });
  }
  if (model === 'o3' && request.negativePrompt !== undefined) {
    problems.push({
      field: 'negativePrompt',
      message:
        "negativePrompt is not supported on fal's Kling 3.0 Omni (o3) endpoints: their input types have no negative_prompt",
    });
  }
  // image_urls are URLs (`Array<string>`); base64 data is not documented for it (local files and bytes
  // are refused by the uploads rule).
  if (
    hasReferenceImages(request) &&
    request.referenceImages?.some((image) => mediaSource(image, { base64: true }) === 'base64')
  ) {
    problems.push({
      field: 'referenceImages',
      message: 'fal takes reference images as http(s) URLs (image_urls), not base64 data',
    });
  }
  return problems;
}

/** When the model pages below were read (research: gateways-kling-official-fal-replicate §2). */
const AS_OF = '2026-11-24';
const standard = ratesFrom(
  'https://fal.ai/models/fal-ai/kling-video/v3/standard/text-to-video/llms.txt',
  AS_OF,
);
const pro = ratesFrom('https://fal.ai/models/fal-ai/kling-video/v3/pro/image-to-video/playground', AS_OF);
const fourK = ratesFrom('https://fal.ai/models/fal-ai/kling-video/v3/4k/text-to-video/llms.txt', AS_OF);
/**
 * Omni (o3), read 2026-12-03. Standard: "$0.084 (audio off) or $0.112 (audio on)" (the o3 standard
 * image-to-video page). 4k: "$0.42 regardless of whether audio is on or off", priced "without video
 * input" (the o3 4k text-to-video page). Pro: no o3 pro price was readable (the docs pages carry none).
 * The same rows price o3 text-, image- and reference-to-video: fal's o3 prices vary with a video input
 * (which the SDK does not send), not with reference images (INFERRED from the 4k page's wording).
 */
const O3_AS_OF = '2026-12-03';
const o3Standard = ratesFrom(
  'https://fal.ai/models/fal-ai/kling-video/o3/standard/image-to-video',
  O3_AS_OF,
  'o3',
);
const o3Pro = ratesFrom(
  'https://fal.ai/docs/model-api-reference/video-generation-api/kling-video-o3-pro-text-to-video',
  O3_AS_OF,
  'o3',
);
const o3FourK = ratesFrom(
  'https://fal.ai/models/fal-ai/kling-video/o3/4k/text-to-video/playground',
  O3_AS_OF,
  'o3',
);

export const catalog = {
  info: {
    id: 'fal',
    vendor: 'fal',
    baseUrl: 'https://queue.fal.run',
    // fal's own clients read FAL_KEY (fal-ai/fal-js libs/client/src/config.ts).
    apiKeyEnv: 'FAL_KEY',
    docs: 'https://fal.ai/models/fal-ai/kling-video/v3/standard/text-to-video/api',
  },
  capabilities: {
    modes: ['std', 'pro', '4k'],
    multiShot: ['customize', 'intelligence'],
    // "Either prompt or multi_prompt must be provided, but not both" (KlingVideoV34kTextToVideoInput).
    prompt: { required: true, exceptWith: ['customShots'] },
    // Kling's own limit; fal states "keep the prompt under 2500 characters" on its turbo pages.
    maxPromptLength: 2500,
    fields: {
      negativePrompt: yes,
      aspectRatio: {
        support: 'only-without',
        field: 'startImage',
        why: 'fal Kling 3.0 image-to-video has no aspect_ratio (the start image sets it)',
      },
      startImage: yes,
      endImage: yes,
      // On Omni's reference-to-video (`image_urls`): a request with reference images goes to o3.
      referenceImages: yes,
      referenceVideos: no(
        "fal's v3 endpoints take no reference video; Omni's video-to-video/reference keeps the video's own audio (keep_audio) and its price with a video input is not published: not mapped",
      ),
      elements: no(
        "fal's elements are image sets, a video or a voice referenced as @Element1, not Kling element ids",
      ),
      watermark: no('fal Kling 3.0 has no watermark option'),
      callbackUrl: yes,
    },
    idempotencyKey: false,
    // fal's CDN upload is two requests (fal-js storage.ts: POST rest.alpha.fal.ai/storage/upload/initiate,
    // then PUT the bytes to the upload_url it returns), which the one-request upload hook does not
    // express: images are URLs.
    uploads: false,
    uploadsNotWired:
      "the SDK does not upload to fal's CDN yet (its upload is two requests: initiate on rest.alpha.fal.ai, then PUT the bytes to the URL it returns)",
    vendorDefaults: {
      mode: 'the endpoint path (no default)',
      sound: true,
      duration: 5,
      source:
        'https://github.com/fal-ai/fal-js/blob/381105e138b85502b528fb8f6c16d909e30e462a/libs/client/src/types/endpoints.ts (KlingVideoV34kTextToVideoInput: generate_audio default true, duration "5"), read 2026-12-03',
    },
    images: {
      types: JPEG_PNG,
      maxBytes: UNDOCUMENTED_MAX_BYTES,
      source:
        'https://fal.ai/models/fal-ai/kling-video/v3/standard/image-to-video/api: start_image_url is a URL, no limits stated, read 2026-12-03',
    },
  },
  rates: {
    gateway: 'fal',
    unit: 'usd',
    // "No charge for server errors" (https://docs.fal.ai/model-apis/model-endpoints/reliability).
    minimumBilledSeconds: 0,
    usdPerCredit: null,
    rows: [
      standard('v3-standard', 'std', false, { usd: 0.084 }),
      standard('v3-standard+audio', 'std', true, { usd: 0.126 }),
      pro('v3-pro', 'pro', false, { usd: 0.112 }),
      pro('v3-pro+audio', 'pro', true, { usd: 0.168 }),
      // One 4k price, with or without audio.
      fourK('v3-4k', '4k', false, { usd: 0.42 }),
      fourK('v3-4k+audio', '4k', true, { usd: 0.42 }),
      o3Standard('o3-standard', 'std', false, { usd: 0.084 }),
      o3Standard('o3-standard+audio', 'std', true, { usd: 0.112 }),
      o3Pro('o3-pro', 'pro', false, null),
      o3Pro('o3-pro+audio', 'pro', true, null),
      o3FourK('o3-4k', '4k', false, { usd: 0.42 }),
      o3FourK('o3-4k+audio', '4k', true, { usd: 0.42 }),
    ],
  },
  rateVariant: (request) => (falModel(request) === 'o3' ? 'o3' : undefined),
  unsupported: falUnsupported,
  renderTime: {
    minSeconds: 60,
    maxSeconds: 600,
    source:
      'no published time; the queue reports queue_position while queued (Kling 3.0 renders take minutes)',
  },
} satisfies GatewayCatalog;
