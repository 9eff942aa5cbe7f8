#!/usr/bin/env bash
# Installs Debian's nats-server (2.9.x) when it is missing. The transport tests start it on loopback themselves.
set -euo pipefail
if command -v nats-server >/dev/null 2>&1; then exit 0; fi
if [ -x /usr/sbin/nats-server ] || [ -x /usr/bin/nats-server ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "nats-server is not installed and this user cannot apt-get; install it: apt-get install -y nats-server" >&2
    exit 1
  fi
fi
echo "installing nats-server with apt-get" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >/dev/null
command -v nats-server >/dev/null
