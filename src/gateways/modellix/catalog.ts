/**
 * Modellix's catalog data: who it is, what it supports, what it charges and how long it renders.
 * Pure data (no network code): pricing reads it through the registry (src/gateways/catalog.ts).
 */
import { type GatewayCatalog, no, ratesFrom, yes } from '../../catalog/gateways.js';

const AS_OF = '2026-11-22';
/** The vendor's public page the rates were read from (the gateway's model page). */
const RATES_PAGE = 'https://docs.modellix.ai/kling/kling-v3-omni-video';
const row = ratesFrom(RATES_PAGE, AS_OF);

export const catalog = {
  info: {
    id: 'modellix',
    vendor: 'Modellix',
    baseUrl: 'https://api.modellix.ai',
    apiKeyEnv: 'MODELLIX_API_KEY',
    docs: 'https://docs.modellix.ai/kling/kling-v3-omni-video',
  },
  capabilities: {
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
  rates: {
    gateway: 'modellix',
    unit: 'usd',
    minimumBilledSeconds: 0,
    usdPerCredit: null,
    rows: [
      // As published: sound off costs more than sound on.
      row('std+on', 'std', true, { usd: 0.15 }),
      row('pro+on', 'pro', true, { usd: 0.19 }),
      row('std+off', 'std', false, { usd: 0.17 }),
      row('pro+off', 'pro', false, { usd: 0.23 }),
    ],
  },
  renderTime: {
    minSeconds: 60,
    maxSeconds: 180,
    source: "unpublished; assumed the same as API in One's range",
  },
} satisfies GatewayCatalog;
