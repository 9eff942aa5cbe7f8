#!/usr/bin/env bash
# CI: the packages as a user gets them from a registry. Starts a throwaway Verdaccio on 127.0.0.1 (start.sh), runs
# `changeset version` on a copy of the repository, publishes every @coord/* package into the registry, then in an
# empty directory installs the README example's packages by name with npm, type-checks the example against the
# published types, runs it and checks what it prints; then runs every example in examples/ the same way
# (examples/run-all.mjs --registry). Verdaccio is stopped and the temporary files removed on any exit.
# Needs the packages built first (`pnpm exec tsc -b`) and `pnpm install` done (for @changesets/cli).
set -euo pipefail
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/scripts/registry"
work=$(mktemp -d "${TMPDIR:-/tmp}/coord-registry-check.XXXXXX")
reg="$work/registry"
cleanup() {
  bash "$here/stop.sh" "$reg" || true
  rm -rf "$work"
}
trap cleanup EXIT
t0=$(date +%s)
log() { echo "registry-check: $*" >&2; }
secs() { echo "$(( $(date +%s) - $1 ))s"; }
[ -f "$root/packages/kernel/dist/index.js" ] || { log "packages are not built: run \`pnpm exec tsc -b\` first"; exit 1; }

bash "$here/start.sh" "$reg" >/dev/null
url=$(cat "$reg/url")
npmrc="$reg/npmrc"

# 1. Version: `changeset version` on a copy (the work tree is never touched), with the built dist/ folders.
t=$(date +%s)
copy="$work/repo"
mkdir -p "$copy"
tar -C "$root" --exclude=.git --exclude=node_modules --exclude=.tsbuild --exclude=coverage --exclude=docs/api \
  --exclude=.pack-check --exclude=reports --exclude=examples -cf - . | tar -C "$copy" -xf -
# pnpm pack resolves `workspace:^` through node_modules: link the copy from pnpm's store (no network)
(cd "$copy" && pnpm install --frozen-lockfile --offline >"$work/install.log" 2>&1) || { cat "$work/install.log" >&2; log "pnpm install --offline in the copy failed"; exit 1; }
before=$(node -p 'require(process.argv[1]).version' "$copy/packages/kernel/package.json")
pending=$(find "$copy/.changeset" -name '*.md' ! -name 'README.md' | wc -l)
(cd "$copy" && node node_modules/@changesets/cli/bin.js version >"$work/changeset.log" 2>&1) || { cat "$work/changeset.log" >&2; log "changeset version failed"; exit 1; }
version=$(node -p 'require(process.argv[1]).version' "$copy/packages/kernel/package.json")
log "changeset version: $pending changesets, @coord/* $before -> $version ($(secs "$t"))"

# 2. Publish every public package (pnpm pack turns `workspace:^` into a real range), refusing any leftover workspace:
t=$(date +%s)
mkdir -p "$work/tarballs"
for dir in "$copy"/packages/*/; do
  name=$(node -p 'const p=require(process.argv[1]); p.private ? "" : p.name' "$dir/package.json")
  [ -n "$name" ] || continue
  v=$(node -p 'require(process.argv[1]).version' "$dir/package.json")
  [ "$v" = "$version" ] || { log "$name is at $v, not $version: the fixed group did not version together"; exit 1; }
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >"$work/pack.log" 2>&1) || { cat "$work/pack.log" >&2; log "pnpm pack of $name failed"; exit 1; }
  tgz="$work/tarballs/$(echo "$name" | sed 's/^@//; s/\//-/')-$v.tgz"
  if tar -xOzf "$tgz" package/package.json | grep -q '"workspace:'; then log "$tgz still has a workspace: range"; exit 1; fi
  npm publish "$tgz" --userconfig "$npmrc" --loglevel=error >/dev/null
  log "published $name@$v ($(( $(wc -c <"$tgz") / 1024 )) kB) to $url"
done
log "publish done ($(secs "$t"))"

# 3. An empty project installs the README example's packages by name, from the registry only.
t=$(date +%s)
app="$work/app"
mkdir -p "$app"
node -e '
  const [readme, out] = process.argv.slice(1)
  const text = require("fs").readFileSync(readme, "utf8")
  const m = /<!-- readme-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(text)
  if (!m) { console.error("README.md has no readme-example block"); process.exit(1) }
  require("fs").writeFileSync(out, m[1])' "$root/README.md" "$app/example.ts"
pkgs=$(grep -o "from '@coord/[a-z-]*'" "$app/example.ts" | sed "s/from '//; s/'//" | sort -u | tr '\n' ' ')
cd "$app"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
# shellcheck disable=SC2086
npm install --no-audit --no-fund --loglevel=error --userconfig "$npmrc" $pkgs >/dev/null
npm install --no-audit --no-fund --loglevel=error --userconfig "$npmrc" --save-dev typescript@6.0.3 '@types/node@^20.19.0' >/dev/null
node -e '
  const [url, version, ...names] = process.argv.slice(1)
  const lock = require("./package-lock.json")
  for (const name of names) {
    const p = lock.packages[`node_modules/${name}`]
    if (!p || p.version !== version || !p.resolved.startsWith(url)) { console.error(`${name}: got ${JSON.stringify(p)}, want ${version} from ${url}`); process.exit(1) }
  }' "$url" "$version" $pkgs
log "npm install $pkgs-> $version from $url, by name ($(secs "$t"))"

# 4. Type-check the example against the published .d.ts, compile it, run it, and check its output.
t=$(date +%s)
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "module": "nodenext",
    "target": "es2022",
    "strict": true,
    "types": ["node"],
    "outDir": "dist"
  },
  "files": ["example.ts"]
}
JSON
npx --no-install tsc -p tsconfig.json || { log "the README example does not type-check against the published packages"; exit 1; }
out=$(node dist/example.js)
want=$'enhanced agent.a1.status { ok: true }\nlegacy agent.a1.status { ok: true }'
if [ "$out" != "$want" ]; then
  log "the README example printed:"; echo "$out" >&2; log "expected:"; echo "$want" >&2; exit 1
fi
echo "$out" | sed 's/^/registry-check: README example | /' >&2
log "README example type-checked and ran from the installed packages ($(secs "$t"))"

# 5. Every example, installed from the registry the same way.
cd "$root"
node examples/run-all.mjs --registry "$reg" --version "$version"
log "done in $(secs "$t0")"
