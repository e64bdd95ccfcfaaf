#!/usr/bin/env bash
# Fuzzes kjob's HTTP API with schemathesis against its own OpenAPI documents, as CI's last step.
#
# 1. Installs the pinned schemathesis from PyPI into .tools/fuzz-venv (skipped when it is there).
# 2. Starts kjob the way a user does (`npm start`: embedded Temporal dev server, worker and API)
#    on free ports and a temporary data dir, and waits for its `kjob API:    http://…` line.
# 3. Creates the Jobs of scripts/fuzz/fixtures through the API and waits for them to finish, so
#    there are real Jobs, pods, logs and events to read, patch and delete.
# 4. Reads the OpenAPI v3 index at <api>/openapi/v3 (the Kubernetes-style index kubectl reads:
#    one document per group version, `apis/batch/v1`, `api/v1`, `kjob`) and runs
#    `schemathesis run <api>/openapi/v3/<group>` for each document it lists, positive and negative
#    cases, with the checks: no 5xx (not_a_server_error), the status code is documented
#    (status_code_conformance), the content type is documented (content_type_conformance) and the
#    body matches the documented schema (response_schema_conformance), and a method the document
#    does not list for a path gets 405 with an `Allow` header (unsupported_method). Fixed seed
#    (KJOB_FUZZ_SEED), at most KJOB_FUZZ_MAX_EXAMPLES cases per operation and phase,
#    KJOB_FUZZ_SECONDS of fuzzing in all (schemathesis' --max-time per document; the fuzzing and
#    stateful phases repeat until it is spent, so the step's length is fixed and the request count
#    varies with the machine's speed).
# 5. Always stops kjob with SIGTERM and waits for it (and its Temporal server) to exit.
# 6. Prints one summary line (requests sent / operations / failures / 5xx) and exits non-zero on
#    any failure. Reports (JSON, NDJSON with every request and response, kjob's log) are kept in
#    .ci-artifacts/fuzz/.
#
# Settings that are not command-line flags (request timeout, the one parameter kept fixed, the
# dictionaries of existing names) are in scripts/fuzz/schemathesis.toml, each with the reason.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

SCHEMATHESIS_VERSION="4.32.5"
venv="$root/.tools/fuzz-venv"
st="$venv/bin/schemathesis"
seed="${KJOB_FUZZ_SEED:-20261123}"
max_examples="${KJOB_FUZZ_MAX_EXAMPLES:-25}"
# Seconds of fuzzing in all, shared by the documents (see doc_seconds); with startup, fixtures and
# shutdown the step takes about a minute more.
budget="${KJOB_FUZZ_SECONDS:-160}"
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,unsupported_method"
artifacts="$root/.ci-artifacts/fuzz"

say() { printf 'fuzz-api: %s\n' "$*" >&2; }

python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ]; then
  say "python3 is needed to install schemathesis from PyPI"
  exit 1
fi

# --- 1. schemathesis, pinned, project-local --------------------------------------------------
if ! "$st" --version 2>/dev/null | grep -qx "schemathesis, version ${SCHEMATHESIS_VERSION}"; then
  say "installing schemathesis==${SCHEMATHESIS_VERSION} into ${venv#"$root"/}"
  mkdir -p "$root/.tools"
  [ -x "$venv/bin/pip" ] || "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
fi
"$st" --version

# --- 2. kjob, as `npm start` ------------------------------------------------------------------
rm -rf "$artifacts"
mkdir -p "$artifacts"
data_dir="$(mktemp -d "${TMPDIR:-/tmp}/kjob-fuzz-XXXXXX")"
kjob_log="$artifacts/kjob.log"
kjob_pid=""
st_pid=""

# Two distinct free ports for the embedded Temporal frontend and UI (both sockets are held open
# until both are chosen, so the two differ).
read -r temporal_port ui_port < <("$python" - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)

