#!/usr/bin/env bash
# Installs and starts what ejustice needs, idempotently: the Python workspace,
# RabbitMQ and a MongoDB-wire server. Both `make run` and `make test` call it.
#
#   AMQP_URL     set  -> that broker is used, nothing is started
#   MONGODB_URL  set  -> that server is used; else a `mongod` on the PATH;
#                        else FerretDB (SQLite backend) built from its Go module
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
CACHE="${EJUSTICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ejustice}"
UV_VERSION="0.13.8"
FERRETDB_VERSION="v1.24.2"
AMQP_PORT="${EJUSTICE_AMQP_PORT:-5672}"
MONGO_PORT="${EJUSTICE_MONGO_PORT:-27017}"

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
    as_root /usr/sbin/rabbitmq-server -detached >"$DATA/logs/rabbitmq-start.log" 2>&1 \
      || die "rabbitmq-server did not start (see .data/logs/rabbitmq-start.log)"
  fi
  wait_port "$AMQP_PORT" 90 RabbitMQ
  as_root rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1 || true
  # Quorum queues with at-least-once dead-lettering need every feature flag on.
  as_root rabbitmqctl enable_feature_flag all >/dev/null 2>&1 || true
  say "RabbitMQ ready on $AMQP_PORT"
}

ferretdb_binary() {
  local bin="$CACHE/ferretdb-$FERRETDB_VERSION"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || die "no MongoDB-wire server: set MONGODB_URL, put mongod on the PATH, or install Go to build FerretDB"
    say "building FerretDB $FERRETDB_VERSION (once; cached in $CACHE)"
    local src
    src="$(cd "$CACHE" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" || die "could not download FerretDB"
    local work="$CACHE/ferretdb-src"
    rm -rf "$work" && cp -r "$src" "$work" && chmod -R u+w "$work"
    # The module lacks the generated version file; without it the binary panics at start.
    echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
    (cd "$work" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" ./cmd/ferretdb) \
      >"$DATA/logs/ferretdb-build.log" 2>&1 || die "FerretDB build failed (see .data/logs/ferretdb-build.log)"
    mv "$bin.tmp" "$bin" && rm -rf "$work"
  fi
  echo "$bin"
}

mongodb() {
  if [ -n "${MONGODB_URL:-}" ]; then say "using MONGODB_URL"; return; fi
  if port_open "$MONGO_PORT"; then say "MongoDB-wire server already answering on $MONGO_PORT"; return; fi
  if command -v mongod >/dev/null 2>&1; then
    say "starting mongod"
    mkdir -p "$DATA/mongod"
    mongod --dbpath "$DATA/mongod" --bind_ip 127.0.0.1 --port "$MONGO_PORT" --fork \
      --logpath "$DATA/logs/mongod.log" >/dev/null
  else
    local bin; bin="$(ferretdb_binary)"
    say "starting FerretDB $FERRETDB_VERSION (SQLite in .data/ferretdb)"
    mkdir -p "$DATA/ferretdb"
    nohup "$bin" --handler=sqlite --sqlite-url="file:$DATA/ferretdb/" --state-dir="$DATA/ferretdb" \
      --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr=127.0.0.1:0 --telemetry=disable \
      --log-level=warn >"$DATA/logs/ferretdb.log" 2>&1 &
    echo $! >"$DATA/ferretdb.pid"
  fi
  wait_port "$MONGO_PORT" 60 "MongoDB-wire server"
  say "MongoDB-wire server ready on $MONGO_PORT"
}

case "${1:-all}" in
  python) python_workspace ;;
  rabbitmq) rabbitmq ;;
  mongodb) mongodb ;;
  all) python_workspace; rabbitmq; mongodb ;;
  *) die "usage: scripts/infra.sh [all|python|rabbitmq|mongodb]" ;;
esac
