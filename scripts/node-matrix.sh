#!/usr/bin/env bash
# npm run test:node-matrix [-- 22 24 ...]: the test suite (vitest, then the smoke test of the built
# package, then kling-sdk/ai with ai@7: scripts/ai7-check.mjs) on other Node.js majors. Each Node
# comes from the npm registry's `node` package, installed into a temporary prefix: it is not a
# dependency of the project, so npm scripts keep the machine's Node (the floor, 20.19).
# Run `npm run build` first (npm test does).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

majors=("$@")
if [ "${#majors[@]}" -eq 0 ]; then majors=(22 24); fi
if [ ! -f dist/index.js ] || [ ! -f dist/index.cjs ]; then
  echo "node-matrix: dist/ is missing; run 'npm run build' first" >&2
  exit 1
fi

prefixes=()
cleanup() { for p in "${prefixes[@]}"; do rm -rf "$p"; done; }
trap cleanup EXIT

for major in "${majors[@]}"; do
  prefix="$(mktemp -d "${TMPDIR:-/tmp}/kling-node${major}-XXXXXX")"
  prefixes+=("$prefix")
  echo "== node-matrix: installing node@${major} from the npm registry into ${prefix}"
  # From inside the prefix, so the project's .npmrc (engine-strict) and package.json stay out of it.
  # The `node` package's preinstall fetches node-<platform>-<arch> (also from the registry).
  (cd "$prefix" && npm install --prefix "$prefix" --no-audit --no-fund --no-package-lock --loglevel=error "node@${major}")
  bin="$prefix/node_modules/node/bin"
  if [ ! -x "$bin/node" ]; then
    echo "node-matrix: node@${major} installed no binary at $bin/node (did npm skip its install script?)" >&2
    exit 1
  fi
  version="$("$bin/node" --version)"
  if [[ "$version" != "v${major}."* ]]; then
    echo "node-matrix: asked for Node ${major}, got ${version}" >&2
    exit 1
  fi

  # That Node first on PATH: vitest's forks and anything the tests spawn by name run on it too.
  echo "== node-matrix: Node ${version}: vitest"
  PATH="$bin:$PATH" "$bin/node" "$repo/node_modules/vitest/vitest.mjs" run
  echo "== node-matrix: Node ${version}: smoke test of dist/"
  PATH="$bin:$PATH" "$bin/node" "$repo/scripts/smoke.mjs"
  echo "== node-matrix: Node ${version}: kling-sdk/ai with ai@7 (skipped below Node 22)"
  PATH="$bin:$PATH" "$bin/node" "$repo/scripts/ai7-check.mjs"
  echo "== node-matrix: Node ${version}: passed"
done
