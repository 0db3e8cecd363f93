/**
 * The official Kling API's catalog data (the new standard: model in the path, API key as Bearer): who it
 * is, what it supports, what it charges and how long it renders. Pure data (no network code): pricing reads
 * it through the registry (src/gateways/catalog.ts).
 */
import { type GatewayCatalog, JPEG_PNG, no, ratesFrom, yes } from '../../catalog/gateways.js';

/**
 * The pricing page, read 2026-12-03 through its mirror `aself101/kling-api` `docs/api/kling-pricing-video.md`
 * @ 4f23c277 ("Kling 3.0": units per second; the dollar column is 0.14 × units).
 */
const RATES_PAGE = 'https://kling.ai/document-api/pricing/base/video';
const AS_OF = '2026-12-03';
const row = ratesFrom(RATES_PAGE, AS_OF);

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
    rows: [
      // Kling 3.0 (text-to-video, image-to-video). Kling 3.0 Omni (reference images or elements without a
      // first frame) bills 0.8 / 1.0 units with audio, less than these rows: its estimate is an upper bound,
      // and the task's `billing[]` (task.cost) is the actual charge.
      row('720p', 'std', false, { credits: 0.6 }),
      row('720p+audio', 'std', true, { credits: 0.9 }),
      row('1080p', 'pro', false, { credits: 0.8 }),
      row('1080p+audio', 'pro', true, { credits: 1.2 }),
      row('4k', '4k', false, { credits: 3.0 }),
      row('4k+audio', '4k', true, { credits: 3.0 }),
    ],
  },
  renderTime: {
    minSeconds: 60,
    maxSeconds: 600,
    source: 'no published time; the docs advise polling or a callback',
  },
} satisfies GatewayCatalog;
