/**
 * kling-sdk: Kling 3.0 video generation through API in One, apiframe, EvoLink and Modellix
 * from one normalized request.
 */
export * from './catalog/index.js';
export * from './errors.js';
export { type CostEstimate, estimateCost, type PricingOptions, quote } from './pricing/estimate.js';
export { parseVideoRequest, type ResolvedVideoRequest, validateForGateway } from './request/index.js';
