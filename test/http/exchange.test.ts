/**
 * The exchange and its classifier decide from the request's kind, the gateway's capabilities and the
 * attempt history; no gateway is named in them, so a new gateway needs no edit here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_IDS } from '../../src/index.js';

const HTTP = resolve(__dirname, '../../src/http');

describe('the exchange and the classifier name no gateway', () => {
  it.each(['exchange.ts', 'retry.ts', 'limiter.ts'])('%s', (file) => {
    const text = readFileSync(resolve(HTTP, file), 'utf8');
    // A gateway id standing alone (`kling` the gateway, not `kling-sdk` the package in a log line).
    for (const id of GATEWAY_IDS)
      expect(text, `${file} names ${id}`).not.toMatch(new RegExp(`(?<![\\w-])${id}(?![\\w-])`, 'i'));
    expect(text).not.toMatch(/api in one|evolink|modellix|apiframe/i);
  });
});
