import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { getResponse } from 'msw';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { GATEWAY_IDS, type GatewayId, isGatewayId } from '../src/catalog/index.js';
import { ADAPTERS } from '../src/gateways/adapters.js';
import { GATEWAY_CATALOGS } from '../src/gateways/catalog.js';
import { PROTOCOLS } from '../src/testing/gateways/index.js';
import { createGatewaySimulator } from '../src/testing/index.js';
import { SeededRandom } from '../src/testing/random.js';

/**
 * DESIGN.md §3: imports go one way. Each layer may import only the layers listed for it
 * (plus itself); a new directory under src/ must be added here on purpose.
 */
const ALLOWED: Record<string, string[]> = {
  catalog: [],
  'errors.ts': ['catalog'],
  pricing: ['catalog', 'errors.ts'],
  request: ['catalog', 'errors.ts', 'pricing'],
  http: ['catalog', 'errors.ts'],
  gateways: ['catalog', 'errors.ts', 'request', 'pricing', 'http'],
  client: ['catalog', 'errors.ts', 'request', 'pricing', 'http', 'gateways'],
  testing: ['catalog', 'http'],
  cli: ['index.ts', 'testing', 'catalog', 'errors.ts'],
  // kling-sdk/ai: the public API only (see the assertion below, which counts type imports too).
  ai: ['index.ts'],
  'index.ts': ['catalog', 'errors.ts', 'pricing', 'request', 'http', 'gateways', 'client'],
};
/** Packages each layer may load at run time (type-only imports are erased and not counted). */
const PACKAGES: Record<string, string[]> = {
  catalog: [],
  'errors.ts': [],
  pricing: [],
  request: ['zod'],
  // msw is an optional peer dependency: only the simulator may load it.
  testing: ['msw'],
  // `ai` is an optional peer and @ai-sdk/provider's types are declared locally: nothing is loaded.
  ai: [],
};

const SRC = resolve(__dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * A gateway's catalog data (src/gateways/<id>/catalog.ts) and their registry (src/gateways/catalog.ts)
 * live beside the adapters but belong to the catalog layer: pure data that pricing loads without any
 * network code.
 */
const GATEWAY_CATALOG_FILE = /^gateways\/(?:[^/]+\/)?catalog\.ts$/;

/** The top folder (or file) under src/. */
function folderOf(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0] ?? '';
}

function layerOf(file: string): string {
  const path = relative(SRC, file).split(/[\\/]/).join('/');
  if (GATEWAY_CATALOG_FILE.test(path)) return 'catalog';
  return path.split('/')[0] ?? '';
}

/** Value imports and re-exports (not `import type`), with their specifiers. */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?from\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) if (match[1] !== undefined) specifiers.push(match[1]);
  return specifiers;
}

describe('layering (DESIGN.md §3)', () => {
  const files = sourceFiles(SRC);

  it('src/ai imports (types included) only its own files and the public API (../index.js)', () => {
    const ai = files.filter((f) => folderOf(f) === 'ai');
    expect(ai.length).toBeGreaterThan(0);
    const pattern = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;
    for (const file of ai) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(pattern)) {
        expect(specifier, relative(SRC, file)).toMatch(/^(?:\.\/[\w-]+\.js|\.\.\/index\.js)$/);
      }
    }
  });

  it('knows every layer under src/', () => {
    for (const file of files) expect(Object.keys(ALLOWED)).toContain(layerOf(file));
  });

  it.each(files.map((f) => [relative(SRC, f), f]))('%s imports only lower layers', (_, file) => {
    const layer = layerOf(file);
    const allowed = [layer, ...(ALLOWED[layer] ?? [])];
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), specifier).replace(/\.js$/, '.ts'));
        expect(allowed, `${relative(SRC, file)} imports ${specifier}`).toContain(target);
      } else if (layer in PACKAGES && !specifier.startsWith('node:')) {
        expect(PACKAGES[layer], `${relative(SRC, file)} loads package ${specifier}`).toContain(specifier);
      }
    }
  });
});

