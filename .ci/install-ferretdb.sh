#!/usr/bin/env bash
# Installs FerretDB 1.x (the MongoDB-compatible server the integration suites, the drills and the
# benchmark use where Docker is missing) as a Go program, with its embedded SQLite backend.
#
# Built from the module's source rather than with `go install ...@v1.24.2`, for two reasons:
#  - the module ships without its generated version file, and a `go install`ed binary panics at
#    start ("Invalid build/version/version.txt"): the build adds that one file;
#  - one fix (ferretdb-sqlite-id-index.patch, beside this script): FerretDB's SQLite backend looks
#    documents up by `_id` with the expression `_ferretdb_sjson->'$._id'`, while the unique `_id`
#    index it creates is on `_ferretdb_sjson->"_id"`. SQLite uses an expression index only for
#    the same expression, so every find, update and delete by `_id` scans the whole table
#    (EXPLAIN QUERY PLAN: "SCAN" instead of "SEARCH ... USING INDEX"), and each gets slower as the
#    collection grows. The patch makes the lookup use the indexed expression (same meaning:
#    "_id" is not a column, so SQLite reads it as the key '_id'). MongoDB and DocumentDB answer
#    these from the _id index; with the patch FerretDB does too.
set -euo pipefail
version="${FERRETDB_VERSION:-v1.24.2}"
here="$(cd "$(dirname "$0")" && pwd)"
patch_file="$here/ferretdb-sqlite-id-index.patch"
bin_dir="$(go env GOPATH)/bin"
target="$bin_dir/ferretdb"
stamp="$target.build"
want="$version $(sha256sum "$patch_file" | cut -c1-16)"
if [ -x "$target" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "ferretdb $version (patched) already at $target"
  exit 0
fi
src_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src_dir/." "$work/"
chmod -R u+w "$work"
echo "$version" > "$work/build/version/version.txt"
(cd "$work" && git apply --verbose "$patch_file")
mkdir -p "$bin_dir"
(cd "$work" && GOFLAGS=-mod=mod go build -trimpath -o "$target" ./cmd/ferretdb)
echo "$want" > "$stamp"
"$target" --version | head -3