stop_kjob() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$st_pid" ] && kill -0 "$st_pid" 2>/dev/null; then
    kill -TERM "$st_pid" 2>/dev/null || true
    wait "$st_pid" 2>/dev/null || true
  fi
  if [ -n "$kjob_pid" ]; then
    if kill -0 "$kjob_pid" 2>/dev/null; then
      say "stopping kjob (SIGTERM to pid $kjob_pid)"
      kill -TERM "$kjob_pid" 2>/dev/null || true
      # kjob terminates its pods, stops the worker and then its Temporal server; give it 60 s.
      for _ in $(seq 1 600); do
        kill -0 "$kjob_pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$kjob_pid" 2>/dev/null; then
        say "kjob did not stop within 60 s; SIGKILL to its process group"
        kill -KILL -- "-$kjob_pid" 2>/dev/null || true
        status=1
      fi
    fi
    wait "$kjob_pid" 2>/dev/null || true
    # kjob ran in its own process group (pgid = its pid): nothing of it may outlive it. Zombies
    # (already exited, waiting for init to reap them) do not count.
    local left
    left="$(ps -eo pid=,pgid=,stat=,args= | awk -v g="$kjob_pid" '$2 == g && $3 !~ /^Z/')"
    if [ -n "$left" ]; then
      say "processes of kjob outlived it:"
      printf '%s\n' "$left" >&2
      kill -KILL -- "-$kjob_pid" 2>/dev/null || true
      status=1
    fi
  fi
  rm -rf "$data_dir"
  exit "$status"
}
trap stop_kjob EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting kjob (npm start; Temporal on 127.0.0.1:${temporal_port}, UI on ${ui_port}, data in ${data_dir})"
# `set -m` puts kjob into a process group of its own, so the cleanup can tell its processes apart.
set -m
KJOB_PORT=0 \
  KJOB_DATA_DIR="$data_dir" \
  KJOB_TEMPORAL_PORT="$temporal_port" \
  KJOB_UI_PORT="$ui_port" \
  KJOB_BACKOFF_BASE_SECONDS=0.05 \
  npm start >"$kjob_log" 2>&1 </dev/null &
kjob_pid=$!
set +m

api=""
for _ in $(seq 1 1200); do
  api="$(sed -n 's/^kjob API: *\(http:\/\/[^ ]*\).*$/\1/p' "$kjob_log" | head -n 1)"
  [ -n "$api" ] && break
  if ! kill -0 "$kjob_pid" 2>/dev/null; then
    say "kjob exited before its API was up; its log:"
    tail -n 40 "$kjob_log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$api" ]; then
  say "kjob printed no 'kjob API:' line within 120 s; its log:"
  tail -n 40 "$kjob_log" >&2
  exit 1
fi
say "kjob API at $api"

# --- 3. fixtures, 4. schemathesis: one run per document of the OpenAPI v3 index ---------------
groups="$("$python" - "$api/openapi/v3" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    index = json.load(r)
# batch/v1 last: its fuzzed DELETEs may remove the fixture Jobs, whose pods, logs and events the
# other documents' operations read.
for url in sorted((e["serverRelativeURL"] for e in index["paths"].values()), key=lambda u: "/apis/batch/" in u):
    print(url)
PY
)"
if [ -z "$groups" ]; then
  say "the OpenAPI v3 index at $api/openapi/v3 lists no documents"
  exit 1
fi

# Real Jobs, pods, logs and events to fuzz against (see scripts/fuzz/seed.py).
# The run's config is scripts/fuzz/schemathesis.toml next to the dictionaries seed.py writes.
cp "$root/scripts/fuzz/schemathesis.toml" "$artifacts/schemathesis.toml"
"$venv/bin/python" "$root/scripts/fuzz/seed.py" "$api" "$artifacts" "$root"/scripts/fuzz/fixtures/*.yaml

# Most of the time goes where the inputs are: batch/v1 (create, patch, delete Jobs) and core v1
# (pods, logs, events); kjob's own document is probes, discovery and the OpenAPI documents.
doc_seconds() {
  case "$1" in
    */apis/batch/v1) echo $((budget * 4 / 8)) ;;
    */api/v1) echo $((budget * 3 / 8)) ;;
    *) echo $((budget / 8 > 0 ? budget / 8 : 1)) ;;
  esac
}

started=$(date +%s)
runs_failed=0
reports=()
for doc in $groups; do
  name="$(printf '%s' "${doc#/openapi/v3/}" | tr '/' '-')"
  report_dir="$artifacts/$name"
  reports+=("$report_dir")
  printf '\n' >&2
  max_time="$(doc_seconds "$doc")"
  say "schemathesis run ${api}${doc} (seed ${seed}, max ${max_examples} examples per operation, max ${max_time} s)"
  # Flags are 4.x's: `--max-examples`, `--max-time`, `--checks` and `--report` replaced 3.x's
  # `--hypothesis-*` options and `--junit-xml`/`--cassette-path`.
  # In the background and waited for, so that a SIGTERM to this script stops the run at once
  # (bash runs traps only between foreground commands).
  "$st" --config-file "$artifacts/schemathesis.toml" --no-color run "${api}${doc}" \
    --checks "$checks" \
    --mode all \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --max-time "$max_time" \
    --continue-on-failure \
    --generation-database none \
    --report json,ndjson \
    --report-dir "$report_dir" &
  st_pid=$!
  if ! wait "$st_pid"; then
    runs_failed=$((runs_failed + 1))
  fi
  st_pid=""
done
elapsed=$(($(date +%s) - started))

# --- 6. summary ----------------------------------------------------------------------------------
printf '\n' >&2
"$python" "$root/scripts/fuzz/summarize.py" --seed "$seed" --seconds "$elapsed" --failed-runs "$runs_failed" "${reports[@]}"
