#!/usr/bin/env bash
# The first command of the quickstart: installs what is missing (Docker engine,
# busybox-static, git, a compiler for the SQLite module), builds calma, puts it
# on PATH, and runs its main job on the bundled example app.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib.sh
. scripts/lib.sh

ensure_packages git busybox-static nginx ca-certificates python3 make g++
ensure_docker
build_calma
if [ -w /usr/local/bin ]; then ln -sf "$PWD/dist/src/cli/main.js" /usr/local/bin/calma; fi
ensure_base_image

log "calma build examples/hello"
node dist/src/cli/main.js build examples/hello
