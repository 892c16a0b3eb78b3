#!/usr/bin/env bash
# Drift check of the REST contract: the OpenAPI document the server binary prints must equal the committed
# snapshot docs/openapi.json, and web/src/lib/openapi.ts must equal what openapi-typescript makes of that
# document. Exits non-zero, with a diff, when either is stale. (The WebSocket types are checked by
# `cargo test -p cahoot-protocol --lib typescript`.)
#
#   scripts/contracts-check.sh            # check
#   scripts/contracts-check.sh --update   # rewrite both files instead
#
# Environment (the tampering test points these at altered copies):
#   CAHOOT_BIN    server binary (default target/debug/cahoot, built if missing)
#   OPENAPI_JSON  snapshot to check (default docs/openapi.json)
#   OPENAPI_TS    generated TypeScript to check (default web/src/lib/openapi.ts)
# Needs node and the web dependencies (web/node_modules, `make web-deps`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CAHOOT_BIN:-$root/target/debug/cahoot}"
json_path="${OPENAPI_JSON:-$root/docs/openapi.json}"
ts_path="${OPENAPI_TS:-$root/web/src/lib/openapi.ts}"
openapi_typescript="$root/web/node_modules/.bin/openapi-typescript"

update=false
case "${1:-}" in
  "") ;;
  --update) update=true ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

if [[ ! -x "$bin" ]]; then
  [[ -z "${CAHOOT_BIN:-}" ]] || { echo "no server binary at $bin" >&2; exit 1; }
  (cd "$root" && cargo build -q -p cahoot-server)
fi
[[ -x "$openapi_typescript" ]] || { echo "no $openapi_typescript (make web-deps)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Pretty-printed, two spaces, final newline, so the snapshot diffs line by line in review. Key order is the
# binary's: utoipa keeps paths, schemas and properties in sorted maps, so it is already stable.
"$bin" openapi >"$work/raw.json"
node -e '
  const fs = require("node:fs");
  const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  fs.writeFileSync(process.argv[2], JSON.stringify(doc, null, 2) + "\n");
' "$work/raw.json" "$work/openapi.json"

# The TypeScript is made from the binary's document, not the committed one, so a stale snapshot cannot vouch
# for a stale openapi.ts.
"$openapi_typescript" "$work/openapi.json" --output "$work/openapi.ts" >/dev/null 2>"$work/openapi-typescript.log" || {
  cat "$work/openapi-typescript.log" >&2
  exit 1
}

if $update; then
  cp "$work/openapi.json" "$json_path"
  cp "$work/openapi.ts" "$ts_path"
  echo "contracts: wrote $json_path and $ts_path"
  exit 0
fi

stale=0
check() { # committed generated description
  if [[ ! -f "$1" ]]; then
    echo "contracts-check: $1 is missing ($3)" >&2
    stale=1
  elif ! diff -u --label "$1 (committed)" --label "$3 (expected)" "$1" "$2" >"$work/diff"; then
    echo "contracts-check: $1 is stale; regenerate with \`make contracts\`:" >&2
    head -n 60 "$work/diff" >&2
    stale=1
  fi
}
check "$json_path" "$work/openapi.json" "the OpenAPI document of $bin"
check "$ts_path" "$work/openapi.ts" "openapi-typescript of that document"
if [[ $stale -eq 0 ]]; then
  echo "contracts-check: docs/openapi.json and openapi.ts match the server"
fi
exit "$stale"
