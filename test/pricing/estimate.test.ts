import { describe, expect, it } from 'vitest';
import {
  type CostEstimate,
  estimateCost,
  KlingUnsupportedError,
  KlingValidationError,
  quote,
  RATE_TABLES,
  type VideoRequest,
} from '../../src/pricing/index.js';

const prompt = 'a red fox in the snow';

function exact(estimate: CostEstimate) {
  if (!estimate.exact) throw new Error(`expected an exact estimate, got: ${estimate.reason}`);
  return estimate;
}

describe('API in One (credits/s: std 40, std+sound 60, pro 54, pro+sound 80; ~$0.01 a credit)', () => {
  it('std 5 s without sound is 200 credits ($2.00, approximate)', () => {
    const e = exact(estimateCost('apiinone', { prompt, mode: 'std', duration: 5, sound: false }));
    expect(e).toMatchObject({
      rateKey: 'std',
      unit: 'credits',
      total: 200,
      credits: 200,
      usd: 2,
      usdApproximate: true,
    });
  });
  it('std 5 s with sound is 300 credits', () => {
    expect(exact(estimateCost('apiinone', { prompt, sound: true })).total).toBe(300);
  });
  it('pro 5 s with sound is 400 credits', () => {
    const e = exact(estimateCost('apiinone', { prompt, mode: 'pro', sound: true }));
    expect([e.rateKey, e.total]).toEqual(['pro+sound', 400]);
  });
  it('the whole 3–15 s range spans 120–1200 credits, as the vendor states', () => {
    const totals: number[] = [];
    for (const mode of ['std', 'pro'] as const) {
      for (const sound of [false, true]) {
        for (let duration = 3; duration <= 15; duration++) {
          totals.push(exact(estimateCost('apiinone', { prompt, mode, sound, duration })).total);
        }
      }
    }
    expect(Math.min(...totals)).toBe(120);
    expect(Math.max(...totals)).toBe(1200);
  });
  it('applies the defaults (std, 5 s, no sound) the SDK sends', () => {
    expect(exact(estimateCost('apiinone', { prompt })).total).toBe(200);
  });
});

describe('apiframe (credits/s: standard 3, standard-audio 4, pro 5, pro-audio 7; no $ rate)', () => {
  it('pro 5 s with audio is 35 credits', () => {
    const e = exact(estimateCost('apiframe', { prompt, mode: 'pro', duration: 5, sound: true }));
    expect(e).toMatchObject({ rateKey: 'pro-audio', unit: 'credits', total: 35, credits: 35, usd: null });
  });
  it('standard 10 s without audio is 30 credits', () => {
    expect(exact(estimateCost('apiframe', { prompt, duration: 10 })).total).toBe(30);
  });
  it('pro 15 s with audio is 105 credits', () => {
    expect(exact(estimateCost('apiframe', { prompt, mode: 'pro', duration: 15, sound: true })).total).toBe(
      105,
    );
  });
  it('prices in USD only when the caller gives usdPerCredit', () => {
    const e = estimateCost('apiframe', { prompt, mode: 'pro', sound: true }, { usdPerCredit: 0.012 });
    expect(e.usd).toBe(0.42);
    expect(e.usdApproximate).toBe(false);
  });
  it('4k has no published price: exact false, total null, with a reason', () => {
    const e = estimateCost('apiframe', { prompt, mode: '4k', sound: true });
    expect(e).toMatchObject({ exact: false, rateKey: '4k-audio', total: null, perSecond: null, usd: null });
    expect(e.exact === false && e.reason).toMatch(/publishes no price for '4k-audio'/);
  });
});

