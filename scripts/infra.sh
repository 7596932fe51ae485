#!/usr/bin/env bash
# Installs and starts what ejustice needs, idempotently: the Python workspace,
# RabbitMQ and a MongoDB-wire server. Both `make run` and `make test` call it.
#
#   AMQP_URL     set  -> that broker is used, nothing is started
#   MONGODB_URL  set  -> that server is used; else one already answering on 10260; else a
#                        `mongod` on the PATH; else DocumentDB (PostgreSQL 15 + extensions +
#                        its MongoDB-wire gateway), built once from source into the cache
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
CACHE="${EJUSTICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ejustice}"
UV_VERSION="0.13.8"
AMQP_PORT="${EJUSTICE_AMQP_PORT:-5672}"
MONGO_PORT="${EJUSTICE_MONGO_PORT:-10260}"   # DocumentDB's gateway, or mongod
PG_PORT="${EJUSTICE_PG_PORT:-10261}"         # the PostgreSQL under DocumentDB

mkdir -p "$DATA/logs" "$CACHE"
say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {  # port, seconds, what
  local i
  for ((i = 0; i < $2 * 4; i++)); do port_open "$1" && return 0; sleep 0.25; done
  die "$3 did not answer on 127.0.0.1:$1 within $2 s (logs in .data/logs)"
}
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else return 1; fi
}

python_workspace() {
  if ! command -v uv >/dev/null 2>&1 && [ ! -x "$CACHE/uv/bin/uv" ]; then
    say "installing uv $UV_VERSION"
    python3 -m pip install --quiet --disable-pip-version-check --target "$CACHE/uv" "uv==$UV_VERSION" \
      || die "could not install uv; install Python 3.11 with pip, or uv itself"
  fi
  UV="$(command -v uv || echo "$CACHE/uv/bin/uv")"
  [ -x "$UV" ] || UV="$CACHE/uv/bin/uv"
  PYTHONPATH="$CACHE/uv${PYTHONPATH:+:$PYTHONPATH}" "$UV" sync --frozen --all-packages --quiet --project "$ROOT" \
    || die "uv sync failed"
  # Bytecode ahead of time: where PYTHONDONTWRITEBYTECODE is set, every start of every service would
  # otherwise compile each module it imports again (seconds per service on 2 cores). Up-to-date files are skipped.
  local py="$ROOT/.venv/bin/python"
  "$py" -m compileall -q -j0 "$("$py" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
    "$ROOT/shared/src" "$ROOT"/services/*/src "$ROOT"/clients/*/src >/dev/null \
    || say "some modules were not compiled ahead; they compile when imported"
}

rabbitmq() {
  if [ -n "${AMQP_URL:-}" ]; then say "using AMQP_URL"; return; fi
  if port_open "$AMQP_PORT"; then say "RabbitMQ already answering on $AMQP_PORT"; return; fi
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
    say "installing Debian's rabbitmq-server"
    { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq rabbitmq-server; } \
      >"$DATA/logs/apt-rabbitmq.log" 2>&1 \
      || die "could not install rabbitmq-server (see .data/logs/apt-rabbitmq.log); install it, or set AMQP_URL"
  fi
  # The Debian package may start the broker itself where an init system runs.
  if ! port_open "$AMQP_PORT"; then
    say "starting RabbitMQ"
    # Debian's wrapper starts the broker through `su`, whose default soft limit of 1,024 open
    # files its file-handle cache soon runs out of with many quorum queues: it then stops
    # accepting connections. Start it with the hard limit, on loopback only.
    as_root env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 su rabbitmq -s /bin/sh -c \
      'cd /var/lib/rabbitmq && ulimit -S -n "$(ulimit -H -n)" && exec /usr/lib/rabbitmq/bin/rabbitmq-server -detached' \
      >"$DATA/logs/rabbitmq-start.log" 2>&1 \
      || die "rabbitmq-server did not start (see .data/logs/rabbitmq-start.log)"
  fi
  wait_port "$AMQP_PORT" 90 RabbitMQ
  as_root rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1 || true
  # Quorum queues with at-least-once dead-lettering need every feature flag on.
  as_root rabbitmqctl enable_feature_flag all >/dev/null 2>&1 || true
  say "RabbitMQ ready on $AMQP_PORT"
}

