export { checkBudget, type MaxCost } from './budget.js';
export { KlingClient } from './client.js';
export type { DownloadOptions, DownloadResult } from './download.js';
export type { SavedHandle, TaskHandle } from './handle.js';
export { MAX_UPLOAD_BYTES, type UploadOptions, type UploadResult } from './local-images.js';
export { DEFAULT_POLL, nextPollDelay, type PollOptions, type PollState } from './poll-delay.js';
export type {
  CancelOptions,
  CancelResult,
  RecoverOptions,
  RecoverResult,
  RecoverTarget,
} from './recover.js';
export {
  KlingRouter,
  type KlingRouterOptions,
  type RoutedGeneration,
  type RoutedHandle,
  type RoutePlan,
  type RouterGenerateOptions,
  type RoutingStrategy,
  type SkipReason,
} from './router.js';
export type { ClientStats, WaitStats } from './scheduler.js';
export type {
  Balance,
  ConfirmWebhookInput,
  GenerateOptions,
  GetTaskOptions,
  KlingApi,
  KlingClientOptions,
  Logger,
  SubmitOptions,
  SubmitRecord,
  WaitOptions,
} from './types.js';
export {
  type ExpectedTask,
  type ParsedWebhook,
  type ParseWebhookInput,
  parseWebhook,
  type WebhookHeaders,
} from './webhooks.js';
