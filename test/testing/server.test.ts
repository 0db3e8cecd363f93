import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startGatewaySimulator } from '../../src/testing/index.js';
import { create, WIRE } from './helpers.js';

describe('loopback server', () => {
  it('listens on 127.0.0.1 and answers 404 to unknown routes, recorded as other', async () => {
    const sim = await startGatewaySimulator();
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${sim.url}/v3/nowhere`);
      expect(response.status).toBe(404);
      expect(sim.stats.requests).toEqual([
        expect.objectContaining({
          gateway: 'unknown',
          op: 'other',
          method: 'GET',
          path: '/v3/nowhere',
          status: 404,
        }),
      ]);
      expect((await fetch(`${sim.url}/files/not-a-task.mp4`)).status).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('builds reply URLs from the Host the client called', async () => {
    const sim = await startGatewaySimulator();
    try {
      const viaLocalhost = sim.url.replace('127.0.0.1', 'localhost');
      const created = await create(viaLocalhost, 'modellix', WIRE.modellix.validBody()).catch(
        () => undefined,
      );
      // Some machines resolve localhost to ::1 only; the 127.0.0.1 server is then out of reach.
      if (created === undefined) return;
      expect(JSON.stringify(created.json)).toContain(`${viaLocalhost}/api/v1/tasks/`);
    } finally {
      await sim.close();
    }
  });

  it('close() ends hung requests and keep-alive sockets, and is idempotent', async () => {
    const sim = await startGatewaySimulator({ faults: [{ op: 'status', kind: 'hang' }] });
    // A keep-alive connection that stays open after its request.
    const agentResponse = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${sim.url}/nothing`, { headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(agentResponse).toBe(404);
    const hung = fetch(`${sim.url}/v1/tasks/task-unified-1-abc`, {
      headers: WIRE.evolink.authHeaders('k'),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await expect.poll(() => sim.stats.requests.some((r) => r.status === 'hung')).toBe(true);
    await Promise.all([sim.close(), sim.close()]);
    expect(await hung).toBe('failed');
  });

  it('refuses a bad time scale', async () => {
    await expect(startGatewaySimulator({ timeScale: 0 })).rejects.toThrow(RangeError);
  });
});
