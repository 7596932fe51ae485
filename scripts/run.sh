#!/usr/bin/env bash
# Starts the five services as background processes (logs and pids in .data/), then waits
# until the gateway's /readyz answers ready. `scripts/run.sh stop` stops what it started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.data/run"
LOGS="$ROOT/.data/logs"
PY="$ROOT/.venv/bin/python"
declare -A PORTS=([filing]=8001 [payment]=8002 [notification]=8003 [registry]=8004 [gateway]=8000)
ORDER=(registry notification payment filing gateway)
mkdir -p "$RUN" "$LOGS"

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

ready() {
  echo "ejustice is ready: http://127.0.0.1:8000 (readiness: /readyz)"
  if [ -f "$ROOT/.data/prometheus/prometheus.pid" ] && kill -0 "$(cat "$ROOT/.data/prometheus/prometheus.pid")" 2>/dev/null; then
    echo "Prometheus: http://127.0.0.1:${EJUSTICE_PROMETHEUS_PORT:-9090} (targets: /targets, alerts: /alerts)"
  fi
  if [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
    echo "traces exported to $OTEL_EXPORTER_OTLP_ENDPOINT; Jaeger's query API: http://127.0.0.1:16686/api/traces?service=ejustice-gateway"
  fi
}

stop() {
  for name in "${ORDER[@]}"; do
    if running "$name"; then kill "$(cat "$RUN/$name.pid")" && echo "stopped $name"; fi
    rm -f "$RUN/$name.pid"
  done
}

start() {
  # Traces go to the Jaeger `scripts/infra.sh observability` started, unless told otherwise.
  if [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] && [ -f "$ROOT/.data/jaeger/jaeger.pid" ] \
      && kill -0 "$(cat "$ROOT/.data/jaeger/jaeger.pid")" 2>/dev/null; then
    export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318"
  fi
  for name in "${ORDER[@]}"; do
    if running "$name"; then echo "$name already running (pid $(cat "$RUN/$name.pid"))"; continue; fi
    PORT="${PORTS[$name]}" nohup "$PY" -m "ejustice_$name" >>"$LOGS/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
    echo "started $name on 127.0.0.1:${PORTS[$name]} (pid $!, log .data/logs/$name.log)"
  done
  for _ in $(seq 1 240); do
    if "$PY" - <<'PY' 2>/dev/null; then ready; return 0; fi
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:8000/readyz", timeout=2).status == 200 else 1)
PY
    sleep 0.5
  done
  echo "the gateway did not become ready in 120 s; see .data/logs/" >&2
  curl -s http://127.0.0.1:8000/readyz >&2 || true
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: scripts/run.sh [start|stop]" >&2; exit 2 ;;
esac
