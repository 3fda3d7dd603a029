#!/usr/bin/env bash
# The search benchmark: for each corpus size (default: 100000 then 1000000 resources),
# generate the corpus, load it through lore's store, time a full index rebuild, load the
# same documents into PostgreSQL full-text search and SQLite FTS5, serve lore's /search
# and the comparison endpoints on one actix server, drive them with wrk, and write the
# figures to BENCHMARKS.md. Corpora are cached under target/bench-search/ (pass --fresh
# to regenerate); PostgreSQL is at LORE_BENCH_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres), where it creates lore_bench_N.
#
# usage: scripts/bench-search.sh [SIZE...] [--connections C] [--duration SECONDS] [--no-compare] [--fresh]
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=()
options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --connections|--duration) options+=("$1" "$2"); shift 2 ;;
    --no-compare|--fresh) options+=("$1"); shift ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing: installing Debian's package"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk; else sudo apt-get install -y -q wrk; fi
fi

cargo bench --bench search --no-run -q
for size in "${sizes[@]}"; do
  cargo bench --bench search -q -- run --docs "$size" "${options[@]}"
done
cargo bench --bench search -q -- report
