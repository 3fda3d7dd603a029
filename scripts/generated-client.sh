#!/usr/bin/env bash
# Generates a Python client from openapi/openapi.json with openapi-python-client and calls
# lore through it against a freshly built server over the seed catalogue: every export of
# GET /bibliography (bibtex, csljson, ris, text, html) must come back as the text curl
# gets, byte for byte, and POST /imports must be generated and import a file (dry run).
#
# openapi-python-client lives in its own virtualenv ($LORE_CLIENT_VENV, default
# /opt/lore-client-tools), installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${LORE_CLIENT_VENV:-/opt/lore-client-tools}
PYTHON=${PYTHON:-python3}
if ! [[ -x "$VENV/bin/openapi-python-client" ]]; then
  echo "generated-client: installing openapi-python-client into $VENV" >&2
  [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    'openapi-python-client>=0.29,<0.30'
fi

# LORE_BIN names a built `lore` to use instead of building the release one.
bin=${LORE_BIN:-target/release/lore}
[[ -n "${LORE_BIN:-}" ]] || cargo build --release -q

work=$(mktemp -d)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The generator warns about schemas it cannot model (and that `ruff` is missing); what
# matters here is that the routes below are generated, which the calls check.
"$VENV/bin/openapi-python-client" generate --path openapi/openapi.json --meta none \
  --output-path "$work/lore_client" >"$work/generate.log" 2>&1 || {
  cat "$work/generate.log" >&2
  exit 1
}

store=(--data-dir "$work/data")
token=$("$bin" keys create --name generated-client --scope write "${store[@]}" | tail -n 1)
port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LORE_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --rate-limit 0 "${store[@]}" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$base/ready" >/dev/null 2>&1 && break
  sleep 0.1
done

queries=(format=bibtex format=csljson format=ris "format=text&style=apa" "format=html&style=ieee")
for query in "${queries[@]}"; do
  curl -fsS "$base/bibliography?$query" -o "$work/curl.${query//[&=]/_}"
done

PYTHONPATH="$work" "$VENV/bin/python" - "$base" "$token" "$work" "${queries[@]}" <<'PY'
import pathlib
import sys
import urllib.parse

from lore_client import AuthenticatedClient, Client
from lore_client.api.bibliography import bibliography
from lore_client.api.imports import import_
from lore_client.types import File

base, token, work, *queries = sys.argv[1:]
client = Client(base_url=base)
failures = 0
for query in queries:
    params = dict(urllib.parse.parse_qsl(query))
    options = {"format_": params["format"]}
    if "style" in params:
        options["style"] = params["style"]
    response = bibliography.sync_detailed(client=client, **options)
    expected = pathlib.Path(work, "curl." + query.replace("&", "_").replace("=", "_")).read_bytes()
    parsed = response.parsed
    if response.status_code != 200 or not isinstance(parsed, str):
        print(f"FAIL {query}: status {response.status_code}, parsed as {type(parsed).__name__}")
        failures += 1
    elif parsed.encode("utf-8") != expected or response.content != expected:
        print(f"FAIL {query}: the generated client's body differs from curl's")
        failures += 1
    else:
        print(f"ok   {query}: {len(expected)} bytes, as curl gets them")

writer = AuthenticatedClient(base_url=base, token=token)
bib = b"@book{roe2021, title = {Octets}, author = {Roe, Richard}, year = 2021, publisher = {P}}\n"
report = import_.sync_detailed(
    client=writer,
    body=File(payload=bib, file_name="refs.bib", mime_type="application/octet-stream"),
    name="refs.bib",
    dry_run=True,
)
if report.status_code != 200 or report.parsed is None or report.parsed.file != "refs.bib":
    print(f"FAIL POST /imports: status {report.status_code}: {report.content[:300]!r}")
    failures += 1
else:
    print("ok   POST /imports: a dry run through the generated client")
print(f"{len(queries) + 1 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
PY
