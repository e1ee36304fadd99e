#!/usr/bin/env python3
"""Static checks of ops/ that need no cluster, engine or build (run by check_ops.sh):

- every YAML file of ops/ parses; the Kubernetes manifests have the kinds, probes and
  grace periods the runbook relies on; the ConfigMap copies match the repository's files;
- the KEDA triggers name real queues under the configured prefix;
- every metric the alerts and the Grafana dashboard use is exported by the code (or by
  json_exporter / Prometheus / blackbox_exporter);
- the dashboard's queries are written to a rules file for promtool to parse (argv[1]).
"""
import glob
import json
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.environ.get("KICKOFF_SRC", ROOT)
errors = []


def fail(msg):
    errors.append(msg)


def rel(path):
    return os.path.relpath(path, ROOT)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# 1. Every YAML file parses.
yaml_files = sorted(
    glob.glob(os.path.join(ROOT, "ops", "**", "*.yaml"), recursive=True)
    + glob.glob(os.path.join(ROOT, "ops", "**", "*.yml"), recursive=True)
)
docs = {}
for path in yaml_files:
    try:
        docs[path] = load_all(path)
    except yaml.YAMLError as e:
        fail(f"{rel(path)}: {e}")

k8s = {}
for path, ds in docs.items():
    if "/ops/k8s/" in path:
        for d in ds:
            k8s[(d.get("kind"), d.get("metadata", {}).get("name"))] = (d, path)


def need(kind, name):
    if (kind, name) not in k8s:
        fail(f"ops/k8s: no {kind} {name}")
        return None
    return k8s[(kind, name)][0]


def container(dep):
    return dep["spec"]["template"]["spec"]["containers"][0]


def job_timeouts():
    """Each queue's longest job time limit, from the job catalogue (jobs/src/catalogue.rs)."""
    with open(os.path.join(ROOT, "jobs", "src", "catalogue.rs"), encoding="utf-8") as f:
        text = f.read()
    longest = {}
    # One line per kind in `catalogue!`: `Type: "kind", queues::QUEUE, JobPolicy::new(attempts, base, cap, timeout);`
    pattern = r'\w+: "\w+", queues::(\w+), JobPolicy::new\(\s*[\d_]+,\s*[\d_]+,\s*[\d_]+,\s*([\d_]+)\s*\);'
    for queue, secs in re.findall(pattern, text):
        q = queue.lower()
        longest[q] = max(longest.get(q, 0), int(secs.replace("_", "")))
    if len(longest) < 8:
        fail(f"jobs/src/catalogue.rs: found the time limits of only {sorted(longest)}")
    return longest


def worker_grace(where, args):
    """The grace period of a `kickoff worker` command: --grace-secs, or the default (the
    longest time limit of the queues served, plus 5 s). A grace period shorter than a
    served queue's longest job cuts such jobs on every stop."""
    timeouts = job_timeouts()
    queues = timeouts.keys()
    if "--queues" in args:
        queues = args[args.index("--queues") + 1].split(",")
    longest = max(timeouts.get(q, 0) for q in queues)
    if "--grace-secs" not in args:
        return longest + 5
    grace = int(args[args.index("--grace-secs") + 1])
    if grace < longest:
        fail(f"{where}: --grace-secs {grace} is below the longest job time limit of its queues ({longest} s)")
    return grace


# 2. Kubernetes: the three roles, probes, budgets, grace, config copies.
api = need("Deployment", "kickoff-api")
if api:
    c = container(api)
    if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health":
        fail("kickoff-api: liveness probe must GET /health")
    if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/ready":
        fail("kickoff-api: readiness probe must GET /ready")
    if not c.get("resources", {}).get("limits") or not c.get("resources", {}).get("requests"):
        fail("kickoff-api: resources requests and limits")
for name in ("kickoff-api", "kickoff-worker", "kickoff-scheduler"):
    need("PodDisruptionBudget", name)
