/**
 * The official Kling API (https://api-singapore.klingai.com), Kling 3.0 and 3.0 Omni, both wire standards,
 * written from the vendor's docs alone (mirrored in github.com/aself101/kling-api `docs/api/` @ 71eb8c9e;
 * see test/fixtures/kling/SOURCE.md), never from the SDK's adapter:
 *
 * - the NEW standard, model in the path: `POST /text-to-video/kling-3.0`, `/image-to-video/kling-3.0`,
 *   `/omni-video/kling-3.0-omni` with `prompt` | `contents[]`, `settings`, `options`; API key only; status by
 *   `GET /tasks?task_ids=a,b` or `?external_task_ids=…` (batch, `data` an array), words
 *   submitted|processing|succeeded|failed, `outputs[]`, `billing[]`;
 * - the LEGACY standard, `model_name` in the body: `POST /v1/videos/text2video` | `image2video` |
 *   `omni-video`; API key or an HS256 JWT from access key + secret key; status by
 *   `GET /v1/videos/<kind>/<task_id | external_task_id>`, words submitted|processing|succeed|failed,
 *   `task_result.videos[]`, `final_unit_deduction`.
 *
 * Registered in the route table (../gateways/index.ts) through `GatewayProtocol`'s optional hooks: each
 * create path served by `at(endpoint)` (`atCreatePath`), auth by `authenticateRequest` (codes 1001-1004,
 * JWTs on the legacy paths only), the 1303 concurrency limit by `admitCreate`, the batch `GET /tasks` by
 * `listRoutes`.
 * Legacy status reads go through the generic status route (`statusPath`): by task id, or by external task
 * id (`findByCallerId`), answered only under the kind the task was created on (`statusWireReply`). A create
 * is refused before anything is created for a duplicate `external_task_id` (1201, INFERRED: the docs say
 * "must be unique" and name no code), an exhausted resource pack (1102, `units`), or the concurrency cap
 * (1303).
 *
 * Rules the docs state are `problems.add`; rules inferred from wording or examples are `addStrict`
 * (each says so); price- and content-changing fields left to the vendor default are `checkExplicit`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { QUEUED_SHARE, type TaskRecord, type TaskView } from '../lifecycle.js';
import type { SeededRandom } from '../random.js';
import type { GatewayId, JsonObject, JsonValue, SimulatorOp } from '../types.js';
import {
  checkArray,
  checkBoolean,
  checkExplicit,
  checkInteger,
  checkKeys,
  checkObject,
  checkRequired,
  checkString,
  checkUrl,
  child,
  isJsonObject,
  type Problems,
} from './checks.js';
import {
  type CallbackProtocol,
  type GatewayError,
  type GatewayProtocol,
  type GatewayTasks,
  type ReplyContext,
  readBearerKey,
  type WireReply,
} from './protocol.js';

export const KLING_GATEWAY_ID: GatewayId = 'kling';

// ---------------------------------------------------------------------------------------------------------
// Paths

/** Every create path, by name. The new standard's three, then the legacy standard's three. */
export const KLING_CREATE_PATHS = {
  t2v: '/text-to-video/kling-3.0',
  i2v: '/image-to-video/kling-3.0',
  omni: '/omni-video/kling-3.0-omni',
  'legacy-t2v': '/v1/videos/text2video',
  'legacy-i2v': '/v1/videos/image2video',
  'legacy-omni': '/v1/videos/omni-video',
} as const;
export type KlingEndpoint = keyof typeof KLING_CREATE_PATHS;
export type KlingStandard = 'new' | 'legacy';

/** New standard: the batch read (`GET`; `POST /tasks` is the cursor listing, not simulated). */
export const KLING_TASKS_PATH = '/tasks';
/** Legacy standard: one task, by `task_id` or `external_task_id`, under the path it was created on. */
export const KLING_LEGACY_STATUS_PATH = '/v1/videos/:kind/:id';

/** The `<kind>` path segment of each legacy create path. */
export const KLING_LEGACY_KINDS: Readonly<Record<string, KlingEndpoint>> = {
  text2video: 'legacy-t2v',
  image2video: 'legacy-i2v',
  'omni-video': 'legacy-omni',
};

function isEndpoint(name: string | undefined): name is KlingEndpoint {
  return name !== undefined && Object.hasOwn(KLING_CREATE_PATHS, name);
}

export function standardOf(endpoint: KlingEndpoint): KlingStandard {
  return endpoint.startsWith('legacy-') ? 'legacy' : 'new';
}