describe('EvoLink (USD/s and credits/s as published; minimum billing 3 s)', () => {
  it('720p 5 s sound off is $0.375 (27 credits)', () => {
    const e = exact(estimateCost('evolink', { prompt, duration: 5 }));
    expect(e).toMatchObject({ rateKey: '720p+off', unit: 'usd', total: 0.375, usd: 0.375, credits: 27 });
  });
  it('1080p 7 s sound on is $1.05 (75.6 credits)', () => {
    const e = exact(estimateCost('evolink', { prompt, mode: 'pro', duration: 7, sound: true }));
    expect(e).toMatchObject({ rateKey: '1080p+on', usd: 1.05, credits: 75.6 });
  });
  it('720p with sound for 7 s is exactly 0.7875 USD and 56.7 credits (no float drift)', () => {
    const e = exact(estimateCost('evolink', { prompt, duration: 7, sound: true }));
    expect(e.usd).toBe(0.7875);
    expect(e.credits).toBe(56.7);
    expect(8.1 * 7).not.toBe(56.7); // what naive float math would have produced
  });
  it('keeps both published tables even where they disagree (1080p: $0.10 vs 7.1982 credits)', () => {
    const e = exact(estimateCost('evolink', { prompt, mode: 'pro', duration: 10 }));
    expect([e.usd, e.credits]).toEqual([1, 71.982]);
  });
  it('records its 3 s minimum billing', () => {
    expect(RATE_TABLES.evolink.minimumBilledSeconds).toBe(3);
    expect(exact(estimateCost('evolink', { prompt, duration: 3 })).billedSeconds).toBe(3);
  });
  it('4k is unpriced', () => {
    expect(estimateCost('evolink', { prompt, mode: '4k' })).toMatchObject({ exact: false, total: null });
  });
});

describe('Modellix (USD/s as published: sound off costs more)', () => {
  it('pro 10 s sound off is $2.30', () => {
    const e = exact(estimateCost('modellix', { prompt, mode: 'pro', duration: 10 }));
    expect(e).toMatchObject({ rateKey: 'pro+off', unit: 'usd', total: 2.3, usd: 2.3, credits: null });
  });
  it('std 5 s with sound is $0.75', () => {
    expect(exact(estimateCost('modellix', { prompt, sound: true })).usd).toBe(0.75);
  });
  it('a reference video makes the length, and so the total, unknown (never a guess)', () => {
    const e = estimateCost('modellix', { prompt, referenceVideos: ['https://example.com/in.mp4'] });
    expect(e).toMatchObject({
      exact: false,
      rateKey: 'std+off',
      perSecond: 0.17,
      billedSeconds: null,
      total: null,
    });
    expect(e.exact === false && e.reason).toMatch(/reference video/);
  });
});

