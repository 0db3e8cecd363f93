/**
 * Bad input and bad replies, generated. 10,000 runs each in CI; `npm run fuzz` runs a million.
 * - Random requests against each gateway: a typed refusal with zero requests sent, or a wire body the
 *   simulator's strict validator (written from the vendor docs) accepts.
 * - Random 2xx bodies: only KlingResponseError. Random non-2xx: the KlingApiError class for the status.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GATEWAY_IDS,
  KlingApiError,
  KlingAuthError,
  KlingClient,
  KlingInsufficientCreditsError,
  KlingNotFoundError,
  KlingRateLimitError,
  KlingResponseError,
  KlingServerError,
  KlingUnsupportedError,
  KlingValidationError,
  type VideoRequest,
} from '../../src/index.js';
import { createGatewaySimulator } from '../../src/testing/index.js';
import { fitTo, nearValidRequest, validRequest } from '../helpers/arbitraries.js';
import { inProcessFetch } from '../helpers/in-process.js';
import { json, scriptedFetch } from '../helpers/scripted-fetch.js';
import { figure } from './figures.js';

const numRuns = Number(process.env.FC_RUNS ?? 10_000);

describe('random requests against each gateway', () => {
  const sim = createGatewaySimulator({
    seed: 21,
    requireExplicitDefaults: true,
    maxConcurrentTasks: Number.POSITIVE_INFINITY,
  });
  const { fetch, calls } = inProcessFetch(sim);
  const clients = Object.fromEntries(
    GATEWAY_IDS.map((g) => [
      g,
      new KlingClient({ gateway: g, apiKey: 'sk-fuzz', fetch, maxRetries: 0, clock: sim.clientClock }),
    ]),
  );
  afterAll(() => Promise.all(Object.values(clients).map((c) => c.close())));

  it(`${numRuns} runs: refused with nothing sent, or accepted by the strict simulator`, async () => {
    const tally = { sent: 0, validation: 0, unsupported: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GATEWAY_IDS),
        // Valid by construction (sometimes trimmed to what the gateway supports), or near-valid. Raw
        // providerOptions are the caller's own wire fields, outside what the SDK vouches for.
        fc.oneof(
          validRequest.map((r) => ({ r, fit: false })),
          validRequest.map((r) => ({ r, fit: true })),
          nearValidRequest({ providerOptions: false }).map((r) => ({ r, fit: false })),
        ),
        async (gateway, { r, fit }) => {
          const request = fit ? fitTo(gateway, r as VideoRequest) : r;
          const before = calls();
          const rejectedBefore = sim.stats.rejected[gateway];
          try {
            await clients[gateway]?.submit(request as never);
            tally.sent++;
            if (sim.stats.rejected[gateway] !== rejectedBefore)
              throw new Error('the simulator rejected the wire body');
          } catch (error) {
            if (KlingValidationError.is(error)) tally.validation++;
            else if (KlingUnsupportedError.is(error)) tally.unsupported++;
            else throw error; // a 400 from the simulator means a mapping bug
            if (calls() !== before) throw new Error('a refused request was sent');
          }
        },
      ),
      { numRuns, seed: 4242 },
    );
    expect(tally.sent).toBeGreaterThan(numRuns / 5);
    expect(sim.stats.rejected).toEqual(Object.fromEntries(GATEWAY_IDS.map((g) => [g, 0])));
    figure(
      'fuzz (requests)',
      `${numRuns} random requests: ${tally.sent} sent and accepted by the strict simulator, ` +
        `${tally.validation} KlingValidationError and ${tally.unsupported} KlingUnsupportedError with 0 requests sent, 0 rejected bodies`,
    );
  });
});

/** JSON that is wrong in every way a reply can be: wrong types, deep nesting, the right keys with bad values. */
const hostileJson = fc.oneof(
  fc.jsonValue({ depthSize: 'large', maxDepth: 8 }),
  fc.record(
    {
      id: fc.jsonValue(),
      status: fc.jsonValue(),
      data: fc.jsonValue(),
      results: fc.jsonValue(),
      result: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc.record({
    data: fc.record(
      { task_id: fc.jsonValue(), status: fc.jsonValue(), result: fc.jsonValue() },
      { requiredKeys: [] },
    ),
  }),
  fc
    .integer({ min: 1, max: 2000 })
    .map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown),
);

describe('random replies', () => {
  it(`${numRuns} random 2xx status bodies: a task or a KlingResponseError, nothing else`, async () => {
    let tasks = 0;
    let responseErrors = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GATEWAY_IDS), hostileJson, async (gateway, body) => {
        const { fetch } = scriptedFetch([json(200, body)]);
        const client = new KlingClient({
          gateway,
          apiKey: 'k',
          baseUrl: 'https://gw.test',
          fetch,
          maxRetries: 0,
        });
        try {
          const task = await client.getTask('t-1');
          if (task.status === 'succeeded' && task.videos.length === 0)
            throw new Error('success without a video');
          tasks++;
        } catch (error) {
          if (!KlingResponseError.is(error)) throw error;
          responseErrors++;
        }
      }),
      { numRuns, seed: 4243 },
    );
    figure(
      'fuzz (2xx replies)',
      `${numRuns} random 2xx bodies: ${tasks} read as tasks, ${responseErrors} KlingResponseError, 0 other errors`,
    );
  });

  it(`${numRuns} random non-2xx replies map to their KlingApiError class`, async () => {
    const classFor = (status: number) =>
      status === 401 || status === 403
        ? KlingAuthError
        : status === 402
          ? KlingInsufficientCreditsError
          : status === 404
            ? KlingNotFoundError
            : status === 429
              ? KlingRateLimitError
              : status >= 500
                ? KlingServerError
                : KlingApiError;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GATEWAY_IDS),
        fc.integer({ min: 300, max: 599 }),
        fc.oneof(
          hostileJson.map((b) => JSON.stringify(b)),
          fc.string({ maxLength: 300 }),
        ),
        async (gateway, status, text) => {
          const { fetch } = scriptedFetch([{ status, text }]);
          const client = new KlingClient({
            gateway,
            apiKey: 'k',
            baseUrl: 'https://gw.test',
            fetch,
            maxRetries: 0,
          });
          const error = await client.getTask('t-1').catch((e: unknown) => e);
          if (!classFor(status).is(error)) throw new Error(`HTTP ${status} gave ${String(error)}`);
          expect((error as KlingApiError).status).toBe(status);
        },
      ),
      { numRuns, seed: 4244 },
    );
    figure(
      'fuzz (error replies)',
      `${numRuns} random non-2xx replies (300–599): each mapped to its KlingApiError class with its status`,
    );
  });
});
