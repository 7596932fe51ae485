# The two commands: `make run` brings the platform up, `make test` passes the tests.
# Both install and start what they need first (scripts/infra.sh is idempotent).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run stop test bench schemas lint infra

infra:
	@bash scripts/infra.sh

run: infra
	@bash scripts/infra.sh observability
	@bash scripts/run.sh start

# Stops the services and the store this checkout started (not a shared RabbitMQ).
stop:
	@bash scripts/run.sh stop
	@bash scripts/infra.sh stop

# The trace test needs Jaeger, built once from its Go module (minutes): built here, outside any test's time limit.
test: infra
	@bash scripts/infra.sh jaeger-binary >/dev/null
	$(PY) -m pytest

bench: infra
	$(PY) scripts/bench.py
	$(PY) scripts/bench_growth.py
	$(PY) scripts/bench_offices.py
	$(PY) scripts/bench_notices.py

schemas: infra
	$(PY) -m ejustice_shared.events.schemas

lint: infra
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
