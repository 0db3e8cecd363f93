/**
 * Every client, router and per-call option is validated before anything is sent (DESIGN.md §5.7):
 * one KlingValidationError listing every problem with its path, headed with what was invalid; unknown
 * names get a "did you mean".
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  didYouMean,
  NO_OPTIONS,
  splitGenerateOptions,
  unknownKeys,
  validateClientOptions,
  validateGenerateOptions,
  validateGetTaskOptions,
  validateQuoteOptions,
  validateSubmitOptions,
  validateWaitOptions,
} from '../../src/client/options.js';
import { GATEWAY_IDS, KlingClient, KlingRouter, KlingValidationError } from '../../src/index.js';
import { scriptedFetch } from '../helpers/scripted-fetch.js';

const KEY = 'sk-test-secret-123456';
const base = { gateway: 'evolink', apiKey: KEY } as const;

/** The KlingValidationError `fn` throws (fails the test if it throws anything else, or nothing). */
function validationError(fn: () => unknown): KlingValidationError {
  try {
    fn();
  } catch (error) {
    if (KlingValidationError.is(error)) return error;
    throw new Error(`expected a KlingValidationError, got ${String(error)}`);
  }
  throw new Error('expected a KlingValidationError, got none');
}

const paths = (error: KlingValidationError) => error.issues.map((i) => i.path.join('.'));
const issueAt = (error: KlingValidationError, path: string) =>
  error.issues.find((i) => i.path.join('.') === path)?.message;

