#!/usr/bin/env bash
# Lints and renders every chart under deploy/helm with `helm lint --strict` and `helm template`, with its
# production (default) and development values. `scripts/helm-check.sh path` prints the cached helm's path.
# Helm is built once from its Go module and cached outside the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EJUSTICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ejustice}"
HELM_VERSION="v3.16.4"
HELM="$CACHE/helm-$HELM_VERSION/helm"

if [ ! -x "$HELM" ]; then
  command -v go >/dev/null || { echo "helm-check: needs Go to build helm" >&2; exit 1; }
  echo "[helm] building helm $HELM_VERSION (once; cached in $CACHE)" >&2
  GOBIN="$CACHE/helm-$HELM_VERSION" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
fi

[ "${1:-}" = path ] && { echo "$HELM"; exit 0; }

# Keep helm's own state out of the home folder and the repository.
export HELM_CACHE_HOME="$CACHE/helm-home/cache" HELM_CONFIG_HOME="$CACHE/helm-home/config" \
       HELM_DATA_HOME="$CACHE/helm-home/data"

cd "$ROOT/deploy/helm"
"$HELM" lint --strict ejustice-service
for chart in filing notification payment registry gateway; do
  "$HELM" dependency build "$chart" >/dev/null
  # The chart's defaults are the production values; values-development.yaml is the development install.
  "$HELM" lint --strict "$chart"
  "$HELM" lint --strict "$chart" -f "$chart/values-development.yaml"
  "$HELM" template "$chart" "$chart" --namespace ejustice >/dev/null
  "$HELM" template "$chart" "$chart" --namespace ejustice -f "$chart/values-development.yaml" >/dev/null
  echo "[helm] $chart: lint and template ok"
done
