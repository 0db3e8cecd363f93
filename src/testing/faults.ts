import { HttpResponse } from 'msw';
import type { GatewayProtocol } from './gateways/index.js';
import type { SeededRandom } from './random.js';
import type { FaultKind, FaultRule, GatewayId, SimulatorOp } from './types.js';

/** Decides, per request, which fault rule (if any) hits it: first matching rule in order wins. */
export class FaultPlanner {
  private matched: number[];

  constructor(
    private readonly rules: readonly FaultRule[],
    private readonly random: SeededRandom,
  ) {
    for (const rule of rules) assertValidRule(rule);
    this.matched = rules.map(() => 0);
  }

  pick(gateway: GatewayId | 'unknown', op: SimulatorOp): FaultRule | undefined {
    for (const [index, rule] of this.rules.entries()) {
      if (rule.op !== 'any' && rule.op !== op) continue;
      if (rule.gateway !== undefined && rule.gateway !== gateway) continue;
      const count = (this.matched[index] ?? 0) + 1;
      this.matched[index] = count;
      if (rule.times !== undefined && count > rule.times) continue;
      if (rule.rate !== undefined && this.random.next() >= rule.rate) continue;
      return rule;
    }
    return undefined;
  }

  reset(): void {
    this.matched = this.rules.map(() => 0);
  }
}

function assertValidRule(rule: FaultRule): void {
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
    throw new RangeError(`fault rule ${rule.kind}: rate must be between 0 and 1, got ${rule.rate}`);
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
    throw new RangeError(`fault rule ${rule.kind}: times must be a whole number >= 0, got ${rule.times}`);
  }
}

const HTTP_FAULTS = {
  'http-429': 429,
  'http-500': 500,
  'http-502': 502,
  'http-503': 503,
  'http-504': 504,
} as const;

/** Faults answered without asking the gateway: nothing is created. */
export type ShortCircuitFault = keyof typeof HTTP_FAULTS | 'html';
/** Faults that let the gateway do its work, then spoil or drop the reply. */
export type SpoilingFault = 'drop-after-create' | 'truncated-json' | 'wrong-content-type';

export function isShortCircuit(kind: FaultKind): kind is ShortCircuitFault {
  return kind === 'html' || kind in HTTP_FAULTS;
}

/** The reply to a short-circuit fault, in the gateway's error shape (plain text when none applies). */
export function shortCircuitReply(
  kind: ShortCircuitFault,
  retryAfter: FaultRule['retryAfter'],
  protocol: GatewayProtocol | undefined,
): Response {
  if (kind === 'html') {
    return new HttpResponse(BAD_GATEWAY_PAGE, {
      status: 502,
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
  }
  const status = HTTP_FAULTS[kind];
  const headers: Record<string, string> = {};
  if ((status === 429 || status === 503) && retryAfter !== undefined)
    headers['retry-after'] = String(retryAfter);
  if (protocol === undefined) return HttpResponse.text(`${status}`, { status, headers });
  const reply = protocol.errorReply({ kind: 'unavailable', status });
  return HttpResponse.json(reply.body, { status: reply.status, headers });
}

/** The real reply, spoiled: cut to its first half, or relabelled text/plain. */
export async function spoil(
  kind: Exclude<SpoilingFault, 'drop-after-create'>,
  response: Response,
): Promise<Response> {
  const headers = new Headers(response.headers);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const body = kind === 'truncated-json' ? bytes.slice(0, Math.floor(bytes.length / 2)) : bytes;
  if (kind === 'wrong-content-type') headers.set('content-type', 'text/plain');
  headers.set('content-length', String(body.length));
  return new HttpResponse(body, { status: response.status, headers });
}

/** What a CDN or load balancer in front of the gateway serves when the upstream is down. */
const BAD_GATEWAY_PAGE = `<!DOCTYPE html>
<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;
