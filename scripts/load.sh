#!/usr/bin/env bash
# The standard load scenarios of docs/load-testing.md (`make load`): release builds, then
#   1. HTTP: JWT-protected read/write vs /healthz through HAProxy on a fresh 2-instance cluster,
#   2. the same endpoint with wrk beside cahoot-load (cross-check),
#   3. one game at 100 / 1 000 / 5 000 / 10 000 players, embedded and on a 2-instance cluster,
#   4. failover: 200, 1 000 and 10 000 players, SIGKILL of the busiest instance mid-question,
# writing JSON results and SVG charts to docs/load/ (OUT=dir to change) and a summary table.
# SCENARIOS="http wrk embedded cluster failover" selects a subset; PLAYERS="100 1000" the game sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-docs/load}
SCENARIOS=${SCENARIOS:-http wrk embedded cluster failover}
PLAYERS=${PLAYERS:-100 1000 5000 10000}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

# line-tables-only debug info: perf can name functions; the code is the same as a plain release build.
export CARGO_PROFILE_RELEASE_DEBUG=${CARGO_PROFILE_RELEASE_DEBUG:-line-tables-only}
cargo build --release -q -p cahoot-server -p cahoot-load -p cahoot-cluster
export CAHOOT_BIN=$PWD/target/release/cahoot
LOAD=$PWD/target/release/cahoot-load
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }

has() { [[ " $SCENARIOS " == *" $1 "* ]]; }

if has http; then
  "$LOAD" http --cluster 2 --baseline --endpoints me,read,write -c 32 -d 10 --json "$OUT/http-cluster2.json" --svg-dir "$OUT" --name http-cluster2
fi

if has wrk && command -v wrk >/dev/null; then
  # One cluster for both tools, so the numbers are side by side on the same deployment.
  PORT=18480
  ./target/release/cahoot-cluster -n 2 --port $PORT --cahoot-bin "$CAHOOT_BIN" >"$OUT/.cluster.log" 2>&1 &
  CLUSTER=$!
  trap 'kill -INT $CLUSTER 2>/dev/null; wait $CLUSTER 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
  BODY='{"username":"wrk_user","password":"load test password 4 cahoot"}'
  TOKEN=$(curl -fs -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/api/auth/register" |
    sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  export TOKEN
  {
    echo "## wrk -t2 -c32 -d10s GET /healthz"
    wrk -t2 -c32 -d10s --latency "http://127.0.0.1:$PORT/healthz"
    echo "## wrk -t2 -c32 -d10s GET /api/quizzes (Authorization: Bearer)"
    wrk -t2 -c32 -d10s --latency -s scripts/wrk-auth.lua "http://127.0.0.1:$PORT/api/quizzes"
  } | tee "$OUT/wrk-cluster2.txt"
  "$LOAD" http --url "http://127.0.0.1:$PORT" --baseline --endpoints read -c 32 -d 10 \
    --json "$OUT/http-crosscheck.json"
  kill -INT $CLUSTER; wait $CLUSTER 2>/dev/null || true
  trap - EXIT
fi

for p in $PLAYERS; do
  if has embedded; then
    "$LOAD" game --embedded -p "$p" -q 3 --json "$OUT/game-embedded-$p.json" --svg-dir "$OUT" --name "game-embedded-$p"
  fi
  if has cluster; then
    # One HAProxy process carries ~9 900 clients under a 20 000 open-files limit: 10 000 go direct.
    direct=""; [ "$p" -ge 9000 ] && direct="--direct"
    "$LOAD" game --cluster 2 $direct -p "$p" -q 3 --json "$OUT/game-cluster2-$p.json" --svg-dir "$OUT" --name "game-cluster2-$p"
  fi
done

if has failover; then
  "$LOAD" failover --cluster 2 -p 200 -q 2 --kill-at question:1:mid --assert-no-loss \
    --json "$OUT/failover-200.json" --svg-dir "$OUT" --name failover-200
  timeout 300 "$LOAD" failover --cluster 2 -p 1000 -q 3 --kill-at question:1:mid --assert-no-loss \
    --json "$OUT/failover-1000.json" --svg-dir "$OUT" --name failover-1000
  # Half of 10 000 players reconnect at once to the survivor (direct: see the HAProxy limit above).
  timeout 600 "$LOAD" failover --cluster 2 --direct -p 10000 -q 3 --kill-at question:1:mid --assert-no-loss \
    --json "$OUT/failover-10000.json" --svg-dir "$OUT" --name failover-10000
fi

"$LOAD" report "$OUT"/*.json | tee "$OUT/summary.md"
