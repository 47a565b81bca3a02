#!/usr/bin/env bash
# A Docker engine and Compose v2 for the container suites (.ci/docker-standins.sh runs this first).
#
#  - The engine: the one that answers, if any; else Debian's docker.io, with dockerd started here
#    in the background (CI's machines have no systemd). dockerd needs root and what containers need
#    from the kernel (overlayfs, cgroups, iptables); where it cannot start, this fails loudly with
#    the end of dockerd's log.
#  - Compose v2 (github.com/docker/compose/v2, pinned below) as the CLI plugin
#    ~/.docker/cli-plugins/docker-compose, built from the Go module proxy (about 7 minutes on two
#    cores) and cached, so later runs only copy it.
set -euo pipefail
state="${PLATFORM_DOCKER_STATE:-$HOME/.cache/platform-docker}"
compose_version=v2.40.3
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

plugin="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"
if ! docker compose version 2>/dev/null | grep -q "$compose_version"; then
  cached="$state/docker-compose-$compose_version"
  if ! [ -x "$cached" ]; then
    echo "building docker compose $compose_version from the Go module proxy (once; cached in $state)"
    src="$(go mod download -json "github.com/docker/compose/v2@$compose_version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
    work="$(mktemp -d)"
    cp -r "$src/." "$work/"
    chmod -R u+w "$work"
    (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$compose_version" -o "$cached.tmp" ./cmd)
    rm -rf "$work"
    mv "$cached.tmp" "$cached"
  fi
  install -D -m 755 "$cached" "$plugin"
fi
docker compose version
