// The catalog layer: domain types and shared data (this folder) and the gateways' catalog data, whose
// registry lives beside the adapters (src/gateways/catalog.ts). Both are pure: no network code.

export {
  CAPABILITIES,
  findMissingRequired,
  findRateRow,
  findUnsupported,
  GATEWAY_IDS,
  GATEWAYS,
  type GatewayId,
  isGatewayId,
  RATE_TABLES,
  RENDER_TIMES,
  rateVariantOf,
} from '../gateways/catalog.js';
export type {
  FieldSupport,
  GatewayCapabilities,
  ImageRules,
  ImageType,
  OptionalField,
  UnsupportedUse,
} from './capabilities.js';
export type { GatewayInfo } from './gateways.js';
export * from './media.js';
export type { PerSecond, RateRow, RateTable } from './rates.js';
export type { RenderTime } from './render-times.js';
export * from './task.js';
export * from './video-request.js';
