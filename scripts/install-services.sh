#!/usr/bin/env bash
# Installs the real servers and browser the test suite needs, from Debian's packages, when missing.
# Run as root (as CI is); elsewhere it says what it would need and leaves the machine alone.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
# The warehouse conformance suite runs a two-shard ClickHouse cluster (Debian bookworm ships 18.16).
if [ ! -x /usr/sbin/clickhouse-server ] && ! command -v clickhouse-server >/dev/null 2>&1 \
  && ! command -v clickhouse >/dev/null 2>&1; then
  need+=(clickhouse-server)
fi
if [ ${#need[@]} -eq 0 ]; then
  echo "services: all present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "services: missing ${need[*]} (not root: install them with apt-get to run the tests that need them)"
  exit 0
fi
echo "services: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
