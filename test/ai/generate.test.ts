/**
 * `kling-sdk/ai` through the real `ai@6` (`experimental_generateVideo`, its retry loop and its download)
 * against the gateway simulator over loopback HTTP.
 */
import { APICallError, experimental_generateVideo } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createKling,
  type KlingBackend,
  type KlingVideoMetadata,
  type KlingVideoModel,
} from '../../src/ai/index.js';
import {
  type GatewayId,
  KlingBudgetError,
  KlingClient,
  KlingError,
  KlingRouter,
  KlingUnsupportedError,
  KlingValidationError,
} from '../../src/index.js';
import { type RunningSimulator, SAMPLE_VIDEO, startGatewaySimulator } from '../../src/testing/index.js';

/** ai@6's own video model type (`Experimental_VideoModelV3` of @ai-sdk/provider, as ai takes it). */
type AiVideoModel = Exclude<Parameters<typeof experimental_generateVideo>[0]['model'], string>;

// The AI SDK logs warnings to the console; the tests read them from the result.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startGatewaySimulator({ seed: 16, requireExplicitDefaults: true });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

function client(gateway: GatewayId = 'evolink'): KlingClient {
  return new KlingClient({ gateway, apiKey: 'sk-sim-key', baseUrl: sim.url, clock: sim.clientClock });
}
const creates = () => sim.stats.requests.filter((r) => r.op === 'create').length;
/** A download that does not fetch (for tests about the call, not the bytes). */
const noDownload = async () => ({ data: new Uint8Array([0]), mediaType: 'video/mp4' });
const metadataOf = (result: { providerMetadata: Record<string, unknown> }) =>
  result.providerMetadata.kling as unknown as KlingVideoMetadata;

describe('the model object', () => {
  it("is an AI SDK v3 video model (ai@6's own type)", () => {
    expectTypeOf<KlingVideoModel>().toExtend<AiVideoModel>();
    expectTypeOf<AiVideoModel>().not.toBeAny();
    const model = createKling(client()).video();
    expect(model).toMatchObject({
      specificationVersion: 'v3',
      provider: 'kling-sdk.evolink',
      modelId: 'kling-v3',
      maxVideosPerCall: 1,
    });
    expect(typeof model.doStart).toBe('function');
    expect(typeof model.doStatus).toBe('function');
  });

  it('takes client options, a client, router options or a router; refuses anything else', () => {
    const options = { gateway: 'apiframe', apiKey: 'k', baseUrl: sim.url } as const;
    expect(createKling(options).backend).toBeInstanceOf(KlingClient);
    const evolink = client();
    expect(createKling(evolink).backend).toBe(evolink);
    const router = createKling({ clients: [client('evolink'), client('modellix')] });
    expect(router.backend).toBeInstanceOf(KlingRouter);
    expect(router.video().provider).toBe('kling-sdk.router');
    expect(() => createKling(null as never)).toThrow(KlingValidationError);
    expect(() => createKling({ gateway: 'nope' } as never)).toThrow(KlingValidationError);
    expect(() => createKling(evolink).video('kling-v2' as never)).toThrow(/modelId/);
  });
});

