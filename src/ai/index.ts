/**
 * `kling-sdk/ai`: Kling 3.0 through any gateway, or the cheapest of several, as a Vercel AI SDK video
 * model. `createKling(options).video()` works with `ai@6`'s `experimental_generateVideo` (Node 20) and
 * carries `doStart`/`doStatus` for `ai@7`'s start/status flow. Uses the SDK's public API only, and
 * loads neither `ai` nor `@ai-sdk/provider` (the spec's types are declared here).
 */
export {
  createKling,
  type KlingBackend,
  type KlingProvider,
  type KlingProviderSettings,
  type KlingVideoMetadata,
  type KlingVideoModel,
  type KlingVideoModelId,
  klingMetadata,
} from './model.js';
export { type KlingVideoProviderOptions, PROVIDER_KEY } from './options.js';
export type {
  JsonObject,
  JsonValue,
  ProviderMetadata,
  ProviderOptions,
  VideoCallOptions,
  VideoData,
  VideoFile,
  VideoFrameImage,
  VideoGenerateResult,
  VideoResponseInfo,
  VideoStartResult,
  VideoStatusOptions,
  VideoStatusResult,
  VideoWarning,
} from './spec.js';
