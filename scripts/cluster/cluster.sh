#!/usr/bin/env bash
# kjob on a real Temporal cluster, without containers: the docker-compose.yml shape as local
# processes on one machine.
#
#   bash scripts/cluster/cluster.sh up [--no-kjob]   # (npm run cluster -- up) start what is not running
#   bash scripts/cluster/cluster.sh status           # what runs, where
#   bash scripts/cluster/cluster.sh down [--purge]   # stop everything it started (--purge: delete state)
#
# `up` starts, each as its own process (pid file + log under the state dir):
#   - PostgreSQL (initdb into the state dir, 127.0.0.1:$KJOB_CLUSTER_PG_PORT, socket in the state dir)
#   - the schemas of `temporal` and `temporal_visibility` (temporal-sql-tool, postgres12, idempotent)
#   - the Temporal services frontend, history, matching and worker, one process each, with
#     $KJOB_CLUSTER_HISTORY_SHARDS history shards (built by build-temporal.sh into .tools/)
#   - the `default` namespace and kjob's search attributes
#   - unless --no-kjob: two kjob APIs and three kjob workers, each with its own KJOB_DATA_DIR.
#
# Environment (all optional):
#   KJOB_CLUSTER_DIR            state dir (default <repo>/.kjob-cluster)
#   KJOB_CLUSTER_PG_PORT        PostgreSQL port (55432)
#   KJOB_CLUSTER_TEMPORAL_PORT  frontend gRPC port (7233); the other services use the ports after it:
#                               history +1, matching +2, worker +6, frontend HTTP +10,
#                               membership ports -300, Prometheus metrics +2000
#   KJOB_CLUSTER_HISTORY_SHARDS history shards (4; fixed when the database is first created)
#   KJOB_CLUSTER_API_PORTS      kjob API ports, one API per port ("18081 18082")
#   KJOB_CLUSTER_WORKERS        number of kjob workers (3)
#   KJOB_CLUSTER_LOG_LEVEL      Temporal server log level (warn)
#   TEMPORAL_CLI_PATH           the temporal CLI (default: scripts/install-temporal.sh installs it)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${KJOB_CLUSTER_DIR:-$root/.kjob-cluster}"
mkdir -p "$state" 2>/dev/null || true
state="$(cd "$state" 2>/dev/null && pwd || echo "$state")"
run="$state/run"     # pid files
logs="$state/logs"

pg_port="${KJOB_CLUSTER_PG_PORT:-55432}"
fe_port="${KJOB_CLUSTER_TEMPORAL_PORT:-7233}"
shards="${KJOB_CLUSTER_HISTORY_SHARDS:-4}"
api_ports="${KJOB_CLUSTER_API_PORTS:-18081 18082}"
workers="${KJOB_CLUSTER_WORKERS:-3}"
log_level="${KJOB_CLUSTER_LOG_LEVEL:-warn}"
namespace="default"
frontend="127.0.0.1:$fe_port"
db_user="temporal"
db_password="temporal"

# Temporal services in start order; ports derive from the frontend's.
services=(history matching frontend worker)
svc_offset() { case "$1" in frontend) echo 0 ;; history) echo 1 ;; matching) echo 2 ;; worker) echo 6 ;; esac; }
svc_port() { echo $(( fe_port + $(svc_offset "$1") )); }

