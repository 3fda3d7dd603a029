#!/usr/bin/env bash
# Runs schemathesis (every check) against a freshly built server over the seed catalogue,
# once on SQLite and once on PostgreSQL when LORE_TEST_POSTGRES_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v st >/dev/null 2>&1; then
  python3 -m pip install -q 'schemathesis>=4,<5'
fi
cargo build --release -q

run_against() {
  local database_url=$1 label=$2
  local data_dir port pid
  data_dir=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  args=(serve --bind "127.0.0.1:$port" --data-dir "$data_dir")
  [ -n "$database_url" ] && args+=(--database-url "$database_url")
  LORE_LOG=warn target/release/lore "${args[@]}" &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "schemathesis on $label (port $port)"
  st run "http://127.0.0.1:$port/openapi.json" --checks all --max-examples "${SCHEMATHESIS_EXAMPLES:-50}"
  kill $pid
  wait $pid 2>/dev/null || true
  rm -rf "$data_dir"
}

run_against "" SQLite
if [ -n "${LORE_TEST_POSTGRES_URL:-}" ]; then
  db="lore_schemathesis_$$"
  psql "$LORE_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  run_against "${LORE_TEST_POSTGRES_URL%/*}/$db" PostgreSQL
  psql "$LORE_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
fi
