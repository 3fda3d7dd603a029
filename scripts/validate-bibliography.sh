#!/usr/bin/env bash
# Checks a BibTeX file the way the tools that read lore's exports do, and fails on any
# warning, not only on errors (bibtex and biber exit 0 when they warn).
#
# Usage: scripts/validate-bibliography.sh [--dialect bibtex|biblatex] [--checks LIST]
#                                         [--keep DIR] FILE.bib
#
# Checks (LIST is comma-separated; the default depends on the dialect):
#   bibtexparser  bibtexparser 2 parses it: no failed blocks, no keys equal ignoring case,
#                 nothing outside entries but a last `@comment{lore: N entries}` whose N
#                 is the number of entries, and before it the export's replacement lines
#                 `@comment{lore: KEY FIELD: TEXT written as SUBSTITUTE (HOW)}`
#   pybtex        pybtex in strict mode parses it and formats it with `unsrt`
#                 (text, LaTeX and HTML back ends)
#   bibtex        pdflatex + natbib + hyperref + bibtex with plainnat: no `Warning--` or
#                 error in the .blg, no `!` error, missing character or undefined
#                 citation in the .log
#   biber         `biber --tool --validate-datamodel`: no WARN or ERROR
#   biblatex      pdflatex + biblatex (authoryear) + biber: no WARN/ERROR from biber, no
#                 `!` error, missing character or undefined citation in the .log
#   sphinx        `sphinx-build -W` with sphinxcontrib-bibtex on a page citing every key
# Dialect bibtex (the default) runs all six; dialect biblatex runs bibtexparser, biber and
# biblatex (bibtex, pybtex and Sphinx do not know biblatex's types and fields).
#
# The LaTeX documents load \usepackage[utf8]{inputenc}, \usepackage[T1]{fontenc} and
# lmodern, the setup lore's pdflatex-safe export targets. Tools come from
# scripts/install-bibliography-tools.sh (Python ones from $LORE_BIB_VENV,
# default /opt/lore-bib-tools).
set -uo pipefail

dialect=bibtex
checks=""
keep=""
while (($#)); do
  case "$1" in
    --dialect) dialect=$2; shift 2 ;;
    --checks) checks=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) echo "validate-bibliography: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if (($# != 1)); then
  echo "usage: $0 [--dialect bibtex|biblatex] [--checks LIST] [--keep DIR] FILE.bib" >&2
  exit 2
fi
bib=$(realpath "$1")
[[ -f "$bib" ]] || { echo "validate-bibliography: no such file: $1" >&2; exit 2; }
case "$dialect" in
  bibtex) : "${checks:=bibtexparser,pybtex,bibtex,biber,biblatex,sphinx}" ;;
  biblatex) : "${checks:=bibtexparser,biber,biblatex}" ;;
  *) echo "validate-bibliography: dialect is bibtex or biblatex, not $dialect" >&2; exit 2 ;;
esac

VENV=${LORE_BIB_VENV:-/opt/lore-bib-tools}
PY="$VENV/bin/python"
[[ -x "$PY" ]] || PY=python3

if [[ -n "$keep" ]]; then
  work=$(realpath -m "$keep"); rm -rf "$work"; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
cp "$bib" "$work/refs.bib"
cd "$work" || exit 2

failed=()
pass() { printf '  ok    %s\n' "$1"; }
fail() {
  local name=$1
  shift
  printf '  FAIL  %s\n' "$name"
  printf '%s\n' "$@" | sed 's/^/        /' | head -40
  failed+=("$name")
}
want() { [[ ",$checks," == *",$1,"* ]]; }

# The keys, in file order, for documents that cite every entry: each entry's key and
# the aliases its biblatex `ids` field lists (so citing an alias is checked too).
keys=$("$PY" - refs.bib <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
keys = []
for entry in re.split(r"(?m)^(?=@)", text):
    head = re.match(r"@\w+\{([^,\s]+),", entry)
    if not head:
        continue
    keys.append(head.group(1))
    ids = re.search(r"(?m)^\s*ids = \{([^}]*)\}", entry)
    if ids:
        keys.extend(k.strip() for k in ids.group(1).split(",") if k.strip())
print("\n".join(keys))
PY
)
if [[ -z "$keys" ]]; then
  echo "validate-bibliography: $1 holds no entries" >&2
  exit 1