say() { printf 'cluster: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
elapsed() { echo "$(( $(date +%s) - t0 ))s"; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$run/$1.pid" 2>/dev/null || true; }
running() { pid_alive "$(pid_of "$1")"; }

# ---------------------------------------------------------------- PostgreSQL
pg_bin=""
find_pg_bin() {
  [ -n "$pg_bin" ] && return 0
  # Debian keeps the server binaries (and a psql of the same version) in /usr/lib/postgresql/N/bin.
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$d" ] && command -v pg_ctl >/dev/null 2>&1; then d="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"; fi
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/psql" ] \
    || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  pg_bin="$d"
}

# PostgreSQL refuses to run as root: as root, it runs as the `postgres` system user (created as
# `kjob-pg` when absent); otherwise as the current user.
pg_user=""
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
setup_pg_user() {
  [ "$(id -u)" = "0" ] || return 0
  if id postgres >/dev/null 2>&1; then pg_user=postgres
  else
    id kjob-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin kjob-pg
    pg_user=kjob-pg
  fi
}

# The data directory lives in the state dir when the PostgreSQL user can reach it (a clone under
# /root cannot be reached by `postgres`); otherwise in a private directory under /tmp whose path
# is recorded in the state dir. The socket path must stay under 107 bytes.
pg_dir=""
resolve_pg_dir() {
  if [ -f "$state/pg.path" ]; then pg_dir="$(cat "$state/pg.path")"; return 0; fi
  local want="$state/pg"
  if [ "$(id -u)" = "0" ] && ! runuser -u "$pg_user" -- test -x "$state" 2>/dev/null; then
    want=""
  fi
  if [ -n "$want" ] && [ "${#want}" -gt 90 ]; then want=""; fi
  if [ -z "$want" ]; then
    want="$(mktemp -d "${TMPDIR:-/tmp}/kjob-cluster-pg.XXXXXX")/pg"
  fi
  pg_dir="$want"
  echo "$pg_dir" > "$state/pg.path"
}

pg_up() {
  find_pg_bin
  setup_pg_user
  resolve_pg_dir
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    say "initdb $pg_dir/data"
    rm -rf "$pg_dir"
    mkdir -p "$pg_dir/data"
    [ -n "$pg_user" ] && chown -R "$pg_user" "$(dirname "$pg_dir")" "$pg_dir"
    chmod 700 "$pg_dir" "$pg_dir/data"
    # trust on loopback and the private socket only: a throwaway local cluster, not a deployment.
    as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U "$db_user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$logs/initdb.log" 2>&1 \
      || as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U "$db_user" --auth=trust -E UTF8 --locale=C >"$logs/initdb.log" 2>&1 \
      || { cat "$logs/initdb.log" >&2; die "initdb failed"; }
    cat >>"$pg_dir/data/postgresql.conf" <<EOF

# kjob cluster (scripts/cluster/cluster.sh)
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_dir'
max_connections = 300
shared_buffers = 256MB
logging_collector = off
EOF
  fi
  # The port may have been changed since initdb.
  sed -i "s/^port = .*/port = $pg_port/" "$pg_dir/data/postgresql.conf"
  if as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
    say "postgres already running"
  else
    say "starting postgres on 127.0.0.1:$pg_port"
    # The log lives next to the data (the PostgreSQL user may not reach the state dir).
    ln -sfn "$pg_dir/postgres.log" "$logs/postgres.log"
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$pg_dir/postgres.log" >&2; die "postgres did not start"; }
  fi
  head -n 1 "$pg_dir/data/postmaster.pid" > "$run/postgres.pid"
}

pg_down() {
  [ -f "$state/pg.path" ] || return 0
  find_pg_bin; setup_pg_user; resolve_pg_dir
  [ -f "$pg_dir/data/postmaster.pid" ] || { rm -f "$run/postgres.pid"; return 0; }
  say "stopping postgres"
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || {
    local pid; pid="$(head -n 1 "$pg_dir/data/postmaster.pid" 2>/dev/null || true)"
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  }
  rm -f "$run/postgres.pid"
}

psql_q() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U "$db_user" -d "${2:-postgres}" -tAX -c "$1"; }

# ---------------------------------------------------------------- schema
schema_up() {
  local sqltool="$tdir/bin/temporal-sql-tool" db dir
  local args=(--plugin postgres12 --ep 127.0.0.1 --port "$pg_port" --user "$db_user" --password "$db_password")
  for db in temporal temporal_visibility; do
    case "$db" in temporal) dir="$tdir/schema/postgresql/v12/temporal/versioned" ;;
                  *) dir="$tdir/schema/postgresql/v12/visibility/versioned" ;; esac
    if [ "$(psql_q "select 1 from pg_database where datname = '$db'")" != "1" ]; then
      "$sqltool" "${args[@]}" --db "$db" create-database >>"$logs/schema.log" 2>&1 || { tail -n 20 "$logs/schema.log" >&2; die "create-database $db failed"; }
    fi
    if [ "$(psql_q "select 1 from information_schema.tables where table_name = 'schema_version'" "$db")" != "1" ]; then
      "$sqltool" "${args[@]}" --db "$db" setup-schema -v 0.0 >>"$logs/schema.log" 2>&1 || { tail -n 20 "$logs/schema.log" >&2; die "setup-schema $db failed"; }
    fi
    "$sqltool" "${args[@]}" --db "$db" update-schema -d "$dir" >>"$logs/schema.log" 2>&1 || { tail -n 20 "$logs/schema.log" >&2; die "update-schema $db failed"; }
    say "schema $db: version $(psql_q "select curr_version from schema_version limit 1" "$db")"
  done
}

