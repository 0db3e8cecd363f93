/**
 * Multipart bodies (uploads) through both transports: undici's `request` takes only its own FormData
 * class, so the transport serializes Node's global one itself, boundary and content-type included.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/http/transport.js';

let server: Server;
let origin: string;
beforeAll(async () => {
  // Echoes what arrived, parsed back by the platform's own multipart reader.
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const file = form.get('file') as File;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        type,
        length: req.headers['content-length'],
        note: form.get('note'),
        file: { name: file.name, type: file.type, bytes: [...new Uint8Array(await file.arrayBuffer())] },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe.each(['undici', 'fetch'] as const)('%s transport', (kind) => {
  it('sends a FormData body as multipart/form-data with its boundary, replacing a JSON content-type', async () => {
    const transport = createTransport(kind === 'fetch' ? { fetch: globalThis.fetch } : {});
    const form = new FormData();
    form.append('note', 'first frame');
    form.append('file', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), 'a.png');
    try {
      const response = await transport.send({
        gateway: 'apiframe',
        method: 'POST',
        url: `${origin}/upload`,
        headers: { 'Content-Type': 'application/json', accept: 'application/json' },
        body: form,
        timeoutMs: 5000,
        maxBodyBytes: 1 << 20,
      });
      const echoed = JSON.parse(response.body);
      expect(echoed.type).toMatch(/^multipart\/form-data; boundary=/);
      expect(Number(echoed.length)).toBeGreaterThan(0);
      expect(echoed.note).toBe('first frame');
      expect(echoed.file).toEqual({ name: 'a.png', type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47] });
    } finally {
      await transport.close();
    }
  });
});
