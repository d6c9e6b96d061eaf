#!/usr/bin/env bash
# The system programs the tests, `pnpm cluster` and multi-node benches start themselves: a private
# redis-server, nginx in front of the nodes, and Chromium for the browser tests. Installs the missing
# ones from Debian's packages (apt-get, as root or through sudo); says what to install where it can't.
# Part of `pnpm test`, `pnpm cluster` and `pnpm bench`, so a bare machine with Node needs nothing else.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

echo "system-deps: installing ${need[*]} from Debian's packages" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get here; install ${need[*]} with your package manager" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "system-deps: not root and no sudo; install ${need[*]} as root" >&2
  exit 1
fi
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system-deps: installed ${need[*]}" >&2
