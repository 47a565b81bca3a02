#!/usr/bin/env bash
# For machines that reach no image registry (CI's): a Docker engine (.ci/docker-engine.sh), Compose
# v2 (.ci/docker-compose-plugin.sh) and stand-ins for the base images the platform uses, built locally under names of their own
# (platform-standin/*), never under a real image's name. Writes the variables that select them to
# $PLATFORM_DOCKER_STATE/standins.env (default ~/.cache/platform-docker), for `set -a; . FILE`:
# the Dockerfile's build arguments, docker-compose.yml and the Testcontainers harness read the
# same names, and default to the real images where they are unset.
#
#   platform-standin/debian:bookworm          debootstrap --variant=minbase, the machine's mirror
#   platform-standin/node-build:24            node:24-bookworm-slim: node and npm from npm packages
#   platform-standin/distroless-node:24       distroless nodejs24 nonroot: node + its libraries only
#   platform-standin/rabbitmq:3.10-management rabbitmq:4.1-management: Debian's rabbitmq-server
#   platform-standin/ferretdb:1.24            mongo:8.0: the patched FerretDB (.ci/install-ferretdb.sh)
#   platform-standin/nginx:1.22               nginx:1.27-alpine: Debian's nginx + template rendering
#
# Each image carries a label with the hash of what it was built from and is rebuilt only when that
# changes; the debootstrap tree and the npm downloads are cached in the state directory, so a
# second run takes seconds. docs/CONTAINERS.md describes the images.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
state="${PLATFORM_DOCKER_STATE:-$HOME/.cache/platform-docker}"
recipes="$here/standins"
label=platform.standin.recipe
# The node stand-in is the version the real build image is: the Dockerfile's default tag.
node_version="$(sed -n 's/^ARG NODE_BUILD_IMAGE=node:\([0-9.]*\)-.*/\1/p' "$root/Dockerfile")"
npm_version=11.21.2
suite=bookworm
host_ca=/etc/ssl/certs/ca-certificates.crt

bash "$here/docker-engine.sh"
# Compose is built (once, ~6 minutes of CPU) while the images below mostly wait on the network.
bash "$here/docker-compose-plugin.sh" >"$state/compose-plugin.log" 2>&1 &
compose_plugin=$!
[ -n "$node_version" ] || { echo "ERROR: no node version in the Dockerfile's NODE_BUILD_IMAGE" >&2; exit 1; }
[ -s "$host_ca" ] || { echo "ERROR: no CA bundle at $host_ca" >&2; exit 1; }

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
current() { [ "$(docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null)" = "$2" ]; }
# build NAME HASH CONTEXT [docker build arguments...]
build() {
  local name="$1" hash="$2" context="$3"
  shift 3
  if current "$name" "$hash"; then
    echo "$name is up to date"
    return
  fi
  echo "building $name"
  DOCKER_BUILDKIT=0 docker build --label "$label=$hash" --tag "$name" "$@" "$context" >"$state/build.log" 2>&1 ||
    { tail -n 30 "$state/build.log" >&2; echo "ERROR: building $name failed (log: $state/build.log)" >&2; exit 1; }
}
# context NAME: a fresh build context holding the recipe's files
context() {
  rm -rf "$state/context/$1"
  mkdir -p "$state/context/$1"
  cp -r "$recipes/$1/." "$state/context/$1/"
  echo "$state/context/$1"
}

