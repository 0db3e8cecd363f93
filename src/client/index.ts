export {
  type GenerateOptions,
  type GetTaskOptions,
  KlingClient,
  type KlingClientOptions,
  type Logger,
  type MaxCost,
  type SubmitOptions,
  type SubmitRecord,
  type WaitOptions,
} from './client.js';
export type { DownloadOptions, DownloadResult } from './download.js';
export type { SavedHandle, TaskHandle } from './handle.js';
export { DEFAULT_POLL, nextPollDelay, type PollOptions, type PollState } from './poll.js';
