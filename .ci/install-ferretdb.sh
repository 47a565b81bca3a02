#!/usr/bin/env bash
# Installs FerretDB 1.x (the MongoDB-compatible server the integration suites use where Docker is
# missing) as a Go program, with its embedded SQLite backend.
#
# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
# start ("Invalid build/version/version.txt"): the module ships without the generated version
# file. So: download the module, add that one file, and build it.
set -euo pipefail
version="${FERRETDB_VERSION:-v1.24.2}"
bin_dir="$(go env GOPATH)/bin"
target="$bin_dir/ferretdb"
if [ -x "$target" ] && "$target" --version 2>/dev/null | grep -q "${version#v}"; then
  echo "ferretdb $version already at $target"
  exit 0
fi
src_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src_dir/." "$work/"
chmod -R u+w "$work"
echo "$version" > "$work/build/version/version.txt"
mkdir -p "$bin_dir"
(cd "$work" && GOFLAGS=-mod=mod go build -trimpath -o "$target" ./cmd/ferretdb)
"$target" --version | head -3
