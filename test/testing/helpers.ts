import type { GatewayId } from '../../src/catalog/index.js';
import type { JsonObject } from '../../src/testing/index.js';

/** What a test needs to speak each gateway's protocol, written from the vendor docs (not the SDK). */
export interface GatewayWire {
  createPath: string;
  statusPath(id: string): string;
  authHeaders(key: string): Record<string, string>;
  /** The smallest body strict validation accepts (mode, duration and sound sent explicitly). */
  validBody(prompt?: string): JsonObject;
  createdStatus: number;
  taskIdOf(created: JsonObject): string;
  /** The task's state in the simulator's words, read from a status reply. */
  stateOf(reply: JsonObject): 'queued' | 'running' | 'succeeded' | 'failed';
  progressOf(reply: JsonObject): number | undefined;
  videoUrlOf(reply: JsonObject): string | undefined;
}

function object(value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value as JsonObject;
}

function string(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`not a string: ${JSON.stringify(value)}`);
  return value;
}

function state(word: string, words: Record<string, 'queued' | 'running' | 'succeeded' | 'failed'>) {
  const mapped = words[word];
  if (mapped === undefined) throw new Error(`unexpected status ${word}`);
  return mapped;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

/**
 * The gateways these generic protocol tests speak. fal is left out: its queue answers the result on a
 * second route after the status (no video in any status reply), refuses with 422 and 403, and has its own
 * protocol test (fal-protocol.test.ts) and client tests (test/gateways/fal.test.ts). The official Kling API
 * is left out too: its status read is a batch (`GET /tasks?task_ids=`, `data` an array, unknown ids left
 * out rather than 404) and it refuses an empty account with HTTP 429 code 1102; kling-protocol.test.ts and
 * test/gateways/kling.test.ts cover it.
 */
export type WiredGateway = Exclude<GatewayId, 'fal' | 'kling'>;

export const WIRE: Record<WiredGateway, GatewayWire> = {
  apiinone: {
    createPath: '/api/v1/videos/generations',
    statusPath: (id) => `/api/v1/tasks/${id}`,
    authHeaders: bearer,
    validBody: (prompt = 'A fox in the snow') => ({
      model: 'kling-3',
      prompt,
      mode: 'std',
      duration: 5,
      sound: false,
    }),
    createdStatus: 200,
    taskIdOf: (created) => string(object(created.data).task_id),
    stateOf: (reply) =>
      state(string(object(reply.data).status), {
        IN_PROGRESS: 'running',
        COMPLETED: 'succeeded',
        FAILED: 'failed',
      }),
    progressOf: (reply) => object(reply.data).progress as number | undefined,
    videoUrlOf: (reply) => object(reply.data).video_url as string | undefined,
  },
  apiframe: {
    createPath: '/v2/videos/generate',
    statusPath: (id) => `/v2/jobs/${id}`,
    authHeaders: (key) => ({ 'x-api-key': key, 'content-type': 'application/json' }),
    validBody: (prompt = 'A fox in the snow') => ({
      model: 'kling-3.0',
      prompt,
      klingParams: { mode: 'standard', duration: 5, generate_audio: false },
    }),
    createdStatus: 202,
    taskIdOf: (created) => string(created.jobId),
    stateOf: (reply) =>
      state(string(reply.status), {
        QUEUED: 'queued',
        PROCESSING: 'running',
        COMPLETED: 'succeeded',
        FAILED: 'failed',
      }),
    progressOf: (reply) => reply.progress as number | undefined,
    videoUrlOf: (reply) => (reply.result === null ? undefined : (object(reply.result).videoUrl as string)),
  },
  evolink: {
    createPath: '/v1/videos/generations',
    statusPath: (id) => `/v1/tasks/${id}`,
    authHeaders: bearer,
    validBody: (prompt = 'A fox in the snow') => ({
      model: 'kling-v3-text-to-video',
      prompt,
      quality: '720p',
      duration: 5,
      sound: 'off',
    }),
    createdStatus: 200,
    taskIdOf: (created) => string(created.id),
    stateOf: (reply) =>
      state(string(reply.status), {
        pending: 'queued',
        processing: 'running',
        completed: 'succeeded',
        failed: 'failed',
      }),
    progressOf: (reply) => reply.progress as number | undefined,
    videoUrlOf: (reply) => (Array.isArray(reply.results) ? string(reply.results[0]) : undefined),
  },
  modellix: {
    createPath: '/api/v1/kling/kling-v3-omni-video',
    statusPath: (id) => `/api/v1/tasks/${id}`,
    authHeaders: bearer,
    validBody: (prompt = 'A fox in the snow') => ({ prompt, mode: 'std', duration: 5, sound: 'off' }),
    createdStatus: 200,
    taskIdOf: (created) => string(object(created.data).task_id),
    stateOf: (reply) =>
      state(string(object(reply.data).status), {
        pending: 'queued',
        processing: 'running',
        success: 'succeeded',
        failed: 'failed',
      }),
    progressOf: () => undefined,
    videoUrlOf: (reply) => {
      const result = object(reply.data).result;
      if (result === undefined) return undefined;
      const [resource] = object(result).resources as JsonObject[];
      return resource === undefined ? undefined : string(resource.url);
    },
  },
};

export const GATEWAYS = Object.keys(WIRE) as WiredGateway[];

export interface Reply {
  status: number;
  headers: Headers;
  json: JsonObject;
}

async function toReply(response: Response): Promise<Reply> {
  return { status: response.status, headers: response.headers, json: object(await response.json()) };
}

export async function create(
  origin: string,
  gateway: WiredGateway,
  body: unknown,
  init: { key?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Reply> {
  const wire = WIRE[gateway];
  const response = await fetch(`${origin}${wire.createPath}`, {
    method: 'POST',
    headers: { ...wire.authHeaders(init.key ?? 'sk-test'), ...init.headers },
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  return toReply(response);
}

export async function poll(
  origin: string,
  gateway: WiredGateway,
  id: string,
  key = 'sk-test',
): Promise<Reply> {
  const wire = WIRE[gateway];
  return toReply(await fetch(`${origin}${wire.statusPath(id)}`, { headers: wire.authHeaders(key) }));
}

/** Polls until the task is final. Generous bound: tests never assert wall-clock speed. */
export async function pollUntilFinal(origin: string, gateway: WiredGateway, id: string): Promise<Reply> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const reply = await poll(origin, gateway, id);
    const state = WIRE[gateway].stateOf(reply.json);
    if (state === 'succeeded' || state === 'failed') return reply;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${state} after 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_750_000_000_000): { now: () => number; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

/** True when the bytes start with an ISO-BMFF `ftyp` box (an MP4). */
export function isMp4(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(4, 8)) === 'ftyp';
}
