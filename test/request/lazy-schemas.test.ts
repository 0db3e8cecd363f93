// The zod schemas are built on first use, not at import (issue 13 item 5: cold start), and once.
import { describe, expect, it, vi } from 'vitest';

const built = vi.hoisted(() => ({ objects: 0 }));
vi.mock('zod', async (importOriginal) => {
  const z = await importOriginal<typeof import('zod')>();
  return {
    ...z,
    object: (...args: Parameters<typeof z.object>) => {
      built.objects++;
      return z.object(...args);
    },
    strictObject: (...args: Parameters<typeof z.strictObject>) => {
      built.objects++;
      return z.strictObject(...args);
    },
  };
});

// Static imports: both modules (and everything they import) are evaluated before any test runs.
const { parseSavedHandle } = await import('../../src/client/handle.js');
const { parseVideoRequest, schemaFields } = await import('../../src/request/schema.js');
const atImport = built.objects;

describe('zod schemas', () => {
  it('are not built when the modules are imported', () => {
    expect(atImport).toBe(0);
  });

  it('are built on first use, once, and validate as before', () => {
    expect(parseVideoRequest({ prompt: 'a kite' }).mode).toBe('std');
    const afterFirst = built.objects;
    expect(afterFirst).toBeGreaterThan(0);
    expect(() => parseVideoRequest({ prompt: '' })).toThrow(/must not be empty/);
    expect(schemaFields()).toContain('prompt');

    const saved = {
      v: 1,
      gateway: 'evolink',
      id: 'task-1',
      submittedAt: '2025-01-31T12:00:00.000Z',
      estimate: { gateway: 'evolink', exact: true },
    } as const;
    expect(parseSavedHandle(JSON.stringify(saved)).id).toBe('task-1');
    const afterHandle = built.objects;
    expect(afterHandle).toBeGreaterThan(afterFirst);
    expect(() => parseSavedHandle(JSON.stringify({ ...saved, id: '' }))).toThrow(/task id/);

    parseVideoRequest({ prompt: 'again' });
    parseSavedHandle(JSON.stringify(saved));
    expect(built.objects).toBe(afterHandle);
  });
});
