/**
 * Issue 11 item 5: prompt limits are per gateway (CAPABILITIES[g].maxPromptLength), not one for all. The
 * request schema allows the largest; validateForGateway, submit's check and quote hold each gateway to
 * its own.
 */
import { describe, expect, it } from 'vitest';
import { CAPABILITIES, findUnsupported, REQUEST_LIMITS } from '../../src/catalog/index.js';
import { GATEWAY_IDS, KlingUnsupportedError } from '../../src/index.js';
import { quote } from '../../src/pricing/index.js';
import { parseVideoRequest, validateForGateway } from '../../src/request/index.js';

describe('per-gateway prompt limits', () => {
  it('API in One and EvoLink take prompts of at most 2500 characters', () => {
    expect(CAPABILITIES.apiinone.maxPromptLength).toBe(2500);
    expect(CAPABILITIES.evolink.maxPromptLength).toBe(2500);
  });

  it("the request schema's own limit is the largest gateway's", () => {
    const largest = Math.max(...GATEWAY_IDS.map((g) => CAPABILITIES[g].maxPromptLength));
    expect(REQUEST_LIMITS.maxPromptLength).toBeGreaterThanOrEqual(largest);
    expect(REQUEST_LIMITS.maxPromptLength).toBe(4000);
  });

  it.each(GATEWAY_IDS.map((g) => [g]))(
    '%s: its own limit passes, one more is unsupported there',
    (gateway) => {
      const limit = CAPABILITIES[gateway].maxPromptLength;
      const at = parseVideoRequest({ prompt: 'x'.repeat(limit) });
      expect(findUnsupported(gateway, at).filter((p) => p.field === 'prompt')).toEqual([]);
      if (limit >= REQUEST_LIMITS.maxPromptLength) return;
      const over = { prompt: 'x'.repeat(limit + 1) };
      expect(findUnsupported(gateway, parseVideoRequest(over))).toEqual([
        {
          field: 'prompt',
          message: `${gateway} takes prompts of at most ${limit} characters (this one has ${limit + 1})`,
        },
      ]);
      const error = (() => {
        try {
          validateForGateway(gateway, over);
        } catch (e) {
          return e;
        }
      })();
      expect(KlingUnsupportedError.is(error) && error.field).toBe('prompt');
    },
  );

  it('quote leaves out the gateways whose limit a prompt passes', () => {
    const long = { prompt: 'x'.repeat(2501) };
    const listed = quote(long).map((q) => q.gateway);
    for (const gateway of ['apiinone', 'evolink'] as const) expect(listed).not.toContain(gateway);
    const fits = quote({ prompt: 'x'.repeat(2500) }).map((q) => q.gateway);
    expect(fits).toEqual(expect.arrayContaining(['apiinone', 'evolink']));
  });
});
