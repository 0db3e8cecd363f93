import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

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
    const hits = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => VENDOR_FIELDS.test(line));
    expect(hits).toEqual([]);
  });
});
