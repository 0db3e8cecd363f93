/**
 * The reference-video rule lives in one place (src/pricing/reference-video.ts): the request schema and
 * pure pricing refuse the same requests with the same issues.
 */
import { describe, expect, it } from 'vitest';
import { KlingValidationError } from '../../src/errors.js';
import { estimateCost } from '../../src/pricing/estimate.js';
import { parseVideoRequest } from '../../src/request/index.js';

function issuesOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    if (KlingValidationError.is(error)) return error.issues;
    throw error;
  }
  return [];
}

const video = 'https://cdn.example.com/in.mp4';

describe('the reference-video rule', () => {
  it.each([
    [{ prompt: 'restyle', referenceVideos: [video], duration: 5 }],
    [{ prompt: 'restyle', referenceVideos: [video], sound: true }],
    [{ prompt: 'restyle', referenceVideos: [video], duration: 10, sound: true }],
    [{ prompt: 'restyle', referenceVideos: [video] }],
  ])('schema and pricing agree on %j', (request) => {
    const fromSchema = issuesOf(() => parseVideoRequest(request));
    expect(issuesOf(() => estimateCost('modellix', request))).toEqual(fromSchema);
  });

  it('a reference video leaves the length, and so the price, unknown', () => {
    const estimate = estimateCost('modellix', parseVideoRequest({ prompt: 'x', referenceVideos: [video] }));
    expect(estimate.exact).toBe(false);
    expect(estimate.billedSeconds).toBeNull();
  });
});
