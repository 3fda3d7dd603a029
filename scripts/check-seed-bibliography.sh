#!/usr/bin/env bash
# Imports the seed catalogue into a fresh store, exports it with `lore export` in every
# BibTeX variant (and as CSL-JSON and RIS), checks each with validate-bibliography.sh, and
# builds the user's own page (seed/deep-learning-basics.md, MyST, with its {bibliography}
# directive) with `sphinx-build -W` against the export, next to a page citing every key.
#
# Usage: scripts/check-seed-bibliography.sh [OUT_DIR]   (default target/seed-bib)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$root/target/seed-bib}
VENV=${LORE_BIB_VENV:-/opt/lore-bib-tools}

"$here/install-bibliography-tools.sh"
(cd "$root" && cargo build --quiet)
lore="$root/target/debug/lore"

rm -rf "$out" && mkdir -p "$out"
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT
export LORE_LOG=warn
"$lore" import --data-dir "$store" "$root/seed" >"$out/import.txt"
"$lore" export --data-dir "$store" -o "$out/seed.bib" 2>"$out/seed.warnings.txt"
"$lore" export --data-dir "$store" --dialect biblatex -o "$out/seed.biblatex.bib" 2>>"$out/seed.warnings.txt"
"$lore" export --data-dir "$store" --charset unicode -o "$out/seed.unicode.bib" 2>>"$out/seed.warnings.txt"
"$lore" export --data-dir "$store" --format csljson -o "$out/seed.csl.json"
"$lore" export --data-dir "$store" --format ris -o "$out/seed.ris"

status=0
"$here/validate-bibliography.sh" "$out/seed.bib" || status=1
"$here/validate-bibliography.sh" --dialect biblatex "$out/seed.biblatex.bib" || status=1
"$here/validate-bibliography.sh" --checks bibtexparser,pybtex,biber,sphinx "$out/seed.unicode.bib" || status=1
"$VENV/bin/python" -c 'import json, sys; items = json.load(open(sys.argv[1])); assert items and all("id" in i and "type" in i for i in items)' \
  "$out/seed.csl.json" || { echo "FAIL CSL-JSON"; status=1; }

# The user's book: their page as written, plus a page citing every exported key.
book="$out/book"
mkdir -p "$book"
cp "$root/seed/deep-learning-basics.md" "$book/"
cp "$out/seed.unicode.bib" "$book/references.bib"
cat >"$book/conf.py" <<'PY'
project = "Deep learning basics"
extensions = ["myst_parser", "sphinxcontrib.bibtex"]
bibtex_bibfiles = ["references.bib"]
root_doc = "index"
PY
# Every entry's key; the closing `@comment{lore: N entries}` is not an entry.
keys=$(grep -o '^@[a-z]*{[^,]*' "$book/references.bib" | grep -v '^@comment{' | sed 's/^@[a-z]*{//')
{
  printf '# Book\n\n```{toctree}\ndeep-learning-basics\ncitations\n```\n'
} >"$book/index.md"
{
  printf '# Citations\n\n'
  for key in $keys; do printf 'See {cite}`%s`.\n\n' "$key"; done
  printf '```{bibliography}\n:filter: docname in docnames\n```\n'
} >"$book/citations.md"
if build=$("$VENV/bin/sphinx-build" -W --keep-going -q -b html "$book" "$book/_build" 2>&1); then
  echo "PASS sphinx-build -W on the user's page with the exported references.bib"
else
  echo "FAIL sphinx-build -W on the user's page:"; echo "$build"; status=1
fi
exit $status