# ---------------------------------------------------------------- Temporal services
write_temporal_config() {
  local cfg="$state/temporal/config" svc p
  mkdir -p "$cfg"
  if [ -f "$state/temporal/shards" ] && [ "$(cat "$state/temporal/shards")" != "$shards" ]; then
    say "warning: the database was created with $(cat "$state/temporal/shards") history shards; keeping that (down --purge to change)"
    shards="$(cat "$state/temporal/shards")"
  fi
  echo "$shards" > "$state/temporal/shards"
  {
    cat <<EOF
# Generated by scripts/cluster/cluster.sh; shared by the four service processes (each adds its
# <service>.yaml: its own metrics port). Regenerated on every \`up\`.
log:
  stdout: true
  level: $log_level

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: $shards
  datastores:
    postgres-default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:$pg_port"
        connectProtocol: tcp
        user: $db_user
        password: $db_password
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    postgres-visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:$pg_port"
        connectProtocol: tcp
        user: $db_user
        password: $db_password
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
EOF
    for svc in frontend history matching worker; do
      p="$(svc_port "$svc")"
      echo "  $svc:"
      echo "    rpc:"
      echo "      grpcPort: $p"
      echo "      membershipPort: $(( p - 300 ))"
      echo "      bindOnLocalHost: true"
      [ "$svc" = frontend ] && echo "      httpPort: $(( p + 10 ))"
    done
    cat <<EOF

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "$frontend"
      httpAddress: "127.0.0.1:$(( fe_port + 10 ))"

dcRedirectionPolicy:
  policy: noop

archival:
  history:
    state: disabled
  visibility:
    state: disabled

namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled

publicClient:
  hostPort: "$frontend"

dynamicConfigClient:
  filepath: "$state/temporal/dynamicconfig.yaml"
  pollInterval: 10s
EOF
  } > "$cfg/base.yaml"
  for svc in "${services[@]}"; do
    cat > "$cfg/$svc.yaml" <<EOF
global:
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "127.0.0.1:$(( $(svc_port "$svc") + 2000 ))"
EOF
  done
  # The same file docker-compose.yml mounts into its Temporal services.
  cp "$root/scripts/cluster/dynamicconfig.yaml" "$state/temporal/dynamicconfig.yaml"
}

# Starts a command in its own session (so its whole process group can be signalled), detached,
# logging to logs/<name>.log; records its pid (= process group id) in run/<name>.pid.
spawn() {
  local name="$1"; shift
  if running "$name"; then say "$name already running (pid $(pid_of "$name"))"; return 0; fi
  printf '\n=== %s start %s\n' "$(date -u +%FT%TZ)" "$name" >>"$logs/$name.log"
  setsid "$@" </dev/null >>"$logs/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
}

start_service() {
  spawn "temporal-$1" "$tdir/bin/temporal-server" --root "$state/temporal" --config config \
    --env "$1" --allow-no-auth start --service "$1"
}

check_services() {
  local svc
  for svc in "${services[@]}"; do
    running "temporal-$svc" || { tail -n 30 "$logs/temporal-$svc.log" >&2; die "temporal $svc exited (log: $logs/temporal-$svc.log)"; }
  done
}