# Each court's own RabbitMQ account: it reads only its queue and publishes only on its own keys
# (scripts/court_broker_accounts.py writes the definitions). Arguments: the bus namespaces whose
# exchange the courts use (default: BUS_NAMESPACE, or ejustice). Importing again changes nothing.
court_accounts() {
  if [ -n "${AMQP_URL:-}" ]; then say "using AMQP_URL: set up the courts' broker accounts there"; return; fi
  command -v rabbitmqctl >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmqctl ] || die "rabbitmqctl not found"
  local definitions
  definitions="$(mktemp)"
  python3 "$ROOT/scripts/court_broker_accounts.py" "${@:-${BUS_NAMESPACE:-ejustice}}" >"$definitions" \
    || { rm -f "$definitions"; die "could not write the courts' broker accounts"; }
  # The broker reads the file itself, as its own user.
  as_root chown rabbitmq "$definitions" 2>/dev/null || chmod 644 "$definitions"
  as_root rabbitmqctl import_definitions "$definitions" >"$DATA/logs/court-accounts.log" 2>&1 \
    || { rm -f "$definitions"; die "rabbitmqctl could not import the courts' accounts (see .data/logs/court-accounts.log)"; }
  rm -f "$definitions"
  say "court broker accounts ready"
}

# ------------------------------------------------------------------------------------------
# DocumentDB: PostgreSQL 15 with the DocumentDB extensions (and pgvector, which they require),
# behind DocumentDB's own MongoDB-wire gateway. Debian has no package for either, so they are
# built from source once, into $CACHE, and installed into Debian's PostgreSQL 15.
DOCUMENTDB_REPO="https://github.com/FerretDB/documentdb.git"
DOCUMENTDB_COMMIT="3f80da90a9e0b04f214183aa656c4fb0b4bc31e4"  # branch "ferretdb", extension 0.107-0
PGVECTOR_REPO="https://github.com/pgvector/pgvector.git"
PGVECTOR_TAG="v0.8.0"
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
DOCDB_CACHE="$CACHE/documentdb-${DOCUMENTDB_COMMIT:0:8}"
DOCDB_DATA="$DATA/documentdb"
DOCDB_USER="ejustice"
DOCDB_PASSWORD="ejustice-dev"        # loopback only; production sets MONGODB_URL
APT_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-contrib
  postgresql-$PG_MAJOR-cron postgresql-$PG_MAJOR-postgis-3 postgresql-$PG_MAJOR-rum
  libbson-dev libpcre2-dev libintelrdfpmath-dev libicu-dev libkrb5-dev libpq-dev libssl-dev
  build-essential pkg-config git ca-certificates openssl)