describe('client options', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('lists every problem in one error, each with its path, headed "Invalid client options"', () => {
    const error = validationError(
      () => new KlingClient({ ...base, timeoutMs: 0, maxRetries: -1, poll: { intervalMs: Number.NaN } }),
    );
    expect(error.subject).toBe('client options');
    expect(paths(error)).toEqual(['timeoutMs', 'maxRetries', 'poll.intervalMs']);
    expect(error.message).toMatch(/^Invalid client options \(3 problems\):\n {2}- timeoutMs: /);
    expect(error.taskState).toBe('not-created');
  });

  it('refuses unknown option names with a "did you mean", and lists them with the other problems', () => {
    const error = validationError(() =>
      validateClientOptions({ ...base, timeout: 5000, api_key: 'x', retries: 3, gatway: 'evolink', foo: 1 }),
    );
    expect(issueAt(error, 'timeout')).toBe("unknown option; did you mean 'timeoutMs'?");
    expect(issueAt(error, 'api_key')).toBe("unknown option; did you mean 'apiKey'?");
    expect(issueAt(error, 'retries')).toBe("unknown option; did you mean 'maxRetries'?");
    expect(issueAt(error, 'gatway')).toBe("unknown option; did you mean 'gateway'?");
    expect(issueAt(error, 'foo')).toMatch(/^unknown option \(the options are gateway, apiKey, /);
    const nested = validationError(() =>
      validateClientOptions({
        ...base,
        poll: { interval: 1000 },
        retry: { maxRetries: 1, baseDelay: 10 },
        endpoints: { craete: '/x' },
      }),
    );
    expect(issueAt(nested, 'poll.interval')).toBe("unknown option; did you mean 'intervalMs'?");
    expect(issueAt(nested, 'retry.maxRetries')).toMatch(/set maxRetries on the client options themselves/);
    expect(issueAt(nested, 'retry.baseDelay')).toBe("unknown option; did you mean 'baseDelayMs'?");
    expect(issueAt(nested, 'endpoints.craete')).toBe("unknown option; did you mean 'create'?");
  });

  it('takes Infinity and 2^31 ms or more as timeouts, and refuses 0, negatives, NaN and non-numbers', () => {
    for (const timeoutMs of [Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 40, 1]) {
      expect(validateClientOptions({ ...base, timeoutMs, poll: { timeoutMs } })).toMatchObject({
        timeoutMs,
        poll: { timeoutMs },
      });
    }
    for (const timeoutMs of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY, '5000', null]) {
      const error = validationError(() => validateClientOptions({ ...base, timeoutMs, poll: { timeoutMs } }));
      expect(paths(error)).toEqual(['timeoutMs', 'poll.timeoutMs']);
      expect(issueAt(error, 'timeoutMs')).toMatch(/above 0, or Infinity for no deadline/);
    }
  });

  it('checks counts, sizes and poll and retry tuning', () => {
    const error = validationError(() =>
      validateClientOptions({
        ...base,
        maxRetries: 1.5,
        maxConcurrency: 0,
        maxResponseBytes: Number.POSITIVE_INFINITY,
        poll: { intervalMs: 5000, maxIntervalMs: 1000 },
        retry: { baseDelayMs: -1, maxDelayMs: Number.NaN, maxRetryAfterMs: Number.POSITIVE_INFINITY },
      }),
    );
    expect(paths(error)).toEqual([
      'maxRetries',
      'poll.maxIntervalMs',
      'maxConcurrency',
      'retry.baseDelayMs',
      'retry.maxDelayMs',
      'retry.maxRetryAfterMs',
      'maxResponseBytes',
    ]);
    expect(issueAt(error, 'poll.maxIntervalMs')).toBe('must be at least poll.intervalMs (5000 ms)');
    // A valid set passes, with what was given.
    expect(
      validateClientOptions({
        ...base,
        maxRetries: 0,
        maxConcurrency: 1,
        maxResponseBytes: 1024,
        retry: { baseDelayMs: 0, maxDelayMs: 10 },
      }),
    ).toMatchObject({
      maxRetries: 0,
      maxConcurrency: 1,
      maxResponseBytes: 1024,
      retry: { baseDelayMs: 0, maxDelayMs: 10 },
    });
  });

  it('keeps the defaults and the API key from the environment', () => {
    vi.stubEnv('EVOLINK_API_KEY', 'sk-from-env');
    expect(validateClientOptions({ gateway: 'evolink' })).toMatchObject({
      gateway: 'evolink',
      apiKey: 'sk-from-env',
      baseUrl: 'https://api.evolink.ai',
      uploadBaseUrl: undefined,
      timeoutMs: 60_000,
      maxRetries: 2,
      maxConcurrency: 16,
      maxResponseBytes: 4 * 1024 * 1024,
      poll: {},
      retry: {},
      endpoints: {},
      statusMap: undefined,
      pricing: {},
    });
    vi.stubEnv('EVOLINK_API_KEY', '');
    const error = validationError(() => new KlingClient({ gateway: 'evolink' }));
    expect(issueAt(error, 'apiKey')).toBe('no API key: pass apiKey or set EVOLINK_API_KEY');
  });

  it('refuses an API key that cannot be an HTTP header value, without quoting the key', () => {
    const cases: [string, RegExp][] = [
      [`${KEY}\n`, /ends with a line break .*trim it/],
      [`${KEY}\r\nX-Injected: 1`, /contains a line break/],
      [`sk-\u0000${KEY}`, /contains a control character/],
      [`${KEY}\t`, /contains a control character/],
      [`“${KEY}”`, /non-ASCII character \(at character 1 of/],
      [` ${KEY}`, /starts or ends with a space/],
    ];
    for (const [apiKey, message] of cases) {
      const { fetch, calls } = scriptedFetch([{ status: 200, body: {} }]);
      const error = validationError(() => new KlingClient({ gateway: 'apiframe', apiKey, fetch }));
      expect(error.issues).toEqual([{ path: ['apiKey'], message: expect.stringMatching(message) }]);
      expect(error.message).not.toContain(KEY);
      expect(calls).toHaveLength(0);
    }
    expect(
      issueAt(
        validationError(() => validateClientOptions({ ...base, apiKey: 42 })),
        'apiKey',
      ),
    ).toMatch(/must be a string/);
    vi.stubEnv('APIFRAME_API_KEY', `${KEY}\n`);
    const fromEnv = validationError(() => new KlingClient({ gateway: 'apiframe' }));
    expect(issueAt(fromEnv, 'apiKey')).toMatch(/^the key in APIFRAME_API_KEY ends with a line break/);
  });

  it('checks the gateway, with a guess for a misspelt one', () => {
    expect(
      issueAt(
        validationError(() => validateClientOptions({ apiKey: KEY, gateway: 'evolnk' })),
        'gateway',
      ),
    ).toBe(`must be one of ${GATEWAY_IDS.join(', ')} (did you mean 'evolink'?)`);
    expect(
      issueAt(
        validationError(() => validateClientOptions({ apiKey: KEY })),
        'gateway',
      ),
    ).toMatch(/is required/);
  });

  it('checks the origins and the endpoint paths', () => {
    const error = validationError(() =>
      validateClientOptions({
        ...base,
        baseUrl: 'http://gw.example.com',
        uploadBaseUrl: 'https://files.example.com/v1',
        endpoints: { create: 'v1/videos', status: '/v1/tasks' },
      }),
    );
    expect(error.issues).toEqual([
      { path: ['baseUrl'], message: 'must use https (plain http is allowed only on loopback)' },
      { path: ['uploadBaseUrl'], message: expect.stringMatching(/must be an origin only/) },
      { path: ['endpoints', 'create'], message: expect.stringMatching(/must be a path starting with \//) },
      { path: ['endpoints', 'status'], message: expect.stringMatching(/must hold \{id\}/) },
    ]);
    expect(
      validateClientOptions({ ...base, baseUrl: 'http://127.0.0.1:4010/', endpoints: { status: '/t/{id}' } }),
    ).toMatchObject({ baseUrl: 'http://127.0.0.1:4010', endpoints: { status: '/t/{id}' } });
  });

  it('checks statusMap values, reading own keys only into a null-prototype record', () => {
    const error = validationError(() =>
      validateClientOptions({ ...base, statusMap: { DONE: 'success', '': 'failed', OK: 'succeeded' } }),
    );
    expect(paths(error)).toEqual(['statusMap.DONE', 'statusMap.']);
    expect(issueAt(error, 'statusMap.DONE')).toMatch(
      /must be one of queued, running, succeeded, failed, canceled/,
    );

    const inherited = Object.create({ INHERITED: 'succeeded' }) as Record<string, string>;
    Object.defineProperty(inherited, 'constructor', { value: 'failed', enumerable: true });
    const { statusMap } = validateClientOptions({ ...base, statusMap: inherited });
    expect(Object.getPrototypeOf(statusMap)).toBeNull();
    expect({ ...statusMap }).toEqual({ constructor: 'failed' });
  });

  it('checks logger, clock, fetch, dispatcher and pricing', () => {
    const error = validationError(() =>
      validateClientOptions({
        ...base,
        logger: { warn: 'loud' },
        clock: { now: () => 0 },
        fetch: 'globalThis.fetch',
        dispatcher: {},
        pricing: { usdPerCredit: -1, rate: {} },
      }),
    );
    expect(paths(error)).toEqual([
      'logger.warn',
      'clock.sleep',
      'fetch',
      'dispatcher',
      'pricing.rate',
      'pricing.usdPerCredit',
    ]);
    expect(issueAt(error, 'pricing.rate')).toBe("unknown option; did you mean 'rates'?");
    expect(() => validateClientOptions({ ...base, logger: console, fetch: globalThis.fetch })).not.toThrow();
  });

  it('is a KlingValidationError, not a TypeError, for options that are not an object', () => {
    for (const options of [undefined, null, 'evolink', []]) {
      const error = validationError(() => new KlingClient(options as never));
      expect(error.subject).toBe('client options');
      expect(error.issues[0]?.path).toEqual([]);
    }
  });
});

describe('per-call options', () => {
  const signal = new AbortController().signal;

  it('getTask: the shared empty default and valid options come back as they are', () => {
    expect(validateGetTaskOptions(NO_OPTIONS)).toBe(NO_OPTIONS);
    const options = { signal, timeoutMs: 2 ** 31, maxRetries: 0 };
    expect(validateGetTaskOptions(options)).toBe(options);
    expect(validateGetTaskOptions({ timeoutMs: Number.POSITIVE_INFINITY })).toBeDefined();
  });

  it('getTask: lists every bad value and unknown name', () => {
    const error = validationError(() =>
      validateGetTaskOptions({ signal: 'stop', timeoutMs: Number.NaN, maxRetries: -1, timeout: 1 } as never),
    );
    expect(error.subject).toBe('status options');
    expect(paths(error)).toEqual(['signal', 'timeoutMs', 'maxRetries', 'timeout']);
    expect(issueAt(error, 'timeout')).toBe("unknown option; did you mean 'timeoutMs'?");
    expect(error.message).toMatch(/^Invalid status options \(4 problems\)/);
    expect(paths(validationError(() => validateGetTaskOptions(null as never)))).toEqual(['']);
  });

  it('wait: timeoutMs above 0 or Infinity; onProgress a function', () => {
    for (const timeoutMs of [Number.POSITIVE_INFINITY, 2 ** 31, 1]) {
      expect(() => validateWaitOptions({ timeoutMs })).not.toThrow();
    }
    for (const timeoutMs of [0, -5, Number.NaN]) {
      expect(paths(validationError(() => validateWaitOptions({ timeoutMs })))).toEqual(['timeoutMs']);
    }
    const error = validationError(() => validateWaitOptions({ onProgress: 'log', maxRetries: 2 } as never));
    expect(error.subject).toBe('wait options');
    expect(paths(error)).toEqual(['onProgress', 'maxRetries']);
  });

  it('submit: idempotencyKey must be a header value of 1–255 printable ASCII characters', () => {
    for (const idempotencyKey of ['', 'a'.repeat(256), 'key\r\nX-Evil: 1', 'ключ', ' key', 42]) {
      const error = validationError(() => validateSubmitOptions({ idempotencyKey } as never));
      expect(paths(error)).toEqual(['idempotencyKey']);
    }
    expect(() => validateSubmitOptions({ idempotencyKey: 'a'.repeat(255) })).not.toThrow();
    expect(() => validateSubmitOptions({ idempotencyKey: 'order-42 retry' })).not.toThrow();
  });

  it('submit: every problem at once, maxCost included, with did-you-mean', () => {
    const error = validationError(() =>
      validateSubmitOptions({
        max_cost: 1,
        maxCost: { dollars: 1 },
        onBeforeSend: true,
        timeoutMs: 0,
        signal: {},
      } as never),
    );
    expect(error.subject).toBe('submit options');
    expect(paths(error).sort()).toEqual(
      ['max_cost', 'maxCost', 'maxCost.dollars', 'onBeforeSend', 'signal', 'timeoutMs'].sort(),
    );
    expect(issueAt(error, 'max_cost')).toBe("unknown option; did you mean 'maxCost'?");
  });

  it('generate: the submit options plus waitTimeoutMs, onProgress and onSubmitted; split for submit and wait', () => {
    const error = validationError(() =>
      validateGenerateOptions({
        waitTimeoutMs: 0,
        onSubmitted: 'save',
        onProgress: 1,
        waitTimeout: 5,
      } as never),
    );
    expect(error.subject).toBe('generate options');
    expect(paths(error)).toEqual(['waitTimeoutMs', 'onSubmitted', 'onProgress', 'waitTimeout']);
    expect(issueAt(error, 'waitTimeout')).toBe("unknown option; did you mean 'waitTimeoutMs'?");

    const onProgress = () => {};
    const onSubmitted = () => {};
    const { submit, wait } = splitGenerateOptions({
      signal,
      maxCost: 1,
      waitTimeoutMs: Number.POSITIVE_INFINITY,
      onProgress,
      onSubmitted,
    });
    expect(submit).toEqual({ signal, maxCost: 1 });
    expect(wait).toEqual({ signal, timeoutMs: Number.POSITIVE_INFINITY, onProgress });
    expect(() => validateSubmitOptions(submit)).not.toThrow();
    expect(() => validateWaitOptions(wait)).not.toThrow();
  });

  it('quote: only maxCost', () => {
    expect(paths(validationError(() => validateQuoteOptions({ maxCost: 1, signal } as never)))).toEqual([
      'signal',
    ]);
  });
});

describe('router options', () => {
  const client = () => new KlingClient({ ...base, fetch: scriptedFetch([]).fetch });

  it('lists every problem: unknown names, strategy, pricing, clients', () => {
    const error = validationError(
      () =>
        new KlingRouter({
          clients: [],
          strategy: 'fastest',
          pricing: { usdPerCredit: Number.NaN },
          strategies: 'x',
        } as never),
    );
    expect(error.subject).toBe('router options');
    expect(paths(error)).toEqual(['strategies', 'strategy', 'pricing.usdPerCredit', 'clients']);
    expect(issueAt(error, 'strategies')).toBe("unknown option; did you mean 'strategy'?");
    expect(error.message).toMatch(/^Invalid router options \(4 problems\)/);
    expect(() => new KlingRouter({ clients: [client()], strategy: 'ordered' })).not.toThrow();
    expect(validationError(() => new KlingRouter(undefined as never)).subject).toBe('router options');
  });
});

describe('did you mean', () => {
  it('finds a spelling variant, a contained name or the nearest within a third of the length', () => {
    const known = ['timeoutMs', 'maxRetries', 'apiKey', 'baseUrl', 'uploadBaseUrl', 'gateway'];
    expect(didYouMean('API_KEY', known)).toBe('apiKey');
    expect(didYouMean('timeout', known)).toBe('timeoutMs');
    expect(didYouMean('url', known)).toBe('baseUrl');
    expect(didYouMean('gatewya', known)).toBe('gateway');
    expect(didYouMean('colour', known)).toBeUndefined();
    expect(didYouMean('', known)).toBeUndefined();
  });

  it('unknownKeys gives one issue per unknown own key, under the path', () => {
    expect(unknownKeys({ a: 1, timout: 2 }, ['a', 'timeoutMs'], ['poll'])).toEqual([
      { path: ['poll', 'timout'], message: "unknown option; did you mean 'timeoutMs'?" },
    ]);
  });
});
