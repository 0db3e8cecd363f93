/**
 * API in One's catalog data: who it is, what it supports, what it charges and how long it renders.
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
const RATES_PAGE = 'https://apiin.one/models/kling-3';
const row = ratesFrom(RATES_PAGE, AS_OF);

export const catalog = {
  info: {
    id: 'apiinone',
    vendor: 'API in One',
    baseUrl: 'https://apiin.one',
    apiKeyEnv: 'APIINONE_API_KEY',
    docs: 'https://apiin.one/models/kling-3',
  },
  capabilities: {
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
  rates: {
    gateway: 'apiinone',
    unit: 'credits',
    minimumBilledSeconds: 0,
    // "120–1200 credits per video (~$1.20–$12.00)": the vendor's own, approximate, conversion.
    usdPerCredit: { value: 0.01, approximate: true, source: RATES_PAGE, asOf: AS_OF },
    rows: [
      row('std', 'std', false, { credits: 40 }),
      row('std+sound', 'std', true, { credits: 60 }),
      row('pro', 'pro', false, { credits: 54 }),
      row('pro+sound', 'pro', true, { credits: 80 }),
    ],
  },
  renderTime: { minSeconds: 60, maxSeconds: 180, source: 'apiin.one model page: "Speed 60–180 seconds"' },
} satisfies GatewayCatalog;
