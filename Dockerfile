# One image per ejustice service, built from this single Dockerfile:
#
#   docker build --build-arg SERVICE=filing -t ejustice/filing .
#
# SERVICE is one of: filing, notification, payment, registry, gateway.
# The image runs `python -m ejustice_${SERVICE}` as an unprivileged user and
# listens on 0.0.0.0:${PORT} (PORT defaults per service; set it explicitly).

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:22-slim

# ---------------------------------------------------------------------------
# assets: the portal's and console's static files (GOV.UK Frontend, the
# right-to-left stylesheet, fonts) from the pinned npm packages. Only the
# gateway's wheel packages them; other services' images leave them unused.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS assets

WORKDIR /assets
COPY services/gateway/assets/package.json services/gateway/assets/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY services/gateway/assets/ ./
RUN node build.mjs /static

# ---------------------------------------------------------------------------
# build: resolve the service's locked dependencies into /app/.venv
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG SERVICE
ARG UV_VERSION=0.13.8

RUN case "${SERVICE}" in \
      filing|notification|payment|registry|gateway) ;; \
      *) echo "build with --build-arg SERVICE=<filing|notification|payment|registry|gateway> (got '${SERVICE}')" >&2; exit 1 ;; \
    esac

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==${UV_VERSION}"

WORKDIR /src

# Third-party dependencies first, from the lock file and the workspace members'
# pyproject.toml only, so this layer is reused while only source code changes.
# A new workspace member needs its own COPY line here.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY clients/verifier/pyproject.toml clients/verifier/pyproject.toml
COPY services/filing/pyproject.toml services/filing/pyproject.toml
COPY services/notification/pyproject.toml services/notification/pyproject.toml
COPY services/payment/pyproject.toml services/payment/pyproject.toml
COPY services/registry/pyproject.toml services/registry/pyproject.toml
COPY services/gateway/pyproject.toml services/gateway/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "ejustice-${SERVICE}"

# Then the workspace itself. --no-editable installs ejustice-shared and the
# service as regular packages, so the runtime stage needs only /app/.venv.
# The gateway's wheel also carries the built static files and the compiled
# message catalogues (its pyproject.toml lists them as artifacts).
COPY . .
COPY --from=assets /static services/gateway/src/ejustice_gateway/web/static
RUN if [ "${SERVICE}" = gateway ]; then \
      /app/.venv/bin/pybabel compile -d services/gateway/src/ejustice_gateway/web/locales -D messages; \
    fi
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --compile-bytecode --package "ejustice-${SERVICE}" \
 && /app/.venv/bin/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)" "ejustice_${SERVICE}"

# ---------------------------------------------------------------------------
# runtime: the virtual environment only, run as a non-root user
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE

LABEL org.opencontainers.image.title="ejustice-${SERVICE}" \
      org.opencontainers.image.description="ejustice ${SERVICE} service"

# WeasyPrint, which renders the gateway's PDFs (receipts, slips, papers), needs
# Pango and a font; the other services need no system libraries.
RUN if [ "${SERVICE}" = gateway ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
      && rm -rf /var/lib/apt/lists/*; \
    fi

RUN groupadd --system --gid 10001 ejustice \
 && useradd --system --uid 10001 --gid ejustice --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin ejustice \
 && install -d -o 10001 -g 10001 /var/lib/ejustice  # state kept outside the database (dossier checkpoints)

COPY --from=build /app/.venv /app/.venv

ENV SERVICE=${SERVICE} \
    PATH=/app/.venv/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0

WORKDIR /app
# Numeric UID so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

# Shell form so ${SERVICE} is read from the environment at start; `exec` makes
# Python PID 1, so it receives SIGTERM directly and shuts down gracefully.
CMD exec python -m "ejustice_${SERVICE}"
