/**
 * kling-sdk: Kling 3.0 video generation through API in One, apiframe, EvoLink, Modellix, fal and the official Kling API
 * from one normalized request.
 */
export * from './catalog/index.js';
export * from './client/index.js';
export * from './errors.js';
export {
  FAL_WEBHOOK_JWKS_URL,
  type FetchFalWebhookKeysOptions,
  fetchFalWebhookKeys,
} from './gateways/fal/webhook.js';
export type {
  GatewayPaths,
  SucceededTask,
  Task,
  TaskCost,
  TaskStatus,
  Video,
  WebhookKeySet,
} from './gateways/index.js';
export type { Clock } from './http/clock.js';
export type { LimiterStats } from './http/limiter.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.js';
export type { FetchFunction } from './http/transport.js';
export type { CostEstimate, PricingOptions } from './pricing/estimate.js';
// estimateCost and quote validate the request as submit does (the pure `kling-sdk/pricing` ones check its shape).
export {
  estimateCost,
  parseVideoRequest,
  quote,
  type ResolvedVideoRequest,
  validateForGateway,
} from './request/index.js';
