#!/usr/bin/env bash
# Starts a throwaway Verdaccio on 127.0.0.1 at a free port, in DIR (default: a new temporary directory), registers
# one user, and writes into DIR:
#   url      the registry's URL, e.g. http://127.0.0.1:40123/
#   npmrc    registry= and the user's _authToken, for `npm --userconfig DIR/npmrc`
#   pid      Verdaccio's process id (stop.sh DIR kills it)
#   verdaccio.log
# Prints DIR on stdout. Installs Verdaccio (package-lock.json beside this file) with `npm ci` when it is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/coord-registry.XXXXXX")}
mkdir -p "$dir"
bin="$here/node_modules/verdaccio/bin/verdaccio"
if [ ! -f "$bin" ]; then
  echo "registry: installing Verdaccio (scripts/registry/package-lock.json)" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
cp "$here/config.yaml" "$dir/config.yaml"
# a free port: bind port 0 on loopback, read what the kernel gave, release it
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:$port/"
node "$bin" --config "$dir/config.yaml" --listen "127.0.0.1:$port" >"$dir/verdaccio.log" 2>&1 &
echo $! >"$dir/pid"
echo "$url" >"$dir/url"
# ready when /-/ping answers; give up after 30 s
for i in $(seq 1 300); do
  if node -e 'fetch(process.argv[1]).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))' "${url}-/ping"; then break; fi
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "registry: Verdaccio exited during startup:" >&2; cat "$dir/verdaccio.log" >&2; exit 1
  fi
  if [ "$i" = 300 ]; then echo "registry: Verdaccio did not answer ${url}-/ping within 30 s" >&2; cat "$dir/verdaccio.log" >&2; exit 1; fi
  sleep 0.1
done
# the npm adduser request, without a prompt: PUT /-/user/org.couchdb.user:NAME answers with a token
user=coord-ci
pass=$(node -e 'console.log(require("crypto").randomBytes(18).toString("hex"))')
token=$(node -e '
  const [url, name, password] = process.argv.slice(1)
  fetch(`${url}-/user/org.couchdb.user:${name}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ name, password }) })
    .then(async (r) => { const b = await r.json(); if (!r.ok || !b.token) throw new Error(`${r.status} ${JSON.stringify(b)}`); console.log(b.token) })
    .catch((e) => { console.error(`registry: adding user ${name} failed: ${e.message}`); process.exit(1) })' "$url" "$user" "$pass")
printf 'registry=%s\n//127.0.0.1:%s/:_authToken=%s\n' "$url" "$port" "$token" >"$dir/npmrc"
chmod 600 "$dir/npmrc"
echo "registry: Verdaccio $(node "$bin" --version) on $url (pid $(cat "$dir/pid")), user $user" >&2
echo "$dir"
