/**
 * The AI SDK's call options → one `VideoRequest` and its submit options, with the AI SDK's warnings for
 * what Kling can't honour. Nothing here sends anything: every refusal happens before the submit.
 */
import {
  type AspectRatio,
  type GatewayId,
  KlingUnsupportedError,
  KlingValidationError,
  type MaxCost,
  type Mode,
  type MultiShot,
  type ValidationIssue,
  type VideoRequest,
} from '../index.js';
import type { JsonObject, VideoCallOptions, VideoFile, VideoWarning } from './spec.js';

/** The key of our options in the AI SDK's `providerOptions` (and of our `providerMetadata`). */
export const PROVIDER_KEY = 'kling';

/**
 * `providerOptions.kling`: the rest of a `VideoRequest` (the fields the AI SDK has no standard option
 * for) and the submit options. Plain JSON, as the AI SDK's `providerOptions` are.
 */
export interface KlingVideoProviderOptions {
  negativePrompt?: string;
  /** `'std'` (720p), `'pro'` (1080p) or `'4k'`; the AI SDK's `resolution` sets it too, where it maps exactly. */
  mode?: Mode;
  multiShot?: MultiShot;
  elements?: { id: string }[];
  watermark?: boolean;
  callbackUrl?: string;
  referenceVideos?: string[];
  /** Raw extra wire fields per gateway (`VideoRequest.providerOptions`). */
  providerOptions?: Partial<Record<GatewayId, Record<string, unknown>>>;
  /** Refuse, before sending, a request whose estimate is above this or unknown (a number is US dollars). */
  maxCost?: MaxCost;
  /** Only where the gateway dedupes (apiframe). */
  idempotencyKey?: string;
  /** The deadline of the wait after the submit, in ms (`doGenerate` only). Default: the client's. */
  waitTimeoutMs?: number;
}

const REQUEST_KEYS = [
  'negativePrompt',
  'mode',
  'multiShot',
  'elements',
  'watermark',
  'callbackUrl',
  'referenceVideos',
  'providerOptions',
] as const;
const CALL_KEYS = ['maxCost', 'idempotencyKey', 'waitTimeoutMs'] as const;
/** VideoRequest fields with a standard AI SDK option: set them there, not twice. */
const STANDARD: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  duration: 'duration',
  aspectRatio: 'aspectRatio',
  sound: 'generateAudio',
  startImage: 'prompt: { image } or frameImages (first_frame)',
  endImage: 'frameImages (last_frame)',
  referenceImages: 'inputReferences',
};

/** The resolutions that are exactly one Kling 3.0 mode (720p std, 1080p pro, 2160p 4k) and ratio. */
const RESOLUTIONS: Readonly<Record<string, { mode: Mode; aspectRatio: AspectRatio }>> = {
  '1280x720': { mode: 'std', aspectRatio: '16:9' },
  '720x1280': { mode: 'std', aspectRatio: '9:16' },
  '720x720': { mode: 'std', aspectRatio: '1:1' },
  '1920x1080': { mode: 'pro', aspectRatio: '16:9' },
  '1080x1920': { mode: 'pro', aspectRatio: '9:16' },
  '1080x1080': { mode: 'pro', aspectRatio: '1:1' },
  '3840x2160': { mode: '4k', aspectRatio: '16:9' },
  '2160x3840': { mode: '4k', aspectRatio: '9:16' },
  '2160x2160': { mode: '4k', aspectRatio: '1:1' },
};
const RATIOS: readonly string[] = ['16:9', '9:16', '1:1'];
/** Headers the AI SDK sets itself; any other is the caller's, and the gateway requests don't carry it. */
const AI_SDK_HEADERS = new Set(['user-agent', 'idempotency-key']);

export interface KlingCall {
  request: VideoRequest;
  submit: { maxCost?: MaxCost; idempotencyKey?: string };
  waitTimeoutMs?: number;
  warnings: VideoWarning[];
}

