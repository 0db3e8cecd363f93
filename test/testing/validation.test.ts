import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonObject, type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { create, GATEWAYS, WIRE, type WiredGateway } from './helpers.js';

let strict: RunningSimulator;
let lenient: RunningSimulator;
beforeAll(async () => {
  strict = await startGatewaySimulator({ seed: 11, requireExplicitDefaults: true });
  lenient = await startGatewaySimulator({ seed: 11, strict: false });
});
afterAll(async () => {
  await strict.close();
  await lenient.close();
});

/** The documented 400 shape of each gateway, and the problems it lists. */
function problemsIn(gateway: WiredGateway, body: JsonObject): string {
  switch (gateway) {
    case 'apiinone': {
      const error = body.error as JsonObject;
      expect(error).toMatchObject({ code: 400, type: 'invalid_request' });
      return String(error.message);
    }
    case 'apiframe':
      expect(body.error).toBe('Request body failed validation.');
      return JSON.stringify(body.details);
    case 'evolink': {
      const error = body.error as JsonObject;
      expect(error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
      return String(error.message);
    }
    case 'modellix':
      expect(Object.keys(body).sort()).toEqual(['code', 'message']); // the docs' format: no `data`
      expect(body.code).toBe(400);
      expect(String(body.message)).toMatch(/^[A-Z][A-Za-z ]+: /);
      return String(body.message);
  }
}

interface Case {
  name: string;
  body: JsonObject;
  /** Every problem the reply must list. */
  expect: RegExp[];
}

const CASES: Record<WiredGateway, Case[]> = {
  apiinone: [
    {
      name: 'wrong types, enums and ranges, all listed',
      body: { model: 'kling-3', prompt: 5, mode: 'ultra', duration: 20, sound: 'yes', aspect_ratio: '4:3' },
      expect: [
        /prompt: must be a string/,
        /mode: must be one of/,
        /duration: must be between 3 and 15/,
        /sound/,
        /aspect_ratio/,
      ],
    },
    {
      name: 'unknown fields and implicit price defaults',
      body: { model: 'kling-3', prompt: 'x', quality: '720p' },
      expect: [
        /quality: unknown field/,
        /mode: must be sent explicitly/,
        /duration: must be sent explicitly/,
        /sound: must be sent explicitly/,
      ],
    },
    {
      name: 'prompt required unless multi_shots; shots add up to duration',
      body: {
        model: 'kling-3',
        mode: 'pro',
        duration: 10,
        sound: true,
        multi_shots: true,
        multi_prompt: [
          { prompt: 'a', duration: 3 },
          { prompt: 'b', duration: 3 },
        ],
      },
      expect: [/shot durations add up to 6, not duration 10/],
    },
    {
      name: 'missing prompt and wrong model',
      body: { model: 'kling-2', mode: 'std', duration: 5, sound: false },
      expect: [/model: must be one of "kling-3"/, /prompt: is required/],
    },
  ],
  apiframe: [
    {
      name: 'unknown top-level field and a sound field from another gateway',
      body: {
        model: 'kling-3.0',
        prompt: 'x',
        sound: 'on',
        klingParams: { mode: 'pro', duration: 5, generate_audio: true, quality: '4k' },
      },
      expect: [/"sound":\["unknown field/, /"klingParams.quality":\["unknown field/],
    },
    {
      name: 'enums, integer duration, prompt length, webhook events',
      body: {
        model: 'kling-3.0',
        prompt: 'x'.repeat(4001),
        webhookEvents: ['done'],
        klingParams: { mode: 'std', duration: 5.5, generate_audio: 'yes' },
      },
      expect: [
        /"prompt":\["must be at most 4000/,
        /webhookEvents\[0\]/,
        /klingParams.mode/,
        /klingParams.duration":\["must be an integer/,
        /klingParams.generate_audio/,
      ],
    },
    {
      name: 'multi_prompt must be a JSON string of at most 6 shots',
      body: {
        model: 'kling-3.0',
        prompt: 'x',
        klingParams: {
          mode: 'pro',
          duration: 15,
          generate_audio: false,
          multi_prompt: JSON.stringify(Array(7).fill({ prompt: 'a', duration: 2 })),
        },
      },
      expect: [/klingParams.multi_prompt":\["must encode an array of 1 to 6 shots/],
    },
    {
      name: 'multi_prompt as a native array is refused',
      body: {
        model: 'kling-3.0',
        prompt: 'x',
        klingParams: { mode: 'pro', duration: 5, generate_audio: false, multi_prompt: [] },
      },
      expect: [/klingParams.multi_prompt":\["must be a string/],
    },
  ],
  evolink: [
    {
      name: 'image-to-video needs image_start, refuses aspect_ratio, image_end needs a start',
      body: {
        model: 'kling-v3-image-to-video',
        prompt: 'x',
        quality: '1080p',
        duration: 5,
        sound: 'on',
        aspect_ratio: '16:9',
        image_end: 'https://x.test/e.png',
      },
      expect: [/image_start: is required/, /aspect_ratio: is not accepted/, /image_end: needs image_start/],
    },
    {
      name: 'sound is "on"/"off", quality enum, integer duration, https public callback',
      body: {
        model: 'kling-v3-text-to-video',
        prompt: 'x',
        quality: '8k',
        duration: 16,
        sound: true,
        callback_url: 'http://127.0.0.1/hook',
      },
      expect: [
        /quality: must be one of/,
        /duration: must be between 3 and 15/,
        /sound: must be a string/,
        /callback_url: must use https/,
      ],
    },
    {
      name: 'customize multi-shot: string durations summing to duration, prompts ≤ 512',
      body: {
        model: 'kling-v3-text-to-video',
        quality: '720p',
        duration: 10,
        sound: 'off',
        model_params: {
          multi_shot: true,
          shot_type: 'customize',
          multi_prompt: [
            { index: 1, prompt: 'a'.repeat(513), duration: '5' },
            { index: 2, prompt: 'b', duration: 4 },
          ],
        },
      },
      expect: [
        /multi_prompt\[0\].prompt: must be at most 512/,
        /multi_prompt\[1\].duration: must be a string/,
      ],
    },
    {
      name: 'elements: image-to-video only, at most 3, string ids',
      body: {
        model: 'kling-v3-text-to-video',
        prompt: 'x',
        quality: '720p',
        duration: 5,
        sound: 'off',
        model_params: {
          element_list: [{ element_id: 1 }, { element_id: '2' }, { element_id: '3' }, { element_id: '4' }],
        },
      },
      expect: [
        /element_list: is only accepted by kling-v3-image-to-video/,
        /element_list: must have at most 3/,
      ],
    },
    {
      name: 'prompt required on text-to-video without customize shots',
      body: {
        model: 'kling-v3-text-to-video',
        quality: '720p',
        duration: 5,
        sound: 'off',
        model_params: { multi_shot: true, shot_type: 'intelligence' },
      },
      expect: [/prompt: is required/],
    },
  ],
  modellix: [
    {
      name: 'with a reference video: sound off and no duration',
      body: { prompt: 'x', mode: 'pro', sound: 'on', duration: 5, videos: ['https://x.test/a.mp4'] },
      expect: [/sound: must be "off" when videos/, /duration: must be omitted when videos/],
    },
    {
      name: 'exactly one video, shot_type intelligence only, no foreign fields',
      body: {
        prompt: 'x',
        mode: 'pro',
        sound: 'off',
        videos: ['a', 'b'],
        multi_shot: true,
        shot_type: 'customize',
        negative_prompt: 'y',
      },
      expect: [
        /videos: must have at most 1/,
        /shot_type: must be one of "intelligence"/,
        /negative_prompt: unknown field/,
      ],
    },
    {
      name: 'prompt required, mode/sound enums, duration range',
      body: { mode: '4k', sound: false, duration: 2 },
      expect: [
        /prompt: is required/,
        /mode: must be one of/,
        /sound: must be a string/,
        /duration: must be between 3 and 15/,
      ],
    },
  ],
};

describe.each(GATEWAYS)('%s validation', (gateway) => {
  it.each(CASES[gateway].map((c) => [c.name, c] as const))('rejects %s', async (_, testCase) => {
    const before = strict.stats.rejected[gateway];
    const createdBefore = strict.stats.created[gateway];
    const reply = await create(strict.url, gateway, testCase.body);
    expect(reply.status).toBe(400);
    const listed = problemsIn(gateway, reply.json);
    for (const pattern of testCase.expect) expect(listed).toMatch(pattern);
    expect(strict.stats.rejected[gateway]).toBe(before + 1);
    expect(strict.stats.created[gateway]).toBe(createdBefore);
    const record = strict.stats.requests.at(-1);
    expect(record).toMatchObject({ gateway, op: 'create', status: 400 });
    expect(record?.rejection?.length).toBeGreaterThanOrEqual(testCase.expect.length);
  });

  it('rejects a body that is not JSON', async () => {
    const wire = WIRE[gateway];
    const response = await fetch(`${strict.url}${wire.createPath}`, {
      method: 'POST',
      headers: wire.authHeaders('sk-test'),
      body: '{"prompt": ',
    });
    expect(response.status).toBe(400);
    expect(problemsIn(gateway, (await response.json()) as JsonObject)).toMatch(/valid JSON/);
  });

  it('accepts the smallest valid body', async () => {
    const reply = await create(strict.url, gateway, WIRE[gateway].validBody());
    expect(reply.status).toBe(WIRE[gateway].createdStatus);
  });
});

describe('valid bodies beyond the minimum', () => {
  it.each([
    [
      'evolink image-to-video with end frame, elements and customize shots',
      'evolink',
      {
        model: 'kling-v3-image-to-video',
        image_start: 'https://cdn.example.com/a.png',
        image_end: 'https://cdn.example.com/b.png',
        quality: '1080p',
        duration: 8,
        sound: 'on',
        negative_prompt: 'blur',
        callback_url: 'https://hooks.example.com/kling',
        model_params: {
          multi_shot: true,
          shot_type: 'customize',
          multi_prompt: [
            { index: 1, prompt: 'a', duration: '3' },
            { index: 2, prompt: 'b', duration: '5' },
          ],
          element_list: [{ element_id: '123456' }],
          watermark_info: { enabled: false },
        },
      },
    ],
    [
      'modellix with a reference video (no duration)',
      'modellix',
      {
        prompt: 'x',
        mode: 'pro',
        sound: 'off',
        videos: ['https://cdn.example.com/v.mp4'],
        aspect_ratio: '9:16',
      },
    ],
    [
      'apiframe with images, negative prompt, multi_prompt and webhook',
      'apiframe',
      {
        model: 'kling-3.0',
        prompt: 'x',
        webhookUrl: 'https://hooks.example.com/a',
        webhookEvents: ['completed', 'failed'],
        klingParams: {
          mode: '4k',
          duration: 10,
          generate_audio: true,
          aspect_ratio: '1:1',
          start_image: 'https://cdn.example.com/a.png',
          end_image: 'https://cdn.example.com/b.png',
          negative_prompt: 'blur',
          multi_prompt: JSON.stringify([
            { prompt: 'a', duration: 4 },
            { prompt: 'b', duration: 6 },
          ]),
        },
      },
    ],
    [
      'apiinone multi-shot image-to-video',
      'apiinone',
      {
        model: 'kling-3',
        mode: 'pro',
        duration: 6,
        sound: true,
        image: 'https://cdn.example.com/a.png',
        multi_shots: true,
        multi_prompt: [
          { prompt: 'a', duration: 3 },
          { prompt: 'b', duration: 3 },
        ],
      },
    ],
  ] as const)('accepts %s', async (_, gateway, body) => {
    const reply = await create(strict.url, gateway, body);
    expect(reply.status, JSON.stringify(reply.json)).toBe(WIRE[gateway].createdStatus);
  });
});

describe('strict: false', () => {
  it('accepts implicit defaults and unknown fields where the vendor does not forbid them', async () => {
    const reply = await create(lenient.url, 'evolink', {
      model: 'kling-v3-text-to-video',
      prompt: 'x',
      extra: 1,
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      task_info: { video_duration: 5 },
      usage: { credits_reserved: 270000 },
    });
    expect((await create(lenient.url, 'modellix', { prompt: 'x' })).status).toBe(200);
  });

  it('still enforces documented rules, including apiframe additionalProperties: false', async () => {
    expect(
      (await create(lenient.url, 'apiframe', { model: 'kling-3.0', prompt: 'x', sound: true })).status,
    ).toBe(400);
    expect((await create(lenient.url, 'modellix', { prompt: 'x', duration: 30 })).status).toBe(400);
    expect((await create(lenient.url, 'apiframe', { model: 'kling-3.0', prompt: 'x' })).status).toBe(202);
  });
});
