// README.md, ## Prices. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { estimateCost, quote } from 'kling-sdk/pricing'; // pure: no zod, no undici, no network

const request = { prompt: 'A paper boat on a rainy street', mode: 'pro', duration: 8, sound: true } as const;

console.log(estimateCost('evolink', request));
// { gateway: 'evolink', rateKey: '1080p+on', unit: 'usd', exact: true, total: 1.2, usd: 1.2, credits: 86.4, ... }

for (const e of quote(request, { usdPerCredit: { apiframe: 0.01 } })) {
  console.log(e.gateway, e.exact ? `${e.total} ${e.unit}` : `unknown: ${e.reason}`, e.usd);
} // cheapest first in USD: apiframe 56 credits ($0.56), evolink $1.2, fal $1.344, modellix $1.52, apiinone 640 credits (~$6.4)
// #endregion readme
