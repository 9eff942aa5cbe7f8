#!/usr/bin/env bash
# Packs every publishable package with pnpm, checks each tarball (LICENSE, README, no workspace: ranges, the kernel
# peer range), installs the kernel and a plugin into an empty project with npm, and imports them from plain Node ESM:
# what a user gets from the registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.pack-check"
rm -rf "$out" && mkdir -p "$out/tarballs" "$out/app" "$out/unpacked"
[ -f "$root/LICENSE" ] || { echo "pack-check: no LICENSE at the repository root" >&2; exit 1; }
failures=0
fail() { echo "pack-check: FAIL $*" >&2; failures=$((failures + 1)); }
count=0
for dir in "$root"/packages/*/; do
  name=$(node -p "require('$dir/package.json').name")
  private=$(node -p "require('$dir/package.json').private === true")
  [ "$private" = true ] && continue
  (cd "$dir" && pnpm pack --pack-destination "$out/tarballs" >/dev/null)
  version=$(node -p "require('$dir/package.json').version")
  tgz="$out/tarballs/$(echo "${name#@}" | tr / -)-$version.tgz"
  [ -f "$tgz" ] || { fail "$name: no tarball at $tgz"; continue; }
  u="$out/unpacked/$(basename "$tgz" .tgz)"
  mkdir -p "$u" && tar -xzf "$tgz" -C "$u"
  # pnpm copies the workspace root's LICENSE into a package that has none; check it is there and is ours.
  if [ ! -f "$u/package/LICENSE" ]; then fail "$name: LICENSE missing from $(basename "$tgz")"
  elif ! cmp -s "$u/package/LICENSE" "$root/LICENSE"; then fail "$name: LICENSE in $(basename "$tgz") differs from the root LICENSE"; fi
  [ -f "$u/package/README.md" ] || fail "$name: README.md missing from $(basename "$tgz")"
  grep -q '"workspace:' "$u/package/package.json" && fail "$name: a workspace: range is left in the packed package.json"
  # A plugin peers on the kernel of its own release line: ^<version>.
  peer=$(node -p "(require('$u/package/package.json').peerDependencies ?? {})['@coord/kernel'] ?? ''")
  if [ -n "$peer" ] && [ "$peer" != "^$version" ]; then fail "$name: peerDependencies['@coord/kernel'] is '$peer', expected '^$version'"; fi
  count=$((count + 1))
done
[ "$failures" -eq 0 ] || { echo "pack-check: $failures problem(s) in the tarballs" >&2; exit 1; }
echo "pack-check: $count tarballs have LICENSE, README.md, no workspace: range and the kernel peer ^version"
cd "$out/app"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund --loglevel=error "$out"/tarballs/coord-kernel-*.tgz "$out"/tarballs/coord-parallel-init-*.tgz >/dev/null
cat > smoke.mjs <<'JS'
import { createKernel, Tokens, CoordError } from '@coord/kernel'
import { parallelInitPlugin } from '@coord/parallel-init'
const order = []
const kernel = createKernel({
  plugins: [parallelInitPlugin()],
  managers: [
    { name: 'a', dependsOn: [], init: async () => { order.push('a') } },
    { name: 'b', dependsOn: ['a'], init: async () => { order.push('b') } },
  ],
})
const report = await kernel.start()
await kernel.stop()
if (order.join() !== 'a,b') throw new Error(`bad order ${order}`)
try { kernel.resolve(Tokens.AgentManager); throw new Error('expected TOKEN_UNREGISTERED') } catch (e) {
  if (!(e instanceof CoordError) || e.code !== 'TOKEN_UNREGISTERED') throw e
}
console.log(`pack-check ok: started ${report.managers.length} managers from the packed tarballs`)
JS
node smoke.mjs
# The same packages from CommonJS: ESM-only, loaded by require(esm), which Node runs unflagged from 20.19.
cat > smoke.cjs <<'JS'
const { createKernel, CoordError } = require('@coord/kernel')
const { parallelInitPlugin } = require('@coord/parallel-init')
if (typeof createKernel !== 'function' || typeof CoordError !== 'function' || typeof parallelInitPlugin !== 'function') throw new Error('require(esm) gave no exports')
console.log(`pack-check ok: require() loads the ESM packages on Node ${process.versions.node}`)
JS
node smoke.cjs