# --- Debian bookworm root filesystem, from the mirror this machine's apt uses
debian=platform-standin/debian:bookworm
rootfs="$state/debian-$suite-minbase.tar"
if ! [ -s "$rootfs" ]; then
  command -v debootstrap >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  echo "debootstrap $suite from $mirror (once; cached in $rootfs)"
  tree="$(mktemp -d)"
  debootstrap --variant=minbase "$suite" "$tree" "$mirror" >"$state/debootstrap.log" 2>&1 ||
    { tail -n 20 "$state/debootstrap.log" >&2; exit 1; }
  rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* "$tree"/usr/share/doc/* "$tree"/usr/share/man/*
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    rm -f "$tree/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$tree/etc/apt/sources.list.d/"
  fi
  tar -C "$tree" -cf "$rootfs.tmp" .
  rm -rf "$tree"
  mv "$rootfs.tmp" "$rootfs"
fi
debian_hash="$(sha256sum "$rootfs" | cut -c1-16)"
if current "$debian" "$debian_hash"; then
  echo "$debian is up to date"
else
  echo "importing $debian"
  docker import --change "LABEL $label=$debian_hash" --change 'CMD ["bash"]' "$rootfs" "$debian" >/dev/null
fi

# --- node and npm, from their npm packages
node_dir="$state/node-$node_version"
if ! [ -x "$node_dir/node_modules/node/bin/node" ]; then
  npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node@$node_version" >/dev/null
fi
node_bin="$node_dir/node_modules/node/bin/node"
npm_dir="$state/npm-$npm_version"
if ! [ -f "$npm_dir/package/package.json" ]; then
  rm -rf "$npm_dir" && mkdir -p "$npm_dir"
  (cd "$npm_dir" && npm pack --silent "npm@$npm_version" >/dev/null && tar xzf npm-*.tgz && rm npm-*.tgz)
fi

node_build=platform-standin/node-build:24
hash="$(hash_of "$recipes/node-build/Dockerfile" "$node_bin" "$npm_dir/package/package.json" "$host_ca" <(echo "$debian_hash"))"
if ! current "$node_build" "$hash"; then
  ctx="$(context node-build)"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir/package" "$ctx/npm"
  cp "$host_ca" "$ctx/ca-certificates.crt"
fi
build "$node_build" "$hash" "$state/context/node-build" --build-arg "BASE=$debian"

# --- distroless-like runtime: node, the libraries it links, a CA bundle, nonroot
distroless=platform-standin/distroless-node:24
mapfile -t libraries < <(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
hash="$(hash_of "$recipes"/distroless-node/* "$node_bin" "$host_ca" "${libraries[@]}")"
if ! current "$distroless" "$hash"; then
  ctx="$(context distroless-node)"
  fs="$ctx/rootfs"
  mkdir -p "$fs/nodejs/bin" "$fs/etc/ssl/certs" "$fs/tmp" "$ctx/home/nonroot"
  chmod 1777 "$fs/tmp"
  cp "$node_bin" "$fs/nodejs/bin/node"
  for lib in "${libraries[@]}"; do
    mkdir -p "$fs$(dirname "$lib")"
    cp -L "$lib" "$fs$lib"
  done
  mv "$ctx/passwd" "$ctx/group" "$ctx/nsswitch.conf" "$fs/etc/"
  cp "$host_ca" "$fs/etc/ssl/certs/ca-certificates.crt"
fi
build "$distroless" "$hash" "$state/context/distroless-node"

# --- RabbitMQ, FerretDB, nginx
rabbitmq=platform-standin/rabbitmq:3.10-management
build "$rabbitmq" "$(hash_of "$recipes"/rabbitmq/* <(echo "$debian_hash"))" "$(context rabbitmq)" --build-arg "BASE=$debian"

ferretdb=platform-standin/ferretdb:1.24
bash "$here/install-ferretdb.sh" >/dev/null
ferretdb_bin="$(go env GOPATH)/bin/ferretdb"
hash="$(hash_of "$recipes/ferretdb/Dockerfile" "$ferretdb_bin" <(echo "$debian_hash"))"
if ! current "$ferretdb" "$hash"; then
  ctx="$(context ferretdb)"
  cp "$ferretdb_bin" "$ctx/ferretdb"
fi
build "$ferretdb" "$hash" "$state/context/ferretdb" --build-arg "BASE=$debian"

nginx=platform-standin/nginx:1.22
build "$nginx" "$(hash_of "$recipes"/nginx/* <(echo "$debian_hash"))" "$(context nginx)" --build-arg "BASE=$debian"

if ! wait "$compose_plugin"; then
  cat "$state/compose-plugin.log" >&2
  echo "ERROR: no docker compose plugin (log above)" >&2
  exit 1
fi
tail -n 1 "$state/compose-plugin.log"

cat >"$state/standins.env" <<ENV
# Written by .ci/docker-standins.sh: selects the locally built stand-ins (set -a; . this file).
NODE_BUILD_IMAGE=$node_build
NODE_RUNTIME_IMAGE=$distroless
RABBITMQ_IMAGE=$rabbitmq
MONGO_IMAGE=$ferretdb
NGINX_IMAGE=$nginx
# Ryuk (Testcontainers' reaper) is one more image to pull; the suites stop their own containers.
TESTCONTAINERS_RYUK_DISABLED=true
ENV
echo "stand-in images ready; their variables: $state/standins.env"
