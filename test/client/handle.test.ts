/**
 * Issue 17 item 5: a tampered or truncated saved handle is described in plain words with the field
 * path, headed "Invalid handle", never with zod's own text.
 */
import { describe, expect, it } from 'vitest';
import { parseSavedHandle, type SavedHandle } from '../../src/client/handle.js';
import { KlingValidationError } from '../../src/index.js';

const saved: SavedHandle = {
  v: 1,
  gateway: 'evolink',
  id: 'task-unified-1-abc',
  submittedAt: '2025-01-31T12:00:00.000Z',
  estimate: {
    gateway: 'evolink',
    rateKey: '720p+off',
    unit: 'credits',
    usd: 0.7875,
    credits: 56.7,
    usdApproximate: false,
    source: 'x',
    asOf: null,
    exact: true,
    billedSeconds: 5,
    perSecond: 11.34,
    total: 56.7,
  },
};

function refusal(input: unknown): KlingValidationError {
  try {
    parseSavedHandle(input as string);
  } catch (error) {
    if (KlingValidationError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a KlingValidationError');
}

describe('parseSavedHandle', () => {
  it('reads a handle saved with JSON.stringify', () => {
    expect(parseSavedHandle(JSON.stringify(saved))).toEqual(saved);
  });

  it('names every bad field in plain words, with no zod text', () => {
    const { id: _, ...noId } = saved;
    const error = refusal(
      JSON.stringify({ ...noId, v: 2, submittedAt: 'yesterday', estimate: { exact: 'yes' } }),
    );
    expect(error.subject).toBe('handle');
    expect(error.message).toMatch(/^Invalid handle \(5 problems\):/);
    expect(error.message).not.toMatch(/Invalid input|expected string|received undefined/);
    expect(error.issues).toEqual([
      { path: ['v'], message: 'must be 1 (the version of a handle saved by this SDK) (got a number)' },
      { path: ['id'], message: 'is missing; it must be the task id (a non-empty string)' },
      {
        path: ['submittedAt'],
        message: expect.stringMatching(
          /^must be the ISO 8601 date-time saved with the handle .*\(got a string\)$/,
        ),
      },
      {
        path: ['estimate', 'gateway'],
        message: expect.stringMatching(/^is missing; it must be one of apiinone/),
      },
      { path: ['estimate', 'exact'], message: 'must be true or false (got a string)' },
    ]);
  });

  it('says what a non-JSON string or a non-object is, and how to save a handle', () => {
    expect(refusal('{"v":1,').issues[0]?.message).toMatch(/^is not JSON: save a handle with JSON.stringify/);
    expect(refusal('task-123').issues[0]?.message).toMatch(
      /a task id\? client.wait and client.getTask take one/,
    );
    expect(refusal('42').issues).toEqual([
      { path: [], message: expect.stringMatching(/^must be a saved handle object \(got a number\)/) },
    ]);
    expect(refusal(null).message).toMatch(
      /^Invalid handle \(1 problem\):\n {2}- \(handle\): must be a saved handle/,
    );
  });
});
