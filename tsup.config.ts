import { defineConfig } from 'tsup';

// TS 6 deprecates `baseUrl`, which tsup 8.5 injects into the dts build (research/toolchain.md §2).
const dts = { compilerOptions: { ignoreDeprecations: '6.0' } } as const;
const entry = { index: 'src/index.ts', pricing: 'src/pricing/index.ts', testing: 'src/testing/index.ts' };

// zod is bundled, tree-shaken to what the request schema uses: importing the zod package loads ~100
// files and took ~140 ms of a ~190 ms cold start; bundled, `import('kling-sdk')` takes ~85 ms
// (bench/cold-start.ts). No zod type or schema is part of the public API, so a second copy is private.
const bundled = ['zod'];

export default defineConfig([
  { entry, format: ['esm'], dts, clean: true, target: 'node20', sourcemap: true, noExternal: bundled },
  // p-retry is ESM-only: inline it into the CommonJS build, or require() consumers get
  // "pRetry is not a function" (research/toolchain.md §3; scripts/smoke.mjs guards it).
  {
    entry,
    format: ['cjs'],
    dts,
    target: 'node20',
    sourcemap: true,
    noExternal: [...bundled, 'p-retry', 'is-network-error'],
  },
  // The `kling` bin: ESM only, no types. It imports the package by name (`kling-sdk`, resolved to the
  // built dist/ through `exports` at run time), so it stays thin and never bundles a second SDK copy.
  {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    external: ['kling-sdk'],
  },
]);
