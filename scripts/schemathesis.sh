#!/usr/bin/env bash
# Fuzzes every REST operation of a running `cahoot` with schemathesis (PyPI), driven by
# /api/openapi.json: once without credentials and once with a host's bearer token. Fails on any 5xx
# and on any response that violates the documented schema.
#
#   scripts/schemathesis.sh                 # bounded run (a few minutes)
#   ST_MAX_EXAMPLES=200 scripts/schemathesis.sh
#
# Needs: python3 with venv (schemathesis is installed into target/schemathesis-venv on first use) and a
# built binary (target/debug/cahoot, or $CAHOOT_BIN).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CAHOOT_BIN:-$root/target/debug/cahoot}"
venv="$root/target/schemathesis-venv"
max_examples="${ST_MAX_EXAMPLES:-25}"
st_version="${ST_VERSION:-4.32.5}"

[[ -x "$bin" ]] || { echo "no server binary at $bin (cargo build -p cahoot-server)" >&2; exit 1; }
if [[ ! -x "$venv/bin/st" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$st_version"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Throttles stay on but high, so they do not hide every other answer (they have their own tests).
CAHOOT_PORT=0 CAHOOT_DATA_DIR="$work/data" \
  CAHOOT_LOGIN_LIMIT_PER_ADDRESS=1000000 CAHOOT_REGISTER_LIMIT_PER_ADDRESS=1000000 \
  "$bin" serve >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
base=""
for _ in $(seq 1 600); do
  base="$(sed -n 's/^cahoot listening on \(http:[^ ]*\).*/\1/p' "$work/stdout" | head -n1)"
  [[ -n "$base" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$base" ]] || { echo "the server did not start" >&2; exit 1; }
echo "cahoot at $base"

token="$(curl -fsS -X POST "$base/api/auth/register" -H 'content-type: application/json' \
  -d '{"username":"fuzzhost","password":"correct horse battery staple"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
# A quiz and a live game exist, so ids and PINs can hit real resources too.
curl -fsS -X POST "$base/api/quizzes/sample" -H "authorization: Bearer $token" >/dev/null

checks="not_a_server_error,response_schema_conformance,content_type_conformance"
common=(--checks "$checks" --max-examples "$max_examples" --phases examples,coverage,fuzzing
  --workers 1 --request-timeout 10 --warnings off --no-color)

# No automatic sign-up: the first run must really be anonymous, the second uses our token.
printf '[auth]\nauto-signup = false\n' >"$work/schemathesis.toml"
st=("$venv/bin/st" --config-file "$work/schemathesis.toml")
cd "$work" # schemathesis keeps a cache in the working directory

status=0
echo "== without credentials"
"${st[@]}" run "$base/api/openapi.json" "${common[@]}" || status=1
echo "== as a signed-in host"
"${st[@]}" run "$base/api/openapi.json" "${common[@]}" \
  --header "Authorization: Bearer $token" \
  --exclude-path /api/auth/logout --exclude-path /api/auth/password || status=1

if grep -q '"level":"ERROR"\|ERROR' "$work/server.log"; then
  echo "the server logged errors:" >&2
  grep 'ERROR' "$work/server.log" | head -20 >&2
  status=1
fi
exit "$status"