describe('every rate row', () => {
  it("cites the vendor's public page and an as-of date", () => {
    for (const table of Object.values(RATE_TABLES)) {
      for (const row of table.rows) {
        expect(row.source).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]+\/\S+$/);
        expect(row.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });
  it('shows up in the estimate it prices', () => {
    const e = estimateCost('apiframe', { prompt, duration: 10 });
    expect(e.source).toBe('https://docs-v2.apiframe.ai/docs/videos/kling/kling-3-0');
    expect(e.asOf).toBe('2026-11-22');
  });
});

describe('options.rates: a caller-supplied table', () => {
  it('overrides a published row and marks the source', () => {
    const e = exact(
      estimateCost('apiframe', { prompt, mode: 'pro' }, { rates: { apiframe: { pro: { credits: 6 } } } }),
    );
    expect([e.total, e.source, e.asOf]).toEqual([30, 'options.rates', null]);
  });
  it('prices a row the vendor left unpriced', () => {
    const e = estimateCost(
      'evolink',
      { prompt, mode: '4k' },
      { rates: { evolink: { '4k+off': { usd: 0.3 } } } },
    );
    expect(e).toMatchObject({ exact: true, total: 1.5, usd: 1.5 });
  });
  it('rejects a rate key the gateway does not have', () => {
    expect(() =>
      estimateCost('apiframe', { prompt }, { rates: { apiframe: { 'pro+sound': { credits: 1 } } } }),
    ).toThrow(/rates\.apiframe\.pro\+sound: unknown rate key/);
  });
  it('rejects negative or non-finite rates', () => {
    expect(() => estimateCost('apiframe', { prompt }, { usdPerCredit: -1 })).toThrow(KlingValidationError);
    expect(() => estimateCost('apiframe', { prompt }, { usdPerCredit: { apiframe: Number.NaN } })).toThrow(
      KlingValidationError,
    );
  });
  it('a plain usdPerCredit fills in only where the vendor publishes none', () => {
    const apiinone = estimateCost('apiinone', { prompt }, { usdPerCredit: 0.5 });
    expect(apiinone.usd).toBe(2);
    const overridden = estimateCost('apiinone', { prompt }, { usdPerCredit: { apiinone: 0.009 } });
    expect([overridden.usd, overridden.usdApproximate]).toEqual([1.8, false]);
  });
});

describe('bad and unsupported requests', () => {
  it('throws KlingValidationError for a duration outside 3–15 or not whole', () => {
    for (const duration of [2, 16, 5.5, Number.NaN]) {
      expect(() => estimateCost('evolink', { prompt, duration })).toThrow(KlingValidationError);
    }
  });
  it('throws KlingValidationError for an unknown mode or gateway', () => {
    expect(() => estimateCost('evolink', { prompt, mode: 'ultra' as never })).toThrow(/mode: must be one of/);
    expect(() => estimateCost('replicate' as never, { prompt })).toThrow(/unknown gateway/);
  });
  it('throws KlingUnsupportedError naming the field and the gateway', () => {
    const error = (() => {
      try {
        estimateCost('apiinone', { prompt, mode: '4k' });
      } catch (e) {
        return e;
      }
    })();
    expect(KlingUnsupportedError.is(error)).toBe(true);
    expect(error).toMatchObject({ gateway: 'apiinone', field: 'mode' });
  });
});

describe('quote', () => {
  const request: VideoRequest = { prompt, mode: 'pro', duration: 10 };

  it('lists every gateway that can serve the request, cheapest first in USD, unpriced last', () => {
    const q = quote(request);
    // Kling (8 units × $0.14) and fal ($0.112/s) tie at $1.12: the catalog order keeps kling first.
    expect(q.map((e) => [e.gateway, e.usd])).toEqual([
      ['evolink', 1],
      ['kling', 1.12],
      ['fal', 1.12],
      ['modellix', 2.3],
      ['apiinone', 5.4],
      ['apiframe', null],
    ]);
  });
  it('uses usdPerCredit to place apiframe among the priced gateways', () => {
    const q = quote(request, { usdPerCredit: 0.01 });
    expect(q.map((e) => e.gateway)).toEqual(['apiframe', 'evolink', 'kling', 'fal', 'modellix', 'apiinone']);
  });
  it('leaves out gateways that cannot serve the request', () => {
    expect(
      quote({ prompt, endImage: 'https://e.com/b.png', startImage: 'https://e.com/a.png' }).map(
        (e) => e.gateway,
      ),
    ).toEqual(['evolink', 'kling', 'fal', 'apiframe']);
    expect(quote({ prompt, referenceVideos: ['https://e.com/v.mp4'] }).map((e) => e.gateway)).toEqual([
      'modellix',
    ]);
    expect(quote({ prompt, mode: '4k' }).map((e) => e.gateway)).toEqual([
      'kling',
      'fal',
      'apiframe',
      'evolink',
    ]);
  });
  it('keeps the catalog order among gateways with no USD figure', () => {
    const q = quote({ prompt, mode: '4k' }).filter((e) => e.usd === null);
    expect(q.map((e) => e.gateway)).toEqual(['apiframe', 'evolink']);
  });
  it('still validates the request once', () => {
    expect(() => quote({ prompt, duration: 30 })).toThrow(KlingValidationError);
  });
});
