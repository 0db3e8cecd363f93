/**
 * 1,000 paid submits while the simulator creates the task and then drops the connection for 10% of
 * them, and answers 5xx without creating anything for another 10%. Nothing may be created twice or
 * re-sent blind, and every error's taskState must be true to what the simulator did.
 */
import { afterEach, expect, it } from 'vitest';
import {
  type GatewayId,
  KlingClient,
  KlingError,
  KlingSubmitUncertainError,
  type TaskHandle,
} from '../../src/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../../src/testing/index.js';
import { figure } from './figures.js';

const SUBMITS = 1000;
const faults = [
  { op: 'create' as const, kind: 'drop-after-create' as const, rate: 0.1 },
  // Conditional on the first rule missing: 10% of all submits.
  { op: 'create' as const, kind: 'http-503' as const, rate: 0.1 / 0.9 },
];

let sim: RunningSimulator | undefined;
afterEach(() => sim?.close());

type Outcome = { prompt: string; handle?: TaskHandle; error?: KlingError };

async function submitAll(gateways: GatewayId[], maxRetries: number): Promise<Outcome[]> {
  const running = await startGatewaySimulator({ seed: 1122, faults });
  sim = running;
  const clients = new Map(
    gateways.map((g) => [
      g,
      new KlingClient({
        gateway: g,
        apiKey: 'sk-submits',
        baseUrl: running.url,
        clock: running.clientClock,
        maxRetries,
        maxConcurrency: 64,
        timeoutMs: 30_000,
      }),
    ]),
  );
  const outcomes = await Promise.all(
    Array.from({ length: SUBMITS }, async (_, i): Promise<Outcome> => {
      const gateway = gateways[i % gateways.length] as GatewayId;
      const prompt = `submit test ${i}`;
      try {
        return { prompt, handle: await (clients.get(gateway) as KlingClient).submit({ prompt }) };
      } catch (error) {
        if (!KlingError.is(error)) throw error;
        return { prompt, error };
      }
    }),
  );
  await Promise.all([...clients.values()].map((c) => c.close()));
  return outcomes;
}

/** The tasks the simulator created, by the prompt that identifies the logical submit. */
function tasksByPrompt(running: RunningSimulator): Map<string, string[]> {
  const byPrompt = new Map<string, string[]>();
  for (const task of running.tasks()) {
    const prompt = String(task.request.prompt);
    byPrompt.set(prompt, [...(byPrompt.get(prompt) ?? []), task.id]);
  }
  return byPrompt;
}

it('gateways that do not dedupe: no duplicate, no blind re-send, every taskState true', async () => {
  const outcomes = await submitAll(['apiinone', 'evolink', 'modellix'], 2);
  const running = sim as RunningSimulator;
  const created = tasksByPrompt(running);
  const creates = running.stats.requests.filter((r) => r.op === 'create');

  // Nothing re-sent blind: exactly one create request per logical submit.
  expect(creates).toHaveLength(SUBMITS);
  // No task created twice.
  expect([...created.values()].every((ids) => ids.length === 1)).toBe(true);

  const handles = outcomes.filter((o) => o.handle !== undefined);
  const uncertain = outcomes.filter((o) => KlingSubmitUncertainError.is(o.error));
  const otherErrors = outcomes.filter((o) => o.error !== undefined && !KlingSubmitUncertainError.is(o.error));
  expect(otherErrors).toEqual([]);
  // Every created task is behind a handle or reported by an uncertain error.
  const createdCount = [...created.values()].length;
  expect(createdCount - handles.length).toBeLessThanOrEqual(uncertain.length);
  for (const o of outcomes) {
    const ids = created.get(o.prompt) ?? [];
    if (o.handle !== undefined) expect(ids).toEqual([o.handle.id]);
    // taskState is true to what the simulator did: never 'not-created' for a task that exists.
    if (o.error !== undefined && ids.length > 0) expect(o.error.taskState).toBe('may-exist');
  }
  const uncertainCreated = uncertain.filter((o) => created.has(o.prompt)).length;
  figure(
    'submits',
    `${SUBMITS} submits (10% dropped after create, 10% 5xx before create): ${creates.length} create requests, ` +
      `${createdCount} tasks created, ${handles.length} handles, ${uncertain.length} KlingSubmitUncertainError ` +
      `(${uncertainCreated} had created a task, ${uncertain.length - uncertainCreated} had not), 0 duplicates, 0 blind re-sends`,
  );
});

it('apiframe with an Idempotency-Key: retries are safe, exactly one task per logical submit', async () => {
  const outcomes = await submitAll(['apiframe'], 8);
  const running = sim as RunningSimulator;
  const created = tasksByPrompt(running);
  const creates = running.stats.requests.filter((r) => r.op === 'create');

  expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
  expect(created.size).toBe(SUBMITS);
  for (const o of outcomes) expect(created.get(o.prompt)).toEqual([o.handle?.id]);
  // Each logical submit kept one key across its retries.
  const keysPerSubmit = new Set(creates.map((r) => r.idempotencyKey));
  expect(keysPerSubmit.size).toBe(SUBMITS);
  figure(
    'submits (apiframe, Idempotency-Key)',
    `${SUBMITS} submits, ${creates.length} create requests (${creates.length - SUBMITS} retries with the same key), ` +
      `${created.size} tasks created, ${SUBMITS} handles: exactly one task per logical submit`,
  );
});
