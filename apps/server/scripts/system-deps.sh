#!/usr/bin/env bash
# The system programs the tests, `pnpm cluster` and multi-node benches start themselves: a private
# redis-server, nginx in front of the nodes, Chromium for the browser tests, and the monitoring
# profile's programs (Prometheus with promtool, redis_exporter, postgres_exporter: test/monitoring). Installs the missing
# ones from Debian's packages (apt-get, as root or through sudo); says what to install where it can't.
# Part of `pnpm test`, `pnpm cluster` and `pnpm bench`, so a bare machine with Node needs nothing else.
set -euo pipefail

# Another apt/dpkg (unattended-upgrades, a second terminal) may hold the package locks: wait for
# them, bounded, instead of failing at once with apt's exit 100.
LOCK_TIMEOUT="${SYSTEM_DEPS_LOCK_TIMEOUT:-600}"

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# redis-cli joins the Redis Cluster of the redis-cluster group (redis-server pulls redis-tools in; said here too).
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Debian's packages of the monitoring profile (bookworm: Prometheus 2.42, redis_exporter 1.45,
# postgres_exporter 0.11). On a machine with systemd their units may start system-wide instances:
# the tests never use those, they start their own on free ports with their own data folders.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-redis-exporter >/dev/null 2>&1 || need+=(prometheus-redis-exporter)
command -v prometheus-postgres-exporter >/dev/null 2>&1 || need+=(prometheus-postgres-exporter)
# Emoji in the browser tests' screenshots (reactions) instead of empty boxes.
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
# SYSTEM_DEPS_EXTRA: more Debian packages to require, space-separated (the lock test uses a tiny one).
for pkg in ${SYSTEM_DEPS_EXTRA:-}; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
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
echo "system-deps: if another apt or dpkg holds the package lock, this waits for it (at most ${LOCK_TIMEOUT} s)" >&2

# apt-get update takes the lists lock, which DPkg::Lock::Timeout does not cover (apt 2.6): retry
# while the error is that lock, until the deadline; any other failure stops here.
deadline=$((SECONDS + LOCK_TIMEOUT))
while ! out=$("${SUDO[@]}" apt-get update -qq -o DPkg::Lock::Timeout="$LOCK_TIMEOUT" 2>&1); do
  if ! grep -q "Could not get lock" <<<"$out" || [ $SECONDS -ge $deadline ]; then
    echo "$out" >&2
    exit 100
  fi
  echo "system-deps: waiting for the apt lists lock ($((deadline - SECONDS)) s left)" >&2
  sleep 2
done
# install waits for the dpkg frontend lock itself (apt prints "Waiting for cache lock" meanwhile).
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout="$LOCK_TIMEOUT" "${need[@]}" >/dev/null
echo "system-deps: installed ${need[*]}" >&2
