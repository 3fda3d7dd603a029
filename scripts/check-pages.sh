#!/usr/bin/env bash
# Opens lore's pages in a real browser: starts the server on the seed catalogue, drives
# headless Chromium (Debian's package, installed when missing) over the DevTools protocol
# through scripts/check_pages.py, and saves a screenshot of each page (desktop and phone)
# under target/browser-check/. Fails when a page errors, is blank, logs a console error or
# lacks its key content.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium fonts-dejavu-core >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-dejavu-core >/dev/null; }
fi
if ! python3 -c 'import websocket' 2>/dev/null; then
  python3 -m pip install -q websocket-client
fi
cargo build -q --bin lore

out=target/browser-check
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
LORE_LOG=warn target/debug/lore serve --bind "127.0.0.1:$port" --data-dir "$work/data" \
  --seed seed --rate-limit 0 >"$out/server.log" 2>&1 &
server=$!
browser=
cleanup() {
  [ -n "$browser" ] && kill "$browser" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$out/server.log"; exit 1; }
  sleep 0.1
done

devtools=$(free_port)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --remote-debugging-address=127.0.0.1 \
  --remote-debugging-port="$devtools" about:blank >"$out/chromium.log" 2>&1 &
browser=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$devtools/json/version" >/dev/null 2>&1 && break
  kill -0 "$browser" 2>/dev/null || { cat "$out/chromium.log"; exit 1; }
  sleep 0.1
done

python3 scripts/check_pages.py "$devtools" "http://127.0.0.1:$port" "$out"