/** Wire field names the vendors use; they belong to the adapters (and the simulator that mimics them). */
const VENDOR_FIELDS =
  /\b(image_start|image_end|klingParams|model_params|multi_prompt|multi_shots?|generate_audio|callback_url|task_id|jobId|credits_reserved|element_list|kling_elements|webhookUrl|webhookEvents|estimated_time|result_expires_at|creditCost|aspect_ratio|negative_prompt|start_image|end_image|videoUrl|video_url|shot_type|watermark_info)\b/;

describe('vendor field names (DESIGN.md §3)', () => {
  const outside = sourceFiles(SRC).filter((f) => !['gateways', 'testing'].includes(folderOf(f)));
  it.each(outside.map((f) => [relative(SRC, f), f]))('%s names no vendor field', (_, file) => {
    // `webhookUrl` is also the AI SDK's own doStart option (VideoModelV4), which src/ai reads.
    const own = folderOf(file) === 'ai' ? /\bwebhookUrl\b/g : /$^/g;
    const hits = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => VENDOR_FIELDS.test(line.replace(own, '')));
    expect(hits).toEqual([]);
  });
});

/**
 * DESIGN.md §3: adding a gateway = its folder (catalog.ts + adapter.ts), its simulator file, one registry
 * line (src/gateways/catalog.ts), fixtures and tests. Every part of the house must know every registered
 * gateway; these fail when one does not.
 */