describe('experimental_generateVideo (ai@6)', () => {
  it('generates on one gateway, downloads through ai, and returns the handle, estimate and cost', async () => {
    const evolink = client();
    const downloaded: string[] = [];
    const result = await experimental_generateVideo({
      model: createKling(evolink).video(),
      prompt: 'a fox in the snow',
      duration: 7,
      generateAudio: true,
      // ai's default download refuses loopback hosts (the simulator): fetch it ourselves.
      download: async ({ url }) => {
        downloaded.push(url.href);
        const reply = await fetch(url);
        return { data: new Uint8Array(await reply.arrayBuffer()), mediaType: 'video/mp4' };
      },
    });
    expect(result.videos).toHaveLength(1);
    expect(result.video.uint8Array).toEqual(SAMPLE_VIDEO);
    expect(result.video.mediaType).toBe('video/mp4');
    expect(result.warnings).toEqual([]);
    const kling = metadataOf(result);
    const expected = evolink.estimate({ prompt: 'a fox in the snow', duration: 7, sound: true });
    expect(kling.estimate).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(kling.estimate).toMatchObject({ gateway: 'evolink', billedSeconds: 7, total: 0.7875 });
    expect(kling).toMatchObject({ gateway: 'evolink', status: 'succeeded' });
    expect(kling.handle).toMatchObject({ v: 1, gateway: 'evolink', id: kling.taskId });
    expect(kling).toHaveProperty('cost');
    const [task] = sim.tasks();
    expect(task?.id).toBe(kling.taskId);
    // The URL the model returned is the task's video URL: ai downloaded exactly that.
    const done = await evolink.getTask(kling.handle);
    if (done.status !== 'succeeded') throw new Error(`task ${done.id} is ${done.status}`);
    expect(downloaded).toEqual([done.videos[0].url]);
    expect(sim.stats.created.evolink).toBe(1);
  });

  it('maps image, last frame, resolution and sound onto the request', async () => {
    const result = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: { image: 'https://cdn.example.com/first.png', text: 'the fox blinks' },
      frameImages: [{ image: 'https://cdn.example.com/last.png', frameType: 'last_frame' }],
      resolution: '1080x1920',
      generateAudio: false,
      download: noDownload,
    });
    expect(metadataOf(result).estimate).toMatchObject({ rateKey: '1080p+off' });
    const sent = JSON.stringify(sim.tasks()[0]?.request);
    expect(sent).toContain('https://cdn.example.com/first.png');
    expect(sent).toContain('https://cdn.example.com/last.png');
    expect(sent).not.toContain('9:16'); // image-to-video takes its ratio from the image
    expect(result.warnings).toEqual([]);

    sim.reset();
    const text = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      resolution: '720x1280',
      download: noDownload,
    });
    expect(metadataOf(text).estimate).toMatchObject({ rateKey: '720p+off' });
    expect(JSON.stringify(sim.tasks()[0]?.request)).toContain('"9:16"');
  });

  it('refuses a kling mode that contradicts the resolution', async () => {
    const error = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      resolution: '1920x1080',
      aspectRatio: '9:16',
      providerOptions: { kling: { mode: 'std' } },
    }).catch((e: unknown) => e);
    expect((error as KlingValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'providerOptions.kling.mode',
      'aspectRatio',
    ]);
    expect(sim.stats.requests).toEqual([]);
  });

  it('reports what Kling cannot honour as the AI SDK warnings, and still renders', async () => {
    const result = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      fps: 30,
      seed: 7,
      resolution: '1024x576',
      download: noDownload,
    });
    expect(result.warnings.map((w) => (w.type === 'other' ? w.message : `${w.type}:${w.feature}`))).toEqual([
      'unsupported:resolution',
      'unsupported:fps',
      'unsupported:seed',
    ]);
    expect(result.warnings[0]).toMatchObject({ details: expect.stringContaining("mode 'std'") });
    expect(sim.stats.created.evolink).toBe(1);
  });

  it('refuses, before sending, what would change the video delivered, and malformed kling options', async () => {
    const model = createKling(client()).video();
    await expect(
      experimental_generateVideo({ model, prompt: 'a fox', aspectRatio: '4:3', maxRetries: 2 }),
    ).rejects.toSatisfy((e) => KlingUnsupportedError.is(e) && e.field === 'aspectRatio');
    const error = await experimental_generateVideo({
      model,
      prompt: 'a fox',
      providerOptions: { kling: { sound: true, colour: 'red' } },
    }).catch((e: unknown) => e);
    expect(KlingValidationError.is(error)).toBe(true);
    expect((error as KlingValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'providerOptions.kling.sound',
      'providerOptions.kling.colour',
    ]);
    expect(sim.stats.requests).toEqual([]);
  });

  it('passes the rest of the request through providerOptions.kling', async () => {
    const result = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      providerOptions: { kling: { mode: 'pro', negativePrompt: 'blur' } },
      download: noDownload,
    });
    expect(metadataOf(result).estimate).toMatchObject({ rateKey: '1080p+off' });
    expect(JSON.stringify(sim.tasks()[0]?.request)).toContain('blur');
  });

  it('refuses a request over budget (providerOptions.kling.maxCost) before sending it', async () => {
    const error = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      duration: 10,
      providerOptions: { kling: { maxCost: 0.1 } },
      maxRetries: 2,
    }).catch((e: unknown) => e);
    expect(KlingBudgetError.is(error)).toBe(true);
    expect(sim.stats.requests).toEqual([]);
  });

  it('routes to the cheapest gateway through a router', async () => {
    const provider = createKling({ clients: [client('apiinone'), client('modellix'), client('evolink')] });
    const result = await experimental_generateVideo({
      model: provider.video(),
      prompt: 'a fox',
      download: noDownload,
    });
    expect(metadataOf(result).gateway).toBe('evolink');
    expect(sim.stats.created).toMatchObject({ evolink: 1, apiinone: 0, modellix: 0 });
  });
});

