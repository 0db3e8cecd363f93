import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, json, kling, TEST_TIMEOUT_MS } from './helpers.js';

beforeAll(ensureBuilt, 600_000);

const BOAT = ['--prompt', 'A paper boat on a rainy street', '--mode', 'pro', '--duration', '8', '--sound'];

describe('kling quote', { timeout: TEST_TIMEOUT_MS }, () => {
  it('prints a table of every gateway that can serve the request, cheapest first', async () => {
    const { code, stdout } = await kling(['quote', ...BOAT]);
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((line) => /^(apiinone|apiframe|evolink|modellix) /.test(line));
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(['evolink', 'modellix', 'apiinone', 'apiframe']);
    expect(rows[0]).toMatch(/EvoLink\s+1080p\+on\s+8 s\s+\$0\.15\/s\s+\$1\.2\s+\$1\.2/);
    expect(rows[2]).toMatch(/640 credits\s+~\$6\.4/);
    expect(rows[3]).toMatch(/56 credits\s+—/);
    expect(stdout).toContain('apiframe: no dollar rate published; pass --usd-per-credit');
  });

  it('ranks with --usd-per-credit and leaves out, with the reason, a gateway that cannot serve it', async () => {
    const result = await kling([
      'quote',
      ...BOAT,
      '--usd-per-credit',
      '0.01',
      '--start-image',
      'https://example.com/first.png',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const body = json(result);
    const quotes = body.quotes as { gateway: string; usd: number }[];
    expect(quotes.map((q) => [q.gateway, q.usd])).toEqual([
      ['apiframe', 0.56],
      ['evolink', 1.2],
      ['kling', 1.344],
      ['fal', 1.344],
      ['apiinone', 6.4],
    ]);
    expect(body.unavailable).toEqual([
      { gateway: 'modellix', reasons: [expect.stringContaining('startImage')] },
    ]);
  });

  it('exits 2 when no gateway can serve the request', async () => {
    const result = await kling([
      'quote',
      '--prompt',
      'x',
      '--reference-video',
      'https://e.com/v.mp4',
      '--callback-url',
      'https://example.com/hook',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no gateway can serve this request');
  });
});

describe('kling estimate', { timeout: TEST_TIMEOUT_MS }, () => {
  it('prices one gateway exactly, in its own unit', async () => {
    const human = await kling([
      'estimate',
      '--gateway',
      'evolink',
      '--prompt',
      'x',
      '--duration',
      '7',
      '--sound',
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('evolink (EvoLink), 720p+on: 7 s × $0.1125/s = $0.7875');

    const result = await kling([
      'estimate',
      '--gateway',
      'apiframe',
      '--prompt',
      'x',
      '--mode',
      'pro',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(json(result).estimate).toMatchObject({
      gateway: 'apiframe',
      rateKey: 'pro',
      unit: 'credits',
      total: 25,
    });
  });

  it('takes the gateway from KLING_GATEWAY, and sends --provider-option values as JSON', async () => {
    const result = await kling(
      [
        'estimate',
        '--prompt',
        'x',
        '--provider-option',
        'seed=42',
        '--provider-option',
        'evolink.tag=blue',
        '--json',
      ],
      { env: { KLING_GATEWAY: 'evolink' } },
    );
    expect(result.code).toBe(0);
    expect(json(result).request).toMatchObject({ providerOptions: { evolink: { seed: 42, tag: 'blue' } } });
  });

  it('exits 2 listing every validation problem with its path', async () => {
    const args = ['estimate', '--gateway', 'evolink', '--prompt', 'x', '--duration', '20', '--mode', '8k'];
    const human = await kling([...args, '--aspect-ratio', '4:3', '--shot', '2.5:one', '--shot', '3:']);
    expect(human.code).toBe(2);
    for (const path of [
      'mode',
      'duration',
      'aspectRatio',
      'multiShot.shots.0.duration',
      'multiShot.shots.1.prompt',
    ]) {
      expect(human.stderr).toContain(`  - ${path}: `);
    }
    expect(human.stdout).toBe('');

    const machine = await kling([...args, '--json']);
    expect(machine.code).toBe(2);
    const body = json(machine);
    expect(body).toMatchObject({ ok: false, exitCode: 2, error: { name: 'KlingValidationError' } });
    const issues = (body.error as { issues: { path: string[] }[] }).issues;
    expect(issues.map((i) => i.path.join('.')).sort()).toEqual(['duration', 'mode']);
  });

  it('exits 2 naming the field a gateway does not support', async () => {
    const result = await kling([
      'estimate',
      '--gateway',
      'modellix',
      '--prompt',
      'x',
      '--start-image',
      'https://example.com/a.png',
      '--json',
    ]);
    expect(result.code).toBe(2);
    expect(json(result).error).toMatchObject({
      name: 'KlingUnsupportedError',
      gateway: 'modellix',
      field: 'startImage',
    });
  });

  it('exits 2 without a gateway, or with an unknown one', async () => {
    expect((await kling(['estimate', '--prompt', 'x'])).stderr).toContain('--gateway is required');
    const unknown = await kling(['estimate', '--gateway', 'kling-direct', '--prompt', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown gateway');
  });
});
