/**
 * Issue 10 item 3: a malformed maxCost is a KlingValidationError before anything is sent (client,
 * router submit and quote), never a budget that lets a paid task through; the MaxCost type refuses the
 * malformed shapes too.
 */
import { describe, expect, it } from 'vitest';
import { checkBudget, type MaxCost, maxCostIssues, parseMaxCost } from '../../src/client/budget.js';
import {
  estimateCost,
  KlingBudgetError,
  KlingClient,
  KlingRouter,
  KlingValidationError,
  type VideoRequest,
} from '../../src/index.js';
import { rejection } from '../helpers/rejection.js';
import { json, scriptedFetch } from '../helpers/scripted-fetch.js';

const KEY = 'sk-test-secret-123456';
/** $2.25 at EvoLink: what a bypassed budget of 10 cents would have paid for. */
const request: VideoRequest = { prompt: 'a kite over a beach', mode: 'pro', duration: 15, sound: true };
const created = json(200, { id: 'task-unified-1-abc', status: 'pending' });

/** Every malformed budget the issue lists, and a few more, with the path its problem is reported at. */
const MALFORMED: [string, unknown, string][] = [
  ['a string', '0.1', 'maxCost'],
  [
    'NaN (Number(process.env.MAX_USD) with the variable unset)',
    Number(process.env.KLING_TEST_UNSET_MAX_USD),
    'maxCost',
  ],
  ['an empty object', {}, 'maxCost'],
  ['{ usd: undefined }', { usd: undefined }, 'maxCost'],
  ['{ dollars: 0.1 }', { dollars: 0.1 }, 'maxCost.dollars'],
  ['null', null, 'maxCost'],
  ['a negative amount', -1, 'maxCost'],
  ['Infinity', Number.POSITIVE_INFINITY, 'maxCost'],
  ['an array', [0.1], 'maxCost'],
  ['a negative usd', { usd: -1 }, 'maxCost.usd'],
  ['a string of credits', { credits: '15' }, 'maxCost.credits'],
  ['NaN credits next to a valid usd', { usd: 1, credits: Number.NaN }, 'maxCost.credits'],
];

function evolinkClient() {
  const { fetch, calls } = scriptedFetch([created]);
  return {
    client: new KlingClient({ gateway: 'evolink', apiKey: KEY, baseUrl: 'https://gw.test', fetch }),
    calls,
  };
}

describe('maxCost', () => {
  it('the request used here costs more than the budgets below would allow', () => {
    expect(estimateCost('evolink', request).usd).toBe(2.25);
  });

  it.each(MALFORMED)(
    'client.submit refuses %s with a KlingValidationError and sends nothing',
    async (_, maxCost, path) => {
      const { client, calls } = evolinkClient();
      const error = await rejection(client.submit(request, { maxCost: maxCost as MaxCost }));
      expect(KlingValidationError.is(error), String(error)).toBe(true);
      const { issues, subject, taskState } = error as KlingValidationError;
      expect(subject).toBe('submit options');
      expect(taskState).toBe('not-created');
      expect(issues.map((i) => i.path.join('.'))).toContain(path);
      expect(calls).toHaveLength(0);
    },
  );

  it.each(MALFORMED)('client.generate refuses %s and sends nothing', async (_, maxCost) => {
    const { client, calls } = evolinkClient();
    const error = await rejection(client.generate(request, { maxCost: maxCost as MaxCost }));
    expect(KlingValidationError.is(error), String(error)).toBe(true);
    expect(calls).toHaveLength(0);
  });

  it.each(MALFORMED)(
    'router.submit and router.quote refuse %s before looking at a gateway',
    async (_, maxCost) => {
      const evolink = evolinkClient();
      const apiframe = scriptedFetch([json(202, { jobId: 'j-1', status: 'QUEUED' })]);
      const router = new KlingRouter({
        clients: [
          evolink.client,
          new KlingClient({
            gateway: 'apiframe',
            apiKey: KEY,
            baseUrl: 'https://gw.test',
            fetch: apiframe.fetch,
          }),
        ],
      });
      const error = await rejection(router.submit(request, { maxCost: maxCost as MaxCost }));
      expect(KlingValidationError.is(error), String(error)).toBe(true);
      expect(evolink.calls.length + apiframe.calls.length).toBe(0);

      const quoted = (() => {
        try {
          return router.quote(request, { maxCost: maxCost as MaxCost });
        } catch (e) {
          return e;
        }
      })();
      expect(KlingValidationError.is(quoted)).toBe(true);
      expect((quoted as KlingValidationError).subject).toBe('quote options');
    },
  );

  it('a negative amount is a validation error, not a budget refusal', () => {
    const estimate = estimateCost('evolink', request);
    expect(() => checkBudget(estimate, -1)).toThrow(KlingValidationError);
    expect(() => checkBudget(estimate, -1)).not.toThrow(KlingBudgetError);
  });

  it('null is a KlingValidationError, not a TypeError', () => {
    expect(() => checkBudget(estimateCost('evolink', request), null as unknown as MaxCost)).toThrow(
      KlingValidationError,
    );
  });

  it('says how to fix it', () => {
    expect(maxCostIssues('0.1')[0]?.message).toMatch(/not a string \(convert it with Number\(\)\)/);
    expect(maxCostIssues(Number.NaN)[0]?.message).toMatch(/got NaN/);
    expect(maxCostIssues({ usd: undefined })[0]?.message).toMatch(/sets no limit/);
    expect(maxCostIssues({ dollars: 0.1 }).map((i) => i.message)).toEqual([
      "unknown field; a budget has only 'usd' and 'credits'",
      expect.stringMatching(/sets no limit/),
    ]);
  });

  it('valid budgets still work: a number, usd, credits, both, and 0', async () => {
    expect(parseMaxCost(1)).toEqual({ usd: 1, credits: undefined });
    expect(parseMaxCost({ credits: 15, usd: undefined })).toEqual({ usd: undefined, credits: 15 });
    expect(parseMaxCost({ usd: 3, credits: 300 })).toEqual({ usd: 3, credits: 300 });
    const estimate = estimateCost('evolink', request);
    expect(() => checkBudget(estimate, 0)).toThrow(KlingBudgetError);
    expect(() => checkBudget(estimate, { usd: 2.25 })).not.toThrow();
    const { client, calls } = evolinkClient();
    await expect(client.submit(request, { maxCost: 3 })).resolves.toMatchObject({ id: 'task-unified-1-abc' });
    expect(calls).toHaveLength(1);
  });

  it('the MaxCost type refuses the malformed shapes (checked by tsc)', () => {
    const refused = [
      // @ts-expect-error a string is not a budget
      '0.1' satisfies MaxCost,
      // @ts-expect-error null is not a budget
      null satisfies MaxCost,
      // @ts-expect-error a budget sets usd or credits
      {} satisfies MaxCost,
      // @ts-expect-error a budget sets usd or credits
      { usd: undefined } satisfies MaxCost,
      // @ts-expect-error 'dollars' is not a field of a budget
      { dollars: 0.1 } satisfies MaxCost,
    ];
    const accepted: MaxCost[] = [1, { usd: 1 }, { credits: 10 }, { usd: 1, credits: 10 }];
    expect(refused).toHaveLength(5);
    expect(accepted).toHaveLength(4);
  });
});
