/**
 * 5. Pricing: `estimateCost` and `quote` from the built `kling-sdk/pricing` entry, measured with mitata.
 * Each call prices the next of the gateway × request pairs below that the gateway can serve (4 gateways ×
 * 8 requests: modes, durations, sound, multi-shot), so no single shape is all the JIT sees.
 */
import { do_not_optimize, measure } from 'mitata';
import type { VideoRequest } from '../src/index.js';
import { fmt, type Goal, int, isMain, loadPricing, report, type SectionResult } from './lib.js';

type GatewayId = 'apiinone' | 'apiframe' | 'evolink' | 'modellix';
const GATEWAYS: readonly GatewayId[] = ['apiinone', 'apiframe', 'evolink', 'modellix'];

const REQUESTS: readonly VideoRequest[] = [
  { prompt: 'A paper boat on a rainy street' },
  { prompt: 'A fox in the snow', mode: 'pro', duration: 10 },
  { prompt: 'Waves at dusk', duration: 7, sound: true },
  { prompt: 'A city at night', mode: 'pro', duration: 15, sound: true },
  { prompt: 'A cat', duration: 3, aspectRatio: '9:16' },
  { prompt: 'Clouds', mode: 'std', duration: 12, sound: false },
  {
    prompt: 'Two shots',
    duration: 8,
    multiShot: {
      type: 'customize',
      shots: [
        { prompt: 'one', duration: 3 },
        { prompt: 'two', duration: 5 },
      ],
    },
  },
  { prompt: 'Rain on glass', mode: 'pro', duration: 5, sound: true, aspectRatio: '1:1' },
];

export async function run(): Promise<SectionResult> {
  const { estimateCost, quote } = await loadPricing();
  // The pairs a gateway can serve (Modellix takes no 'customize' multi-shot): a throw is not a price.
  const pairs = GATEWAYS.flatMap((gateway) => REQUESTS.map((request) => ({ gateway, request }))).filter(
    ({ gateway, request }) => {
      try {
        estimateCost(gateway, request);
        return true;
      } catch {
        return false;
      }
    },
  );

  let i = 0;
  const estimate = await measure(() => {
    const pair = pairs[i++ % pairs.length];
    if (pair !== undefined) do_not_optimize(estimateCost(pair.gateway, pair.request));
  });
  let j = 0;
  const quoted = await measure(() => {
    do_not_optimize(quote(REQUESTS[j++ % REQUESTS.length] ?? {}));
  });

  const perSecond = 1e9 / estimate.avg;
  const rows = [
    [
      'estimateCost(gateway, request)',
      fmt(estimate.avg, 0),
      fmt(estimate.p50, 0),
      fmt(estimate.p99, 0),
      int(perSecond),
    ],
    [
      'quote(request): every gateway, sorted',
      fmt(quoted.avg, 0),
      fmt(quoted.p50, 0),
      fmt(quoted.p99, 0),
      int(1e9 / quoted.avg),
    ],
  ];
  const goals: Goal[] = [
    {
      name: 'estimateCost calls a second',
      value: int(perSecond),
      target: '≥ 1,000,000',
      met: perSecond >= 1_000_000,
    },
  ];
  return {
    id: 'pricing',
    title: '5. Pricing (pure, `kling-sdk/pricing`)',
    headers: ['call', 'mean (ns)', 'p50 (ns)', 'p99 (ns)', 'calls a second (from the mean)'],
    rows,
    goals,
    notes: [`Measured with mitata; ${pairs.length} gateway × request pairs, cycled.`],
  };
}

if (isMain(import.meta.url)) report(await run());
