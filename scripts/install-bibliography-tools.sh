#!/usr/bin/env bash
# Installs the external tools scripts/validate-bibliography.sh runs on lore's BibTeX
# exports:
#   Debian: bibtex, pdflatex (natbib, hyperref, lmodern) and biblatex + biber;
#   PyPI:   bibtexparser 2, pybtex, Sphinx, sphinxcontrib-bibtex and myst-parser, in their own
#           virtualenv ($LORE_BIB_VENV, default /opt/lore-bib-tools) so they never
#           change the versions of packages the machine already has.
#
# Idempotent and quiet: prints nothing when everything is already there.
# Needs root (or sudo) for apt-get; about 185 MB to download the first time.
set -euo pipefail

VENV=${LORE_BIB_VENV:-/opt/lore-bib-tools}
PYTHON=${PYTHON:-python3}
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"

have_tex() {
  command -v pdflatex >/dev/null 2>&1 && command -v bibtex >/dev/null 2>&1 &&
    command -v biber >/dev/null 2>&1 && command -v kpsewhich >/dev/null 2>&1 || return 1
  local f
  for f in natbib.sty plainnat.bst hyperref.sty url.sty biblatex.sty lmodern.sty t1lmr.fd; do
    kpsewhich "$f" >/dev/null || return 1
  done
}

if ! have_tex; then
  echo "install-bibliography-tools: installing TeX Live parts and biber (apt-get)" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    texlive-latex-base texlive-latex-recommended texlive-latex-extra \
    texlive-bibtex-extra biber lmodern >/dev/null
fi

have_py() {
  [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m
import sys
if not m.version("bibtexparser").startswith("2."):
    sys.exit(1)
for name in ("pybtex", "sphinx", "sphinxcontrib-bibtex", "myst-parser"):
    m.version(name)
PY
}

if ! have_py; then
  echo "install-bibliography-tools: installing bibtexparser 2, pybtex, sphinx, sphinxcontrib-bibtex, myst-parser into $VENV" >&2
  [[ -x "$VENV/bin/python" ]] || $SUDO "$PYTHON" -m venv "$VENV"
  $SUDO "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    'bibtexparser>=2,<3' pybtex sphinx sphinxcontrib-bibtex myst-parser
fi
