import { describe, expect, it } from 'vitest';
import { KlingUnsupportedError, KlingValidationError } from '../../src/errors.js';
import { parseVideoRequest, validateForGateway } from '../../src/request/index.js';

/** The issues a bad request produced, as "path: message" lines. */
function problems(input: unknown): string[] {
  try {
    parseVideoRequest(input);
  } catch (error) {
    if (!KlingValidationError.is(error)) throw error;
    return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
  throw new Error('expected a KlingValidationError');
}

const prompt = 'a lighthouse in a storm';
const url = 'https://cdn.example.com/frame.png';

describe('defaults', () => {
  it('fills in mode std, duration 5 and sound off, and no aspect ratio', () => {
    const r = parseVideoRequest({ prompt });
    expect(r).toEqual({ prompt, mode: 'std', duration: 5, sound: false });
    expect('aspectRatio' in r).toBe(false);
  });
  it('leaves duration out with a reference video', () => {
    const r = parseVideoRequest({ prompt, referenceVideos: ['https://example.com/v.mp4'] });
    expect(r.duration).toBeUndefined();
    expect(r.sound).toBe(false);
  });
  it('keeps what the caller gave', () => {
    const r = parseVideoRequest({ prompt, mode: 'pro', duration: 12, sound: true, aspectRatio: '9:16' });
    expect(r).toMatchObject({ mode: 'pro', duration: 12, sound: true, aspectRatio: '9:16' });
  });
});

describe('field rules', () => {
  it('duration is a whole number from 3 to 15', () => {
    expect(problems({ prompt, duration: 2 })).toEqual(['duration: must be at least 3 seconds']);
    expect(problems({ prompt, duration: 16 })).toEqual(['duration: must be at most 15 seconds']);
    expect(problems({ prompt, duration: 4.5 })).toEqual(['duration: must be a whole number of seconds']);
    expect(problems({ prompt, duration: '5' })).toEqual(['duration: must be a whole number of seconds']);
    for (const duration of [3, 9, 15])
      expect(parseVideoRequest({ prompt, duration }).duration).toBe(duration);
  });
  it('prompt is at most 4000 characters (the largest gateway limit; each its own: prompt-length.test.ts) and not blank', () => {
    expect(parseVideoRequest({ prompt: 'x'.repeat(4000) }).prompt).toHaveLength(4000);
    expect(problems({ prompt: 'x'.repeat(4001) })).toEqual(['prompt: must be at most 4000 characters']);
    expect(problems({ prompt: '   ' })).toEqual(['prompt: must not be empty']);
    expect(problems({ negativePrompt: 'x'.repeat(2501) })).toEqual([
      'negativePrompt: must be at most 2500 characters',
    ]);
  });
  it('mode, aspect ratio and booleans take only their values', () => {
    expect(problems({ prompt, mode: 'hd', aspectRatio: '4:3', sound: 'yes', watermark: 1 })).toEqual([
      'mode: must be one of std, pro, 4k',
      'aspectRatio: must be one of 16:9, 9:16, 1:1',
      'sound: must be true or false',
      'watermark: must be true or false',
    ]);
  });
  it('frames are http(s) URLs, local file paths or bytes (no other scheme, no bare word)', () => {
    const frameProblem =
      'must be an absolute http(s) URL, a local file path (e.g. ./frame.png) or the image bytes';
    for (const bad of ['ftp://example.com/a.png', 'data:image/png;base64,iVBORw0KGgo=', 'x', '', 42]) {
      expect(problems({ prompt, startImage: bad })).toEqual([`startImage: ${frameProblem}`]);
    }
    expect(problems({ prompt, startImage: new Uint8Array() })).toEqual([`startImage: ${frameProblem}`]);
    expect(parseVideoRequest({ prompt, startImage: url, endImage: url }).endImage).toBe(url);
    for (const path of ['/frame.png', './frame', '../a/b', 'frames/first', 'first.jpg', 'C:\\f.png']) {
      expect(parseVideoRequest({ prompt, startImage: path }).startImage).toBe(path);
    }
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    expect(parseVideoRequest({ prompt, startImage: bytes }).startImage).toBe(bytes);
  });
  it('reference media may also be base64 data (Modellix takes it)', () => {
    const data = 'data:image/png;base64,iVBORw0KGgo=';
    expect(
      parseVideoRequest({ prompt, referenceImages: [url, data, 'iVBORw0KGgo='] }).referenceImages,
    ).toHaveLength(3);
    expect(problems({ prompt, referenceImages: ['not an image', 'ftp://e.com/a.png'] })).toEqual([
      'referenceImages.0: must be an absolute http(s) URL, base64 data, a local file path (e.g. ./ref.png) or the image bytes',
      'referenceImages.1: must be an absolute http(s) URL, base64 data, a local file path (e.g. ./ref.png) or the image bytes',
    ]);
    // Base64 has no dots: with a file extension or a ./ prefix, it is a path.
    const refs = ['pics/cat', './pics/cat', 'pics/cat.png', Buffer.from([1])];
    expect(parseVideoRequest({ prompt, referenceImages: refs }).referenceImages).toEqual(refs);
    expect(problems({ prompt, referenceImages: [] })).toEqual([
      'referenceImages: must not be empty (leave it out instead)',
    ]);
  });
  it('at most one reference video, which forces sound off and no duration', () => {
    expect(problems({ prompt, referenceVideos: [url, url] })).toEqual([
      'referenceVideos: takes at most 1 video',
    ]);
    expect(problems({ prompt, referenceVideos: [url], sound: true, duration: 5 })).toEqual([
      'duration: must be left out with referenceVideos (the reference video sets the length)',
      'sound: must be off with referenceVideos',
    ]);
  });
  it('endImage needs startImage', () => {
    expect(problems({ prompt, endImage: url })).toEqual([
      'endImage: needs a startImage (the first frame) too',
    ]);
  });
  it('at most 3 elements, each with an id', () => {
    const elements = [{ id: '1' }, { id: '2' }, { id: '3' }];
    expect(parseVideoRequest({ prompt, elements }).elements).toHaveLength(3);
    expect(problems({ prompt, elements: [...elements, { id: '4' }] })).toEqual([
      'elements: takes at most 3 elements',
    ]);
    expect(problems({ prompt, elements: [{ id: '' }] })).toEqual(['elements.0.id: must not be empty']);
  });
});

describe('multi-shot', () => {
  const shots = (...durations: number[]) =>
    durations.map((duration, i) => ({ prompt: `shot ${i}`, duration }));

  it('customize: 1–6 shots whose durations add up to the duration', () => {
    expect(parseVideoRequest({ multiShot: { type: 'customize', shots: shots(2, 3) } }).duration).toBe(5);
    expect(
      parseVideoRequest({ duration: 12, multiShot: { type: 'customize', shots: shots(2, 2, 2, 2, 2, 2) } }),
    ).toBeDefined();
    expect(
      problems({ duration: 14, multiShot: { type: 'customize', shots: shots(2, 2, 2, 2, 2, 2, 2) } }),
    ).toEqual(['multiShot.shots: takes at most 6 shots']);
    expect(problems({ multiShot: { type: 'customize', shots: [] } })).toEqual([
      'multiShot.shots: needs at least 1 shot',
      'multiShot.shots: shot durations add up to 0 s but duration is 5 s (the default); they must be equal',
    ]);
    expect(problems({ duration: 10, multiShot: { type: 'customize', shots: shots(4, 5) } })).toEqual([
      'multiShot.shots: shot durations add up to 9 s but duration is 10 s; they must be equal',
    ]);
  });
  it('each shot is at least 1 s with a prompt of at most 512 characters', () => {
    expect(problems({ multiShot: { type: 'customize', shots: [...shots(0), ...shots(5)] } })).toEqual([
      'multiShot.shots.0.duration: must be at least 1 second',
    ]);
    expect(
      problems({ multiShot: { type: 'customize', shots: [{ prompt: 'x'.repeat(513), duration: 5 }] } }),
    ).toEqual(['multiShot.shots.0.prompt: must be at most 512 characters']);
  });
  it('intelligence takes no shots', () => {
    expect(parseVideoRequest({ prompt, multiShot: { type: 'intelligence' } }).multiShot).toEqual({
      type: 'intelligence',
    });
    expect(problems({ prompt, multiShot: { type: 'intelligence', shots: [] } })).toEqual([
      'multiShot.shots: unknown field',
    ]);
    expect(problems({ prompt, multiShot: { type: 'auto' } })).toEqual([
      "multiShot.type: type must be 'customize' (with shots) or 'intelligence'",
    ]);
  });
});

describe('callbackUrl', () => {
  it('accepts a public https URL up to 2048 characters', () => {
    const long = `https://hooks.example.com/${'a'.repeat(2048 - 26)}`;
    expect(long).toHaveLength(2048);
    expect(parseVideoRequest({ prompt, callbackUrl: long }).callbackUrl).toBe(long);
    expect(problems({ prompt, callbackUrl: `${long}a` })).toEqual([
      'callbackUrl: must be at most 2048 characters (got 2049)',
    ]);
  });
  it('refuses http and credentials', () => {
    expect(problems({ prompt, callbackUrl: 'http://hooks.example.com/x' })).toEqual([
      'callbackUrl: must use https (got http)',
    ]);
    expect(problems({ prompt, callbackUrl: 'https://u:p@hooks.example.com/x' })).toEqual([
      'callbackUrl: must not carry a user name or password',
    ]);
  });
  it.each([
    'https://localhost/x',
    'https://LOCALHOST./x',
    'https://api.localhost/x',
    'https://127.0.0.1/x',
    'https://2130706433/x',
    'https://0x7f.1/x',
    'https://10.1.2.3/x',
    'https://172.20.0.1/x',
    'https://192.168.1.1/x',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/x',
    'https://0.0.0.0/x',
    'https://[::1]/x',
    'https://[::]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[::ffff:10.0.0.1]/x',
    'https://[fd12:3456::1]/x',
    'https://[fe80::1]/x',
    'https://printer.local/x',
  ])('refuses the non-public host in %s', (callbackUrl) => {
    const [problem] = problems({ prompt, callbackUrl });
    expect(problem).toMatch(/^callbackUrl: must point at a public host/);
  });
  it.each(['https://8.8.8.8/hook', 'https://[2001:4860:4860::8888]/hook', 'https://172.32.0.1/hook'])(
    'accepts the public host in %s',
    (callbackUrl) => {
      expect(parseVideoRequest({ prompt, callbackUrl }).callbackUrl).toBe(callbackUrl);
    },
  );
});

describe('unknown input', () => {
  it('rejects unknown fields, suggesting the camelCase name', () => {
    expect(problems({ prompt, negative_prompt: 'x', aspect_ratio: '1:1', colour: 'red' })).toEqual([
      "negative_prompt: unknown field; did you mean 'negativePrompt'?",
      "aspect_ratio: unknown field; did you mean 'aspectRatio'?",
      'colour: unknown field; pass raw gateway fields through providerOptions.<gateway>',
    ]);
  });
  it('takes providerOptions only for known gateways', () => {
    expect(parseVideoRequest({ prompt, providerOptions: { evolink: { x: 1 } } }).providerOptions).toEqual({
      evolink: { x: 1 },
    });
    expect(problems({ prompt, providerOptions: { replicate: {} } })).toEqual([
      'providerOptions.replicate: unknown field',
    ]);
  });
  it('rejects a non-object with a clear message', () => {
    expect(problems('make a video')).toEqual([': the request must be an object (got string)']);
    expect(problems([])).toEqual([': the request must be an object (got an array)']);
  });
  it('reports every problem at once, with paths', () => {
    const list = problems({
      prompt: '',
      duration: 1.5,
      endImage: 'x',
      multiShot: { type: 'customize', shots: [{}] },
    });
    expect(list).toEqual([
      'prompt: must not be empty',
      'duration: must be a whole number of seconds',
      'endImage: must be an absolute http(s) URL, a local file path (e.g. ./frame.png) or the image bytes',
      'multiShot.shots.0.prompt: is required',
      'multiShot.shots.0.duration: must be a whole number of seconds',
      'endImage: needs a startImage (the first frame) too',
    ]);
  });
  it('sets taskState not-created: nothing was sent', () => {
    try {
      parseVideoRequest({ duration: 99 });
    } catch (error) {
      expect(error).toMatchObject({ taskState: 'not-created', name: 'KlingValidationError' });
    }
    expect.assertions(1);
  });
});

describe('validateForGateway', () => {
  const unsupported = (gateway: Parameters<typeof validateForGateway>[0], input: unknown) => {
    try {
      validateForGateway(gateway, input);
    } catch (error) {
      if (!KlingUnsupportedError.is(error)) throw error;
      return { field: error.field, gateway: error.gateway, message: error.message };
    }
    return null;
  };

  it('EvoLink takes elements only with a start image', () => {
    expect(unsupported('evolink', { prompt, elements: [{ id: '42' }] })).toMatchObject({
      field: 'elements',
      gateway: 'evolink',
    });
    expect(unsupported('evolink', { prompt, startImage: url, elements: [{ id: '42' }] })).toBeNull();
  });
  it('EvoLink takes no aspect ratio with a start image (it follows the image)', () => {
    expect(unsupported('evolink', { prompt, startImage: url, aspectRatio: '1:1' })).toMatchObject({
      field: 'aspectRatio',
    });
    expect(unsupported('evolink', { prompt, aspectRatio: '1:1' })).toBeNull();
  });
  it('Modellix has no frames and no callbacks, and only intelligence multi-shot', () => {
    expect(unsupported('modellix', { prompt, startImage: url })).toMatchObject({ field: 'startImage' });
    expect(unsupported('modellix', { prompt, callbackUrl: 'https://hooks.example.com/k' })).toMatchObject({
      field: 'callbackUrl',
    });
    expect(
      unsupported('modellix', {
        prompt,
        multiShot: { type: 'customize', shots: [{ prompt: 'a', duration: 5 }] },
      }),
    ).toMatchObject({ field: 'multiShot' });
    expect(unsupported('modellix', { prompt, multiShot: { type: 'intelligence' } })).toBeNull();
  });
  it('local images are refused where the gateway has no upload API (API in One)', () => {
    for (const startImage of ['./frame.png', Buffer.from([1, 2, 3])]) {
      expect(unsupported('apiinone', { prompt, startImage })).toMatchObject({
        field: 'startImage',
        gateway: 'apiinone',
        message: expect.stringContaining('no upload API'),
      });
      expect(unsupported('apiframe', { prompt, startImage })).toBeNull();
      expect(unsupported('evolink', { prompt, startImage })).toBeNull();
    }
    expect(unsupported('apiinone', { prompt, startImage: url })).toBeNull();
    expect(unsupported('modellix', { prompt, referenceImages: ['./ref.png', url] })).toBeNull();
  });
  it('apiframe and EvoLink take an end frame; API in One does not', () => {
    const frames = { prompt, startImage: url, endImage: url };
    expect(unsupported('apiframe', frames)).toBeNull();
    expect(unsupported('evolink', frames)).toBeNull();
    expect(unsupported('apiinone', frames)).toMatchObject({ field: 'endImage', gateway: 'apiinone' });
  });
  it('only Modellix takes reference images and videos', () => {
    for (const gateway of ['apiinone', 'apiframe', 'evolink'] as const) {
      expect(unsupported(gateway, { prompt, referenceImages: [url] })).toMatchObject({
        field: 'referenceImages',
      });
    }
    expect(unsupported('modellix', { prompt, referenceVideos: [url] })).toBeNull();
  });
  it('4k only where the gateway sells it', () => {
    expect(unsupported('apiinone', { prompt, mode: '4k' })).toMatchObject({ field: 'mode' });
    expect(unsupported('modellix', { prompt, mode: '4k' })).toMatchObject({ field: 'mode' });
    expect(unsupported('apiframe', { prompt, mode: '4k' })).toBeNull();
  });
  it('a missing prompt is refused where the gateway requires one', () => {
    const customShots = { multiShot: { type: 'customize', shots: [{ prompt: 'a', duration: 5 }] } };
    expect(unsupported('apiframe', customShots)).toMatchObject({
      field: 'prompt',
      message: 'apiframe requires a prompt',
    });
    expect(unsupported('apiinone', customShots)).toBeNull();
    expect(unsupported('evolink', { startImage: url })).toBeNull();
    expect(unsupported('evolink', {})).toMatchObject({ field: 'prompt' });
  });
  it('names every unsupported field in the message', () => {
    const result = unsupported('modellix', { prompt, startImage: url, watermark: true });
    expect(result?.message).toMatch(
      /startImage is not supported on modellix.*watermark is not supported on modellix/,
    );
  });
  it('validates before checking support', () => {
    expect(() => validateForGateway('modellix', { prompt, duration: 40, startImage: url })).toThrow(
      KlingValidationError,
    );
  });
});