/** The create path's endpoint name, or undefined for any other path. */
export function endpointOfPath(path: string): KlingEndpoint | undefined {
  const entry = Object.entries(KLING_CREATE_PATHS).find(([, p]) => p === path);
  return entry?.[0] as KlingEndpoint | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Errors: {code, message, request_id}, HTTP status by the documented table (error-codes page)

interface CodeRow {
  http: number;
  message: string;
}

/**
 * The error-code table. `message` is the doc's explanation: the texts the vendor sends are undocumented
 * except 1303's ("parallel task over resource pack limit", concurrency page), which is used verbatim.
 */
export const KLING_ERROR_CODES: Readonly<Record<number, CodeRow>> = {
  1000: { http: 401, message: 'Authentication failed' },
  1001: { http: 401, message: 'Authorization is empty' },
  1002: { http: 401, message: 'Authorization is invalid' },
  1003: { http: 401, message: 'Authorization is not yet valid' },
  1004: { http: 401, message: 'Authorization has expired' },
  1100: { http: 429, message: 'Abnormal account status' },
  1101: { http: 429, message: 'Account in arrears' },
  1102: { http: 429, message: 'Resource pack exhausted or expired' },
  1103: { http: 403, message: 'Unauthorized access to requested resource' },
  1200: { http: 400, message: 'Invalid request parameters' },
  1201: { http: 400, message: 'Invalid parameters' },
  1202: { http: 404, message: 'The requested method is invalid' },
  1203: { http: 404, message: 'The requested resource does not exist' },
  1300: { http: 400, message: 'Request blocked by platform policy' },
  1301: { http: 400, message: "Trigger the platform's content security policy" },
  1302: { http: 429, message: 'Too many requests; rate limit exceeded' },
  1303: { http: 429, message: 'parallel task over resource pack limit' },
  1304: { http: 429, message: "Trigger the platform's IP whitelist policy" },
  5000: { http: 500, message: 'Server internal error' },
  5001: { http: 503, message: 'Server temporarily unavailable' },
  5002: { http: 504, message: 'Server internal timeout' },
};

// ---------------------------------------------------------------------------------------------------------
// Auth: API key (both standards), HS256 JWT from access key + secret key (legacy standard only)

export interface KlingCredentials {
  accessKey: string;
  secretKey: string;
}

/** The access/secret pair the simulator's legacy standard accepts JWTs from, unless configured otherwise. */
export const KLING_SIM_CREDENTIALS: KlingCredentials = {
  accessKey: 'sim-kling-access-key',
  secretKey: 'sim-kling-secret-key',
};

/** The key every simulated gateway refuses (the simulator's `INVALID_API_KEY`, repeated to avoid a cycle). */
const INVALID_KEY = 'sk-invalid';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A token as the authentication page builds it: header `{alg: HS256, typ: JWT}`, payload `{iss: access key,
 * exp: now + 1800, nbf: now - 5}` (seconds), signed with the secret key. `claims` overrides exp/nbf for tests.
 */
export function signKlingJwt(
  credentials: KlingCredentials,
  nowSeconds: number,
  claims: { exp?: number; nbf?: number; iss?: string } = {},
): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      iss: claims.iss ?? credentials.accessKey,
      exp: claims.exp ?? nowSeconds + 1800,
      nbf: claims.nbf ?? nowSeconds - 5,
    }),
  );
  const signature = createHmac('sha256', credentials.secretKey).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${base64url(signature)}`;
}

function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Three base64url segments whose first decodes to a JSON header naming an `alg`. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return false;
  const header = decodeSegment(parts[0] ?? '');
  return isJsonObject(header) && typeof header.alg === 'string';
}

export type KlingJwtVerdict = { ok: true } | { ok: false; code: 1002 | 1003 | 1004; reason: string };

/**
 * Verifies a legacy-standard token: HS256 over `header.payload` keyed with the secret key (compared in
 * constant time), `iss` = the access key, `nbf` <= now (else 1003) and now < `exp` (else 1004), per RFC 7519.
 * A token without exp or nbf is refused (1002): the documented recipe always sets both (INFERRED).
 */
export function verifyKlingJwt(
  token: string,
  credentials: KlingCredentials,
  nowSeconds: number,
): KlingJwtVerdict {
  const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
  const header = decodeSegment(headerPart);
  const payload = decodeSegment(payloadPart);
  if (!isJsonObject(header) || header.alg !== 'HS256')
    return { ok: false, code: 1002, reason: 'not an HS256 token' };
  if (!isJsonObject(payload)) return { ok: false, code: 1002, reason: 'unreadable payload' };
  const expected = createHmac('sha256', credentials.secretKey)
    .update(`${headerPart}.${payloadPart}`)
    .digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, code: 1002, reason: 'signature does not match the secret key' };
  if (payload.iss !== credentials.accessKey) return { ok: false, code: 1002, reason: 'unknown access key' };
  if (typeof payload.exp !== 'number' || typeof payload.nbf !== 'number')
    return { ok: false, code: 1002, reason: 'exp and nbf are required' };
  if (nowSeconds < payload.nbf) return { ok: false, code: 1003, reason: 'not yet valid (nbf)' };
  if (nowSeconds >= payload.exp) return { ok: false, code: 1004, reason: 'expired (exp)' };
  return { ok: true };
}

export type KlingAuth =
  | { ok: true; key: string; via: 'api-key' | 'jwt' }
  | { ok: false; code: number; reason: string };

// ---------------------------------------------------------------------------------------------------------
// Validation

const RESOLUTIONS = ['720p', '1080p', '4k'];
const ASPECT_RATIOS = ['16:9', '9:16', '1:1'];
const DURATION = { min: 3, max: 15 };
/** "Maximum length: 3072 characters (recommended: ≤ 2500)" (new standard). */
const NEW_PROMPT_MAX = 3072;
/** "不能超过2500个字符" / "Cannot exceed 2500 characters" (legacy standard). */
const LEGACY_PROMPT_MAX = 2500;
const SHOT_PROMPT_MAX = 512;
const MAX_SHOTS = 6;

const NEW_CONTENT_TYPES: Record<'i2v' | 'omni', readonly string[]> = {
  i2v: ['prompt', 'first_frame', 'last_frame', 'element'],
  omni: ['prompt', 'first_frame', 'last_frame', 'refer_image', 'feature_video', 'base_video', 'element'],
};
const VIDEO_TYPES = ['feature_video', 'base_video'];

/** The legacy `model_name` values each create path documents (the default, when left out, is kling-v1). */
const LEGACY_MODELS: Record<'legacy-t2v' | 'legacy-i2v' | 'legacy-omni', readonly string[]> = {
  'legacy-t2v': [
    'kling-v1',
    'kling-v1-6',
    'kling-v2-master',
    'kling-v2-1-master',
    'kling-v2-5-turbo',
    'kling-v2-6',
    'kling-v3',
  ],
  'legacy-i2v': [
    'kling-v1',
    'kling-v1-5',
    'kling-v1-6',
    'kling-v2-master',
    'kling-v2-1',
    'kling-v2-1-master',
    'kling-v2-5-turbo',
    'kling-v2-6',
    'kling-v3',
  ],
  // INFERRED: no vendor-mirrored legacy omni-video page was found; names from the changelog (kling-v3-omni,
  // kling-video-o1), default as kling-api 1.x sends it.
  'legacy-omni': ['kling-video-o1', 'kling-v3-omni'],
};
const LEGACY_DEFAULT_MODEL: Record<'legacy-t2v' | 'legacy-i2v' | 'legacy-omni', string> = {
  'legacy-t2v': 'kling-v1',
  'legacy-i2v': 'kling-v1',
  'legacy-omni': 'kling-video-o1',
};

const OPTIONS_KEYS = ['callback_url', 'external_task_id', 'watermark_info'];

function checkWatermark(problems: Problems, path: string, value: JsonValue | undefined): void {
  if (!checkObject(problems, path, value)) return;
  checkKeys(problems, path, value, ['enabled'], false);
  checkBoolean(problems, child(path, 'enabled'), value.enabled);
}

/** `""` is "no callback" (every documented example sends it); anything else must be an http(s) URL. */
function checkCallbackUrl(problems: Problems, path: string, value: JsonValue | undefined): void {
  if (value === '') return;
  checkUrl(problems, path, value);
}

/**
 * Multi-shot written in the prompt, as both standards' new pages document it: "shot n, m, words; shot n, m,
 * words;" — 1–6 shots, each m >= 1 s, the m summing to the total duration, words <= 512 characters. A prompt
 * not written in that form is a plain prompt and is not checked here.
 */
function checkShotPrompt(problems: Problems, path: string, text: string, duration: number): void {
  const segments = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const shots = segments.map((s) => /^shot\s*(\d+)\s*,\s*(\d+)\s*,\s*([\s\S]+)$/i.exec(s));
  if (shots.length === 0 || shots.some((m) => m === null)) return;
  if (shots.length > MAX_SHOTS) problems.add(path, `has ${shots.length} shots; at most ${MAX_SHOTS}`);
  let sum = 0;
  shots.forEach((match, index) => {
    const seconds = Number(match?.[2]);
    const words = match?.[3] ?? '';
    if (seconds < 1) problems.add(path, `shot ${index + 1} lasts ${seconds} s; each shot >= 1 s`);
    if (words.length > SHOT_PROMPT_MAX)
      problems.add(path, `shot ${index + 1} has ${words.length} characters; at most ${SHOT_PROMPT_MAX}`);
    sum += seconds;
  });
  if (sum !== duration)
    problems.add(path, `shot durations add up to ${sum} s, not the duration ${duration} s`);
}

function effectiveSettings(body: JsonObject): JsonObject {
  return isJsonObject(body.settings) ? body.settings : {};
}

function newDuration(body: JsonObject): number {
  const value = effectiveSettings(body).duration;
  return typeof value === 'number' ? value : 5;
}

function validateNew(endpoint: 't2v' | 'i2v' | 'omni', body: JsonObject, problems: Problems): void {
  const top = endpoint === 't2v' ? ['prompt', 'settings', 'options'] : ['contents', 'settings', 'options'];
  // The auth page tells the standards apart by this field: "the value set as the model_name parameter is
  // the legacy version". Refused on the new standard (INFERRED that the vendor refuses rather than ignores).
  if (body.model_name !== undefined)
    problems.add(
      'model_name',
      'belongs to the legacy standard (/v1/videos/…); here the model is in the path',
    );
  checkKeys(problems, '', body, [...top, 'model_name'], false);
  const duration = newDuration(body);

  if (endpoint === 't2v') {
    checkRequired(problems, 'prompt', body.prompt);
    if (checkString(problems, 'prompt', body.prompt, { min: 1, max: NEW_PROMPT_MAX }))
      checkShotPrompt(problems, 'prompt', body.prompt, duration);
  } else {
    checkRequired(problems, 'contents', body.contents);
    checkContents(problems, endpoint, body.contents, effectiveSettings(body), duration);
  }

  const settingsKeys = ['multi_shot', 'audio', 'resolution', 'duration'];
  // No aspect_ratio on image-to-video: the frame sets it (absent from that page's table).
  if (endpoint !== 'i2v') settingsKeys.push('aspect_ratio');
  const settings = checkObject(problems, 'settings', body.settings) ? body.settings : {};
  checkKeys(problems, 'settings', settings, settingsKeys, false);
  checkBoolean(problems, 'settings.multi_shot', settings.multi_shot);
  checkString(problems, 'settings.audio', settings.audio, {
    oneOf: endpoint === 'omni' ? ['native', 'original', 'off'] : ['native', 'off'],
  });
  checkString(problems, 'settings.resolution', settings.resolution, { oneOf: RESOLUTIONS });
  checkString(problems, 'settings.aspect_ratio', settings.aspect_ratio, { oneOf: ASPECT_RATIOS });
  checkInteger(problems, 'settings.duration', settings.duration, DURATION);
  // Defaults: multi_shot true (!), audio off, resolution 720p, duration 5 — each changes content or price.
  checkExplicit(problems, 'settings.multi_shot', settings.multi_shot);
  checkExplicit(problems, 'settings.audio', settings.audio);
  checkExplicit(problems, 'settings.resolution', settings.resolution);
  checkExplicit(problems, 'settings.duration', settings.duration);

  const options = checkObject(problems, 'options', body.options) ? body.options : {};
  checkKeys(problems, 'options', options, OPTIONS_KEYS, false);
  checkCallbackUrl(problems, 'options.callback_url', options.callback_url);
  checkString(problems, 'options.external_task_id', options.external_task_id);
  checkWatermark(problems, 'options.watermark_info', options.watermark_info);
}

/** A frame or reference image: "URL or Base64". */
function checkImageRef(problems: Problems, path: string, value: JsonValue | undefined): void {
  checkRequired(problems, path, value);
  if (!checkString(problems, path, value, { min: 1 })) return;
  if (/^https?:\/\//i.test(value)) checkUrl(problems, path, value);
  // The legacy pages forbid a data: prefix on base64; the new pages only say "URL or Base64" (INFERRED).
  else if (value.startsWith('data:')) problems.addStrict(path, 'base64 must be sent without a data: prefix');
}

function checkContents(
  problems: Problems,
  endpoint: 'i2v' | 'omni',
  contents: JsonValue | undefined,
  settings: JsonObject,
  duration: number,
): void {
  if (!checkArray(problems, 'contents', contents, { min: 1 })) return;
  const count: Record<string, number> = {};
  const ids = new Set<string>();
  contents.forEach((item, index) => {
    const path = child('contents', index);
    if (!checkObject(problems, path, item)) return;
    checkRequired(problems, child(path, 'type'), item.type);
    if (!checkString(problems, child(path, 'type'), item.type, { oneOf: NEW_CONTENT_TYPES[endpoint] }))
      return;
    const type = item.type;
    count[type] = (count[type] ?? 0) + 1;
    if (type === 'prompt') {
      checkKeys(problems, path, item, ['type', 'text'], false);
      checkRequired(problems, child(path, 'text'), item.text);
      if (checkString(problems, child(path, 'text'), item.text, { min: 1, max: NEW_PROMPT_MAX }))
        checkShotPrompt(problems, child(path, 'text'), item.text, duration);
    } else if (type === 'element') {
      checkKeys(problems, path, item, ['type', 'element_id', 'id'], false);
      checkRequired(problems, child(path, 'element_id'), item.element_id);
      checkString(problems, child(path, 'element_id'), item.element_id, { min: 1 });
      checkRequired(problems, child(path, 'id'), item.id);
    } else {
      // An `id` on frames is documented on omni-video only ("optional"); image-to-video shows type + url.
      checkKeys(problems, path, item, endpoint === 'omni' ? ['type', 'url', 'id'] : ['type', 'url'], false);
      if (VIDEO_TYPES.includes(type)) {
        checkRequired(problems, child(path, 'url'), item.url);
        // "input content can be provided through URLs" (no base64 for videos).
        checkUrl(problems, child(path, 'url'), item.url);
      } else checkImageRef(problems, child(path, 'url'), item.url);
    }
    if (item.id !== undefined && checkString(problems, child(path, 'id'), item.id, { min: 1 })) {
      if (ids.has(item.id))
        problems.add(child(path, 'id'), `"${item.id}" is used twice ("must not be duplicated")`);
      ids.add(item.id);
    }
  });

  const n = (type: string) => count[type] ?? 0;
  if (n('prompt') > 1) problems.addStrict('contents', 'has more than one prompt item');
  if (n('first_frame') > 1) problems.add('contents', 'has more than one first_frame');
  if (n('last_frame') > 1) problems.add('contents', 'has more than one last_frame');
  // "Required in the first_frame" (image-to-video); "last-frame-only video generation is not supported".
  if (endpoint === 'i2v' && n('first_frame') === 0) problems.add('contents', 'needs a first_frame item');
  if (n('last_frame') > 0 && n('first_frame') === 0)
    problems.add('contents', 'has a last_frame without a first_frame ("Last frame only" is not supported)');

  const videos = n('feature_video') + n('base_video');
  const audio = typeof settings.audio === 'string' ? settings.audio : 'off';
  const multiShot = typeof settings.multi_shot === 'boolean' ? settings.multi_shot : true;
  if (endpoint === 'i2v') {
    if (n('element') > 3) problems.add('contents', `has ${n('element')} elements; at most 3`);
    return;
  }
  if (videos > 1) problems.add('contents', `has ${videos} reference videos; at most 1`);
  if (n('first_frame') > 0 && n('element') > 3)
    problems.add('contents', `has ${n('element')} elements with a first frame; at most 3`);
  // The documented per-kind bounds all fit within: reference images + elements <= 7 without a reference
  // video, <= 4 with one (element kinds are not visible in the request, so the tighter bounds are not checked).
  const limit = videos > 0 ? 4 : 7;
  if (n('refer_image') + n('element') > limit)
    problems.add(
      'contents',
      `has ${n('refer_image') + n('element')} reference images and elements; at most ${limit}`,
    );
  if (n('feature_video') > 0) {
    if (audio !== 'off') problems.add('settings.audio', 'must be "off" with a feature_video');
    // "Supports multi-shot videos, in which case the multi_shot parameter can only be true" (ambiguous).
    if (!multiShot) problems.addStrict('settings.multi_shot', 'can only be true with a feature_video');
  }
  if (n('base_video') > 0) {
    if (n('first_frame') + n('last_frame') > 0)
      problems.add('contents', 'a base_video cannot be combined with a first or last frame');
    if (multiShot)
      problems.add('settings.multi_shot', 'must be false with a base_video (its default is true)');
    if (audio === 'native') problems.add('settings.audio', 'cannot be "native" with a base_video');
  }
  if (audio === 'original' && videos === 0)
    problems.addStrict('settings.audio', '"original" keeps a reference video\'s sound; there is none');
}

/** The legacy booleans: the vendor's own copy sends `"multi_shot": "true"`; only strict mode refuses it. */
function legacyBoolean(problems: Problems, path: string, value: JsonValue | undefined): boolean | undefined {
  if (value === 'true' || value === 'false') {
    problems.addStrict(path, `must be a boolean, got the string "${value}"`);
    return value === 'true';
  }
  return checkBoolean(problems, path, value) ? value : undefined;
}

const LEGACY_COMMON = [
  'model_name',
  'prompt',
  'negative_prompt',
  'multi_shot',
  'shot_type',
  'multi_prompt',
  'voice_list',
  'sound',
  'cfg_scale',
  'mode',
  'duration',
  'watermark_info',
  'callback_url',
  'external_task_id',
];
const LEGACY_KEYS: Record<'legacy-t2v' | 'legacy-i2v' | 'legacy-omni', readonly string[]> = {
  'legacy-t2v': [...LEGACY_COMMON, 'aspect_ratio', 'camera_control'],
  'legacy-i2v': [
    ...LEGACY_COMMON,
    'image',
    'image_tail',
    'element_list',
    'camera_control',
    'static_mask',
    'dynamic_masks',
  ],
  // INFERRED (no mirrored page): the fields kling-api 1.x sends to omni-video.
  'legacy-omni': [...LEGACY_COMMON, 'aspect_ratio', 'image_list', 'video_list', 'element_list'],
};

function legacyModel(endpoint: 'legacy-t2v' | 'legacy-i2v' | 'legacy-omni', body: JsonObject): string {
  return typeof body.model_name === 'string' ? body.model_name : LEGACY_DEFAULT_MODEL[endpoint];
}

function isV3(model: string): boolean {
  return model === 'kling-v3' || model === 'kling-v3-omni';
}

function validateLegacy(
  endpoint: 'legacy-t2v' | 'legacy-i2v' | 'legacy-omni',
  body: JsonObject,
  problems: Problems,
): void {
  checkKeys(problems, '', body, LEGACY_KEYS[endpoint], false);
  for (const key of ['settings', 'options', 'contents'])
    if (body[key] !== undefined) problems.add(key, 'belongs to the new standard (model in the path)');
  checkString(problems, 'model_name', body.model_name, { oneOf: LEGACY_MODELS[endpoint] });
  checkExplicit(problems, 'model_name', body.model_name);
  const model = legacyModel(endpoint, body);

  const multiShot = legacyBoolean(problems, 'multi_shot', body.multi_shot) ?? false;
  if (multiShot) checkRequired(problems, 'shot_type', body.shot_type);
  else if (body.shot_type !== undefined)
    problems.addStrict('shot_type', 'is ignored unless multi_shot is true');
  checkString(problems, 'shot_type', body.shot_type, { oneOf: ['customize', 'intelligence'] });
  const customize = multiShot && body.shot_type === 'customize';

  // "当multi_shot参数为false或当shot_type参数为intelligence时，当前参数必填" (required then).
  checkString(problems, 'prompt', body.prompt, { max: LEGACY_PROMPT_MAX });
  const promptNeeded = !multiShot || body.shot_type === 'intelligence';
  const promptMissing = body.prompt === undefined || body.prompt === '';
  // The image-to-video page says the same, although many clients send an image alone.
  if (promptNeeded && promptMissing)
    problems.add('prompt', 'is required unless multi_shot is true with shot_type "customize"');
  checkString(problems, 'negative_prompt', body.negative_prompt, { max: LEGACY_PROMPT_MAX });

  const duration = checkLegacyDuration(problems, body.duration);
  if (customize) {
    checkRequired(problems, 'multi_prompt', body.multi_prompt);
    if (Array.isArray(body.multi_prompt) && body.multi_prompt.length === 0)
      problems.add('multi_prompt', 'must not be empty with shot_type "customize"');
  } else if (body.multi_prompt !== undefined)
    problems.addStrict('multi_prompt', 'is ignored unless multi_shot is true with shot_type "customize"');
  checkLegacyShots(problems, body.multi_prompt, duration);

  checkString(problems, 'sound', body.sound, { oneOf: ['on', 'off'] });
  checkExplicit(problems, 'sound', body.sound);
  if (body.sound !== undefined && !['kling-v2-6', 'kling-v3', 'kling-v3-omni'].includes(model))
    problems.addStrict('sound', `is only supported from kling-v2-6 on, not ${model}`);
  if (body.cfg_scale !== undefined) {
    if (typeof body.cfg_scale !== 'number' || body.cfg_scale < 0 || body.cfg_scale > 1)
      problems.add('cfg_scale', 'must be a number between 0 and 1');
    // "仅kling-v1.x模型支持当前参数" (only kling-v1.x models support it).
    else if (!model.startsWith('kling-v1'))
      problems.addStrict('cfg_scale', `is only supported by kling-v1.x, not ${model}`);
  }
  const modes = isV3(model) ? ['std', 'pro', '4k'] : ['std', 'pro'];
  checkString(problems, 'mode', body.mode, { oneOf: modes });
  checkExplicit(problems, 'mode', body.mode);
  checkString(problems, 'aspect_ratio', body.aspect_ratio, { oneOf: ASPECT_RATIOS });
  checkWatermark(problems, 'watermark_info', body.watermark_info);
  checkCallbackUrl(problems, 'callback_url', body.callback_url);
  checkString(problems, 'external_task_id', body.external_task_id);
  if (checkArray(problems, 'voice_list', body.voice_list, { max: 2 })) {
    body.voice_list.forEach((voice, index) => {
      const path = child('voice_list', index);
      if (checkObject(problems, path, voice))
        checkRequired(problems, child(path, 'voice_id'), voice.voice_id);
    });
  }
  if (endpoint === 'legacy-i2v') checkLegacyImages(problems, body);
  if (endpoint === 'legacy-omni') {
    checkArray(problems, 'image_list', body.image_list);
    checkArray(problems, 'video_list', body.video_list, { max: 1 });
    checkArray(problems, 'element_list', body.element_list);
  }
}

/** `duration`: a string, "3".."15" (default "5"); returns the effective seconds. */
function checkLegacyDuration(problems: Problems, value: JsonValue | undefined): number {
  checkExplicit(problems, 'duration', value);
  if (value === undefined) return 5;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    problems.add('duration', `must be a string of whole seconds such as "5", got ${JSON.stringify(value)}`);
    return typeof value === 'number' ? value : 5;
  }
  const seconds = Number(value);
  if (seconds < DURATION.min || seconds > DURATION.max)
    problems.add('duration', `must be "${DURATION.min}" to "${DURATION.max}", got "${value}"`);
  return seconds;
}

/** `multi_prompt: [{index: int, prompt <= 512, duration: "<s>"}]`, 1–6 shots, each 1..total, summing to total. */
function checkLegacyShots(problems: Problems, shots: JsonValue | undefined, total: number): void {
  if (!checkArray(problems, 'multi_prompt', shots, { max: MAX_SHOTS })) return;
  let sum = 0;
  shots.forEach((shot, index) => {
    const path = child('multi_prompt', index);
    if (!checkObject(problems, path, shot)) return;
    checkKeys(problems, path, shot, ['index', 'prompt', 'duration'], false);
    checkRequired(problems, child(path, 'index'), shot.index);
    checkInteger(problems, child(path, 'index'), shot.index, { min: 0, max: Number.MAX_SAFE_INTEGER });
    checkRequired(problems, child(path, 'prompt'), shot.prompt);
    checkString(problems, child(path, 'prompt'), shot.prompt, { min: 1, max: SHOT_PROMPT_MAX });
    checkRequired(problems, child(path, 'duration'), shot.duration);
    if (shot.duration === undefined) return;
    const seconds =
      typeof shot.duration === 'string' && /^\d+$/.test(shot.duration) ? Number(shot.duration) : Number.NaN;
    if (typeof shot.duration !== 'string')
      problems.add(child(path, 'duration'), 'must be a string such as "5"');
    else if (!(seconds >= 1 && seconds <= total))
      problems.add(child(path, 'duration'), `must be whole seconds between 1 and ${total}`);
    else sum += seconds;
  });
  if (shots.length > 0 && sum !== 0 && sum !== total)
    problems.add('multi_prompt', `shot durations add up to ${sum}, not the duration ${total}`);
}

function checkLegacyImages(problems: Problems, body: JsonObject): void {
  // "image参数与image_tail参数至少二选一，二者不能同时为空" (at least one of the two).
  if (body.image === undefined && body.image_tail === undefined)
    problems.add('image', 'image or image_tail is required');
  for (const key of ['image', 'image_tail']) {
    const value = body[key];
    if (!checkString(problems, key, value, { min: 1 })) continue;
    // "请不要在Base64编码字符串前添加任何前缀，例如data:image/png;base64," (no data: prefix).
    if (value.startsWith('data:')) problems.add(key, 'base64 must be sent without a data: prefix');
    else if (/^https?:\/\//i.test(value)) checkUrl(problems, key, value);
  }
  // "image_tail参数、dynamic_masks/static_mask参数、camera_control参数三选一，不能同时使用".
  const groups = [
    body.image_tail !== undefined,
    body.dynamic_masks !== undefined || body.static_mask !== undefined,
    body.camera_control !== undefined,
  ].filter(Boolean).length;
  if (groups > 1)
    problems.add('image_tail', 'image_tail, dynamic_masks/static_mask and camera_control exclude each other');
  if (checkArray(problems, 'element_list', body.element_list, { max: 3 })) {
    body.element_list.forEach((element, index) => {
      const path = child('element_list', index);
      if (checkObject(problems, path, element))
        checkRequired(problems, child(path, 'element_id'), element.element_id);
    });
  }
  // "element_list参数与voice_list参数互斥，不能共存".
  if (body.element_list !== undefined && body.voice_list !== undefined)
    problems.add('element_list', 'cannot be combined with voice_list');
}

/** Every problem with a create body sent to one create path. */
export function validateAt(endpoint: KlingEndpoint, body: JsonObject, problems: Problems): void {
  if (endpoint === 't2v' || endpoint === 'i2v' || endpoint === 'omni') validateNew(endpoint, body, problems);
  else validateLegacy(endpoint, body, problems);
}

/**
 * The create path a stored body most likely came through, for a task whose path was not recorded:
 * `model_name` → legacy; `contents` with a video, reference image or `original` audio → omni.
 * Ambiguous bodies (image-to-video vs omni with frames only) read as image-to-video.
 */
export function inferEndpoint(body: JsonObject): KlingEndpoint {
  if (body.model_name !== undefined) {
    if (typeof body.model_name === 'string' && LEGACY_MODELS['legacy-omni'].includes(body.model_name))
      return 'legacy-omni';
    return body.image !== undefined || body.image_tail !== undefined ? 'legacy-i2v' : 'legacy-t2v';
  }
  if (!Array.isArray(body.contents)) return 't2v';
  const omniOnly = body.contents.some(
    (item) =>
      isJsonObject(item) && typeof item.type === 'string' && !NEW_CONTENT_TYPES.i2v.includes(item.type),
  );
  return omniOnly ||
    effectiveSettings(body).audio === 'original' ||
    effectiveSettings(body).aspect_ratio !== undefined
    ? 'omni'
    : 'i2v';
}

// ---------------------------------------------------------------------------------------------------------
// Billing: units per second from the pricing page (docs/api/kling-pricing-video.md @ 4f23c277), $0.14 a unit

/** "$0.14" per unit: the pricing page's dollar column is exactly 0.14 × units. */
export const KLING_USD_PER_UNIT = 0.14;

type Tier = '720p' | '1080p' | '4k';
const V3: Record<Tier, { off: number; native: number }> = {
  '720p': { off: 0.6, native: 0.9 },
  '1080p': { off: 0.8, native: 1.2 },
  '4k': { off: 3.0, native: 3.0 },
};
const V3_OMNI: Record<Tier, { off: number; native: number; video: number }> = {
  '720p': { off: 0.6, native: 0.8, video: 0.9 },
  '1080p': { off: 0.8, native: 1.0, video: 1.2 },
  '4k': { off: 3.0, native: 3.0, video: 3.0 },
};
/** Kling 2.6 (no 720p price with audio) and 2.5 Turbo (no audio), for the legacy page's own examples. */
const OLDER: Record<string, Partial<Record<Tier, { off?: number; native?: number }>>> = {
  'kling-v2-6': { '720p': { off: 0.3 }, '1080p': { off: 0.5, native: 1.0 } },
  'kling-v2-5-turbo': { '720p': { off: 0.3 }, '1080p': { off: 0.5 } },
};

export interface KlingCharge {
  /** Units deducted (resource pack); undefined where the pricing page has no price for the request. */
  units?: number;
  seconds: number;
}

function contentTypes(body: JsonObject): string[] {
  const list = Array.isArray(body.contents) ? body.contents : [];
  return list.flatMap((item) => (isJsonObject(item) && typeof item.type === 'string' ? [item.type] : []));
}

/**
 * What a finished task costs, with the vendor's defaults for what the body leaves out (720p/std, audio off,
 * 5 s). Voice control (legacy `voice_list`) is not on the pricing page and is priced as native audio;
 * an omni reference video's own length is not known, so the `duration` setting (default 5) is used.
 */
export function chargeOf(endpoint: KlingEndpoint, body: JsonObject): KlingCharge {
  if (standardOf(endpoint) === 'new') {
    const settings = effectiveSettings(body);
    const tier = (typeof settings.resolution === 'string' ? settings.resolution : '720p') as Tier;
    const audio = settings.audio === 'native' ? 'native' : 'off';
    const seconds = newDuration(body);
    let perSecond: number | undefined;
    if (endpoint === 'omni') {
      const row = V3_OMNI[tier];
      const video = contentTypes(body).some((t) => VIDEO_TYPES.includes(t));
      perSecond = row === undefined ? undefined : video ? row.video : row[audio];
    } else perSecond = V3[tier]?.[audio];
    return perSecond === undefined ? { seconds } : { seconds, units: round(perSecond * seconds) };
  }
  const model = legacyModel(endpoint as 'legacy-t2v', body);
  const mode = typeof body.mode === 'string' ? body.mode : 'std';
  const tier: Tier = mode === 'pro' ? '1080p' : mode === '4k' ? '4k' : '720p';
  const audio = body.sound === 'on' ? 'native' : 'off';
  const seconds =
    typeof body.duration === 'string' && /^\d+$/.test(body.duration) ? Number(body.duration) : 5;
  let perSecond: number | undefined;
  if (model === 'kling-v3') perSecond = V3[tier]?.[audio];
  else if (model === 'kling-v3-omni') {
    const video = Array.isArray(body.video_list) && body.video_list.length > 0;
    perSecond = video ? V3_OMNI[tier]?.video : V3_OMNI[tier]?.[audio];
  } else perSecond = OLDER[model]?.[tier]?.[audio];
  return perSecond === undefined ? { seconds } : { seconds, units: round(perSecond * seconds) };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Decimal strings as the vendor writes amounts ("decimal system"): "4.5", "0.63". */
function decimal(value: number): string {
  return String(round(value));
}

// ---------------------------------------------------------------------------------------------------------
// Replies

/** "generated results will be cleared after 30 days". */
export const KLING_OUTPUT_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** Whether a finished task's video URL has been cleared (simulated ms): the download route should 404 then. */
export function outputExpired(view: TaskView, now: number): boolean {
  return view.finishedAt !== undefined && now >= view.finishedAt + KLING_OUTPUT_TTL_MS;
}

const NEW_STATUS: Record<TaskView['state'], string> = {
  queued: 'submitted',
  running: 'processing',
  succeeded: 'succeeded',
  failed: 'failed',
};
/** Legacy words: note `succeed`, not `succeeded`. */
const LEGACY_STATUS: Record<TaskView['state'], string> = {
  queued: 'submitted',
  running: 'processing',
  succeeded: 'succeed',
  failed: 'failed',
};

const FAILED_MESSAGE = 'Content policy violation (simulated: the request contains SIM_FAIL)';

/** The `external_task_id` the body set (either standard); `""` counts as none. */
export function externalIdOf(body: JsonObject): string | undefined {
  const options = isJsonObject(body.options) ? body.options : {};
  const value = options.external_task_id ?? body.external_task_id;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function watermarkEnabled(body: JsonObject): boolean {
  const options = isJsonObject(body.options) ? body.options : body;
  return isJsonObject(options.watermark_info) && options.watermark_info.enabled === true;
}

function callbackUrlOf(body: JsonObject): string | undefined {
  const options = isJsonObject(body.options) ? body.options : {};
  const value = options.callback_url ?? body.callback_url;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Epoch ms of the task's last state change (create, render start, end), as `update_time` reports it. */
function times(
  task: TaskRecord,
  view: TaskView,
  context: ReplyContext,
): { created: number; updated: number } {
  const created = Math.floor(context.dateOf(task.createdAt));
  const changedAt =
    view.finishedAt ??
    (view.state === 'running' ? task.createdAt + task.renderMs * QUEUED_SHARE : task.createdAt);
  return { created, updated: Math.floor(context.dateOf(changedAt)) };
}

/** The simulator's video id for a task's one output (format INFERRED). */
function videoIdOf(task: TaskRecord): string {
  return `${task.id}-video-1`;
}

export type KlingChargeType = 'unit' | 'cash';

export interface KlingSimConfig {
  /** The access/secret pair legacy JWTs must be signed with (default `KLING_SIM_CREDENTIALS`). */
  credentials?: KlingCredentials;
  /**
   * The Webhook Secret (`whsec_<base64>`) callbacks are signed with; unset, callbacks carry no signature
   * headers, as the vendor sends them when no secret was created.
   */
  webhookSecret?: string;
  /** Tasks per model version that may be submitted|processing at once before 1303 (default 10). */
  maxConcurrentTasks?: number;
  /** How finished tasks are charged: a resource pack (`unit`, default) or the balance (`cash`, USD). */
  charge?: KlingChargeType;
  /**
   * The units left in the account's resource pack; a create whose charge exceeds what the tasks not failed
   * have left is refused with 1102 ("Resource pack exhausted or expired"). Unset: unlimited.
   */
  units?: number;
}

export interface KlingProtocol extends GatewayProtocol {
  readonly config: Readonly<Required<Omit<KlingSimConfig, 'webhookSecret' | 'units'>>> & {
    webhookSecret?: string;
    units?: number;
  };
  /** The protocol as one create path serves it: `validate` applies that path's rules, ids remember it. */
  at(endpoint: KlingEndpoint): GatewayProtocol;
  /** The create path a task came through (recorded by `at(…).newTaskId`, else inferred from its body). */
  endpointOf(task: TaskRecord): KlingEndpoint;
  /** Records the create path of a task id (what `at(…).newTaskId` does). */
  remember(taskId: string, endpoint: KlingEndpoint): void;
  /** Auth for a request to one standard at an epoch time (ms): API key, or (legacy) a JWT. */
  authenticate(request: Request, standard: KlingStandard, nowEpochMs: number): KlingAuth;
  /** The reply to an error code of the documented table, in the vendor's envelope. */
  codeReply(code: number, message?: string): WireReply;
  /** `GET /tasks?task_ids=a,b` or `?external_task_ids=…`: new-standard tasks, in the order asked. */
  batchStatusReply(
    query: URLSearchParams,
    tasks: readonly TaskRecord[],
    view: (task: TaskRecord) => TaskView,
    contextOf: (task: TaskRecord) => ReplyContext,
  ): WireReply;
  /** `GET /v1/videos/<kind>/<id>`: a legacy task of that kind, by task id or external task id. */
  legacyStatusReply(
    kind: string,
    id: string,
    tasks: readonly TaskRecord[],
    view: (task: TaskRecord) => TaskView,
    contextOf: (task: TaskRecord) => ReplyContext,
  ): WireReply;
  /**
   * 1303 when the model version a create asks for already has `maxConcurrentTasks` tasks submitted or
   * processing ("A task occupies concurrency from entering the Submitted status until completion"). Call it
   * before creating: a refused submit creates nothing.
   */
  admit(
    endpoint: KlingEndpoint,
    body: JsonObject,
    tasks: readonly TaskRecord[],
    view: (task: TaskRecord) => TaskView,
    /** The cap on tasks in flight (default: the protocol's `maxConcurrentTasks`, 10). */
    limit?: number,
  ): WireReply | undefined;
  /** Whether another task of the account already uses the body's external_task_id ("must be unique"). */
  externalIdTaken(body: JsonObject, tasks: readonly TaskRecord[]): boolean;
  /** A task's actual charge as the new standard reports it (`billing[]`; empty until it succeeded). */
  billingOf(task: TaskRecord, view: TaskView): JsonValue[];
  /** The new standard's task record (a `GET /tasks` item and the new callback body). */
  taskRecord(task: TaskRecord, view: TaskView, context: ReplyContext): JsonObject;
  /** The legacy task record (`data` of the legacy status reply; the legacy callback body with `callback`). */
  legacyRecord(task: TaskRecord, view: TaskView, context: ReplyContext, callback?: boolean): JsonObject;
  /** Forgets the recorded create paths and restarts request ids (simulator reset). */
  reset(): void;
}

/** `v1,<base64 HMAC-SHA256(base64decode(secret sans whsec_), "{id}.{timestamp}.{body}")>`. */
export function signKlingWebhook(secret: string, webhookId: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/** The model version concurrency is counted per ("by account, model version, and resource package type"). */
function modelVersionOf(endpoint: KlingEndpoint, body: JsonObject): string {
  if (endpoint === 'omni') return 'kling-v3-omni';
  if (standardOf(endpoint) === 'new') return 'kling-v3';
  return legacyModel(endpoint as 'legacy-t2v', body);
}

export function createKlingProtocol(options: KlingSimConfig = {}): KlingProtocol {
  const config = {
    credentials: options.credentials ?? KLING_SIM_CREDENTIALS,
    maxConcurrentTasks: options.maxConcurrentTasks ?? 10,
    charge: options.charge ?? 'unit',
    ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
    ...(options.units === undefined ? {} : { units: options.units }),
  };
  const endpoints = new Map<string, KlingEndpoint>();
  let requests = 0;

  /** UUID-shaped and deterministic (the vendor's are UUIDs; a seeded replay must repeat them). */
  const requestId = (): string => {
    requests += 1;
    return `00000000-0000-4000-8000-${requests.toString(16).padStart(12, '0')}`;
  };
  const envelope = (data: JsonValue): JsonObject => ({
    code: 0,
    message: 'SUCCEED',
    request_id: requestId(),
    data,
  });
  const codeReply = (code: number, message?: string): WireReply => {
    const row = KLING_ERROR_CODES[code] ?? { http: 500, message: 'Server internal error' };
    return { status: row.http, body: { code, message: message ?? row.message, request_id: requestId() } };
  };
  const endpointOf = (task: TaskRecord): KlingEndpoint => endpoints.get(task.id) ?? inferEndpoint(task.body);

  const billingOf = (task: TaskRecord, view: TaskView): JsonValue[] => {
    // Charged once succeeded; what a failed task costs is undocumented (INFERRED: nothing).
    if (view.state !== 'succeeded') return [];
    const { units } = chargeOf(endpointOf(task), task.body);
    if (units === undefined) return [];
    if (config.charge === 'unit')
      return [{ charge_type: 'unit', amount: decimal(units), package_type: 'video' }];
    const usd = decimal(units * KLING_USD_PER_UNIT);
    return [{ charge_type: 'cash', cash_type: 'balance', amount: usd, currency: 'USD', list_price: usd }];
  };

  const output = (
    task: TaskRecord,
    context: ReplyContext,
    seconds: number,
    watermark: boolean,
  ): JsonObject => {
    const video: JsonObject = { id: videoIdOf(task), url: context.videoUrl };
    if (watermark) video.watermark_url = `${context.videoUrl}?watermark=1`;
    video.duration = seconds.toFixed(1);
    return video;
  };

  const taskRecord = (task: TaskRecord, view: TaskView, context: ReplyContext): JsonObject => {
    const { created, updated } = times(task, view, context);
    const record: JsonObject = {
      id: task.id,
      status: NEW_STATUS[view.state],
      message: view.state === 'failed' ? FAILED_MESSAGE : '',
      create_time: created,
      update_time: updated,
    };
    const external = externalIdOf(task.body);
    if (external !== undefined) record.external_id = external;
    const { seconds } = chargeOf(endpointOf(task), task.body);
    record.outputs =
      view.state === 'succeeded'
        ? [{ type: 'video', ...output(task, context, seconds, watermarkEnabled(task.body)) }]
        : [];
    record.billing = billingOf(task, view);
    return record;
  };

  const legacyRecord = (
    task: TaskRecord,
    view: TaskView,
    context: ReplyContext,
    callback = false,
  ): JsonObject => {
    const { created, updated } = times(task, view, context);
    const external = externalIdOf(task.body);
    const record: JsonObject = {
      task_id: task.id,
      task_status: LEGACY_STATUS[view.state],
      task_status_msg: view.state === 'failed' ? FAILED_MESSAGE : '',
      task_info: external === undefined ? {} : { external_task_id: external },
    };
    if (view.state === 'succeeded') {
      const { seconds, units } = chargeOf(endpointOf(task), task.body);
      // The legacy callback's videos carry no watermark_url (callbacks page); the query's do.
      const video = output(task, context, seconds, !callback && watermarkEnabled(task.body));
      record.task_result = { videos: [video] };
      if (units !== undefined && config.charge === 'unit') record.final_unit_deduction = decimal(units);
      if (units !== undefined && config.charge === 'cash') {
        const usd = decimal(units * KLING_USD_PER_UNIT);
        record.final_balance_deduction = { quota: usd, list_price: usd };
      }
    }
    if (!callback) record.watermark_info = { enabled: watermarkEnabled(task.body) };
    record.created_at = created;
    record.updated_at = updated;
    return record;
  };

  const createdReply = (task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue => {
    const { created, updated } = times(task, view, context);
    const external = externalIdOf(task.body);
    if (standardOf(endpointOf(task)) === 'new') {
      const data: JsonObject = {
        id: task.id,
        status: NEW_STATUS[view.state],
        create_time: created,
        update_time: updated,
      };
      if (external !== undefined) data.external_id = external;
      return envelope(data);
    }
    return envelope({
      task_id: task.id,
      task_status: LEGACY_STATUS[view.state],
      task_info: external === undefined ? {} : { external_task_id: external },
      created_at: created,
      updated_at: updated,
    });
  };

  const statusReply = (task: TaskRecord, view: TaskView, context: ReplyContext): JsonValue =>
    standardOf(endpointOf(task)) === 'new'
      ? envelope([taskRecord(task, view, context)])
      : envelope(legacyRecord(task, view, context));

  /**
   * `GatewayError`s in Kling's envelope. Where the shared `statusOf` and the vendor differ, the vendor wins:
   * no credits is HTTP 429 code 1102 (not 402). Unknown tasks answer 404 code 1203 (INFERRED: the code the
   * table gives for "The requested resource does not exist"; the vendor's answer is undocumented).
   */
  const errorReply = (error: GatewayError, _op?: SimulatorOp): WireReply => {
    switch (error.kind) {
      case 'invalid':
        return codeReply(1201, error.problems.join('; '));
      case 'bad-task-id':
        return codeReply(1201, `task id ${JSON.stringify(error.id)} is invalid`);
      case 'unauthenticated':
        return error.reason === 'missing' ? codeReply(1001) : codeReply(1002);
      case 'no-credits':
        return codeReply(1102);
      case 'not-found':
        return codeReply(1203, `task ${error.id} does not exist`);
      case 'idempotency-conflict':
        return codeReply(1201, 'conflicting request');
      case 'unavailable': {
        const code = { 429: 1302, 500: 5000, 502: 5000, 503: 5001, 504: 5002 }[error.status];
        const reply = codeReply(code);
        // 502 has no row in the table; the status the proxy would answer is kept.
        return error.status === 502 ? { ...reply, status: 502 } : reply;
      }
    }
  };

  const authenticate = (request: Request, standard: KlingStandard, nowEpochMs: number): KlingAuth => {
    const token = readBearerKey(request);
    if (token === undefined) return { ok: false, code: 1001, reason: 'no Authorization: Bearer header' };
    if (looksLikeJwt(token)) {
      // "The new API supports authentication via API Key only" (INFERRED: refused as invalid, 1002).
      if (standard === 'new')
        return { ok: false, code: 1002, reason: 'the new standard takes an API key only' };
      const verdict = verifyKlingJwt(token, config.credentials, Math.floor(nowEpochMs / 1000));
      return verdict.ok ? { ok: true, key: config.credentials.accessKey, via: 'jwt' } : verdict;
    }
    if (token === INVALID_KEY) return { ok: false, code: 1002, reason: 'unknown API key' };
    return { ok: true, key: token, via: 'api-key' };
  };

  const batchStatusReply: KlingProtocol['batchStatusReply'] = (query, tasks, view, contextOf) => {
    const byIds = query.get('task_ids');
    const byExternal = query.get('external_task_ids');
    // "you cannot use them simultaneously" (documented); the code answered is INFERRED.
    if (byIds !== null && byExternal !== null)
      return codeReply(1201, 'task_ids and external_task_ids cannot be used together');
    const list = (byIds ?? byExternal ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) return codeReply(1201, 'task_ids or external_task_ids is required');
    const visible = tasks.filter((task) => standardOf(endpointOf(task)) === 'new');
    // Unknown ids are left out of `data` (INFERRED: the doc does not say).
    const found = list.flatMap((id) => {
      const task =
        byIds !== null
          ? visible.find((t) => t.id === id)
          : [...visible].reverse().find((t) => externalIdOf(t.body) === id);
      return task === undefined ? [] : [taskRecord(task, view(task), contextOf(task))];
    });
    return { status: 200, body: envelope(found) };
  };

  const legacyStatusReply: KlingProtocol['legacyStatusReply'] = (kind, id, tasks, view, contextOf) => {
    const endpoint = KLING_LEGACY_KINDS[kind];
    if (endpoint === undefined) return codeReply(1202, `no such path /v1/videos/${kind}`);
    // "task_id … 与external_task_id两种查询方式二选一" (either id).
    const mine = tasks.filter((task) => endpointOf(task) === endpoint);
    const task =
      mine.find((t) => t.id === id) ?? [...mine].reverse().find((t) => externalIdOf(t.body) === id);
    if (task === undefined) return errorReply({ kind: 'not-found', id });
    return { status: 200, body: envelope(legacyRecord(task, view(task), contextOf(task))) };
  };

  const admit: KlingProtocol['admit'] = (endpoint, body, tasks, view, limit = config.maxConcurrentTasks) => {
    const version = modelVersionOf(endpoint, body);
    const active = tasks.filter((task) => {
      const state = view(task).state;
      return (
        (state === 'queued' || state === 'running') && modelVersionOf(endpointOf(task), task.body) === version
      );
    }).length;
    return active >= limit ? codeReply(1303) : undefined;
  };

  const externalIdTaken = (body: JsonObject, tasks: readonly TaskRecord[]): boolean => {
    const id = externalIdOf(body);
    return id !== undefined && tasks.some((task) => externalIdOf(task.body) === id);
  };

  /** Units the account's tasks not failed have used (charged when they succeed; INFERRED: held before). */
  const unitsUsed = (tasks: readonly TaskRecord[], view: (task: TaskRecord) => TaskView): number =>
    tasks.reduce((sum, task) => {
      if (view(task).state === 'failed') return sum;
      return sum + (chargeOf(endpointOf(task), task.body).units ?? 0);
    }, 0);

  /**
   * Every refusal of a valid create, before anything is created: a duplicate external_task_id ("must be
   * unique within a single user account"; the code is undocumented: 1201, INFERRED), an exhausted resource
   * pack (1102), the concurrency cap (1303).
   */
  const admitCreate = (
    endpoint: KlingEndpoint,
    body: JsonObject,
    gateway: GatewayTasks,
  ): WireReply | undefined => {
    const { tasks, view } = gateway;
    if (externalIdTaken(body, tasks)) {
      return codeReply(1201, `external_task_id ${JSON.stringify(externalIdOf(body))} already exists`);
    }
    if (config.units !== undefined) {
      const need = chargeOf(endpoint, body).units ?? 0;
      if (unitsUsed(tasks, view) + need > config.units + 1e-9) return codeReply(1102);
    }
    return admit(endpoint, body, tasks, view, gateway.maxConcurrentTasks);
  };

  /** A legacy status read answers only under the kind the task was created on (either id, docs). */
  const statusWireReply = (
    task: TaskRecord,
    view: TaskView,
    context: ReplyContext,
    request: Request,
  ): WireReply => {
    const match = /\/v1\/videos\/([^/]+)\/[^/]+$/.exec(new URL(request.url).pathname);
    if (match !== null && KLING_LEGACY_KINDS[match[1] ?? ''] !== endpointOf(task)) {
      return errorReply({ kind: 'not-found', id: task.id });
    }
    return { status: 200, body: statusReply(task, view, context) };
  };

  const findByCallerId = (id: string, tasks: readonly TaskRecord[]): TaskRecord | undefined =>
    [...tasks]
      .reverse()
      .find((task) => standardOf(endpointOf(task)) === 'legacy' && externalIdOf(task.body) === id);

  const callbacks: CallbackProtocol = {
    // "the server sends a notification when the task status changes"; the dispatcher models the final one.
    target: (body) => {
      const url = callbackUrlOf(body);
      return url === undefined ? undefined : { url, events: ['completed', 'failed'] };
    },
    request: (task, view, context, event) => {
      const legacy = standardOf(endpointOf(task)) === 'legacy';
      const body = JSON.stringify(
        legacy ? legacyRecord(task, view, context, true) : taskRecord(task, view, context),
      );
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (config.webhookSecret !== undefined) {
        // One id per task and event, the same on a retry (as Standard Webhooks keeps it); numeric like the doc's.
        const webhookId = `${task.id}${['progress', 'completed', 'failed'].indexOf(event)}`;
        const timestamp = String(Math.floor(context.dateOf(context.now) / 1000));
        headers['webhook-id'] = webhookId;
        headers['webhook-timestamp'] = timestamp;
        headers['webhook-signature'] = signKlingWebhook(config.webhookSecret, webhookId, timestamp, body);
      }
      return { body, headers };
    },
    // Retries and the delivery timeout are not documented.
    retryDelaysMs: [],
    timeoutMs: 10_000,
  };

  const newTaskId = (random: SeededRandom): string =>
    `8${random.chars('0123456789', 17)}`; /* 18 digits, like "893605946402811985" */

  const base: GatewayProtocol = {
    id: KLING_GATEWAY_ID,
    createPath: KLING_CREATE_PATHS.t2v,
    statusPath: KLING_LEGACY_STATUS_PATH,
    createPathAliases: KLING_CREATE_PATHS,
    createdStatus: 200,
    readApiKey: readBearerKey,
    // The standard is the path's: the legacy one lives under /v1/videos/.
    authenticateRequest: (request, nowEpochMs) => {
      const standard = new URL(request.url).pathname.includes('/v1/videos/') ? 'legacy' : 'new';
      const verdict = authenticate(request, standard, nowEpochMs);
      return verdict.ok ? verdict.key : codeReply(verdict.code);
    },
    admitCreate: (body, gateway) => admitCreate(inferEndpoint(body), body, gateway),
    statusWireReply,
    findByCallerId,
    listRoutes: [
      {
        method: 'GET',
        path: KLING_TASKS_PATH,
        op: 'status',
        reply: (request, { tasks, view, contextOf }) =>
          batchStatusReply(new URL(request.url).searchParams, tasks, view, contextOf),
      },
    ],
    validate: (body, problems) => validateAt(inferEndpoint(body), body, problems),
    newTaskId,
    // Render time is undocumented: 90–300 s.
    planRender: (random) => ({ renderMs: random.between(90_000, 300_000) }),
    createdReply,
    statusReply,
    errorReply,
    callbacks,
  };

  const protocol: KlingProtocol = {
    ...base,
    config,
    at: (endpoint) => ({
      ...base,
      createPath: KLING_CREATE_PATHS[endpoint],
      validate: (body, problems) => validateAt(endpoint, body, problems),
      admitCreate: (body, gateway) => admitCreate(endpoint, body, gateway),
      newTaskId: (random, createdAt) => {
        const id = newTaskId(random);
        void createdAt;
        endpoints.set(id, endpoint);
        return id;
      },
    }),
    atCreatePath: (name) => (isEndpoint(name) ? protocol.at(name) : protocol),
    endpointOf,
    remember: (taskId, endpoint) => {
      endpoints.set(taskId, endpoint);
    },
    authenticate,
    codeReply,
    batchStatusReply,
    legacyStatusReply,
    admit,
    externalIdTaken,
    billingOf,
    taskRecord,
    legacyRecord,
    reset: () => {
      endpoints.clear();
      requests = 0;
    },
  };
  return protocol;
}

/**
 * The Webhook Secret the simulator's Kling signs its callbacks with (a test value, never the vendor's):
 * give it to `parseWebhook({ webhookSecret })` or the client's `webhookSecret`. Also `GET /__sim/webhook-keys`.
 */
export const KLING_SIMULATOR_WEBHOOK_SECRET = 'whsec_a2xpbmctc2RrIHNpbXVsYXRvciB3ZWJob29rIHNlY3JldCE=';

/** The default instance (simulator credentials, the simulator's webhook secret, 10 concurrent tasks, unit billing). */
export const kling: KlingProtocol = createKlingProtocol({ webhookSecret: KLING_SIMULATOR_WEBHOOK_SECRET });
