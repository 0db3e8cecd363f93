import { HttpResponse } from 'msw';
import type { GatewayError, GatewayProtocol } from './gateways/index.js';
import type { SeededRandom } from './random.js';
import type { FaultKind, FaultRule, GatewayId, JsonObject, SimulatorOp } from './types.js';

/**
 * Decides, per request, which fault rule (if any) hits it: first matching rule in order wins. A rule of
 * kind 'none' that wins lets the request through untouched (and keeps later rules from it).
 */
export class FaultPlanner {
  private rules: readonly FaultRule[];
  private matched: number[];

  constructor(
    rules: readonly FaultRule[],
    private readonly random: SeededRandom,
  ) {
    this.rules = checked(rules);
    this.matched = this.rules.map(() => 0);
  }

  pick(gateway: GatewayId | 'unknown', op: SimulatorOp): FaultRule | undefined {
    const rule = this.match(gateway, op);
    return rule?.kind === 'none' ? undefined : rule;
  }

  /** New rules from the next request on; their counts start at zero. */
  replace(rules: readonly FaultRule[]): void {
    this.rules = checked(rules);
    this.matched = this.rules.map(() => 0);
  }

  private match(gateway: GatewayId | 'unknown', op: SimulatorOp): FaultRule | undefined {
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

/** A copy of the rules (a caller mutating its array later changes nothing), each one checked. */
function checked(rules: readonly FaultRule[]): FaultRule[] {
  for (const rule of rules) assertValidRule(rule);
  return rules.map((rule) => ({ ...rule }));
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

/** Refusals that say nothing was created: a 400 (the body was refused) and a 402 (no credits). */
const REFUSALS = new Set<FaultKind>(['http-400', 'http-402']);

/** Faults answered without asking the gateway: nothing is created. */
export type ShortCircuitFault =
  | keyof typeof HTTP_FAULTS
  | 'http-400'
  | 'http-402'
  | 'html'
  | 'huge-body'
  | 'drip';
/** Faults that let the gateway do its work, then spoil, replace or drop the reply. */
export type SpoilingFault =
  | 'drop-after-create'
  | 'hang-after-create'
  | 'http-500-after-create'
  | 'truncated-json'
  | 'wrong-content-type'
  | 'unknown-status'
  | 'missing-fields';

export function isShortCircuit(kind: FaultKind): kind is ShortCircuitFault {
  return (
    kind === 'html' || kind === 'huge-body' || kind === 'drip' || kind in HTTP_FAULTS || REFUSALS.has(kind)
  );
}

/** What the 400 fault says was wrong (a `path: problem`, as the validators report). */
export const REFUSED_BY_FAULT = 'body: refused (simulated http-400 fault)';

/**
 * The request's JSON object body, for the 402 fault (apiframe quotes the credits the request needed);
 * `{}` when it has none or it is not a JSON object.
 */
export async function bodyOf(request: Request): Promise<JsonObject> {
  try {
    const body: unknown = JSON.parse(await request.text());
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as JsonObject) : {};
  } catch {
    return {};
  }
}

/** A reply in the gateway's error shape (plain text when none applies). */
function gatewayError(
  error: GatewayError,
  status: number,
  protocol: GatewayProtocol | undefined,
  headers: Record<string, string> = {},
  op?: SimulatorOp,
): Response {
  if (protocol === undefined) return HttpResponse.text(`${status}`, { status, headers });
  const reply = protocol.errorReply(error, op);
  return HttpResponse.json(reply.body, { status: reply.status, headers });
}

/** `http-500-after-create`: the gateway did its work, then answered 500 in its error shape. */
export function serverErrorReply(protocol: GatewayProtocol | undefined): Response {
  return gatewayError({ kind: 'unavailable', status: 500 }, 500, protocol);
}

const HUGE_BODY_BYTES = 50 * 1024 * 1024;

/** A 200 reply whose body is produced chunk by chunk: `bytes` long, or one byte a second forever. */
function streamedReply(kind: 'huge-body' | 'drip'): Response {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (kind === 'huge-body') controller.enqueue(new TextEncoder().encode('{"data":"'));
      else controller.enqueue(new TextEncoder().encode('{'));
    },
    pull(controller) {
      if (kind === 'drip') {
        return new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            controller.enqueue(new TextEncoder().encode(' '));
            resolve();
          }, 1000);
        });
      }
      if (sent >= HUGE_BODY_BYTES) {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
        return;
      }
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new HttpResponse(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/**
 * The reply to a short-circuit fault, in the gateway's error shape (plain text when none applies).
 * `body` is the request's, for the 402 fault.
 */
export function shortCircuitReply(
  kind: ShortCircuitFault,
  retryAfter: FaultRule['retryAfter'],
  protocol: GatewayProtocol | undefined,
  body: JsonObject = {},
  op?: SimulatorOp,
): Response {
  if (kind === 'huge-body' || kind === 'drip') return streamedReply(kind);
  if (kind === 'http-400')
    return gatewayError({ kind: 'invalid', problems: [REFUSED_BY_FAULT] }, 400, protocol);
  if (kind === 'http-402') return gatewayError({ kind: 'no-credits', body }, 402, protocol);
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
  return gatewayError({ kind: 'unavailable', status }, status, protocol, headers, op);
}

/** The real reply, spoiled: cut to its first half, relabelled text/plain, or with fields changed. */
export async function spoil(
  kind: 'truncated-json' | 'wrong-content-type' | 'unknown-status' | 'missing-fields',
  response: Response,
): Promise<Response> {
  const headers = new Headers(response.headers);
  if (kind === 'unknown-status' || kind === 'missing-fields') {
    const original = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(original);
    } catch {
      return new HttpResponse(original, { status: response.status, headers }); // not JSON: nothing to spoil
    }
    const text = JSON.stringify(kind === 'unknown-status' ? rewriteStatus(json) : withoutIds(json));
    headers.set('content-length', String(Buffer.byteLength(text)));
    return new HttpResponse(text, { status: response.status, headers });
  }
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

const ID_OR_STATUS = new Set(['id', 'task_id', 'jobId', 'status']);

/** Every `status` word, at any depth, replaced by one no gateway documents. */
function rewriteStatus(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteStatus);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === 'status' && typeof v === 'string' ? 'QUANTUM_FLUX' : rewriteStatus(v),
    ]),
  );
}

/** The reply with its ids and status words removed, at any depth. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !ID_OR_STATUS.has(k))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}
