export { checkBudget, type MaxCost } from './budget.js';
export {
  type Balance,
  type ConfirmWebhookInput,
  type GenerateOptions,
  type GetTaskOptions,
  KlingClient,
  type KlingClientOptions,
  type Logger,
  type SubmitOptions,
  type SubmitRecord,
  type WaitOptions,
} from './client.js';
export type { DownloadOptions, DownloadResult } from './download.js';
export type { SavedHandle, TaskHandle } from './handle.js';
export { MAX_UPLOAD_BYTES, type UploadOptions, type UploadResult } from './media.js';
export { DEFAULT_POLL, nextPollDelay, type PollOptions, type PollState } from './poll.js';
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
export {
  type ExpectedTask,
  type ParsedWebhook,
  type ParseWebhookInput,
  parseWebhook,
  type WebhookHeaders,
} from './webhooks.js';