/**
 * Maps one call. Throws `KlingValidationError` (every problem, with its path) for malformed or
 * contradictory options, and `KlingUnsupportedError` where dropping an option would change what is
 * delivered (an aspect ratio Kling does not render, a reference video given as bytes). `gateway` names
 * the gateway in that error (a router's first).
 */
export function toKlingCall(
  options: VideoCallOptions,
  gateway: GatewayId,
  extra: { webhookUrl?: string | undefined } = {},
): KlingCall {
  const issues: ValidationIssue[] = [];
  const warnings: VideoWarning[] = [];
  const kling = readKlingOptions(options.providerOptions?.[PROVIDER_KEY], issues);
  const request: VideoRequest = {};
  const submit: KlingCall['submit'] = {};
  let waitTimeoutMs: number | undefined;

  if (options.prompt !== undefined) request.prompt = options.prompt;
  if (options.duration !== undefined) request.duration = options.duration;
  if (options.generateAudio !== undefined) request.sound = options.generateAudio;
  for (const key of REQUEST_KEYS) {
    if (kling[key] !== undefined) (request as Record<string, unknown>)[key] = kling[key];
  }
  if (kling.maxCost !== undefined) submit.maxCost = kling.maxCost as MaxCost;
  if (kling.idempotencyKey !== undefined) submit.idempotencyKey = kling.idempotencyKey as string;
  if (kling.waitTimeoutMs !== undefined) waitTimeoutMs = kling.waitTimeoutMs as number;

  // Images: the AI SDK puts the start image (prompt.image or the first_frame) in `image`.
  const frames = options.frameImages ?? [];
  const first = options.image ?? frames.find((f) => f.frameType === 'first_frame')?.image;
  if (first !== undefined) request.startImage = imageOf(first, gateway, 'image');
  const lasts = frames.filter((f) => f.frameType === 'last_frame');
  if (lasts.length > 1) {
    issues.push({ path: ['frameImages'], message: 'Kling takes one last_frame image, not several' });
  }
  const last = lasts[0];
  if (last !== undefined) request.endImage = imageOf(last.image, gateway, 'frameImages');
  for (const reference of options.inputReferences ?? []) {
    if (reference.type === 'url' && reference.mediaType?.startsWith('video/') === true) {
      request.referenceVideos = [...(request.referenceVideos ?? []), reference.url];
    } else {
      if (reference.mediaType?.startsWith('video/') === true) {
        throw new KlingUnsupportedError(
          gateway,
          'inputReferences',
          'a reference video must be a URL (kling-sdk sends reference videos by URL, not as bytes)',
        );
      }
      request.referenceImages = [
        ...(request.referenceImages ?? []),
        imageOf(reference, gateway, 'inputReferences'),
      ];
    }
  }

  // Resolution → mode (and ratio) where it is exactly one; otherwise a warning.
  let ratioFromResolution: AspectRatio | undefined;
  if (options.resolution !== undefined) {
    const exact = RESOLUTIONS[options.resolution];
    if (exact === undefined) {
      warnings.push({
        type: 'unsupported',
        feature: 'resolution',
        details: `Kling 3.0 renders 720p (mode 'std'), 1080p ('pro') or 2160p ('4k') at 16:9, 9:16 or 1:1; ${options.resolution} is none of them, so it was not sent and mode '${request.mode ?? 'std'}' is used. Set providerOptions.${PROVIDER_KEY}.mode to choose.`,
      });
    } else {
      if (request.mode !== undefined && request.mode !== exact.mode) {
        issues.push({
          path: ['providerOptions', PROVIDER_KEY, 'mode'],
          message: `is '${request.mode}', but resolution ${options.resolution} is mode '${exact.mode}': give one of them`,
        });
      }
      request.mode = exact.mode;
      // Image-to-video takes its ratio from the start image (EvoLink refuses one sent with it).
      if (request.startImage === undefined) ratioFromResolution = exact.aspectRatio;
    }
  }

  const ratio = options.aspectRatio;
  if (ratio === 'adaptive') {
    // Image-to-video follows the image's ratio when none is sent; text-to-video gets the gateway's default.
    if (request.startImage === undefined && ratioFromResolution === undefined) {
      warnings.push({
        type: 'compatibility',
        feature: 'aspectRatio',
        details:
          "'adaptive' was not sent: without a start image the gateway renders its default ratio (16:9)",
      });
    }
    if (ratioFromResolution !== undefined) request.aspectRatio = ratioFromResolution;
  } else if (ratio !== undefined) {
    if (!RATIOS.includes(ratio)) {
      throw new KlingUnsupportedError(
        gateway,
        'aspectRatio',
        `Kling 3.0 renders 16:9, 9:16 or 1:1, not ${ratio}: nothing was sent`,
      );
    }
    if (ratioFromResolution !== undefined && ratio !== ratioFromResolution) {
      issues.push({
        path: ['aspectRatio'],
        message: `is ${ratio}, but resolution ${options.resolution} is ${ratioFromResolution}`,
      });
    }
    request.aspectRatio = ratio as AspectRatio;
  } else if (ratioFromResolution !== undefined) {
    request.aspectRatio = ratioFromResolution;
  }

  if (extra.webhookUrl !== undefined) {
    if (request.callbackUrl !== undefined && request.callbackUrl !== extra.webhookUrl) {
      issues.push({
        path: ['providerOptions', PROVIDER_KEY, 'callbackUrl'],
        message: 'differs from the webhook URL given to the AI SDK: give one of them',
      });
    }
    request.callbackUrl = extra.webhookUrl;
  }

  if (options.n > 1) {
    warnings.push({
      type: 'unsupported',
      feature: 'n',
      details: `one task renders one video: ${options.n} were asked in one call and one is rendered (leave maxVideosPerCall at 1 and the AI SDK makes one call per video)`,
    });
  }
  if (options.fps !== undefined) {
    warnings.push({
      type: 'unsupported',
      feature: 'fps',
      details: 'Kling 3.0 renders at its own frame rate',
    });
  }
  if (options.seed !== undefined) {
    warnings.push({ type: 'unsupported', feature: 'seed', details: 'Kling 3.0 gateways take no seed' });
  }
  const extraHeaders = Object.entries(options.headers ?? {}).filter(
    ([name, value]) => value !== undefined && !AI_SDK_HEADERS.has(name.toLowerCase()),
  );
  if (extraHeaders.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'headers',
      details: `not sent to the gateway: ${extraHeaders.map(([name]) => name).join(', ')}`,
    });
  }

  if (issues.length > 0) throw new KlingValidationError(issues, { subject: 'options' });
  return {
    request,
    submit,
    ...(waitTimeoutMs === undefined ? {} : { waitTimeoutMs }),
    warnings,
  };
}

