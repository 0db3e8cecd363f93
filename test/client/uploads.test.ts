/**
 * Whether a gateway takes local images is the adapter's to say (it has an upload API or not): the
 * client asks the adapter alone. (That the catalog's `uploads` flag agrees with every adapter is
 * test/architecture.test.ts's.)
 */
import { describe, expect, it } from 'vitest';
import { KlingClient, KlingError, KlingUnsupportedError } from '../../src/index.js';
import { png } from '../helpers/images.js';
import { rejection } from '../helpers/rejection.js';
import { json, scriptedFetch } from '../helpers/scripted-fetch.js';

describe('upload capability', () => {
  it('a gateway without an upload API refuses before anything is sent', async () => {
    const { fetch, calls } = scriptedFetch([json(200, {})]);
    const client = new KlingClient({ gateway: 'apiinone', apiKey: 'sk-test-key', fetch });
    const error = await rejection(client.upload(new Uint8Array([1, 2, 3])));
    expect(KlingUnsupportedError.is(error)).toBe(true);
    expect(calls).toHaveLength(0);
  });

  it("an upload's failure says 'not-created', whatever it was (the exchange's classifier)", async () => {
    const { fetch, calls } = scriptedFetch([json(503, { error: { message: 'busy' } })]);
    const client = new KlingClient({ gateway: 'evolink', apiKey: 'sk-test-key', fetch, maxRetries: 0 });
    const error = await rejection(client.upload(png(1024, 1024)));
    expect(calls).toHaveLength(1);
    expect(KlingError.is(error) && error.taskState).toBe('not-created');
  });
});