temporal_up() {
  write_temporal_config
  local svc deadline=$(( $(date +%s) + 120 ))
  # Every service writes the cluster metadata at start-up when the database has none; started
  # together on a fresh database they race and the losers exit ("SaveClusterMetadata encountered
  # version mismatch"). So history goes first, the others once the metadata is there.
  start_service history
  until [ "$(psql_q "select count(*) from cluster_metadata_info" temporal 2>/dev/null)" = "1" ]; do
    running temporal-history || { tail -n 30 "$logs/temporal-history.log" >&2; die "temporal history exited (log: $logs/temporal-history.log)"; }
    [ "$(date +%s)" -lt "$deadline" ] || die "temporal history did not initialise the cluster metadata in 120s"
    sleep 0.5
  done
  for svc in "${services[@]}"; do
    [ "$svc" = history ] || start_service "$svc"
  done
  say "waiting for the Temporal services at $frontend"
  until "$temporal" operator cluster health --address "$frontend" >/dev/null 2>&1; do
    check_services
    [ "$(date +%s)" -lt "$deadline" ] || die "the Temporal frontend is not healthy after 120s (logs: $logs)"
    sleep 1
  done
  check_services
  say "Temporal frontend healthy ($(elapsed))"
}

# A call that needs frontend and matching to be up: describing a task queue of our namespace.
probe_services() {
  local deadline=$(( $(date +%s) + 60 ))
  until timeout 10 "$temporal" task-queue describe --address "$frontend" --namespace "$namespace" \
      --task-queue kjob-cluster-probe >/dev/null 2>&1; do
    check_services
    [ "$(date +%s)" -lt "$deadline" ] || die "the Temporal services do not answer task-queue calls after 60s (logs: $logs)"
    sleep 1
  done
  say "Temporal services answer ($(elapsed))"
}

namespace_up() {
  local t=(--address "$frontend")
  if ! "$temporal" operator namespace describe "${t[@]}" --namespace "$namespace" >/dev/null 2>&1; then
    say "registering namespace $namespace"
    "$temporal" operator namespace create "${t[@]}" --namespace "$namespace" --retention 24h >/dev/null
  fi
  # Waits until the namespace is usable (the services refresh their namespace cache).
  local deadline=$(( $(date +%s) + 60 )) sa name type have
  until "$temporal" operator search-attribute list "${t[@]}" --namespace "$namespace" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "namespace $namespace not usable after 60s"
    sleep 1
  done
  have="$("$temporal" operator search-attribute list "${t[@]}" --namespace "$namespace" 2>/dev/null || true)"
  for sa in KjobNamespace:Keyword KjobName:Keyword KjobPhase:Keyword KjobLabels:KeywordList; do
    name="${sa%%:*}"; type="${sa##*:}"
    if ! grep -qw "$name" <<<"$have"; then
      "$temporal" operator search-attribute create "${t[@]}" --namespace "$namespace" --name "$name" --type "$type" >/dev/null
    fi
  done
  say "namespace $namespace with kjob's search attributes ready ($(elapsed))"
}

# ---------------------------------------------------------------- kjob
kjob_up() {
  [ -d "$root/node_modules/tsx" ] || die "node_modules is missing: run npm ci first (or up --no-kjob)"
  local i port
  local env=(TEMPORAL_ADDRESS="$frontend" TEMPORAL_NAMESPACE="$namespace" KJOB_HOST=127.0.0.1)
  for (( i = 1; i <= workers; i++ )); do
    mkdir -p "$state/kjob/worker-$i"
    (cd "$root" && spawn "kjob-worker-$i" env "${env[@]}" KJOB_DATA_DIR="$state/kjob/worker-$i" npm run --silent worker)
  done
  i=0
  for port in $api_ports; do
    i=$(( i + 1 ))
    mkdir -p "$state/kjob/api-$i"
    (cd "$root" && spawn "kjob-api-$i" env "${env[@]}" KJOB_DATA_DIR="$state/kjob/api-$i" KJOB_PORT="$port" npm run --silent api)
  done
  local deadline=$(( $(date +%s) + 90 ))
  i=0
  for port in $api_ports; do
    i=$(( i + 1 ))
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; do
      running "kjob-api-$i" || { tail -n 30 "$logs/kjob-api-$i.log" >&2; die "kjob API $i exited (log: $logs/kjob-api-$i.log)"; }
      [ "$(date +%s)" -lt "$deadline" ] || die "kjob API on port $port not ready after 90s"
      sleep 0.5
    done
  done
  for (( i = 1; i <= workers; i++ )); do
    running "kjob-worker-$i" || { tail -n 30 "$logs/kjob-worker-$i.log" >&2; die "kjob worker $i exited (log: $logs/kjob-worker-$i.log)"; }
  done
  say "kjob APIs ready ($(elapsed))"
}