function readKlingOptions(value: unknown, issues: ValidationIssue[]): JsonObject {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path: ['providerOptions', PROVIDER_KEY], message: 'must be an object' });
    return {};
  }
  const known: readonly string[] = [...REQUEST_KEYS, ...CALL_KEYS];
  for (const key of Object.keys(value)) {
    const standard = STANDARD[key];
    if (standard !== undefined) {
      issues.push({
        path: ['providerOptions', PROVIDER_KEY, key],
        message: `is set with the AI SDK's own option (${standard})`,
      });
    } else if (!known.includes(key)) {
      issues.push({
        path: ['providerOptions', PROVIDER_KEY, key],
        message: `is not an option (one of ${known.join(', ')})`,
      });
    }
  }
  return value as JsonObject;
}

/** A URL stays a URL; file data becomes bytes (uploaded by the client where the gateway has an upload API). */
function imageOf(file: VideoFile, gateway: GatewayId, field: string): string | Uint8Array {
  if (file.type === 'url') return file.url;
  if (/^(video|audio)\//.test(file.mediaType)) {
    throw new KlingUnsupportedError(gateway, field, `${field} must be an image, got ${file.mediaType}`);
  }
  return typeof file.data === 'string' ? new Uint8Array(Buffer.from(file.data, 'base64')) : file.data;
}
