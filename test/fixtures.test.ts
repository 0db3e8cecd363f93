/**
 * Every documented example payload is exercised: example requests must pass the simulator's
 * validators (non-strict: the vendors' documented rules only), replies must go through the adapters.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../src/gateways/index.js';
import { GATEWAY_IDS, type GatewayId, KlingResponseError } from '../src/index.js';
import { type RunningSimulator, startGatewaySimulator } from '../src/testing/index.js';
import { fixtures } from './fixtures/load.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startGatewaySimulator({ seed: 3, strict: false });
});
afterAll(() => sim.close());

const auth: Record<GatewayId, Record<string, string>> = {
  apiinone: { authorization: 'Bearer k' },
  apiframe: { 'x-api-key': 'k' },
  evolink: { authorization: 'Bearer k' },
  modellix: { authorization: 'Bearer k' },
  kling: { authorization: 'Bearer k' },
  fal: { authorization: 'Key k' },
};
const context = { now: Date.parse('2026-11-22T12:00:00Z') };

/** The official Kling API takes one create path per kind; its fixtures name the kind. */
function klingPath(gateway: GatewayId, name: string): string | undefined {
  if (gateway !== 'kling') return undefined;
  if (name.includes('image-to-video')) return '/image-to-video/kling-3.0';
  return name.includes('omni') ? '/omni-video/kling-3.0-omni' : undefined;
}

describe.each(GATEWAY_IDS.map((g) => [g]))('%s fixtures', (gateway) => {
  const adapter = ADAPTERS[gateway];

  it('every fixture names its source and evidence, and has a known kind', () => {
    const all = readdirSync(resolve(__dirname, 'fixtures', gateway)).filter((f) => f.endsWith('.jsonc'));
    const known =
      /^(create-request|create-response|status|error|webhook|balance|upload|result|cancel|callback|legacy)-?/;
    expect(all.length).toBeGreaterThan(3);
    for (const file of all) expect(file).toMatch(known);
    for (const f of fixtures(gateway, ''))
      expect([f.source.length > 0, /^(DOC|DOCUMENTED|SPEC|VENDOR-CODE|INFERRED)\b/.test(f.evidence)]).toEqual(
        [true, true],
      );
  });

  it.each(fixtures(gateway, 'create-request').map((f) => [f.name, f]))(
    'the simulator accepts the documented request %s',
    async (_, f) => {
      // A gateway with one create path per endpoint (fal) names it in the fixture (`// endpoint:`).
      const endpoint = f.meta.endpoint;
      const path =
        endpoint === undefined ? (klingPath(gateway, f.name) ?? adapter.paths.create) : `/${endpoint}`;
      const response = await fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth[gateway] },
        body: JSON.stringify(f.body),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
    },
  );

  it.each(fixtures(gateway, 'create-response').map((f) => [f.name, f]))('parseSubmit reads %s', (_, f) => {
    expect(adapter.parseSubmit(f.body).id.length).toBeGreaterThan(0);
  });

  // `status-request-*` are request lines (Kling's GET /tasks?…), not replies.
  const statusReplies = fixtures(gateway, 'status').filter((f) => !f.name.startsWith('status-request'));
  it.each(statusReplies.map((f) => [f.name, f]))('parseTask reads %s', (_, f) => {
    try {
      const task = adapter.parseTask(f.body, context);
      // Kling's schema examples carry the placeholder "string" as status: no status word to know.
      const placeholder = gateway === 'kling' && /placeholder/i.test(f.evidence);
      expect(task.statusUnknown).toBe(placeholder ? true : undefined);
      expect(task.raw).toBe(f.body);
    } catch (error) {
      // Only a documented non-video "success" (apiframe's Midjourney example) may be refused.
      expect(KlingResponseError.is(error) && f.name === 'status-completed' && gateway === 'apiframe').toBe(
        true,
      );
    }
  });

  // A result read apart from the status (fal): a 2xx is the finished task, an error the failure or the read's.
  it.each(fixtures(gateway, 'result').map((f) => [f.name, f]))('parseResult reads %s', (_, f) => {
    const statusTask = { id: 't', gateway, status: 'running', raw: null } as const;
    if (f.http < 300) {
      expect(adapter.parseResult?.(f.body, statusTask, context)).toMatchObject({ status: 'succeeded' });
    } else {
      expect(adapter.parseError(f.http, f.body).message).not.toMatch(/^HTTP \d+ from/);
    }
  });

  it.each(fixtures(gateway, 'balance').map((f) => [f.name, f]))('parseBalance reads %s', (_, f) => {
    expect(adapter.parseBalance?.(f.body).amount).toBeTypeOf('number');
  });

  it.each(fixtures(gateway, 'upload').map((f) => [f.name, f]))('parseUpload reads %s', (_, f) => {
    expect(adapter.parseUpload?.(f.body).url).toMatch(/^https:\/\//);
  });

  // `webhook-signature` (fal) is the signing recipe (headers and message), not a delivery body.
  const deliveries = fixtures(gateway, 'webhook').filter((f) => !f.name.endsWith('-signature'));
  it.each(deliveries.map((f) => [f.name, f]))('parseWebhook reads %s', (_, f) => {
    expect(adapter.parseWebhook?.(f.body, context).task.raw).toBe(f.body);
  });

  // A table of codes (Kling's error-codes, `http: n/a`) is no reply.
  const errorReplies = fixtures(gateway, 'error').filter((f) => !Number.isNaN(f.http));
  it.each(errorReplies.map((f) => [f.name, f]))('parseError reads %s', (_, f) => {
    expect(f.http).toBeGreaterThanOrEqual(400);
    expect(adapter.parseError(f.http, f.body).message).not.toMatch(/^HTTP \d+ from/);
  });
});
