/**
 * `createKling(options).video()`: a Vercel AI SDK video model over a `KlingClient` (one gateway) or a
 * `KlingRouter` (the cheapest gateway that can serve the request). It owns only the mapping between
 * the AI SDK's options and ours: pricing, budgets, write safety and waiting are the client's.
 */
import {
  type CostEstimate,
  type GatewayId,
  type GetTaskOptions,
  KlingClient,
  type KlingClientOptions,
  KlingError,
  KlingRouter,
  type KlingRouterOptions,
  KlingValidationError,
  type SavedHandle,
  type SubmitOptions,
  type SucceededTask,
  type Task,
  type TaskHandle,
  type VideoRequest,
  type WaitOptions,
} from '../index.js';
import { PROVIDER_KEY, toKlingCall } from './options.js';
import type {
  JsonObject,
  JsonValue,
  ProviderMetadata,
  VideoCallOptions,
  VideoData,
  VideoGenerateResult,
  VideoResponseInfo,
  VideoStartResult,
  VideoStatusOptions,
  VideoStatusResult,
} from './spec.js';

/**
 * What the model needs of a client or a router (both are one): an object with these methods, so a
 * `KlingClient` or `KlingRouter` from another copy of the package (ESM and CommonJS) works too.
 */
export interface KlingBackend {
  submit(request: VideoRequest, options?: SubmitOptions): Promise<TaskHandle>;
  getTask(saved: SavedHandle, options?: GetTaskOptions): Promise<Task>;
  wait(saved: SavedHandle, options?: WaitOptions): Promise<SucceededTask>;
  resume(saved: string | SavedHandle): TaskHandle;
  /** A client's gateway. */
  readonly gateway?: GatewayId;
  /** A router's gateways, in its configured order. */
  readonly gateways?: readonly GatewayId[];
}

/** One gateway (a client's options or a client) or several (a router's options or a router). */
export type KlingProviderSettings =
  | KlingClientOptions
  | KlingRouterOptions
  | KlingClient
  | KlingRouter
  | KlingBackend;

/** Kling 3.0 is the one model; the gateway or router chooses where it runs. */
export type KlingVideoModelId = 'kling-v3';
const MODEL_IDS: readonly string[] = ['kling-v3'];

/**
 * `providerMetadata.kling` of a result: the handle to save (resume it with `client.resume`, or pass it to
 * `doStatus` from any process), the estimate the submit was priced and budgeted with, the gateway that
 * took it, the task id, and the cost the gateway reported (null where it reports none).
 */
export interface KlingVideoMetadata {
  handle: SavedHandle;
  estimate: CostEstimate;
  gateway: GatewayId;
  taskId: string;
  cost: { amount: number; unit: 'credits' | 'usd'; reserved: boolean } | null;
  /** The task's status when this was read (`doStatus`, and 'succeeded' after `doGenerate`). */
  status?: Task['status'];
  progress?: number;
  /** The finished videos' URLs (and expiry, where the gateway gives one): fetch or stream them yourself. */
  videos?: { url: string; expiresAt?: string }[];
  /** A router's gateways ruled out or tried before the one that took the request. */
  skipped?: { gateway: GatewayId; reason: string; message: string }[];
}

/**
 * A Vercel AI SDK video model: `specificationVersion: 'v3'` with `doGenerate` (`ai@6`'s
 * `experimental_generateVideo`), plus `doStart`/`doStatus`, the start/status flow of `ai@7`, which passes
 * these through a v3 model. The operation `doStart` returns is the task handle as JSON.
 */
export interface KlingVideoModel {
  readonly specificationVersion: 'v3';
  readonly provider: string;
  readonly modelId: KlingVideoModelId;
  /** One task renders one video: the AI SDK makes one call per video asked. */
  readonly maxVideosPerCall: number;
  /** Submit, wait, and return the video URLs (with the handle in `providerMetadata.kling`). */
  doGenerate(options: VideoCallOptions): Promise<VideoGenerateResult>;
  /** Submit only: the operation is the saved handle (JSON). */
  doStart(options: VideoCallOptions & { webhookUrl?: string | undefined }): Promise<VideoStartResult>;
  /** One status read of an operation from `doStart` (from any process, with any client of its gateway). */
  doStatus(options: VideoStatusOptions): Promise<VideoStatusResult>;
}

