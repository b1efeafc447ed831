#!/usr/bin/env bash
# Runs every benchmark of bench/ once, one after the other, and prints each
# one's figures. Installs what is missing (wrk, nginx, pebble, Caddy when the
# distribution has it), starts dockerd if needed and stops only what it started.
# Usage: bash bench/run.sh [NAME...]   (NAME: zero-downtime deploy-overhead edge-cost edge-instructions edge-load tls push-to-live daemon-memory scale)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/lib.sh
. scripts/lib.sh

cleanup() {
  local rc=$?
  set +e
  if [ -n "$STARTED_DOCKERD_PID" ]; then
    kill "$STARTED_DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$STARTED_DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  exit "$rc"
}
trap cleanup EXIT

ensure_packages git busybox-static nginx wrk ca-certificates python3 make g++ openssl pebble valgrind strace
# Caddy is only the third comparison of edge-cost: without it, that row is skipped with a note.
ensure_packages caddy || log "caddy could not be installed: edge-cost will skip it"
ensure_docker
build_calma
ensure_base_image

names=("$@")
[ ${#names[@]} -eq 0 ] && names=(zero-downtime deploy-overhead edge-cost edge-instructions edge-load tls push-to-live daemon-memory scale)
failed=0
for name in "${names[@]}"; do
  log "bench: $name"
  node "dist/bench/$name.js" || { echo "bench $name FAILED" >&2; failed=1; }
done
exit "$failed"
