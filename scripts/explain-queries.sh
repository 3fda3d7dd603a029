#!/usr/bin/env bash
# Prints the query plans of the list statements behind sorting and the year, author,
# venue, has and updated_since filters, on SQLite and on PostgreSQL, over ROWS generated
# resources (default 200 000), so that each one's index can be seen in use.
#
#   scripts/explain-queries.sh [ROWS]
#
# The statements are those `src/store/resources.rs` and `src/store/querying.rs` build
# (values inlined). Needs the sqlite3 and psql clients, and PostgreSQL at
# LORE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-200000}
admin=${LORE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
lore=target/release/lore
[ -x "$lore" ] || lore=target/debug/lore
[ -x "$lore" ] || { cargo build -q; lore=target/debug/lore; }

work=$(mktemp -d)
db="lore_explain_$$"
cleanup() {
  rm -rf "$work"
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Resources with a title, a year (none for one in ten), an author, a venue for one in
# four, a DOI for one in three, an arXiv id for one in five, a URL for half, and times
# spread over a year; the keys as lore writes them.
generate() { # $1: the rows to number, $2: a function of i for times
  cat <<SQL
INSERT INTO resources (slug, kind, title, title_key, url, level, year, journal, doi, arxiv_id,
                       title_sort, venue_key, created_at, updated_at)
SELECT 'r-' || i, 'paper', 'Title ' || (i * 7919 % $rows), 'title' || (i * 7919 % $rows),
       CASE WHEN i % 2 = 0 THEN 'https://example.org/' || i END,
       CASE i % 3 WHEN 0 THEN 'beginner' WHEN 1 THEN 'intermediate' ELSE 'advanced' END,
       CASE WHEN i % 10 <> 0 THEN 1990 + i % 35 END,
       CASE WHEN i % 4 = 0 THEN 'Journal ' || (i % 500) END,
       CASE WHEN i % 3 = 0 THEN '10.1000/' || i END,
       CASE WHEN i % 5 = 0 THEN '2101.' || i END,
       'title' || (i * 7919 % $rows),
       CASE WHEN i % 4 = 0 THEN 'journal' || (i % 500) END,
       $2, $2
FROM $1;
INSERT INTO resource_authors (resource_id, family_key)
SELECT id, 'family' || (id % 20000) FROM resources;
SQL
}

# name | statement (WHERE, ORDER BY and LIMIT as the store writes them)
columns="r.id, r.slug, r.title, r.year, r.created_at, r.updated_at"
queries=$(cat <<SQL
sort=title|SELECT $columns FROM resources r WHERE 1 = 1 ORDER BY r.title_sort ASC, r.id ASC LIMIT 51
sort=-title, next page|SELECT $columns FROM resources r WHERE 1 = 1 AND r.title_sort <= 'title5' AND (r.title_sort, r.id) < ('title5', 900) ORDER BY r.title_sort DESC, r.id DESC LIMIT 51
sort=-year, next page|SELECT $columns FROM resources r WHERE 1 = 1 AND COALESCE(r.year, -2147483648) <= 2015 AND (COALESCE(r.year, -2147483648), r.id) < (2015, 5000) ORDER BY COALESCE(r.year, -2147483648) DESC, r.id DESC LIMIT 51
sort=created_at, next page|SELECT $columns FROM resources r WHERE 1 = 1 AND r.created_at >= '2026-03-01T00:00:00Z' AND (r.created_at, r.id) > ('2026-03-01T00:00:00Z', 10) ORDER BY r.created_at ASC, r.id ASC LIMIT 51
sort=-updated_at|SELECT $columns FROM resources r WHERE 1 = 1 ORDER BY r.updated_at DESC, r.id DESC LIMIT 51
year=2015|SELECT $columns FROM resources r WHERE 1 = 1 AND (COALESCE(r.year, -2147483648) BETWEEN 2015 AND 2015) ORDER BY r.id ASC LIMIT 51
year=2015 (count)|SELECT COUNT(*) FROM resources r WHERE 1 = 1 AND (COALESCE(r.year, -2147483648) BETWEEN 2015 AND 2015)
year=..1991&sort=-year|SELECT $columns FROM resources r WHERE 1 = 1 AND (COALESCE(r.year, -2147483648) BETWEEN -2147483647 AND 1991) ORDER BY COALESCE(r.year, -2147483648) DESC, r.id DESC LIMIT 51
author=family42|SELECT $columns FROM resources r WHERE 1 = 1 AND r.id IN (SELECT a.resource_id FROM resource_authors a WHERE a.family_key IN ('family42')) ORDER BY r.id ASC LIMIT 51
author=family42 (count)|SELECT COUNT(*) FROM resources r WHERE 1 = 1 AND r.id IN (SELECT a.resource_id FROM resource_authors a WHERE a.family_key IN ('family42'))
venue=journal42|SELECT $columns FROM resources r WHERE 1 = 1 AND ((r.venue_key >= 'journal42' AND r.venue_key < 'journal43')) ORDER BY r.id ASC LIMIT 51
has=doi (count)|SELECT COUNT(*) FROM resources r WHERE 1 = 1 AND (r.doi IS NOT NULL)
has=arxiv|SELECT $columns FROM resources r WHERE 1 = 1 AND (r.arxiv_id IS NOT NULL) ORDER BY r.id ASC LIMIT 51
updated_since|SELECT $columns FROM resources r WHERE 1 = 1 AND r.updated_at >= '2026-12-20T00:00:00Z' ORDER BY r.id ASC LIMIT 51
updated_since&sort=updated_at|SELECT $columns FROM resources r WHERE 1 = 1 AND r.updated_at >= '2026-06-01T00:00:00Z' ORDER BY r.updated_at ASC, r.id ASC LIMIT 51
year=2015..2020&has=doi&sort=-year|SELECT $columns FROM resources r WHERE 1 = 1 AND (COALESCE(r.year, -2147483648) BETWEEN 2015 AND 2020) AND (r.doi IS NOT NULL) ORDER BY COALESCE(r.year, -2147483648) DESC, r.id DESC LIMIT 51
concepts sort=title|SELECT c.id FROM concepts c WHERE 1 = 1 ORDER BY c.name_sort ASC, c.id ASC LIMIT 51
SQL
)

echo "== SQLite, $rows resources"
"$lore" keys list --data-dir "$work" --database-url "sqlite://$work/lore.db?mode=rwc" >/dev/null
{
  echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)"
  generate "n" "strftime('%Y-%m-%dT%H:%M:%SZ', 1766000000 + i * 157, 'unixepoch')"
} | sqlite3 "$work/lore.db"
# lore does not run ANALYZE on SQLite: the plans are those of its planner's defaults.
while IFS='|' read -r name statement; do
  echo "-- $name"
  sqlite3 "$work/lore.db" "EXPLAIN QUERY PLAN $statement" | sed 's/^/   /'
done <<<"$queries"

echo
echo "== PostgreSQL, $rows resources"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
"$lore" keys list --data-dir "$work" --database-url "$url" >/dev/null
{
  generate "generate_series(1, $rows) AS n(i)" "to_char(to_timestamp(1766000000 + i * 157) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
  echo "VACUUM ANALYZE resources; VACUUM ANALYZE resource_authors;"
} | psql "$url" -q >/dev/null
while IFS='|' read -r name statement; do
  echo "-- $name"
  psql "$url" -At -c "EXPLAIN $statement" | sed 's/^/   /'
done <<<"$queries"
