#!/usr/bin/env bash
# Shows that scripts/contracts-check.sh fails when it should: it must pass on faithful copies of the committed
# files and fail on each deliberately altered copy (the committed files are never touched).
#
#   CAHOOT_BIN=target/debug/cahoot scripts/contracts-check.test.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CAHOOT_BIN="${CAHOOT_BIN:-$root/target/debug/cahoot}"
checker="$root/scripts/contracts-check.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OPENAPI_JSON="$work/openapi.json" OPENAPI_TS="$work/openapi.ts"

passed=0
failed=0
reset() {
  cp "$root/docs/openapi.json" "$OPENAPI_JSON"
  cp "$root/web/src/lib/openapi.ts" "$OPENAPI_TS"
}
expect() { # want(0|fail) name
  local want="$1" name="$2" status=0
  "$checker" >"$work/out" 2>&1 || status=$?
  if { [[ "$want" == 0 && $status -eq 0 ]] || [[ "$want" == fail && $status -ne 0 && $status -ne 2 ]]; }; then
    echo "ok - $name (exit $status)"
    passed=$((passed + 1))
  else
    echo "not ok - $name: wanted $want, got exit $status"
    sed 's/^/    /' "$work/out"
    failed=$((failed + 1))
  fi
}
# Replaces the first occurrence of $2 by $3 in file $1 and insists that something changed.
tamper() {
  node -e '
    const fs = require("node:fs");
    const [file, from, to] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    if (!text.includes(from)) { console.error(`${from} not in ${file}`); process.exit(1); }
    fs.writeFileSync(file, text.replace(from, to));
  ' "$@" || { echo "not ok - cannot tamper $1"; failed=$((failed + 1)); }
}

reset
expect 0 "faithful copies pass"

reset
tamper "$OPENAPI_JSON" '"invalid_json",' ''
expect fail "snapshot missing an error code fails"

reset
tamper "$OPENAPI_JSON" '"/api/quizzes"' '"/api/quizes"'
expect fail "snapshot with a renamed path fails"

reset
node -e 'const f=process.argv[1];const fs=require("node:fs");fs.writeFileSync(f,JSON.stringify(JSON.parse(fs.readFileSync(f,"utf8"))))' "$OPENAPI_JSON"
expect fail "same document, not pretty-printed, fails (the snapshot is byte-exact)"

reset
tamper "$OPENAPI_TS" '"invalid_json" |' ''
expect fail "openapi.ts missing an error code fails"

reset
tamper "$OPENAPI_TS" 'code: components["schemas"]["ErrorCode"];' 'code: string;'
expect fail "openapi.ts with ErrorBody.code widened to string fails"

reset
rm "$OPENAPI_TS"
expect fail "missing openapi.ts fails"

echo "contracts-check tampering: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
