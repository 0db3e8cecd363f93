/**
 * apiframe's catalog data: who it is, what it supports, what it charges and how long it renders.
 * Pure data (no network code): pricing reads it through the registry (src/gateways/catalog.ts).
 */
import {
  type GatewayCatalog,
  JPEG_PNG,
  no,
  ratesFrom,
  UNDOCUMENTED_MAX_BYTES,
  yes,
} from '../../catalog/gateways.js';

const AS_OF = '2026-11-22';
/** The vendor's public page the rates were read from (the gateway's model page). */
const RATES_PAGE = 'https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0';
const row = ratesFrom(RATES_PAGE, AS_OF);

export const catalog = {
  info: {
    id: 'apiframe',
    vendor: 'apiframe',
    baseUrl: 'https://api.apiframe.ai',
    apiKeyEnv: 'APIFRAME_API_KEY',
    docs: 'https://apiframe.ai/docs/videos/kling/kling-3-0',
  },
  capabilities: {
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
  rates: {
    gateway: 'apiframe',
    unit: 'credits',
    minimumBilledSeconds: 0,
    usdPerCredit: null,
    rows: [
      row('standard', 'std', false, { credits: 3 }),
      row('standard-audio', 'std', true, { credits: 4 }),
      row('pro', 'pro', false, { credits: 5 }),
      row('pro-audio', 'pro', true, { credits: 7 }),
      // `4k` is in apiframe's schema but its price is published nowhere.
      row('4k', '4k', false, null),
      row('4k-audio', '4k', true, null),
    ],
  },
  renderTime: {
    minSeconds: 120,
    maxSeconds: 180,
    source: 'apiframe model page "Avg. completion ~150s"; kling-api README "about 135 seconds"',
  },
} satisfies GatewayCatalog;