need("Service", "kickoff-api")
need("Job", "kickoff-migrate")
need("Secret", "kickoff-secrets")
worker = need("Deployment", "kickoff-worker")
if worker:
    c = container(worker)
    args = c.get("args", [])
    grace = worker_grace("ops/k8s/worker.yaml", args)
    tgps = worker["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    if tgps <= grace:
        fail(f"kickoff-worker: terminationGracePeriodSeconds {tgps} must exceed the grace period {grace}")
sched = need("Deployment", "kickoff-scheduler")
if sched and sched["spec"].get("replicas") != 2:
    fail("kickoff-scheduler: 2 replicas")

cm = need("ConfigMap", "kickoff-config")
if cm:
    for key, path in (("production.toml", "ops/config/production.toml"), ("schedules.toml", "schedules.toml")):
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            if cm["data"].get(key) != f.read():
                fail(f"ops/k8s/config.yaml: {key} differs from {path}")
jcm = need("ConfigMap", "kickoff-json-exporter")
if jcm:
    with open(os.path.join(ROOT, "ops/prometheus/json_exporter.yml"), encoding="utf-8") as f:
        if jcm["data"].get("config.yml") != f.read():
            fail("ops/k8s/json-exporter.yaml: config.yml differs from ops/prometheus/json_exporter.yml")

# 2b. Redis, where the queues live: AOF on and no eviction, in compose and Kubernetes
# (the workers refuse anything else).
def redis_durable(where, words):
    text = " ".join(words)
    if not re.search(r"--appendonly\s+yes", text):
        fail(f"{where}: Redis must run with --appendonly yes")
    if not re.search(r"--maxmemory-policy\s+noeviction", text):
        fail(f"{where}: Redis must run with --maxmemory-policy noeviction")


redis_sts = need("StatefulSet", "redis")
if redis_sts:
    c = container(redis_sts)
    redis_durable("ops/k8s/redis.yaml", c.get("command", []) + c.get("args", []))
    if "--maxmemory" not in c.get("args", []):
        fail("ops/k8s/redis.yaml: set --maxmemory below the container's memory limit")
    if not redis_sts["spec"].get("volumeClaimTemplates"):
        fail("ops/k8s/redis.yaml: the AOF needs a persistent volume (volumeClaimTemplates)")
compose = docs.get(os.path.join(ROOT, "ops", "compose.yaml"), [{}])[0]
compose_worker = compose.get("services", {}).get("worker")
if not compose_worker:
    fail("ops/compose.yaml: no worker service")
else:
    cmd = compose_worker.get("command", [])
    grace = worker_grace("ops/compose.yaml", cmd if isinstance(cmd, list) else cmd.split())
    stop = str(compose_worker.get("stop_grace_period", "10s"))
    secs = int(stop[:-1]) * {"s": 1, "m": 60}[stop[-1]] if stop[-1] in "sm" else int(stop)
    if secs <= grace:
        fail(f"ops/compose.yaml: worker stop_grace_period {stop} must exceed the grace period {grace} s")
redis_svc = compose.get("services", {}).get("redis")
if redis_svc is None:
    fail("ops/compose.yaml: no redis service")
else:
    cmd = redis_svc.get("command", [])
    redis_durable("ops/compose.yaml", cmd if isinstance(cmd, list) else [cmd])
    if not any(str(v).endswith(":/data") for v in redis_svc.get("volumes", [])):
        fail("ops/compose.yaml: the redis service needs a volume at /data")

# 3. KEDA: `{prefix}{queue}:active` of a real queue, metadata values are strings.
env_cm = need("ConfigMap", "kickoff-env")
queues_src = open(os.path.join(SRC, "jobs/src/catalogue.rs"), encoding="utf-8").read()
queues = set(re.findall(r'pub const [A-Z]+: &str = "([a-z]+)";', queues_src))
so = need("ScaledObject", "kickoff-worker")
if so and env_cm:
    prefix = "kickoff:{env}:".replace("{env}", env_cm["data"]["KICKOFF_ENV"])
    if so["spec"]["scaleTargetRef"]["name"] != "kickoff-worker":
        fail("ScaledObject must target kickoff-worker")
    for trig in so["spec"]["triggers"]:
        md = trig["metadata"]
        for k, v in md.items():
            if not isinstance(v, str):
                fail(f"ScaledObject trigger metadata {k}: must be a string, got {v!r}")
        m = re.fullmatch(re.escape(prefix) + r"([a-z]+):active", md.get("listName", ""))
        if not m or m.group(1) not in queues:
            fail(f"ScaledObject listName {md.get('listName')!r}: not {prefix}<queue>:active of a known queue {sorted(queues)}")

# 4. Metric names.
exported = set()
for path in glob.glob(os.path.join(SRC, "**", "*.rs"), recursive=True):
    if "/target/" in path:
        continue
    with open(path, encoding="utf-8") as f:
        exported |= set(re.findall(r'"((?:kickoff_|request_duration)[a-z_]+)"', f.read()))
jx = load_all(os.path.join(ROOT, "ops/prometheus/json_exporter.yml"))[0]
for module in jx["modules"].values():
    for m in module["metrics"]:
        if m.get("type") == "object":
            exported |= {f"{m['name']}_{v}" for v in m["values"]}
        else:
            exported.add(m["name"])
OTHERS = {"up", "probe_success"}

exprs = []
for group in docs.get(os.path.join(ROOT, "ops/prometheus/alerts.yml"), [{}])[0].get("groups", []):
    for rule in group["rules"]:
        exprs.append((f"alert {rule.get('alert')}", rule["expr"]))
with open(os.path.join(ROOT, "ops/grafana/dashboards/kickoff.json"), encoding="utf-8") as f:
    dash = json.load(f)
panel_exprs = []
for p in dash["panels"]:
    for t in p.get("targets", []):
        panel_exprs.append((f"panel {p['title']!r}", t["expr"]))
        if p.get("datasource", {}).get("uid") != "prometheus":
            fail(f"panel {p['title']!r}: datasource uid must be `prometheus` (provisioned)")
exprs += panel_exprs

name_re = re.compile(r"\b((?:kickoff_|request_duration_seconds)[a-z_]*|up|probe_success)\b(?!\s*[=~!]|\s*\()")
for where, expr in exprs:
    # Label values are quoted; drop them before looking for names.
    bare = re.sub(r'"[^"]*"', '""', expr)
    for name in set(name_re.findall(bare)):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in exported and base not in exported and name not in OTHERS:
            fail(f"{where}: metric {name} is not exported by the code ({SRC}) nor by the exporters")

# 5. Dashboard queries as recording rules, for promtool to parse.
if len(sys.argv) > 1:
    rules = []
    for i, (where, expr) in enumerate(panel_exprs):
        e = expr.replace("$__rate_interval", "5m").replace("$queue", ".*")
        rules.append({"record": f"dashboard:query_{i}", "expr": e})
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)

if errors:
    for e in errors:
        print(f"FAIL {e}", file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(yaml_files)} YAML files, {len(k8s)} Kubernetes objects, {len(exprs)} queries use exported metrics")
