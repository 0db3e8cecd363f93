import * as z from 'zod';
import {
  ASPECT_RATIOS,
  GATEWAY_IDS,
  MODES,
  type Mode,
  mediaSource,
  REQUEST_DEFAULTS,
  REQUEST_LIMITS,
  type VideoRequest,
} from '../catalog/index.js';
import { KlingValidationError, type ValidationIssue } from '../errors.js';
import { unknownRequestFieldMessage } from '../pricing/estimate.js';
import { hasReferenceVideo, referenceVideoIssues } from '../pricing/reference-video.js';
import { callbackUrlProblem, isBase64Media, isHttpUrl } from './url-rules.js';

/**
 * The request schema, built on first use and kept: constructing zod schemas at import cost cold start
 * (bench/cold-start.ts) for programs that never validate a request (pricing, resume, webhooks). zod stays
 * a static import, so bundlers still see and tree-shake it.
 */
function buildVideoRequestSchema() {
  const L = REQUEST_LIMITS;

  const nonBlank = (max: number) =>
    z
      .string()
      .max(max, { error: `must be at most ${max} characters` })
      .refine((s) => s.trim() !== '', { error: 'must not be empty' });

  /**
   * A frame: an http(s) URL, a local file path or the bytes. Whether a path names a readable file is
   * checked at submit time (the client reads it to upload it), and whether the gateway can take a local
   * file at all by `validateForGateway` (API in One has no upload API).
   */
  const frame = z.custom<string | Uint8Array>((v) => mediaSource(v, { base64: false }) !== undefined, {
    error: 'must be an absolute http(s) URL, a local file path (e.g. ./frame.png) or the image bytes',
  });
  /** A reference image: as a frame, or base64 data (which Modellix takes as is). */
  const referenceImage = z.custom<string | Uint8Array>(
    (v) => mediaSource(v, { base64: true }) !== undefined,
    {
      error:
        'must be an absolute http(s) URL, base64 data, a local file path (e.g. ./ref.png) or the image bytes',
    },
  );
  const mediaReference = z.string().refine((s) => isHttpUrl(s) || isBase64Media(s), {
    error: 'must be an absolute http(s) URL or base64 data',
  });

  const shot = z.strictObject({
    prompt: nonBlank(L.maxShotPromptLength),
    duration: z
      .int({ error: 'must be a whole number of seconds' })
      .min(L.minShotDuration, { error: `must be at least ${L.minShotDuration} second` }),
  });

  const multiShot = z.discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('customize'),
        shots: z
          .array(shot)
          .min(L.minShots, { error: `needs at least ${L.minShots} shot` })
          .max(L.maxShots, { error: `takes at most ${L.maxShots} shots` }),
      }),
      z.strictObject({ type: z.literal('intelligence') }),
    ],
    { error: "type must be 'customize' (with shots) or 'intelligence'" },
  );

  const rawFields = z.record(z.string(), z.unknown());

  return z.strictObject({
    prompt: nonBlank(L.maxPromptLength).optional(),
    negativePrompt: nonBlank(L.maxNegativePromptLength).optional(),
    mode: z.enum(MODES, { error: `must be one of ${MODES.join(', ')}` }).optional(),
    duration: z
      .int({ error: 'must be a whole number of seconds' })
      .min(L.minDuration, { error: `must be at least ${L.minDuration} seconds` })
      .max(L.maxDuration, { error: `must be at most ${L.maxDuration} seconds` })
      .optional(),
    aspectRatio: z.enum(ASPECT_RATIOS, { error: `must be one of ${ASPECT_RATIOS.join(', ')}` }).optional(),
    sound: z.boolean({ error: 'must be true or false' }).optional(),
    startImage: frame.optional(),
    endImage: frame.optional(),
    referenceImages: z
      .array(referenceImage)
      .min(1, { error: 'must not be empty (leave it out instead)' })
      .optional(),
    referenceVideos: z
      .array(mediaReference)
      .min(1, { error: 'must not be empty (leave it out instead)' })
      .max(L.maxReferenceVideos, { error: `takes at most ${L.maxReferenceVideos} video` })
      .optional(),
    multiShot: multiShot.optional(),
    elements: z
      .array(z.strictObject({ id: nonBlank(64) }))
      .min(1, { error: 'must not be empty (leave it out instead)' })
      .max(L.maxElements, { error: `takes at most ${L.maxElements} elements` })
      .optional(),
    watermark: z.boolean({ error: 'must be true or false' }).optional(),
    callbackUrl: z
      .string()
      .superRefine((value, ctx) => {
        const problem = callbackUrlProblem(value, L.maxCallbackUrlLength);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    providerOptions: z
      .strictObject(Object.fromEntries(GATEWAY_IDS.map((id) => [id, rawFields.optional()])))
      .optional(),
  });
}

let videoRequestSchemaMemo: ReturnType<typeof buildVideoRequestSchema> | undefined;
const videoRequestSchema = () => (videoRequestSchemaMemo ??= buildVideoRequestSchema());

/**
 * Rules across fields. Run on the raw input next to the schema (not as a zod refinement, which zod
 * skips once a field has a type error), so one call reports every problem.
 */
function crossFieldIssues(input: unknown): ValidationIssue[] {
  if (typeof input !== 'object' || input === null) return [];
  const request = input as Record<string, unknown>;
  const issues: ValidationIssue[] = referenceVideoIssues(request);
  if (request.endImage !== undefined && request.startImage === undefined) {
    issues.push({ path: ['endImage'], message: 'needs a startImage (the first frame) too' });
  }
  const multiShot = request.multiShot as { type?: unknown; shots?: unknown } | undefined;
  const shots = multiShot?.type === 'customize' ? multiShot.shots : undefined;
  if (!hasReferenceVideo(request) && Array.isArray(shots)) {
    const durations = shots.map((s: unknown) => (s as { duration?: unknown } | null)?.duration);
    const duration = request.duration ?? REQUEST_DEFAULTS.duration;
    if (durations.every(Number.isInteger) && Number.isInteger(duration)) {
      const total = (durations as number[]).reduce((sum, d) => sum + d, 0);
      if (total !== duration) {
        const note = request.duration === undefined ? ' (the default)' : '';
        issues.push({
          path: ['multiShot', 'shots'],
          message: `shot durations add up to ${total} s but duration is ${String(duration)} s${note}; they must be equal`,
        });
      }
    }
  }
  return issues;
}

/** A request after validation, with the defaults that change price or content filled in. */
export type ResolvedVideoRequest = VideoRequest & {
  mode: Mode;
  sound: boolean;
};

/**
 * Validates `input` as a `VideoRequest` and fills in the defaults (mode, duration, sound).
 * Throws `KlingValidationError` listing every problem; never throws anything else.
 */
export function parseVideoRequest(input: unknown): ResolvedVideoRequest {
  const result = videoRequestSchema().safeParse(input, { error: defaultMessage });
  const issues = [
    ...(result.success ? [] : toIssues(result.error.issues, input)),
    ...crossFieldIssues(input),
  ];
  if (!result.success || issues.length > 0) throw new KlingValidationError(issues);
  const request = result.data as VideoRequest;
  const resolved: ResolvedVideoRequest = {
    ...request,
    mode: request.mode ?? REQUEST_DEFAULTS.mode,
    sound: request.sound ?? REQUEST_DEFAULTS.sound,
  };
  if (!hasReferenceVideo(request) && request.duration === undefined) {
    resolved.duration = REQUEST_DEFAULTS.duration;
  }
  return resolved;
}

/** The schema's fields (a test checks that pricing knows the same ones). */
export function schemaFields(): readonly string[] {
  return Object.keys(videoRequestSchema().shape);
}

function toIssues(zodIssues: readonly z.core.$ZodIssue[], input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of zodIssues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: [...path, key], message: unknownFieldMessage(key, path.length === 0) });
      }
    } else if (issue.code === 'invalid_type' && path.length === 0) {
      issues.push({ path, message: `the request must be an object (got ${describe(input)})` });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

/** Messages for the checks that carry none of their own. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  return issue.input === undefined
    ? 'is required'
    : `must be ${issue.expected === 'array' ? 'an' : 'a'} ${issue.expected}`;
}

/** The same message pricing gives (`quote` and `submit` refuse an unknown field alike). */
function unknownFieldMessage(key: string, topLevel: boolean): string {
  return topLevel ? unknownRequestFieldMessage(key) : 'unknown field';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