describe('every registered gateway is known to the whole house', () => {
  const ROOT = resolve(__dirname, '..');
  const ids = [...GATEWAY_IDS].sort();

  it("GatewayId's union is the registry's keys, and every registry record has exactly those keys", () => {
    expectTypeOf<keyof typeof GATEWAY_CATALOGS>().toEqualTypeOf<GatewayId>();
    expectTypeOf<keyof typeof ADAPTERS>().toEqualTypeOf<GatewayId>();
    expectTypeOf<keyof typeof PROTOCOLS>().toEqualTypeOf<GatewayId>();
    expectTypeOf<(typeof GATEWAY_IDS)[number]>().toEqualTypeOf<GatewayId>();
    expect(new Set(GATEWAY_IDS).size).toBe(GATEWAY_IDS.length);
    expect(Object.keys(GATEWAY_CATALOGS).sort()).toEqual(ids);
    expect(Object.keys(ADAPTERS).sort()).toEqual(ids);
    expect(Object.keys(PROTOCOLS).sort()).toEqual(ids);
    for (const id of GATEWAY_IDS) expect(isGatewayId(id)).toBe(true);
    expect(isGatewayId('toString')).toBe(false);
  });

  it('every folder under src/gateways/ is a registered gateway', () => {
    const folders = readdirSync(join(SRC, 'gateways')).filter((name) =>
      statSync(join(SRC, 'gateways', name)).isDirectory(),
    );
    expect(folders.sort()).toEqual(ids);
  });

  it.each(GATEWAY_IDS)('%s: its folder holds catalog.ts and adapter.ts, and they name it', (id) => {
    expect(existsSync(join(SRC, 'gateways', id, 'catalog.ts')), `src/gateways/${id}/catalog.ts`).toBe(true);
    expect(existsSync(join(SRC, 'gateways', id, 'adapter.ts')), `src/gateways/${id}/adapter.ts`).toBe(true);
    expect(GATEWAY_CATALOGS[id].info.id).toBe(id);
    expect(GATEWAY_CATALOGS[id].rates.gateway).toBe(id);
    expect(ADAPTERS[id].id).toBe(id);
  });

  it.each(GATEWAY_IDS)(
    '%s: a vendor name, an https base URL and docs page, its own API key variable',
    (id) => {
      const { info } = GATEWAY_CATALOGS[id];
      expect(info.vendor.trim()).not.toBe('');
      for (const url of [info.baseUrl, info.docs]) expect(new URL(url).protocol).toBe('https:');
      // An origin: the adapter owns the paths under it.
      expect(new URL(info.baseUrl).origin).toBe(info.baseUrl);
      // `<ID>_API_KEY`, or the variable the vendor's own clients read (fal: FAL_KEY).
      expect(info.apiKeyEnv).toMatch(/^[A-Z][A-Z0-9_]*_(?:API_)?KEY$/);
      const others = GATEWAY_IDS.filter((other) => other !== id).map(
        (o) => GATEWAY_CATALOGS[o].info.apiKeyEnv,
      );
      expect(others).not.toContain(info.apiKeyEnv);
    },
  );

  it.each(GATEWAY_IDS)('%s: rate rows, each with its public source and date; a render time', (id) => {
    const { rates, renderTime } = GATEWAY_CATALOGS[id];
    expect(rates.rows.length).toBeGreaterThan(0);
    for (const row of rates.rows) {
      expect(new URL(row.source).protocol, `${id} ${row.key}`).toBe('https:');
      expect(row.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    // Every mode the gateway supports is priced or marked unpriced (a row with no figure), sound on and off.
    for (const mode of GATEWAY_CATALOGS[id].capabilities.modes) {
      for (const sound of [false, true]) {
        expect(
          rates.rows.some((r) => r.mode === mode && r.sound === sound),
          `${id} ${mode} sound ${sound}`,
        ).toBe(true);
      }
    }
    expect(renderTime.minSeconds).toBeGreaterThan(0);
    expect(renderTime.maxSeconds).toBeGreaterThanOrEqual(renderTime.minSeconds);
    expect(renderTime.source.trim()).not.toBe('');
  });

  it.each(GATEWAY_IDS)('%s: the catalog and the adapter agree on uploads and the upload host', (id) => {
    const adapter = ADAPTERS[id];
    const catalog = GATEWAY_CATALOGS[id];
    const adapterUploads = adapter.uploadRequest !== undefined && adapter.parseUpload !== undefined;
    expect(catalog.capabilities.uploads).toBe(adapterUploads);
    expect(adapter.uploadBaseUrl).toBe(catalog.uploadBaseUrl);
  });

  it.each(GATEWAY_IDS)('%s: a simulator protocol in its own file, served by the route table', async (id) => {
    expect(existsSync(join(SRC, 'testing', 'gateways', `${id}.ts`)), `src/testing/gateways/${id}.ts`).toBe(
      true,
    );
    const protocol = PROTOCOLS[id];
    expect(protocol.id).toBe(id);
    const sim = createGatewaySimulator({ seed: 1 });
    const origin = GATEWAY_CATALOGS[id].info.baseUrl;
    // An id of the gateway's own form (one the simulator never issued): a shared status path routes it by form.
    const taskId = protocol.newTaskId(new SeededRandom(1), Date.UTC(2026, 0, 1));
    const status = protocol.statusPath.replace(':id', encodeURIComponent(taskId));
    for (const request of [
      new Request(`${origin}${protocol.createPath}`, { method: 'POST', body: '{}' }),
      new Request(`${origin}${status}`),
    ]) {
      const response = await getResponse(sim.handlers, request);
      expect(response, `${request.method} ${request.url}`).toBeDefined();
    }
    expect(sim.stats.requests.map((r) => [r.gateway, r.op])).toEqual([
      [id, 'create'],
      [id, 'status'],
    ]);
  });

  it.each(GATEWAY_IDS)(
    '%s: fixtures under test/fixtures/%s/ and its tests in test/gateways/%s.test.ts',
    (id) => {
      const fixtures = join(ROOT, 'test', 'fixtures', id);
      expect(existsSync(fixtures) && readdirSync(fixtures).length > 0, `test/fixtures/${id}/`).toBe(true);
      expect(existsSync(join(ROOT, 'test', 'gateways', `${id}.test.ts`)), `test/gateways/${id}.test.ts`).toBe(
        true,
      );
    },
  );
});