# ---------------------------------------------------------------- stop
# SIGTERM to the process group, wait up to $2 seconds, then SIGKILL the group.
stop_one() {
  local name="$1" grace="${2:-30}" pid
  pid="$(pid_of "$name")"
  if ! pid_alive "$pid"; then rm -f "$run/$name.pid"; return 0; fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + grace ))
  while pid_alive "$pid" || kill -0 -- "-$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "$name did not stop within ${grace}s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$run/$name.pid"
}

# Stops the named processes in parallel (each waits for its own exit).
stop_all() {
  local grace="$1"; shift
  local name pids=()
  for name in "$@"; do
    [ -f "$run/$name.pid" ] || continue
    say "stopping $name (pid $(pid_of "$name"))"
    stop_one "$name" "$grace" & pids+=($!)
  done
  [ "${#pids[@]}" -eq 0 ] || wait "${pids[@]}"
}

kjob_names() { (cd "$run" 2>/dev/null && ls kjob-*.pid 2>/dev/null | sed 's/\.pid$//') || true; }

down() {
  local purge="$1"
  if [ -d "$run" ]; then
    # Workers get SIGTERM and stop their pods within their grace periods, as in docker-compose.
    # shellcheck disable=SC2046
    stop_all 45 $(kjob_names)
    stop_all 30 temporal-frontend temporal-worker temporal-matching
    stop_all 30 temporal-history
  fi
  pg_down
  if [ "$purge" = 1 ]; then
    say "removing $state"
    if [ -f "$state/pg.path" ]; then
      local d; d="$(cat "$state/pg.path")"
      case "$d" in "$state"/*) ;; *) rm -rf "$(dirname "$d")" ;; esac
    fi
    rm -rf "$state"
  fi
  say "down"
}

status() {
  local any=0 f name pid
  if [ -d "$run" ]; then
    for f in "$run"/*.pid; do
      [ -e "$f" ] || continue
      name="$(basename "$f" .pid)"; pid="$(cat "$f")"
      if pid_alive "$pid"; then printf '%-20s running  pid %s\n' "$name" "$pid"; any=1
      else printf '%-20s stopped  (stale pid %s)\n' "$name" "$pid"; fi
    done
  fi
  if [ "$any" = 0 ]; then echo "kjob cluster: not running (state: $state)"; return 3; fi
  summary
}

summary() {
  local port
  echo "Temporal frontend: $frontend  (namespace $namespace, $(cat "$state/temporal/shards" 2>/dev/null || echo "$shards") history shards)"
  echo "PostgreSQL:        127.0.0.1:$pg_port  (user $db_user, databases temporal, temporal_visibility)"
  for port in $api_ports; do
    [ -f "$run/kjob-api-1.pid" ] && echo "kjob API:          http://127.0.0.1:$port"
  done
  echo "state and logs:    $state"
  return 0
}

# ---------------------------------------------------------------- main
cmd="${1:-}"; shift || true
with_kjob=1; purge=0
for arg in "$@"; do
  case "$arg" in
    --with-kjob) with_kjob=1 ;;
    --no-kjob|--without-kjob) with_kjob=0 ;;
    --purge) purge=1 ;;
    *) die "unknown option $arg (usage: cluster.sh up [--no-kjob] | down [--purge] | status)" ;;
  esac
done

case "$cmd" in
  up)
    t0=$(date +%s)
    mkdir -p "$run" "$logs"
    tdir="$(bash "$root/scripts/cluster/build-temporal.sh" | tail -n 1)"
    temporal="${TEMPORAL_CLI_PATH:-}"
    [ -n "$temporal" ] && [ -x "$temporal" ] || temporal="$(bash "$root/scripts/install-temporal.sh" | tail -n 1)"
    pg_up
    schema_up
    temporal_up
    namespace_up
    probe_services
    [ "$with_kjob" = 1 ] && kjob_up
    say "up in $(elapsed)"
    summary
    ;;
  down) down "$purge" ;;
  status) status ;;
  *) echo "usage: $0 up [--no-kjob] | down [--purge] | status" >&2; exit 2 ;;
esac
