import { describe, expect, it } from 'vitest';
import {
  KlingApiError,
  KlingAuthError,
  KlingError,
  KlingInsufficientCreditsError,
  KlingNotFoundError,
  KlingRateLimitError,
  KlingServerError,
  KlingSubmitUncertainError,
  KlingTimeoutError,
  KlingValidationError,
} from '../src/errors.js';

describe('KlingError family', () => {
  it('maps HTTP statuses to their classes', () => {
    const make = (status: number) => KlingApiError.from('boom', { gateway: 'evolink', status });
    expect(make(401)).toBeInstanceOf(KlingAuthError);
    expect(make(403)).toBeInstanceOf(KlingAuthError);
    expect(make(402)).toBeInstanceOf(KlingInsufficientCreditsError);
    expect(make(404)).toBeInstanceOf(KlingNotFoundError);
    expect(make(429)).toBeInstanceOf(KlingRateLimitError);
    expect(make(500)).toBeInstanceOf(KlingServerError);
    expect(make(503)).toBeInstanceOf(KlingServerError);
    const plain = make(400);
    expect(plain.constructor).toBe(KlingApiError);
    expect(plain).toMatchObject({ name: 'KlingApiError', status: 400, gateway: 'evolink' });
  });

  it('carries status, code, type, request id and Retry-After', () => {
    const error = KlingApiError.from(
      'slow down',
      {
        gateway: 'apiframe',
        status: 429,
        code: '429',
        type: 'rate_limit',
        requestId: 'req_1',
        retryAfterMs: 7000,
      },
      { taskState: 'not-created' },
    );
    expect(error).toMatchObject({
      name: 'KlingRateLimitError',
      code: '429',
      type: 'rate_limit',
      requestId: 'req_1',
      retryAfterMs: 7000,
      taskState: 'not-created',
    });
  });

  it('is() checks the brand, including parents, and rejects look-alikes', () => {
    const error = KlingApiError.from('no', { gateway: 'modellix', status: 401 });
    expect(KlingAuthError.is(error)).toBe(true);
    expect(KlingApiError.is(error)).toBe(true);
    expect(KlingError.is(error)).toBe(true);
    expect(KlingServerError.is(error)).toBe(false);
    expect(KlingValidationError.is(error)).toBe(false);
    expect(KlingError.is(new Error('plain'))).toBe(false);
    expect(KlingError.is({ name: 'KlingError' })).toBe(false);
    expect(KlingError.is(null)).toBe(false);
  });

  it('is() recognises an error from another copy of the package (ESM next to CommonJS)', () => {
    // A second copy has its own classes but the same Symbol.for brand.
    const foreign = Object.create(Error.prototype) as object;
    Object.defineProperty(foreign, Symbol.for('kling-sdk.error.kinds'), {
      value: ['KlingRateLimitError', 'KlingApiError', 'KlingError'],
    });
    expect(foreign instanceof KlingRateLimitError).toBe(false);
    expect(KlingRateLimitError.is(foreign)).toBe(true);
    expect(KlingApiError.is(foreign)).toBe(true);
    expect(KlingAuthError.is(foreign)).toBe(false);
  });

  it('keeps the cause and the brand out of JSON', () => {
    const cause = new Error('socket hang up');
    const error = new KlingTimeoutError('deadline', {
      cause,
      lastTask: { id: 't', gateway: 'evolink', status: 'running', raw: {} },
    });
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'KlingTimeoutError',
      lastTask: { id: 't', gateway: 'evolink', status: 'running', raw: {} },
    });
  });

  it('marks an uncertain submit as may-exist and a validation error as not-created', () => {
    expect(new KlingSubmitUncertainError('evolink', 'dropped').taskState).toBe('may-exist');
    expect(new KlingValidationError([{ path: ['duration'], message: 'bad' }]).taskState).toBe('not-created');
  });

  it('lists every validation problem in the message', () => {
    const error = new KlingValidationError([
      { path: ['duration'], message: 'must be at most 15 seconds' },
      { path: ['multiShot', 'shots', 0, 'prompt'], message: 'is required' },
    ]);
    expect(error.message).toBe(
      'Invalid request (2 problems):\n  - duration: must be at most 15 seconds\n  - multiShot.shots.0.prompt: is required',
    );
    expect(error.subject).toBe('request');
  });

  it('says what was invalid: the subject heads the message and is a field (the constructor stays compatible)', () => {
    const error = new KlingValidationError(
      [
        { path: ['timeoutMs'], message: 'must be above 0' },
        { path: [], message: 'must be an object' },
      ],
      { subject: 'client options', cause: 'why' },
    );
    expect(error.subject).toBe('client options');
    expect(error.message).toBe(
      'Invalid client options (2 problems):\n  - timeoutMs: must be above 0\n  - (client options): must be an object',
    );
    expect(error.cause).toBe('why');
    expect(error.taskState).toBe('not-created');
    expect(new KlingValidationError([], { subject: 'handle' }).message).toBe('Invalid handle.');
    expect(new KlingValidationError([{ path: [], message: 'x' }], { cause: 1 }).message).toBe(
      'Invalid request (1 problem):\n  - (request): x',
    );
  });
});
