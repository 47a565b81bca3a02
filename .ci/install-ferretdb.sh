#!/usr/bin/env bash
# Installs FerretDB 1.x (the MongoDB-compatible server the integration suites, the drills and the
# benchmark use where Docker is missing) as a Go program, with its embedded SQLite backend.
#
# Built from the module's source rather than with `go install ...@v1.24.2`, for two reasons:
#  - the module ships without its generated version file, and a `go install`ed binary panics at
#    start ("Invalid build/version/version.txt"): the build adds that one file;
#  - two fixes to its SQLite backend, beside this script:
#    - ferretdb-sqlite-id-index.patch: it looks documents up by `_id` with the expression
#      `_ferretdb_sjson->'$._id'`, while the unique `_id` index it creates is on
#      `_ferretdb_sjson->"_id"`. SQLite uses an expression index only for the same expression, so
#      every find, update and delete by `_id` scanned the whole table (EXPLAIN QUERY PLAN: "SCAN"
#      instead of "SEARCH ... USING INDEX"). The patch makes the lookup use the indexed expression
#      (same meaning: "_id" is not a column, so SQLite reads it as the key '_id').
#    - ferretdb-sqlite-pushdown.patch: it handed SQLite a filter only when the filter was `_id`
#      alone; any other query (`{customerId: ...}`, `{_id: ..., rev: ...}`, `{_id: {$in: [...]}}`)
#      decoded every document of the collection in Go (0.03-0.28 ms each, by size). The patch passes
#      SQLite the filter's simple terms: `_id` equal to a value or in a list of strings, and
#      top-level fields equal to a string (or holding an array, which MongoDB searches as well),
#      on the expressions FerretDB's own indexes are built on; FerretDB still applies the whole
#      filter to what comes back, so the rest of the filter means what it meant.
#    MongoDB and DocumentDB answer these from their indexes; with the patches FerretDB does too.
set -euo pipefail
version="${FERRETDB_VERSION:-v1.24.2}"
here="$(cd "$(dirname "$0")" && pwd)"
patches=("$here/ferretdb-sqlite-id-index.patch" "$here/ferretdb-sqlite-pushdown.patch")
bin_dir="$(go env GOPATH)/bin"
target="$bin_dir/ferretdb"
stamp="$target.build"
want="$version $(cat "${patches[@]}" | sha256sum | cut -c1-16)"
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
for patch in "${patches[@]}"; do (cd "$work" && git apply --verbose "$patch"); done
mkdir -p "$bin_dir"
(cd "$work" && GOFLAGS=-mod=mod go build -trimpath -o "$target" ./cmd/ferretdb)
echo "$want" > "$stamp"
"$target" --version | head -3
