# Shared by setup.sh and test.sh: install what is missing, start what is not
# running, build calma. Every step checks first, so running it again is a no-op.
# shellcheck shell=bash

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_updated=0
# ensure_packages PKG... : apt-get install the ones dpkg does not know.
ensure_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ $apt_updated -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_docker: the engine from Debian's packages when none answers, then
# started if it is not running. Sets STARTED_DOCKERD_PID when this script started it.
STARTED_DOCKERD_PID=""
ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null 2>&1 || ensure_packages docker.io
  if docker info >/dev/null 2>&1; then return 0; fi
  log "starting dockerd"
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl start docker
  else
    # A killed dockerd leaves its pid file behind and a new one refuses to start.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then $SUDO rm -f /var/run/docker.pid; fi
    $SUDO setsid nohup dockerd >/var/log/calma-dockerd.log 2>&1 &
    STARTED_DOCKERD_PID=$!
  fi
  for _ in $(seq 1 100); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "dockerd did not start: see /var/log/calma-dockerd.log" >&2
  return 1
}

# build_calma: node modules (only when the lock file changed) and the TypeScript build.
build_calma() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing node modules"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  log "building calma"
  npm run --silent build
  chmod +x dist/src/cli/main.js
}

# ensure_base_image: calma/busybox:base, built locally from Debian's static busybox.
ensure_base_image() {
  node dist/scripts/base-image.js >/dev/null
}
