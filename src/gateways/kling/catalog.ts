/**
 * The official Kling API's catalog data (the new standard: model in the path, API key as Bearer): who it
 * is, what it supports, what it charges and how long it renders. Pure data (no network code): pricing reads
 * it through the registry (src/gateways/catalog.ts).
 */
import type { UnsupportedUse } from '../../catalog/capabilities.js';
import { type GatewayCatalog, JPEG_PNG, no, ratesFrom, yes } from '../../catalog/gateways.js';
import type { VideoRequest } from '../../catalog/video-request.js';

/**
 * The pricing page, read 2026-12-03 through its mirror `aself101/kling-api` `docs/api/kling-pricing-video.md`
 * @ 4f23c277 ("Kling 3.0" and "Kling 3.0 Omni": units per second; the dollar column is 0.14 × units).
 */
const RATES_PAGE = 'https://kling.ai/document-api/pricing/base/video';
const AS_OF = '2026-12-03';
const row = ratesFrom(RATES_PAGE, AS_OF);
/** The same page's "Kling 3.0 Omni" rows: without a video input, and with one. */
const omniRow = ratesFrom(RATES_PAGE, AS_OF, 'omni');
const omniVideoRow = ratesFrom(RATES_PAGE, AS_OF, 'omni-video');

/**
 * The official Kling API's two Kling 3.0 models: 3.0 (`kling-3.0` / `kling-v3`) and 3.0 Omni
 * (`kling-3.0-omni` / `kling-v3-omni`).
 */
export type KlingModel = 'v3' | 'omni';
export const KLING_MODELS: readonly KlingModel[] = ['v3', 'omni'];

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** What only Omni takes: reference images, a reference video, elements without a first frame. */
export function needsKlingOmni(request: VideoRequest): boolean {
  return (
    hasItems(request.referenceImages) ||
    hasItems(request.referenceVideos) ||
    (hasItems(request.elements) && request.startImage === undefined)
  );
}

/**
 * The model a request takes: `providerOptions.kling.model` where the caller names one ('omni' sends a
 * text- or image-to-video request to Omni, which takes the same prompt, frames and elements, and bills
 * less with audio: 0.8 / 1.0 units a second at 720p / 1080p against 0.9 / 1.2); else Omni where only
 * Omni can serve the request; else 3.0. Undefined when `model` is neither (`klingUnsupported` says so).
 */
export function klingModel(request: VideoRequest): KlingModel | undefined {
  const chosen = request.providerOptions?.kling?.model;
  if (chosen !== undefined) return KLING_MODELS.find((m) => m === chosen);
  return needsKlingOmni(request) ? 'omni' : 'v3';
}

/** What the official Kling API can't do with a request beyond the capabilities table: the model choice. */
export function klingUnsupported(request: VideoRequest): UnsupportedUse[] {
  const model = klingModel(request);
  if (model === undefined) {
    return [
      {
        field: 'providerOptions',
        message: `providerOptions.kling.model must be 'v3' (Kling 3.0) or 'omni' (Kling 3.0 Omni), got ${JSON.stringify(request.providerOptions?.kling?.model)}`,
      },
    ];
  }
  if (model === 'v3' && needsKlingOmni(request)) {
    return [
      {
        field: 'providerOptions',
        message:
          "kling: reference images, a reference video or elements without a first frame need Kling 3.0 Omni (providerOptions.kling.model 'omni', or leave model out), not 'v3'",
      },
    ];
  }
  return [];
}

