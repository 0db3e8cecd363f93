// npm run demo — prices one request at every gateway, cheapest first.
// (Examples import 'kling-sdk' like your code does; in this repo tsconfig paths point it at src/.)
import { estimateCost, quote, type VideoRequest } from 'kling-sdk';

const request: VideoRequest = {
  prompt: 'A paper boat drifting down a rain-soaked street at dusk, cinematic',
  mode: 'pro',
  duration: 8,
  sound: true,
};

console.log(`Quote for: ${request.mode}, ${request.duration} s, sound ${request.sound ? 'on' : 'off'}\n`);
const rows = quote(request).map((e) => ({
  gateway: e.gateway,
  'vendor row': e.rateKey,
  total: e.exact ? `${e.total} ${e.unit}` : `unknown (${e.reason})`,
  usd: e.usd === null ? '—' : `${e.usdApproximate ? '~' : ''}$${e.usd.toFixed(4)}`,
  credits: e.credits ?? '—',
}));
console.table(rows);

// apiframe publishes no dollar rate: give yours to compare it.
const apiframe = estimateCost('apiframe', request, { usdPerCredit: 0.01 });
console.log(`apiframe at $0.01/credit: ${apiframe.credits} credits = $${apiframe.usd}`);
