import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRateTable, renderSupportTable } from '../scripts/rate-table.js';
import { estimateCost, quote } from '../src/pricing/index.js';

const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');

describe('README', () => {
  it('opens with the two fresh-clone commands', () => {
    const firstScreen = readme.split('\n').slice(0, 12).join('\n');
    expect(firstScreen).toContain('npm install && npm run demo');
    expect(firstScreen).toContain('npm test');
  });

  it('holds the price and support tables exactly as the catalog renders them', () => {
    expect(readme).toContain(renderRateTable());
    expect(readme).toContain(renderSupportTable());
  });

  it('shows what the first example really returns', () => {
    const request = {
      prompt: 'A paper boat on a rainy street',
      mode: 'pro',
      duration: 8,
      sound: true,
    } as const;
    expect(estimateCost('evolink', request)).toMatchObject({
      gateway: 'evolink',
      rateKey: '1080p+on',
      unit: 'usd',
      exact: true,
      total: 1.2,
      usd: 1.2,
      credits: 86.4,
    });
    // The opening example: quote(request)[0] is EvoLink at $1.20.
    expect(quote(request)[0]).toMatchObject({ gateway: 'evolink', usd: 1.2 });
    const q = quote(request, { usdPerCredit: { apiframe: 0.01 } });
    expect(q.map((e) => [e.gateway, e.total, e.usd])).toEqual([
      ['apiframe', 56, 0.56],
      ['evolink', 1.2, 1.2],
      ['modellix', 1.52, 1.52],
      ['apiinone', 640, 6.4],
    ]);
  });
});
