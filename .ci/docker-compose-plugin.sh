#!/usr/bin/env bash
# Compose v2 (github.com/docker/compose/v2, pinned below) as the Docker CLI plugin
# ~/.docker/cli-plugins/docker-compose, where `docker compose` is missing or another version:
# built from the Go module proxy (about 6 minutes on two cores) and cached in the state directory,
# so later runs only copy it.
set -euo pipefail
state="${PLATFORM_DOCKER_STATE:-$HOME/.cache/platform-docker}"
compose_version=v2.40.3
plugin="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"
mkdir -p "$state"
if docker compose version 2>/dev/null | grep -q "$compose_version"; then
  docker compose version
  exit 0
fi
cached="$state/docker-compose-$compose_version"
if ! [ -x "$cached" ]; then
  echo "building docker compose $compose_version from the Go module proxy (once; cached in $state)"
  src="$(go mod download -json "github.com/docker/compose/v2@$compose_version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$compose_version" -o "$cached.tmp" ./cmd)
  mv "$cached.tmp" "$cached"
fi
install -D -m 755 "$cached" "$plugin"
docker compose version