export const catalog = {
  info: {
    id: 'kling',
    vendor: 'Kling (official)',
    baseUrl: 'https://api-singapore.klingai.com',
    apiKeyEnv: 'KLING_API_KEY',
    docs: 'https://kling.ai/document-api/api/video/3-0-omni/text-to-video',
  },
  capabilities: {
    modes: ['std', 'pro', '4k'],
    // Multi-shot is written in the prompt: "shot n, m, words; shot n, m, words;" (1–6 shots, each >= 1 s,
    // summing to the duration, words <= 512 characters) with `settings.multi_shot` true; `intelligence` is
    // `multi_shot: true` on a plain prompt (text-to-video page, `prompt` and `settings.multi_shot` notes).
    multiShot: ['customize', 'intelligence'],
    // Image-to-video and omni take `contents[]` where a prompt item is optional; customize writes the prompt.
    prompt: { required: true, exceptWith: ['startImage', 'customShots'] },
    // "Maximum length: 3072 characters (recommended: ≤ 2500)".
    maxPromptLength: 3072,
    fields: {
      negativePrompt: no(
        'the new standard has no negative_prompt ("The prompt can include positive and negative descriptions")',
      ),
      aspectRatio: {
        support: 'only-without',
        field: 'startImage',
        why: 'Kling image-to-video takes its aspect ratio from the first frame (no settings.aspect_ratio)',
      },
      startImage: yes,
      endImage: yes,
      // Omni video (`refer_image`, `feature_video`): POST /omni-video/kling-3.0-omni.
      referenceImages: yes,
      // The omni page's rules for a feature video (whether multi_shot and duration go with it) read two
      // ways, and our request leaves duration out with a reference video: refused until a live check.
      referenceVideos: no(
        'the official Kling API documents a reference video (feature_video) with rules on multi_shot and duration that the SDK has not verified',
      ),
      elements: yes,
      watermark: yes,
      callbackUrl: yes,
    },
    idempotencyKey: false,
    // Frames are a URL or base64 in the body; there is no upload API.
    uploads: false,
    vendorDefaults: {
      mode: '720p',
      sound: 'off',
      duration: 5,
      source: 'https://kling.ai/document-api/api/video/3-0-omni/text-to-video (settings), read 2026-12-03',
    },
    images: {
      types: JPEG_PNG,
      maxBytes: 10 * 1024 * 1024,
      minSide: 300,
      aspect: { min: 1 / 2.5, max: 2.5 },
      source: 'https://kling.ai/document-api (image-to-video: first_frame), read 2026-12-03',
    },
  },
  rates: {
    gateway: 'kling',
    unit: 'credits',
    minimumBilledSeconds: 0,
    // "$0.14" a unit: the pricing page's dollar column is exactly 0.14 × units.
    usdPerCredit: { value: 0.14, approximate: false, source: RATES_PAGE, asOf: AS_OF },
    // Units a second ("$0.14" each). The task's `billing[]` / `final_unit_deduction` (task.cost) is the
    // actual charge; what a failed task costs is not published.
    rows: [
      // Kling 3.0 (text-to-video, image-to-video): "native audio, no voice control" for the audio rows.
      row('720p', 'std', false, { credits: 0.6 }),
      row('720p+audio', 'std', true, { credits: 0.9 }),
      row('1080p', 'pro', false, { credits: 0.8 }),
      row('1080p+audio', 'pro', true, { credits: 1.2 }),
      row('4k', '4k', false, { credits: 3.0 }),
      row('4k+audio', '4k', true, { credits: 3.0 }),
      // Kling 3.0 Omni without a video input (reference images, elements, or `providerOptions.kling.model`
      // 'omni'): with audio it bills less than 3.0 (0.8 against 0.9 at 720p, 1.0 against 1.2 at 1080p).
      omniRow('omni-720p', 'std', false, { credits: 0.6 }),
      omniRow('omni-720p+audio', 'std', true, { credits: 0.8 }),
      omniRow('omni-1080p', 'pro', false, { credits: 0.8 }),
      omniRow('omni-1080p+audio', 'pro', true, { credits: 1.0 }),
      omniRow('omni-4k', '4k', false, { credits: 3.0 }),
      omniRow('omni-4k+audio', '4k', true, { credits: 3.0 }),
      // Kling 3.0 Omni with a video input, "No Native Audio" (the page prices no video input with audio;
      // the SDK refuses reference videos until their rules are verified).
      omniVideoRow('omni-video-720p', 'std', false, { credits: 0.9 }),
      omniVideoRow('omni-video-720p+audio', 'std', true, null),
      omniVideoRow('omni-video-1080p', 'pro', false, { credits: 1.2 }),
      omniVideoRow('omni-video-1080p+audio', 'pro', true, null),
      omniVideoRow('omni-video-4k', '4k', false, { credits: 3.0 }),
      omniVideoRow('omni-video-4k+audio', '4k', true, null),
    ],
  },
  renderTime: {
    minSeconds: 60,
    maxSeconds: 600,
    source: 'no published time; the docs advise polling or a callback',
  },
  rateVariant: (request) =>
    klingModel(request) !== 'omni' ? undefined : hasItems(request.referenceVideos) ? 'omni-video' : 'omni',
  unsupported: klingUnsupported,
  // The legacy standard (`klingApi: 'legacy'`) takes `negative_prompt` (legacy text2video/image2video
  // pages); the rest of its field support is the new standard's, and its adapter refuses what it can't map.
  standards: { legacy: { negativePrompt: yes } },
} satisfies GatewayCatalog;
