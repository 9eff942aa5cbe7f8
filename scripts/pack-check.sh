#!/usr/bin/env bash
# Packs the kernel and a plugin with pnpm, installs the tarballs into an empty project with npm,
# and imports them from plain Node ESM: what a user gets from the registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.pack-check"
rm -rf "$out" && mkdir -p "$out/tarballs" "$out/app"
for p in kernel parallel-init; do (cd "$root/packages/$p" && pnpm pack --pack-destination "$out/tarballs" >/dev/null); done
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
