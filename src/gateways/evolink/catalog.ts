/**
 * EvoLink's catalog data: who it is, what it supports, what it charges and how long it renders.
 * Pure data (no network code): pricing reads it through the registry (src/gateways/catalog.ts).
 */
import { type GatewayCatalog, JPEG_PNG, no, ratesFrom, yes } from '../../catalog/gateways.js';

const AS_OF = '2026-11-22';
/** The vendor's public page the rates were read from (the gateway's model page). */
const RATES_PAGE = 'https://evolink.ai/kling-3';
const row = ratesFrom(RATES_PAGE, AS_OF);

export const catalog = {
  info: {
    id: 'evolink',
    vendor: 'EvoLink',
    baseUrl: 'https://api.evolink.ai',
    apiKeyEnv: 'EVOLINK_API_KEY',
    docs: 'https://docs.evolink.ai/en/api-manual/video-series/kling/kling-v3-image-to-video',
  },
  // The file API is a separate host (POST /api/v1/files/upload/stream).
  uploadBaseUrl: 'https://files-api.evolink.ai',
  capabilities: {
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
  rates: {
    gateway: 'evolink',
    unit: 'usd',
    minimumBilledSeconds: 3,
    usdPerCredit: null,
    rows: [
      // Both columns as published, even where they disagree (7.1982 credits vs $0.10: 0.03%).
      row('720p+off', 'std', false, { usd: 0.075, credits: 5.4 }),
      row('720p+on', 'std', true, { usd: 0.1125, credits: 8.1 }),
      row('1080p+off', 'pro', false, { usd: 0.1, credits: 7.1982 }),
      row('1080p+on', 'pro', true, { usd: 0.15, credits: 10.8 }),
      // `quality: 4k` was added to EvoLink's docs in 2026-04 without a price.
      row('4k+off', '4k', false, null),
      row('4k+on', '4k', true, null),
    ],
  },
  renderTime: {
    minSeconds: 60,
    maxSeconds: 600,
    source: 'no published time; its replies carry an estimate (the create example says 300 s)',
  },
} satisfies GatewayCatalog;
