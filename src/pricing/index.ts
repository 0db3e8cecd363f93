/**
 * `kling-sdk/pricing`: pure, synchronous cost estimates over the published rate tables.
 * Imports only the catalog and the error classes, so it loads in milliseconds and runs anywhere.
 */
export {
  CAPABILITIES,
  findUnsupported,
  GATEWAY_IDS,
  GATEWAYS,
  type GatewayId,
  type PerSecond,
  RATE_TABLES,
  type RateRow,
  type RateTable,
  type VideoRequest,
} from '../catalog/index.js';
export {
  KlingError,
  KlingUnsupportedError,
  KlingValidationError,
  type ValidationIssue,
} from '../errors.js';
export { type CostEstimate, estimateCost, type PricingOptions, quote } from './estimate.js';
