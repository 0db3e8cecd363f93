import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

// TS 6 deprecates `baseUrl`, which tsup 8.5 injects into the dts build (research/toolchain.md §2).
const dts = { compilerOptions: { ignoreDeprecations: '6.0' } } as const;
// `ai` (kling-sdk/ai) uses the public API only; it loads neither `ai` nor `@ai-sdk/provider`.
const entry = {
  index: 'src/index.ts',
  pricing: 'src/pricing/index.ts',
  testing: 'src/testing/index.ts',
  ai: 'src/ai/index.ts',
};

// zod is bundled, tree-shaken to what the request schema uses: importing the zod package loads ~100
// files and took ~140 ms of a ~190 ms cold start; bundled, `import('kling-sdk')` takes ~85 ms
// (bench/cold-start.ts). No zod type or schema is part of the public API, so a second copy is private.
const bundled = ['zod'];

// CommonJS has no shared chunks: kling-sdk/ai's `../index.js` would be a second copy of the SDK in
// dist/ai.cjs. It requires the package by name instead (`kling-sdk`, resolved through `exports`), as
// the bin does, so `require('kling-sdk/ai')` and `require('kling-sdk')` share one copy.
const aiUsesPackage: Plugin = {
  name: 'kling-sdk-ai-uses-package',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) =>
      /[\\/]src[\\/]ai[\\/]/.test(args.importer) ? { path: 'kling-sdk', external: true } : undefined,
    );
  },
};

// No source maps in the package: they were two thirds of it (3.2 of 4.8 MB unpacked) and the JavaScript is
// not minified, so stack traces read as they are. `npm run build:sourcemaps` builds the same files with
// maps into out/sourcemaps/ (CLI options override these), a separate artefact for debugging a release.
const sourcemap = false;

export default defineConfig([
  { entry, format: ['esm'], dts, clean: true, target: 'node20', sourcemap, noExternal: bundled },
  // p-retry is ESM-only: inline it into the CommonJS build, or require() consumers get
  // "pRetry is not a function" (research/toolchain.md §3; scripts/smoke.mjs guards it).
  {
    entry,
    format: ['cjs'],
    dts,
    target: 'node20',
    sourcemap,
    noExternal: [...bundled, 'p-retry', 'is-network-error'],
    esbuildPlugins: [aiUsesPackage],
  },
  // The `kling` bin: ESM only, no types. It imports the package by name (`kling-sdk`, resolved to the
  // built dist/ through `exports` at run time), so it stays thin and never bundles a second SDK copy.
  {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap,
    external: ['kling-sdk'],
  },
]);
