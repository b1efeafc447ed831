#!/usr/bin/env bash
# The second command of the quickstart, and what CI runs: every test, unit and
# end-to-end, against a real Docker engine and a real registry on loopback.
# It starts what is not running and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
. scripts/lib.sh

work=$(mktemp -d /tmp/calma-test.XXXXXX)
registry_pid=""
# Keeps the tests' exit status: a stopped helper's own status must not replace it.
cleanup() {
  local rc=$?
  set +e
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null; fi
  if [ -n "$STARTED_DOCKERD_PID" ]; then
    kill "$STARTED_DOCKERD_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$STARTED_DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

ensure_packages git busybox-static docker-registry nginx ca-certificates python3 make g++ pebble chromium
ensure_docker
build_calma
ensure_base_image

export CALMA_TEST_REGISTRY=127.0.0.1:5000
if ! (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null; then
  log "starting a registry on $CALMA_TEST_REGISTRY"
  mkdir -p "$work/registry"
  cat >"$work/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: $CALMA_TEST_REGISTRY}
YML
  docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null && break; sleep 0.1; done
fi

export CALMA_HOME="$work/home"
log "running the tests"
node --test --test-concurrency=1 dist/test/
