/**
 * The Vercel AI SDK's video model specification, declared structurally so `kling-sdk/ai` needs no
 * `@ai-sdk/provider` at run time or for its types. Written from `@ai-sdk/provider` 3.0.19
 * (`Experimental_VideoModelV3*`, the `ai@6` spec) and `@ai-sdk/provider` 4.x (`VideoModelV4` `doStart` /
 * `doStatus`, the `ai@7` start/status flow); test/ai/ checks these against the real `ai@6` types.
 */

/** A JSON value, as the AI SDK's `JSONValue`. */
export type JsonValue = null | string | number | boolean | JsonObject | JsonValue[];
export type JsonObject = { [key: string]: JsonValue | undefined };

/** `SharedV3Warning`: what the AI SDK logs and returns in `result.warnings`. */
export type VideoWarning =
  | { type: 'unsupported'; feature: string; details?: string }
  | { type: 'compatibility'; feature: string; details?: string }
  | { type: 'other'; message: string };

/** `SharedV3ProviderMetadata` / `SharedV3ProviderOptions`. */
export type ProviderMetadata = Record<string, JsonObject>;
export type ProviderOptions = Record<string, JsonObject>;

/** `VideoModelV3File`: an image (or video) input as the AI SDK hands it to a provider. */
export type VideoFile =
  | { type: 'file'; mediaType: string; data: string | Uint8Array; providerOptions?: ProviderMetadata }
  | { type: 'url'; url: string; mediaType?: string; providerOptions?: ProviderMetadata };

/** `VideoModelV3FrameImage`. */
export interface VideoFrameImage {
  image: VideoFile;
  frameType: 'first_frame' | 'last_frame';
}

/** `VideoModelV3CallOptions` (every key present; `undefined` when not given). */
export interface VideoCallOptions {
  prompt: string | undefined;
  n: number;
  aspectRatio: `${number}:${number}` | 'adaptive' | undefined;
  resolution: `${number}x${number}` | undefined;
  duration: number | undefined;
  fps: number | undefined;
  seed: number | undefined;
  image: VideoFile | undefined;
  frameImages?: VideoFrameImage[] | undefined;
  inputReferences?: VideoFile[] | undefined;
  generateAudio?: boolean | undefined;
  providerOptions: ProviderOptions;
  abortSignal?: AbortSignal | undefined;
  headers?: Record<string, string | undefined> | undefined;
}

/** `VideoModelV3VideoData`. */
export type VideoData =
  | { type: 'url'; url: string; mediaType: string }
  | { type: 'base64'; data: string; mediaType: string }
  | { type: 'binary'; data: Uint8Array; mediaType: string };

export interface VideoResponseInfo {
  timestamp: Date;
  modelId: string;
  headers: Record<string, string> | undefined;
}

/** What `doGenerate` resolves to. */
export interface VideoGenerateResult {
  videos: VideoData[];
  warnings: VideoWarning[];
  providerMetadata?: ProviderMetadata;
  response: VideoResponseInfo;
}

/** What `doStart` (v4) resolves to: `operation` is JSON, to be passed to `doStatus` from any process. */
export interface VideoStartResult {
  operation: JsonValue;
  warnings: VideoWarning[];
  providerMetadata?: ProviderMetadata;
  response: VideoResponseInfo;
}

/** What `doStatus` (v4) resolves to. */
export type VideoStatusResult =
  | {
      status: 'pending';
      warnings?: VideoWarning[];
      providerMetadata?: ProviderMetadata;
      response: VideoResponseInfo;
    }
  | {
      status: 'completed';
      videos: VideoData[];
      warnings: VideoWarning[];
      providerMetadata?: ProviderMetadata;
      response: VideoResponseInfo;
    }
  | { status: 'error'; error: string; providerMetadata?: ProviderMetadata; response: VideoResponseInfo };

/** `doStatus`'s options (v4). */
export interface VideoStatusOptions {
  operation: JsonValue;
  abortSignal?: AbortSignal | undefined;
  headers?: Record<string, string | undefined> | undefined;
}