fi
keylist=$(paste -sd, <<<"$keys")

echo "validate-bibliography: $1 ($(wc -l <<<"$keys") keys to cite, dialect $dialect)"

if want bibtexparser; then
  out=$("$PY" - refs.bib 2>&1 <<'PY'
import re
import sys
import bibtexparser
from bibtexparser.model import Entry, ExplicitComment, ImplicitComment, String, Preamble
lib = bibtexparser.parse_file(sys.argv[1])
problems = []
for block in lib.failed_blocks:
    problems.append(f"failed block at line {block.start_line}: {type(block).__name__}: "
                    f"{getattr(block, 'error', '')}")
# lore's export trailer, `@comment{lore: N entries}`, may end the file, with N its entries.
trailer = None
last = [b for b in lib.blocks if not (isinstance(b, ImplicitComment) and not b.comment.strip())][-1:]
if last and isinstance(last[0], ExplicitComment):
    m = re.fullmatch(r"lore: (\d+) entries", last[0].comment.strip())
    if m:
        trailer = last[0]
        if int(m.group(1)) != len(lib.entries):
            problems.append(f"the trailer counts {m.group(1)} entries, the file holds {len(lib.entries)}")
# Before it, `@comment{lore: KEY FIELD: TEXT written as SUBSTITUTE (HOW)}` lines list the
# characters a pdflatex-safe export replaced.
# `@comment{lore: ALIAS is an alias of KEY}` says an entry copies another under an alias.
replacement = re.compile(r"lore: \S+ \S+: .+ written as .+ \((transliterated|as math|removed)\)"
                         r"|lore: \d+ more replacements"
                         r"|lore: \S+ is an alias of \S+", re.S)
for block in lib.blocks:
    if block is trailer:
        continue
    if isinstance(block, ExplicitComment) and replacement.fullmatch(block.comment.strip()):
        continue
    if isinstance(block, (ExplicitComment, String, Preamble)):
        problems.append(f"not an entry at line {block.start_line}: {type(block).__name__}")
    if isinstance(block, ImplicitComment) and block.comment.strip():
        problems.append(f"text outside entries at line {block.start_line}: {block.comment.strip()[:60]!r}")
seen = {}
for entry in lib.entries:
    k = entry.key.lower()
    if k in seen:
        problems.append(f"duplicate key ignoring case: {seen[k]} and {entry.key}")
    seen[k] = entry.key
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
  )
  if [[ $? -eq 0 ]]; then pass bibtexparser; else fail bibtexparser "$out"; fi
fi

if want pybtex; then
  out=$("$PY" - refs.bib 2>&1 <<'PY'
import sys
import pybtex.errors
pybtex.errors.set_strict_mode(True)
from pybtex.database import parse_file
from pybtex.plugin import find_plugin
data = parse_file(sys.argv[1], bib_format="bibtex")
style = find_plugin("pybtex.style.formatting", "unsrt")()
formatted = list(style.format_bibliography(data))
for backend in ("text", "latex", "html"):
    b = find_plugin("pybtex.backends", backend)()
    for entry in formatted:
        entry.text.render(b)
print(f"{len(formatted)} entries formatted")
PY
  )
  if [[ $? -eq 0 ]]; then pass pybtex; else fail pybtex "$out"; fi
fi

# A LaTeX log's problems: errors (a "! " line that TeX follows with the "l.NNN" input
# line, so a box dump of text that starts with "! " does not count), characters the font
# lacks, undefined citations, requests to rerun.
log_problems() {
  "$PY" - "$1" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
out = []
for i, line in enumerate(lines):
    if line.startswith("! ") and (
        any(re.match(r"l\.\d+", l) for l in lines[i + 1 : i + 12])
        or "Emergency stop" in line or "Fatal error" in line
    ):
        out += lines[i : i + 3]
    elif re.search(r"Missing character|Citation .* undefined|There were undefined "
                   r"(references|citations)|Please \(re\)run", line):
        out += lines[i : i + 2]
print("\n".join(out[:60]))
PY
}

preamble='\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\tracinglostchars=3'

if want bibtex; then
  mkdir -p natbib && cp refs.bib natbib/
  cite_all=$(sed 's/.*/\\citet{&}\\par/' <<<"$keys")
  cat > natbib/doc.tex <<EOF