export interface KlingProvider {
  /** The video model (Kling 3.0) over this provider's client or router. */
  video(modelId?: KlingVideoModelId): KlingVideoModel;
  /** The same, under the name the AI SDK's provider registries call. */
  videoModel(modelId?: KlingVideoModelId): KlingVideoModel;
  /** The client or router the models use (yours to close, e.g. `client.close()`). */
  readonly backend: KlingBackend;
}

/**
 * A provider for the Vercel AI SDK. `settings` is one of: a `KlingClient`'s options (one gateway), a
 * `KlingClient`, a `KlingRouter`'s options (`{ clients, strategy? }`, cheapest first by default) or a
 * `KlingRouter`. Invalid settings throw `KlingValidationError`.
 */
export function createKling(settings: KlingProviderSettings): KlingProvider {
  const backend = backendOf(settings);
  const video = (modelId: KlingVideoModelId = 'kling-v3'): KlingVideoModel => {
    if (!MODEL_IDS.includes(modelId)) {
      throw new KlingValidationError(
        [{ path: ['modelId'], message: `must be one of ${MODEL_IDS.join(', ')}, got ${String(modelId)}` }],
        { subject: 'options' },
      );
    }
    return createModel(backend, modelId);
  };
  return { video, videoModel: video, backend };
}

function isBackend(value: object): value is KlingBackend {
  const v = value as Record<string, unknown>;
  return ['submit', 'getTask', 'wait', 'resume'].every((name) => typeof v[name] === 'function');
}

function backendOf(settings: KlingProviderSettings): KlingBackend {
  if (typeof settings !== 'object' || settings === null) {
    throw new KlingValidationError(
      [
        {
          path: [],
          message:
            "must be a client's options ({ gateway, ... }), a KlingClient, a router's options ({ clients }) or a KlingRouter",
        },
      ],
      { subject: 'options' },
    );
  }
  if (isBackend(settings)) return settings;
  if ('clients' in settings) return new KlingRouter(settings);
  return new KlingClient(settings as KlingClientOptions);
}

function gatewaysOf(backend: KlingBackend): readonly GatewayId[] {
  if (backend.gateways !== undefined) return backend.gateways;
  return backend.gateway === undefined ? [] : [backend.gateway];
}

function createModel(backend: KlingBackend, modelId: KlingVideoModelId): KlingVideoModel {
  const gateways = gatewaysOf(backend);
  const isRouter = backend.gateways !== undefined;
  // The gateway KlingUnsupportedError names for an option no gateway takes (a router's first).
  const named: GatewayId = gateways[0] ?? 'evolink';
  const response = (): VideoResponseInfo => ({ timestamp: new Date(), modelId, headers: undefined });

  return {
    specificationVersion: 'v3',
    provider: isRouter ? 'kling-sdk.router' : `kling-sdk.${named}`,
    modelId,
    maxVideosPerCall: 1,

    doGenerate(options) {
      return neverRetryable(async () => {
        const call = toKlingCall(options, named);
        const signal = options.abortSignal;
        const handle = await backend.submit(call.request, { ...call.submit, ...(signal ? { signal } : {}) });
        const task = await backend.wait(handle, {
          ...(signal ? { signal } : {}),
          ...(call.waitTimeoutMs === undefined ? {} : { timeoutMs: call.waitTimeoutMs }),
        });
        return {
          videos: videosOf(task),
          warnings: call.warnings,
          providerMetadata: { [PROVIDER_KEY]: metadataOf(handle, task) },
          response: response(),
        };
      });
    },

    doStart(options) {
      return neverRetryable(async () => {
        const call = toKlingCall(options, named, { webhookUrl: options.webhookUrl });
        const signal = options.abortSignal;
        const handle = await backend.submit(call.request, { ...call.submit, ...(signal ? { signal } : {}) });
        return {
          operation: toJson(handle),
          warnings: call.warnings,
          providerMetadata: { [PROVIDER_KEY]: metadataOf(handle) },
          response: response(),
        };
      });
    },

    doStatus(options) {
      return neverRetryable(async () => {
        const handle = backend.resume(operationOf(options.operation));
        const signal = options.abortSignal;
        const task = await backend.getTask(handle, signal ? { signal } : {});
        const providerMetadata = { [PROVIDER_KEY]: metadataOf(handle, task) };
        switch (task.status) {
          case 'succeeded':
            return {
              status: 'completed',
              videos: videosOf(task),
              warnings: [],
              providerMetadata,
              response: response(),
            };
          case 'failed':
          case 'canceled':
            return {
              status: 'error',
              error: `${task.gateway} task ${task.id} ${task.status}: ${task.error.message}`,
              providerMetadata,
              response: response(),
            };
          default:
            return { status: 'pending', providerMetadata, response: response() };
        }
      });
    },
  };
}