describe('abort', () => {
  it("rejects with the signal's reason while waiting; the one task is not submitted again", async () => {
    const held = await startGatewaySimulator({ seed: 16, hold: true });
    try {
      const evolink = new KlingClient({
        gateway: 'evolink',
        apiKey: 'k',
        baseUrl: held.url,
        clock: held.clientClock,
      });
      const controller = new AbortController();
      const reason = new Error('user left');
      const pending = experimental_generateVideo({
        model: createKling(evolink).video(),
        prompt: 'a fox',
        abortSignal: controller.signal,
        maxRetries: 2,
      });
      const outcome = pending.catch((e: unknown) => e);
      for (let i = 0; i < 500 && held.stats.created.evolink === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(held.stats.created.evolink).toBe(1);
      controller.abort(reason);
      expect(await outcome).toBe(reason);
      expect(held.stats.requests.filter((r) => r.op === 'create')).toHaveLength(1);
    } finally {
      await held.close();
    }
  });
});

describe('no paid submit is ever re-sent by the AI SDK (maxRetries: 2)', () => {
  it.each(['http-500-after-create', 'drop-after-create'] as const)(
    'a create that %s: one create request, one task, a may-exist error',
    async (kind) => {
      sim.setFaults([{ op: 'create', kind, times: 1 }]);
      const error = await experimental_generateVideo({
        model: createKling(client()).video(),
        prompt: 'a fox',
        maxRetries: 2,
      }).catch((e: unknown) => e);
      expect(KlingError.is(error)).toBe(true);
      expect((error as KlingError).taskState).toBe('may-exist');
      expect(creates()).toBe(1);
      expect(sim.stats.created.evolink).toBe(1);
    },
  );

  it('status faults after the create are retried by the client, not by ai: one task', async () => {
    sim.setFaults([{ op: 'status', kind: 'http-503', times: 2, retryAfter: 1 }]);
    const result = await experimental_generateVideo({
      model: createKling(client()).video(),
      prompt: 'a fox',
      maxRetries: 2,
      download: noDownload,
    });
    expect(result.videos).toHaveLength(1);
    expect(creates()).toBe(1);
  });

  it('a retryable APICallError thrown after the submit is wrapped, so ai does not retry it', async () => {
    const evolink = client();
    let submits = 0;
    const backend: KlingBackend = {
      gateway: 'evolink',
      submit: (request, options) => {
        submits++;
        return evolink.submit(request, options);
      },
      getTask: (saved, options) => evolink.getTask(saved, options),
      resume: (saved) => evolink.resume(saved),
      wait: async () => {
        throw new APICallError({
          message: 'Service Unavailable',
          url: 'https://proxy.example.com/',
          requestBodyValues: {},
          statusCode: 503,
          isRetryable: true,
        });
      },
    };
    const error = await experimental_generateVideo({
      model: createKling(backend).video(),
      prompt: 'a fox',
      maxRetries: 2,
    }).catch((e: unknown) => e);
    expect(KlingError.is(error)).toBe(true);
    expect(APICallError.isInstance(error)).toBe(false);
    expect(APICallError.isInstance((error as Error).cause)).toBe(true);
    expect(submits).toBe(1);
    expect(sim.stats.created.evolink).toBe(1);
  });
});
