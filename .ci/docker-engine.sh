#!/usr/bin/env bash
# A Docker engine for the container suites (.ci/docker-standins.sh runs this first): the one that
# answers, if any; else Debian's docker.io, with dockerd started here in the background (CI's
# machines have no systemd). dockerd needs root and what containers need from the kernel
# (overlayfs, cgroups, iptables for the bridge network); where it cannot start, this fails loudly
# with the end of dockerd's log.
set -euo pipefail
state="${PLATFORM_DOCKER_STATE:-$HOME/.cache/platform-docker}"
mkdir -p "$state"

engine_answers() { docker info >/dev/null 2>&1; }

if ! engine_answers; then
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    echo "installing Debian's docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  echo "starting dockerd (log: $state/dockerd.log)"
  setsid nohup dockerd >>"$state/dockerd.log" 2>&1 </dev/null &
  echo $! >"$state/dockerd.pid"
  for _ in $(seq 60); do
    engine_answers && break
    sleep 1
  done
  if ! engine_answers; then
    echo "ERROR: dockerd did not come up within 60 s; the end of its log:" >&2
    tail -n 30 "$state/dockerd.log" >&2
    exit 1
  fi
fi
echo "docker engine $(docker version --format '{{.Server.Version}}')"