function videosOf(task: SucceededTask): VideoData[] {
  return task.videos.map((video) => ({ type: 'url', url: video.url, mediaType: 'video/mp4' }));
}

function metadataOf(handle: TaskHandle, task?: Task): JsonObject {
  const routed = (handle as { skipped?: readonly { gateway: GatewayId; reason: string; error: Error }[] })
    .skipped;
  const metadata: KlingVideoMetadata = {
    handle: handle.toJSON(),
    estimate: handle.estimate,
    gateway: handle.gateway,
    taskId: handle.id,
    cost: task?.cost ?? null,
    ...(task === undefined ? {} : { status: task.status }),
    ...(task?.progress === undefined ? {} : { progress: task.progress }),
    ...(task?.status === 'succeeded'
      ? {
          videos: task.videos.map((v) => ({
            url: v.url,
            ...(v.expiresAt === undefined ? {} : { expiresAt: v.expiresAt.toISOString() }),
          })),
        }
      : {}),
    ...(routed === undefined || routed.length === 0
      ? {}
      : { skipped: routed.map((s) => ({ gateway: s.gateway, reason: s.reason, message: s.error.message })) }),
  };
  return toJson(metadata) as JsonObject;
}

/**
 * `providerMetadata.kling` of an AI SDK result (of `experimental_generateVideo`, `doStart` or
 * `doStatus`), typed; undefined when the result did not come from this provider.
 */
export function klingMetadata(
  providerMetadata: ProviderMetadata | undefined,
): KlingVideoMetadata | undefined {
  const metadata = providerMetadata?.[PROVIDER_KEY];
  return metadata === undefined ? undefined : (metadata as unknown as KlingVideoMetadata);
}

/** Plain JSON (what the AI SDK's metadata and operations must be). */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function operationOf(operation: JsonValue): string | SavedHandle {
  if (typeof operation === 'string') return operation;
  if (typeof operation === 'object' && operation !== null && !Array.isArray(operation)) {
    return operation as unknown as SavedHandle;
  }
  throw new KlingValidationError(
    [{ path: ['operation'], message: 'must be the operation doStart returned (the task handle as JSON)' }],
    { subject: 'handle' },
  );
}

/**
 * The AI SDK re-runs `doGenerate` (and `ai@7` `doStart`) when it throws an error it deems retryable
 * (`APICallError` or `GatewayError` with `isRetryable: true`), which would send the paid submit again.
 * Our own errors never are; anything else that says it is (a custom backend's, a user's fetch's) is
 * wrapped in a `KlingError` that is not, its original kept as `cause`.
 */
async function neverRetryable<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isRetryableLooking(error)) {
      const message = error instanceof Error ? error.message : String(error);
      throw new KlingError(
        `kling-sdk/ai: ${message} (not retried by the AI SDK: a submit is a paid write, and a task may exist)`,
        { cause: error, taskState: 'may-exist' },
      );
    }
    throw error;
  }
}

function isRetryableLooking(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { isRetryable?: unknown }).isRetryable === true
  );
}
