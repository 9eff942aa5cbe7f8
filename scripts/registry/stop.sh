#!/usr/bin/env bash
# Stops the Verdaccio that start.sh started in DIR (by the pid it recorded) and waits for it to exit.
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -f "$dir/pid" ] || exit 0
pid=$(cat "$dir/pid")
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
fi
rm -f "$dir/pid"
echo "registry: stopped (pid $pid)" >&2