# The sources: DOCUMENTDB_SRC (a folder holding documentdb/ and pgvector/, relative paths
# taken from the project root), else ../shared/vendor next to this checkout or next to the
# main checkout of a git worktree, else a clone of the pinned commit and tag into $CACHE.
documentdb_sources() {
  local candidates=() main
  if [ -n "${DOCUMENTDB_SRC:-}" ]; then
    candidates=("$DOCUMENTDB_SRC")
  else
    candidates=("../shared/vendor")
    main="$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
    [ -n "$main" ] && candidates+=("$(dirname "$main")/../shared/vendor")
  fi
  local dir
  for dir in "${candidates[@]}"; do
    case "$dir" in /*) ;; *) dir="$ROOT/$dir" ;; esac
    if [ -f "$dir/documentdb/pg_documentdb/documentdb.control" ] && [ -f "$dir/pgvector/vector.control" ]; then
      (cd "$dir" && pwd); return
    fi
  done
  [ -n "${DOCUMENTDB_SRC:-}" ] && die "DOCUMENTDB_SRC=$DOCUMENTDB_SRC holds no documentdb/ and pgvector/ sources"
  local src="$CACHE/sources-${DOCUMENTDB_COMMIT:0:8}"
  if [ ! -f "$src/.complete" ]; then
    say "cloning DocumentDB ${DOCUMENTDB_COMMIT:0:8} and pgvector $PGVECTOR_TAG into $src"
    rm -rf "$src" && mkdir -p "$src"
    { git clone --quiet --branch ferretdb "$DOCUMENTDB_REPO" "$src/documentdb" \
        && git -C "$src/documentdb" -c advice.detachedHead=false checkout --quiet "$DOCUMENTDB_COMMIT" \
        && git clone --quiet --depth 1 --branch "$PGVECTOR_TAG" "$PGVECTOR_REPO" "$src/pgvector"; } \
      >"$DATA/logs/documentdb-clone.log" 2>&1 || die "could not clone the sources (see .data/logs/documentdb-clone.log)"
    touch "$src/.complete"
  fi
  echo "$src"
}

documentdb_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} = 0 ] && return
  say "installing Debian packages: ${missing[*]}"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$DATA/logs/apt-documentdb.log" 2>&1 \
    || die "could not install PostgreSQL $PG_MAJOR and build tools (see .data/logs/apt-documentdb.log)"
}

installed_version() {  # extension name -> default_version of its installed control file
  sed -n "s/^default_version = '\(.*\)'/\1/p" "$("$PG_BIN/pg_config" --sharedir)/extension/$1.control" 2>/dev/null
}
source_version() {  # control file -> its default_version
  sed -n "s/^default_version = '\(.*\)'/\1/p" "$1"
}

# A writable copy of DocumentDB's sources in the cache, where the extensions and the gateway
# are built. A tree without the gateway's error list (one file of the upstream repository,
# not kept in some copies) gets the one in scripts/documentdb/, taken from the same commit.
documentdb_tree() {
  local src="$1" tree="$DOCDB_CACHE/build/documentdb"
  if [ ! -f "$tree/.copied" ]; then
    mkdir -p "$DOCDB_CACHE/build"
    rm -rf "$tree" && cp -r "$src/documentdb" "$tree" && chmod -R u+w "$tree"
    local errors="pg_documentdb_gw/include/gateway_errors.txt"
    [ -f "$tree/$errors" ] || install -D -m 644 "$ROOT/scripts/documentdb/gateway_errors.txt" "$tree/$errors"
    touch "$tree/.copied"
  fi
  echo "$tree"
}

documentdb_extensions() {
  local src="$1" tree="$2" build="$DOCDB_CACHE/build" log="$DATA/logs/documentdb-build.log"
  mkdir -p "$build"
  if [ "$(installed_version vector)" != "$(source_version "$src/pgvector/vector.control")" ]; then
    say "building pgvector $PGVECTOR_TAG (once; cached in $build)"
    if [ ! -f "$build/pgvector/vector.so" ]; then
      rm -rf "$build/pgvector" && cp -r "$src/pgvector" "$build/pgvector" && chmod -R u+w "$build/pgvector"
      make -C "$build/pgvector" -j"$(nproc)" PG_CONFIG="$PG_BIN/pg_config" OPTFLAGS="" with_llvm=no >>"$log" 2>&1 \
        || die "pgvector build failed (see .data/logs/documentdb-build.log)"
    fi
    as_root make -C "$build/pgvector" install PG_CONFIG="$PG_BIN/pg_config" OPTFLAGS="" with_llvm=no >>"$log" 2>&1 \
      || die "pgvector install failed (see .data/logs/documentdb-build.log)"
  fi
  if [ "$(installed_version documentdb)" != "$(source_version "$src/documentdb/pg_documentdb/documentdb.control")" ] \
      || [ ! -f "$("$PG_BIN/pg_config" --pkglibdir)/pg_documentdb.so" ]; then
    # Debian 12's libraries are older than DocumentDB expects: its decimal library has no
    # pkg-config file (one is written for it), and libbson 1.23 lacks BSON_SUBTYPE_SENSITIVE
    # (added in 1.25, defined here). with_llvm=no skips the clang bitcode pass.
    mkdir -p "$DOCDB_CACHE/pkgconfig"
    cat >"$DOCDB_CACHE/pkgconfig/intelmathlib.pc" <<'PC'
prefix=/usr
libdir=${prefix}/lib/x86_64-linux-gnu
includedir=${prefix}/include
Name: intelmathlib
Description: Intel decimal floating-point math library (Debian libintelrdfpmath-dev)
Version: 2.0 Update 2
Cflags: -I${includedir}
Libs: -L${libdir} -lbidgcc000
PC
    local flags=(PG_CONFIG="$PG_BIN/pg_config" with_llvm=no "COPT=-DBSON_SUBTYPE_SENSITIVE=0x08 -Wno-error=switch")
    local part
    if [ ! -f "$tree/pg_documentdb/pg_documentdb.so" ]; then
      say "building DocumentDB ${DOCUMENTDB_COMMIT:0:8} (once, about a minute; cached in $build)"
      for part in pg_documentdb_core pg_documentdb; do
        PKG_CONFIG_PATH="$DOCDB_CACHE/pkgconfig" make -C "$tree/$part" -j"$(nproc)" "${flags[@]}" >>"$log" 2>&1 \
          || die "DocumentDB build failed (see .data/logs/documentdb-build.log)"
      done
    fi
    for part in pg_documentdb_core pg_documentdb; do
      PKG_CONFIG_PATH="$DOCDB_CACHE/pkgconfig" as_root make -C "$tree/$part" install "${flags[@]}" >>"$log" 2>&1 \
        || die "DocumentDB install failed (see .data/logs/documentdb-build.log)"
    done
  fi
}

documentdb_gateway_binary() {
  local tree="$1" bin="$DOCDB_CACHE/documentdb_gateway"
  if [ ! -x "$bin" ]; then
    command -v cargo >/dev/null || die "building DocumentDB's gateway needs Rust's cargo (rustup.rs; Debian's is too old), or set MONGODB_URL"
    say "building DocumentDB's gateway (once, about 3 minutes; cached in $DOCDB_CACHE)"
    (cd "$tree/pg_documentdb_gw" \
      && CARGO_TARGET_DIR="$DOCDB_CACHE/gateway-target" CARGO_HOME="$CACHE/cargo-home" cargo build --release --locked) \
      >"$DATA/logs/documentdb-gateway-build.log" 2>&1 || die "gateway build failed (see .data/logs/documentdb-gateway-build.log)"
    cp "$DOCDB_CACHE/gateway-target/release/documentdb_gateway" "$bin.tmp" && mv "$bin.tmp" "$bin"
    rm -rf "$DOCDB_CACHE/gateway-target"
  fi
  echo "$bin"
}

# PostgreSQL refuses to run as root: as root, its commands run as the postgres user, which
# must be able to enter the data folder's every parent. .data/ is used when it can be;
# otherwise (a checkout under /root, say) .data/documentdb/postgres links to a folder
# under /var/lib/postgresql named after the checkout.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_data_dir() {
  local want="$DOCDB_DATA/postgres"
  if [ -L "$want" ]; then readlink "$want"; return; fi
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$DOCDB_DATA"; then echo "$want"; return; fi
  local elsewhere
  elsewhere="/var/lib/postgresql/ejustice-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  say "the postgres user cannot enter $DOCDB_DATA; PostgreSQL's data goes to $elsewhere (linked from .data/documentdb/postgres)"
  ln -s "$elsewhere" "$want"
  echo "$elsewhere"
}
psql_admin() {
  PGOPTIONS="--client-min-messages=warning" as_pg "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

postgresql() {
  local pgdata; pgdata="$(pg_data_dir)"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" != 0 ] || chown postgres:postgres "$pgdata"
    chmod 700 "$pgdata"
    as_pg "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$DATA/logs/postgres-initdb.log" 2>&1 || die "initdb failed (see .data/logs/postgres-initdb.log)"
    echo "include_if_exists = 'ejustice.conf'" >>"$pgdata/postgresql.conf"
  fi
  # The project's settings, written at every start so that a change here reaches an existing cluster.
  cat >"$pgdata/ejustice.conf" <<CONF
# Written by scripts/infra.sh: DocumentDB on loopback only.
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
# Debian 12's pg_cron 1.4 takes no schedules in seconds; 60 becomes '* * * * *'.
documentdb.indexBuildScheduleInSec = 60
documentdb.enableSortbyIdPushDownToPrimaryKey = true
documentdb.enableLetAndCollationForQueryMatch = true
documentdb.enableNowSystemVariable = true
documentdb.enableUserCrud = true
# The planner estimates a DocumentDB filter as a fixed share of the collection, so on a large one
# a look-up of a few documents looks costly enough to be JIT-compiled (about 140 ms at 1,000,000
# commits) or split across parallel workers. Neither helps queries served by an index.
jit = off
max_parallel_workers_per_gather = 0
# DocumentDB reports every collection it creates; keep the logs to what needs a reader.
log_min_messages = warning
client_min_messages = warning
CONF
  [ "$(id -u)" != 0 ] || chown postgres:postgres "$pgdata/ejustice.conf"
  local log="$DOCDB_DATA/postgres.log"
  touch "$log" && { [ "$(id -u)" != 0 ] || chown postgres:postgres "$log"; }
  if ! as_pg "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    say "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$log" -w -t 120 start >/dev/null \
      || die "PostgreSQL did not start (see .data/documentdb/postgres.log)"
  else
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" reload >/dev/null  # a running cluster takes the settings above
  fi
  psql_admin -c "CREATE EXTENSION IF NOT EXISTS documentdb CASCADE;" >/dev/null
  # The gateway authenticates every client (SCRAM) as a PostgreSQL role.
  psql_admin >/dev/null <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DOCDB_USER') THEN
    CREATE ROLE $DOCDB_USER WITH LOGIN INHERIT PASSWORD '$DOCDB_PASSWORD' IN ROLE documentdb_admin_role;
  END IF;
END\$\$;
ALTER ROLE $DOCDB_USER CREATEROLE;
GRANT $DOCDB_USER TO postgres WITH ADMIN OPTION;
SQL
}

documentdb_gateway() {
  local bin="$1" dir="$DOCDB_DATA/gateway"
  mkdir -p "$dir"
  # The gateway loads a certificate even when clients may connect without TLS (loopback).
  [ -f "$dir/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
  cat >"$dir/SetupConfiguration.json" <<JSON
{
  "NodeHostName": "localhost",
  "BlockedRolePrefixes": ["documentdb", "citus", "pg", "internal_role"],
  "UseLocalHost": true,
  "GatewayListenPort": $MONGO_PORT,
  "PostgresSystemUser": "postgres",
  "PostgresHostName": "127.0.0.1",
  "PostgresPort": $PG_PORT,
  "PostgresDatabase": "postgres",
  "TransactionTimeoutSecs": 30,
  "CursorTimeoutSecs": 600,
  "PostgresCommandTimeoutSecs": 120,
  "EnforceSslTcp": false,
  "CertificateOptions": {"CertType": "pem_file", "FilePath": "$dir/cert.pem", "KeyFilePath": "$dir/key.pem"}
}
JSON
  say "starting DocumentDB's gateway on 127.0.0.1:$MONGO_PORT"
  (cd "$dir" && exec nohup "$bin" "$dir/SetupConfiguration.json" >>"$DATA/logs/documentdb-gateway.log" 2>&1 </dev/null) &
  echo $! >"$DOCDB_DATA/gateway.pid"
}

documentdb() {
  local src tree gateway
  src="$(documentdb_sources)"
  documentdb_packages
  tree="$(documentdb_tree "$src")"
  documentdb_extensions "$src" "$tree"
  gateway="$(documentdb_gateway_binary "$tree")"
  mkdir -p "$DOCDB_DATA"
  postgresql
  running "$DOCDB_DATA/gateway.pid" || documentdb_gateway "$gateway"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

mongodb() {
  if [ -n "${MONGODB_URL:-}" ]; then say "using MONGODB_URL"; return; fi
  # This checkout's own DocumentDB: make sure its PostgreSQL runs too (a test may have stopped it).
  if running "$DOCDB_DATA/gateway.pid"; then postgresql; say "DocumentDB ready on $MONGO_PORT"; return; fi
  if port_open "$MONGO_PORT"; then say "MongoDB-wire server already answering on $MONGO_PORT"; return; fi
  if command -v mongod >/dev/null 2>&1; then
    say "starting mongod"
    mkdir -p "$DATA/mongod"
    mongod --dbpath "$DATA/mongod" --bind_ip 127.0.0.1 --port "$MONGO_PORT" --fork \
      --pidfilepath "$DATA/mongod.pid" --logpath "$DATA/logs/mongod.log" >/dev/null
  else
    documentdb
  fi
  wait_port "$MONGO_PORT" 60 "MongoDB-wire server"
  say "MongoDB-wire server ready on $MONGO_PORT"
}

stop_postgres() {  # mode: fast (a clean stop) or immediate (as a crash: recovery from the WAL at start)
  local pgdata="$DOCDB_DATA/postgres"
  [ -L "$pgdata" ] && pgdata="$(readlink "$pgdata")"
  if [ -f "$pgdata/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -m "$1" -w stop >/dev/null && say "stopped PostgreSQL ($1)"
  fi
}

# Stops what this checkout started (pid files and cluster in .data/), nothing else.
stop() {
  if running "$DOCDB_DATA/gateway.pid"; then
    kill "$(cat "$DOCDB_DATA/gateway.pid")"
    local i
    for ((i = 0; i < 40; i++)); do running "$DOCDB_DATA/gateway.pid" || break; sleep 0.25; done
    # It may wait on clients' connections to close; ten seconds is notice enough.
    if running "$DOCDB_DATA/gateway.pid"; then kill -9 "$(cat "$DOCDB_DATA/gateway.pid")"; fi
    say "stopped DocumentDB's gateway"
  fi
  rm -f "$DOCDB_DATA/gateway.pid"
  stop_postgres fast
  if running "$DATA/mongod.pid"; then kill "$(cat "$DATA/mongod.pid")" && say "stopped mongod"; fi
}


# ------------------------------------------------------------------------------------------
# Observability for `make run`: RabbitMQ's own Prometheus endpoint, Prometheus (Debian's
# package) scraping the services with deploy/prometheus/prometheus.yml, and Jaeger (built once
# from its Go module, cached) taking the services' OTLP traces. All on loopback.
PROMETHEUS_PORT="${EJUSTICE_PROMETHEUS_PORT:-9090}"
JAEGER_VERSION="v1.76.0"              # the module's tag; its cmd/jaeger is Jaeger v2
JAEGER_CACHE="$CACHE/jaeger-$JAEGER_VERSION"
JAEGER_UI_PORT=16686
JAEGER_OTLP_PORT=4318

rabbitmq_metrics() {
  [ -n "${AMQP_URL:-}" ] && return
  # On the next start the plugin listens on loopback (conf.d is read at boot) ...
  if [ -d /etc/rabbitmq ] && [ ! -f /etc/rabbitmq/conf.d/90-ejustice-prometheus.conf ]; then
    as_root mkdir -p /etc/rabbitmq/conf.d
    printf 'prometheus.tcp.ip = 127.0.0.1\nprometheus.tcp.port = 15692\n' \
      | as_root tee /etc/rabbitmq/conf.d/90-ejustice-prometheus.conf >/dev/null || true
  fi
  port_open 15692 && return
  # ... and on the running broker too: set the listener before enabling the plugin.
  as_root rabbitmqctl eval 'application:set_env(rabbitmq_prometheus, tcp_config, [{ip, "127.0.0.1"}, {port, 15692}]).' \
    >/dev/null 2>&1 || true
  as_root rabbitmq-plugins enable --quiet rabbitmq_prometheus >"$DATA/logs/rabbitmq-plugins.log" 2>&1 \
    || say "could not enable rabbitmq_prometheus (see .data/logs/rabbitmq-plugins.log): the broker is not scraped"
  port_open 15692 && say "RabbitMQ metrics on 127.0.0.1:15692"
}

prometheus_install() {
  command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 && return
  say "installing Debian's prometheus (server and promtool)"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
      -o DPkg::Lock::Timeout=600 --no-install-recommends prometheus; } >"$DATA/logs/apt-prometheus.log" 2>&1 \
    || die "could not install prometheus (see .data/logs/apt-prometheus.log)"
  # Debian's package may start its own server on 9090 where an init system runs: this one is ours.
  as_root systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
}

prometheus_server() {
  prometheus_install
  local dir="$DATA/prometheus"
  mkdir -p "$dir"
  if running "$dir/prometheus.pid"; then say "Prometheus already running on $PROMETHEUS_PORT"; return; fi
  if port_open "$PROMETHEUS_PORT"; then say "something else answers on $PROMETHEUS_PORT: Prometheus not started"; return; fi
  say "starting Prometheus on 127.0.0.1:$PROMETHEUS_PORT"
  (exec nohup prometheus --config.file="$ROOT/deploy/prometheus/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle \
    >>"$DATA/logs/prometheus.log" 2>&1 </dev/null) &
  echo $! >"$dir/prometheus.pid"
  wait_port "$PROMETHEUS_PORT" 60 Prometheus
}

jaeger_binary() {
  local bin="$JAEGER_CACHE/jaeger"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || die "building Jaeger needs Go (go.dev/dl), or set OTEL_EXPORTER_OTLP_ENDPOINT"
    say "building Jaeger $JAEGER_VERSION from its Go module (once, several minutes; cached in $JAEGER_CACHE)"
    # Jaeger's go.mod replaces one dependency, which `go install pkg@version` refuses: build it
    # as a tool of a small module of ours that repeats the replacement.
    mkdir -p "$JAEGER_CACHE/module"
    cat >"$JAEGER_CACHE/module/go.mod" <<'MOD'
module ejustice.local/jaeger-build

go 1.24.6

replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
MOD
    (cd "$JAEGER_CACHE/module" && go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION" \
      && go build -trimpath -o "$bin.tmp.$$" github.com/jaegertracing/jaeger/cmd/jaeger && mv "$bin.tmp.$$" "$bin") \
      >"$DATA/logs/jaeger-build.log" 2>&1 || die "Jaeger build failed (see .data/logs/jaeger-build.log)"
  fi
  echo "$bin"
}

jaeger() {
  [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] && { say "using OTEL_EXPORTER_OTLP_ENDPOINT"; return; }
  local dir="$DATA/jaeger" bin
  mkdir -p "$dir"
  if running "$dir/jaeger.pid"; then say "Jaeger already running (UI on $JAEGER_UI_PORT)"; return; fi
  if port_open "$JAEGER_OTLP_PORT"; then say "something answers on $JAEGER_OTLP_PORT: taken as the OTLP receiver"; return; fi
  bin="$(jaeger_binary)"
  say "starting Jaeger: OTLP on 127.0.0.1:$JAEGER_OTLP_PORT, query API on 127.0.0.1:$JAEGER_UI_PORT"
  (exec nohup "$bin" --config "$ROOT/deploy/jaeger/config.yaml" >>"$DATA/logs/jaeger.log" 2>&1 </dev/null) &
  echo $! >"$dir/jaeger.pid"
  wait_port "$JAEGER_UI_PORT" 60 Jaeger
}

# What every `make test` needs: the broker's metrics, promtool and Prometheus. (The trace test builds
# Jaeger itself, `scripts/infra.sh jaeger-binary`, so that the set-up does not wait for it.)
observability_tools() { rabbitmq_metrics; prometheus_install; }
# What `make run` adds: Prometheus and Jaeger running.
observability() { rabbitmq_metrics; prometheus_server; jaeger; }

stop_observability() {
  local pidfile
  for pidfile in "$DATA/prometheus/prometheus.pid" "$DATA/jaeger/jaeger.pid"; do
    if running "$pidfile"; then kill "$(cat "$pidfile")" && say "stopped $(basename "$pidfile" .pid)"; fi
    rm -f "$pidfile"
  done
}

# The portal's assets: GOV.UK Frontend (and its right-to-left mirror by rtlcss) and the fonts, from the pinned
# npm packages, into the gateway's static folder; its message catalogues compiled; and the Debian packages the
# portal's PDFs and browser tests need (Pango for WeasyPrint, poppler-utils, Chromium). Rebuilt only when an
# input changed.
portal_assets() {
  local assets="$ROOT/services/gateway/assets" web="$ROOT/services/gateway/src/ejustice_gateway/web"
  local wanted=() pkg
  for pkg in chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
    dpkg -s "$pkg" >/dev/null 2>&1 || wanted+=("$pkg")
  done
  command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)  # a Node.js from elsewhere brings its own npm
  if [ ${#wanted[@]} -gt 0 ]; then
    say "installing Debian's ${wanted[*]}"
    { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${wanted[@]}"; } \
      >"$DATA/logs/apt-portal.log" 2>&1 || die "could not install ${wanted[*]} (see .data/logs/apt-portal.log)"
  fi
  local stamp
  stamp="$(cat "$assets/package-lock.json" "$assets/build.mjs" "$assets/portal.css" "$assets/portal.js" | sha256sum | cut -c1-16)"
  if [ "$(cat "$web/static/.stamp" 2>/dev/null)" != "$stamp" ]; then
    say "building the portal's assets"
    (cd "$assets" && npm ci --no-audit --no-fund --loglevel=error >"$DATA/logs/npm-portal.log" 2>&1) \
      || die "npm ci failed (see .data/logs/npm-portal.log)"
    node "$assets/build.mjs" "$web/static" || die "the portal's asset build failed"
    echo "$stamp" >"$web/static/.stamp"
  fi
  "$ROOT/.venv/bin/pybabel" compile --use-fuzzy -d "$web/locales" -D messages >/dev/null 2>&1 \
    || die "could not compile the portal's message catalogues"
}

case "${1:-all}" in
  python) python_workspace ;;
  portal) portal_assets ;;
  rabbitmq) rabbitmq ;;
  mongodb) mongodb ;;
  court-accounts) court_accounts "${@:2}" ;;
  all) python_workspace; portal_assets; rabbitmq; court_accounts; mongodb; observability_tools ;;
  observability) observability ;;
  observability-tools) observability_tools ;;
  jaeger-binary) jaeger_binary ;;
  rabbitmq-metrics) rabbitmq_metrics ;;
  prometheus-install) prometheus_install ;;
  stop) stop; stop_observability ;;
  crash-postgres) stop_postgres immediate ;;  # for the crash test; `mongodb` starts it again
  *) die "usage: scripts/infra.sh [all|python|portal|rabbitmq|court-accounts [namespace...]|mongodb|observability|observability-tools|jaeger-binary|rabbitmq-metrics|prometheus-install|stop|crash-postgres]" ;;
esac
