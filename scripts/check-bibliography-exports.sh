#!/usr/bin/env bash
# Exports the bibliography fixtures (tests/fixtures/bib, and the imported .bib files of
# tests/fixtures/bibtex-patterns) in every BibTeX variant and runs
# scripts/validate-bibliography.sh on each.
#
# Usage: scripts/check-bibliography-exports.sh [OUT_DIR]   (default target/bib)
# Installs the tools first (scripts/install-bibliography-tools.sh; quiet when present).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$root/target/bib}

"$here/install-bibliography-tools.sh"
(cd "$root" && cargo run --quiet --example export-fixtures -- "$out" >"$out.warnings.txt")

status=0
for name in seed hard-cases bibtex-patterns aliases; do
  # Portable BibTeX, pdflatex-safe: all six checks.
  "$here/validate-bibliography.sh" "$out/$name.bib" || status=1
  # biblatex dialect: bibtexparser, biber's data model, pdflatex + biblatex + biber.
  "$here/validate-bibliography.sh" --dialect biblatex "$out/$name.biblatex.bib" || status=1
  # Portable BibTeX, UTF-8 throughout: the tools that read Unicode.
  "$here/validate-bibliography.sh" --checks bibtexparser,pybtex,biber,sphinx \
    "$out/$name.unicode.bib" || status=1
done
exit $status