$preamble
\usepackage{natbib}
\usepackage{hyperref}
\begin{document}
$cite_all
\citep{$keylist}
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
EOF
  (
    cd natbib &&
      pdflatex -interaction=nonstopmode -halt-on-error doc >/dev/null 2>&1
      bibtex doc >/dev/null 2>&1
      pdflatex -interaction=nonstopmode doc >/dev/null 2>&1
      pdflatex -interaction=nonstopmode doc >/dev/null 2>&1
      true
  )
  # A bare % in the .bbl comments out the rest of its line: LaTeX says nothing.
  bare_percent=$("$PY" - natbib/doc.bbl <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
# \url{...} and \doi{...} read their argument verbatim; % is fine there.
text = re.sub(r"\\(url|doi)\{[^{}]*\}", "", text)
for n, line in enumerate(text.splitlines(), 1):
    if re.search(r"(?<!\\)%", line):
        print(f"bare % in doc.bbl (truncates the line in LaTeX): {line.strip()[:80]}")
PY
  )
  problems=$( { grep -a -E -A2 'Warning--|error message|^I couldn'\''t|---line [0-9]+ of file' natbib/doc.blg; log_problems natbib/doc.log; echo "$bare_percent"; } 2>&1 | sed '/^$/d')
  if [[ -z "$problems" && -s natbib/doc.pdf ]]; then pass "bibtex (plainnat, natbib, hyperref)"; else fail "bibtex (plainnat, natbib, hyperref)" "$problems"; fi
fi

if want biber; then
  mkdir -p tool && cp refs.bib tool/
  out=$(cd tool && biber --tool --validate-datamodel --output-file=checked.bib refs.bib 2>&1)
  problems=$(grep -a -E '^(WARN|ERROR)|^FATAL' <<<"$out")
  if [[ -z "$problems" ]]; then pass "biber --tool --validate-datamodel"; else fail "biber --tool --validate-datamodel" "$problems"; fi
fi

if want biblatex; then
  mkdir -p biblatex && cp refs.bib biblatex/
  cite_all=$(sed 's/.*/\\textcite{&}\\par/' <<<"$keys")
  cat > biblatex/doc.tex <<EOF
$preamble
\usepackage[backend=biber,style=authoryear]{biblatex}
\usepackage{hyperref}
\addbibresource{refs.bib}
\begin{document}
$cite_all
\parencite{$keylist}
\printbibliography
\end{document}
EOF
  biber_out=$(
    cd biblatex &&
      pdflatex -interaction=nonstopmode doc >/dev/null 2>&1
      biber doc 2>&1
      pdflatex -interaction=nonstopmode doc >/dev/null 2>&1
      pdflatex -interaction=nonstopmode doc >/dev/null 2>&1
  )
  problems=$( { grep -a -E '^(WARN|ERROR|FATAL)' <<<"$biber_out"; log_problems biblatex/doc.log; } 2>&1 | sed '/^$/d')
  if [[ -z "$problems" && -s biblatex/doc.pdf ]]; then pass "biblatex + biber (authoryear, hyperref)"; else fail "biblatex + biber (authoryear, hyperref)" "$problems"; fi
fi

if want sphinx; then
  mkdir -p sphinx/src && cp refs.bib sphinx/src/
  cat > sphinx/src/conf.py <<'EOF'
project = "lore bibliography check"
extensions = ["sphinxcontrib.bibtex"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "unsrt"
exclude_patterns = ["_build"]
EOF
  {
    echo "Bibliography"
    echo "============"
    echo
    sed 's/.*/- :cite:p:`&`/' <<<"$keys"
    echo
    echo ".. bibliography::"
  } > sphinx/src/index.rst
  out=$("$VENV/bin/sphinx-build" -W --keep-going -q -b html sphinx/src sphinx/out 2>&1)
  status=$?
  if [[ $status -eq 0 ]]; then pass "sphinx-build -W (sphinxcontrib-bibtex)"; else fail "sphinx-build -W (sphinxcontrib-bibtex)" "$out"; fi
fi

if ((${#failed[@]})); then
  echo "validate-bibliography: $1: ${#failed[@]} check(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "validate-bibliography: $1: all checks passed"
