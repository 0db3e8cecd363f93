/**
 * fal's catalog data: who it is, what it supports, what it charges and how long it renders.
 * Pure data (no network code): pricing reads it through the registry (src/gateways/catalog.ts).
 * Kling 3.0 through fal's queue (`fal-ai/kling-video/v3/{standard|pro|4k}/{text|image}-to-video`).
 */
import {
  type GatewayCatalog,
  JPEG_PNG,
  no,
  ratesFrom,
  UNDOCUMENTED_MAX_BYTES,
  yes,
} from '../../catalog/gateways.js';

/** When the model pages below were read (research: gateways-kling-official-fal-replicate §2). */
const AS_OF = '2026-11-24';
const standard = ratesFrom(
  'https://fal.ai/models/fal-ai/kling-video/v3/standard/text-to-video/llms.txt',
  AS_OF,
);
const pro = ratesFrom('https://fal.ai/models/fal-ai/kling-video/v3/pro/image-to-video/playground', AS_OF);
const fourK = ratesFrom('https://fal.ai/models/fal-ai/kling-video/v3/4k/text-to-video/llms.txt', AS_OF);

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
      referenceImages: no('fal Kling 3.0 (v3) takes start and end frames, not reference images'),
      referenceVideos: no('fal Kling 3.0 (v3) takes no reference video'),
      elements: no(
        "fal's elements are image sets, a video or a voice referenced as @Element1, not Kling element ids",
      ),
      watermark: no('fal Kling 3.0 has no watermark option'),
      callbackUrl: yes,
    },
    idempotencyKey: false,
    // fal stores files on its CDN (storage upload API); not wired in the SDK yet: images are URLs.
    uploads: false,
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
    ],
  },
  renderTime: {
    minSeconds: 60,
    maxSeconds: 600,
    source:
      'no published time; the queue reports queue_position while queued (Kling 3.0 renders take minutes)',
  },
} satisfies GatewayCatalog;
