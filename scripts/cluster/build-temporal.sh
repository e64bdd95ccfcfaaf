#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from source (Go module proxy only, no
# containers) into .tools/temporal-server-<version>/, and copies the PostgreSQL schema files next
# to them. Idempotent: does nothing when the binaries of the pinned version are already there.
# Prints the install directory on its last line.
#
#   .tools/temporal-server-1.29.1/bin/temporal-server
#   .tools/temporal-server-1.29.1/bin/temporal-sql-tool
#   .tools/temporal-server-1.29.1/schema/postgresql/v12/{temporal,visibility}/versioned/...
#
# Env: KJOB_TEMPORAL_SERVER_VERSION (default: the version docker-compose.yml pins),
#      KJOB_TOOLS_DIR (default <repo>/.tools), GOMODCACHE/GOCACHE as Go uses them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="${KJOB_TOOLS_DIR:-$root/.tools}"

version="${KJOB_TEMPORAL_SERVER_VERSION:-}"
if [ -z "$version" ]; then
  # The version docker-compose.yml runs (temporalio/server:X.Y.Z), so both shapes stay in step.
  version="$(sed -n 's/^[[:space:]]*image:[[:space:]]*temporalio\/server:\([0-9][0-9.]*\).*/\1/p' "$root/docker-compose.yml" | head -n 1)"
fi
version="${version:-1.29.1}"
version="${version#v}"

dest="$tools/temporal-server-$version"
bin="$dest/bin"
schema="$dest/schema/postgresql/v12"

have() {
  [ -x "$bin/temporal-server" ] && [ -x "$bin/temporal-sql-tool" ] \
    && [ -d "$schema/temporal/versioned" ] && [ -d "$schema/visibility/versioned" ] \
    && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ] \
    && "$bin/temporal-server" --version 2>/dev/null | grep -q "$version"
}

if have; then
  echo "$dest"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-temporal: Go is needed to build the Temporal server (go.temporal.io/server@v$version)" >&2
  exit 1
fi

mkdir -p "$bin"
start=$(date +%s)
echo "build-temporal: building go.temporal.io/server@v$version (server + sql tool) into $bin" >&2
# nice: other work shares this machine; the build is CPU-bound for minutes on an empty cache.
GOBIN="$bin" GOFLAGS="${GOFLAGS:--buildvcs=false}" nice -n 10 go install \
  "go.temporal.io/server/cmd/server@v$version" \
  "go.temporal.io/server/cmd/tools/sql@v$version" >&2
mv -f "$bin/server" "$bin/temporal-server"
mv -f "$bin/sql" "$bin/temporal-sql-tool"

# The schema files ship in the module source that go install just downloaded.
modsrc="$(go env GOMODCACHE)/go.temporal.io/server@v$version"
if [ ! -d "$modsrc/schema/postgresql/v12" ]; then
  go mod download "go.temporal.io/server@v$version" >&2
fi
rm -rf "$dest/schema"
mkdir -p "$dest/schema/postgresql"
cp -R "$modsrc/schema/postgresql/v12" "$dest/schema/postgresql/"
chmod -R u+w "$dest/schema"
echo "$version" > "$dest/VERSION"

"$bin/temporal-server" --version >&2
echo "build-temporal: done in $(( $(date +%s) - start ))s" >&2
echo "$dest"
