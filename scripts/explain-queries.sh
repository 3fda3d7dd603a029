#!/usr/bin/env bash
# Prints the query plans of the list statements behind sorting and every filter (level,
# kind, topic, year, author, venue, has, updated_since), concept lists and pages, and the
# change log, on SQLite and on PostgreSQL, over ROWS generated
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
UPDATE resources SET kind = CASE id % 5 WHEN 0 THEN 'course' WHEN 1 THEN 'video' ELSE 'paper' END;
-- 1 800 concepts (one in ten a metric); concept 1 is the topic of one resource in ten,
-- the others share the rest.
INSERT INTO concepts (slug, name, name_key, category, name_sort, created_at, updated_at)
SELECT 'topic-' || id, 'topic ' || id, 'topic-' || id, CASE WHEN id % 10 = 0 THEN 'metric' END,
       'topic' || id, created_at, updated_at FROM resources WHERE id <= 1800;
INSERT INTO links (source_type, source_id, relation, target_type, target_id, created_at)
SELECT 'concept', CASE WHEN id % 10 = 0 THEN 1 ELSE 2 + id % 1799 END, 'explained_by',
       'resource', id, created_at FROM resources;
INSERT INTO changes (entity, entity_id, slug, op, at)
SELECT 'resource', id, slug, 'create', created_at FROM resources;
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
level=beginner|SELECT $columns FROM resources r WHERE 1 = 1 AND r.level IN ('beginner') ORDER BY r.id ASC LIMIT 51
level=beginner, deep page|SELECT $columns FROM resources r WHERE 1 = 1 AND r.level IN ('beginner') AND r.id > $((rows / 2)) ORDER BY r.id ASC LIMIT 51
level=beginner (count)|SELECT COUNT(*) FROM resources r WHERE 1 = 1 AND r.level IN ('beginner')
level=beginner,advanced|SELECT $columns FROM resources r WHERE 1 = 1 AND r.level IN ('beginner', 'advanced') ORDER BY r.id ASC LIMIT 51
kind=course|SELECT $columns FROM resources r WHERE 1 = 1 AND r.kind IN ('course') ORDER BY r.id ASC LIMIT 51
topic=topic-1 (one in ten)|SELECT $columns FROM resources r WHERE 1 = 1 AND r.id IN (SELECT l.target_id FROM links l WHERE l.source_type = 'concept' AND l.target_type = 'resource' AND l.source_id IN (1)) ORDER BY r.id ASC LIMIT 51
topic=topic-7 (rare), count|SELECT COUNT(*) FROM resources r WHERE 1 = 1 AND r.id IN (SELECT l.target_id FROM links l WHERE l.source_type = 'concept' AND l.target_type = 'resource' AND l.source_id IN (7))
level+kind+topic|SELECT $columns FROM resources r WHERE 1 = 1 AND r.level IN ('beginner') AND r.kind IN ('course') AND r.id IN (SELECT l.target_id FROM links l WHERE l.source_type = 'concept' AND l.target_type = 'resource' AND l.source_id IN (1)) ORDER BY r.id ASC LIMIT 51
resource by slug|SELECT $columns FROM resources r WHERE r.slug = 'r-5000'
concepts category=metric|SELECT c.id FROM concepts c WHERE 1 = 1 AND c.category IN ('metric') ORDER BY c.id ASC LIMIT 51
concept page: first 101 resources|SELECT id FROM (SELECT id FROM links WHERE source_type = 'concept' AND source_id = 1 AND target_type = 'resource' ORDER BY target_id LIMIT 101) AS first_0
concept page: resource count|SELECT COUNT(*) FROM links WHERE source_type = 'concept' AND source_id = 1 AND target_type = 'resource'
changes since|SELECT seq, entity, entity_id, slug, op, at, actor FROM changes WHERE seq > $((rows / 2)) ORDER BY seq ASC LIMIT 100
citation keys by prefix (SQLite)|SELECT lower(citation_key) FROM resources WHERE lower(citation_key) >= 'smith2020' AND lower(citation_key) < 'smith2021' AND lower(citation_key) LIKE 'smith2020%' ESCAPE '\'
concepts citing a key|SELECT concept_id FROM concept_citations WHERE key_lower = 'smith2020' ORDER BY concept_id
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
  echo "VACUUM ANALYZE resources; VACUUM ANALYZE resource_authors; VACUUM ANALYZE concepts; VACUUM ANALYZE links; VACUUM ANALYZE changes;"
} | psql "$url" -q >/dev/null
while IFS='|' read -r name statement; do
  echo "-- $name"
  psql "$url" -At -c "EXPLAIN ANALYZE $statement" | sed 's/^/   /'
done <<<"$queries"
