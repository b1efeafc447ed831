#!/usr/bin/env bash
# The first command of the quickstart: installs what is missing (Docker engine,
# nginx, busybox-static, git, a compiler for the SQLite module), builds calma,
# puts it on PATH, starts the daemon if it is not running, and deploys the
# bundled example app, printing its URL.
#   CALMA_HTTP_PORT / CALMA_HTTPS_PORT: the edge's ports (default 80 / 443).
#   CALMA_DASHBOARD: where the dashboard and remote API listen (default 127.0.0.1:7070).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
. scripts/lib.sh

ensure_packages git busybox-static nginx ca-certificates python3 make g++
ensure_docker
build_calma
if [ -w /usr/local/bin ]; then ln -sf "$PWD/dist/src/cli/main.js" /usr/local/bin/calma; fi
ensure_base_image

calma_cli() { node dist/src/cli/main.js "$@"; }
started=""
if ! calma_cli server status >/dev/null 2>&1; then
  started=1
  home=$(node -e 'import("./dist/src/state/home.js").then((m) => console.log(m.ensureCalmaHome()))')
  log "starting the calma daemon (log: $home/daemon.log)"
  setsid nohup node dist/src/cli/main.js server --listen "${CALMA_DASHBOARD:-127.0.0.1:7070}" --http-port "${CALMA_HTTP_PORT:-80}" --https-port "${CALMA_HTTPS_PORT:-443}" >>"$home/daemon.log" 2>&1 &
  for _ in $(seq 1 100); do calma_cli server status >/dev/null 2>&1 && break; sleep 0.1; done
  calma_cli server status
fi

log "calma deploy examples/hello"
calma_cli deploy examples/hello
if [ -n "$started" ]; then log "dashboard: http://${CALMA_DASHBOARD:-127.0.0.1:7070}/ (add a user first: calma users add admin)"; fi
