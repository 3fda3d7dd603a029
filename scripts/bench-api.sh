#!/usr/bin/env bash
# The API benchmark: for each backend (SQLite, then PostgreSQL), time `lore import` of
# generated catalogue pages of 1 000, 10 000 and ROWS resources (each into an empty store),
# serve the ROWS store with the release build, and drive every list, record, change-log and
# export route with wrk beside /health in the same run. Writes the figures between the
# `bench-api` markers of BENCHMARKS.md.
#
#   scripts/bench-api.sh [ROWS] [--duration SECONDS] [--connections C] [--backends sqlite,postgres]
#
# ROWS defaults to 100000 (about 12 minutes on a 2-core machine, most of it importing);
# pages come from scripts/generate-catalogue.py (deterministic). PostgreSQL is at
# LORE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres; see
# scripts/ensure-postgres.sh), where it creates and drops lore_bench_api_N.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=100000
duration=5
connections=16
backends=sqlite,postgres
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    *) rows=$1; shift ;;
  esac
done
admin=${LORE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing: installing Debian's package"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk; else sudo apt-get install -y -q wrk; fi
fi
lore=${LORE_BIN:-target/release/lore}
if [ -z "${LORE_BIN:-}" ]; then cargo build --release -q; fi

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  for n in 1 2 3 4; do psql "$admin" -qc "DROP DATABASE IF EXISTS lore_bench_api_$n WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

sizes=(1000 10000 "$rows")
for size in "${sizes[@]}"; do
  [ -f "$work/page-$size.md" ] || python3 scripts/generate-catalogue.py "$size" > "$work/page-$size.md"
done
results="$work/results.txt"
: > "$results"

store_url() { # backend, n
  if [ "$1" = sqlite ]; then echo "sqlite://$work/$1-$2/lore.db?mode=rwc"; else
    psql "$admin" -qc "DROP DATABASE IF EXISTS lore_bench_api_$2 WITH (FORCE)" >/dev/null
    psql "$admin" -qc "CREATE DATABASE lore_bench_api_$2" >/dev/null
    echo "${admin%/*}/lore_bench_api_$2"
  fi
}

for backend in ${backends//,/ }; do
  n=0
  for size in "${sizes[@]}"; do
    n=$((n + 1))
    url=$(store_url "$backend" "$n")
    mkdir -p "$work/$backend-$n"
    start=$(date +%s.%N)
    "$lore" import --data-dir "$work/$backend-$n" --database-url "$url" "$work/page-$size.md" >/dev/null
    end=$(date +%s.%N)
    echo "import $backend $size $(python3 -c "print($end - $start)")" | tee -a "$results"
  done

  # Serve the largest store.
  port=$((18400 + RANDOM % 1000))
  "$lore" serve --data-dir "$work/$backend-$n" --database-url "$url" --no-seed \
    --bind "127.0.0.1:$port" --rate-limit 0 >"$work/serve-$backend.log" 2>&1 &
  server=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do curl -sf "$base/ready" >/dev/null 2>&1 && break; sleep 1; done
  python3 - "$base" "$backend" "$rows" "$duration" "$connections" "$server" >>"$results" <<'PY'
import json, re, subprocess, sys, time, urllib.request
base, backend, rows, duration, connections, pid = sys.argv[1:]

def get(path):
    with urllib.request.urlopen(base + path) as r:
        return json.load(r)

def wrk(path, conns):
    out = subprocess.run(["wrk", f"-t{min(2, int(conns))}", f"-c{conns}", f"-d{duration}s", "--latency", base + path],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct(50), pct(99), int(non2xx.group(1)) if non2xx else 0

# A deep cursor: the `next` link of the page halfway through (pages of 100).
page = get("/resources?limit=100")
for _ in range(int(rows) // 200):
    page = get("/" + page["next"].split("/", 3)[3])
deep = "/" + page["next"].split("/", 3)[3]
middle = page["items"][0]["slug"]
changes = get("/changes?since=0&limit=1")
routes = [
    ("/health", "/health"),
    ("level=beginner", "/resources?level=beginner&limit=50"),
    ("kind=course", "/resources?kind=course&limit=50"),
    ("topic=deep learning (1 in 10)", "/resources?topic=deep+learning&limit=50"),
    ("topic=graph vision (rare)", "/resources?topic=graph+vision&limit=50"),
    ("level=beginner&level=advanced", "/resources?level=beginner&level=advanced&limit=50"),
    ("level+kind+topic", "/resources?level=beginner&kind=course&topic=deep+learning&limit=50"),
    ("level=beginner&sort=-year", "/resources?level=beginner&sort=-year&limit=50"),
    ("year=2015..2020&sort=title", "/resources?year=2015..2020&sort=title&limit=50"),
    ("author=Smith (1 in 200)", "/resources?author=smith&limit=50"),
    ("deep cursor (halfway)", deep.replace("limit=100", "limit=50")),
    ("/resources/{slug}", f"/resources/{middle}"),
    ("/concepts?category=metric", "/concepts?category=metric&limit=50"),
    ("/concepts/deep-learning", "/concepts/deep-learning"),
    ("/changes?since=", f"/changes?since={int(rows) // 2}&limit=100"),
]
for name, path in routes:
    rps, p50, p99, bad = wrk(path, connections)
    _, p50_1, p99_1, _ = wrk(path, 1)
    print(f"route {backend}\t{name}\t{rps:.0f}\t{p50_1:.2f}\t{p99_1:.2f}\t{bad}")

def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) * 1024
before = rss()
start = time.time()
peak = before
proc = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", base + "/bibliography"],
                        stdout=subprocess.PIPE, text=True)
while proc.poll() is None:
    peak = max(peak, rss())
    time.sleep(0.02)
size = int(proc.stdout.read())
elapsed = time.time() - start
print(f"bibliography {backend}\t{size}\t{elapsed:.2f}\t{(peak - before) / 1e6:.1f}")
PY
  kill "$server"; wait "$server" 2>/dev/null || true; server=
done

python3 - "$results" "$rows" "$connections" "${LORE_BIN:-the release build}" <<'PY'
import re, sys
results, rows, conns, build = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
imports, routes, bib = {}, {}, {}
for line in open(results):
    kind, rest = line.split(" ", 1)
    if kind == "import":
        b, size, secs = rest.split(); imports[(b, int(size))] = float(secs)
    elif kind == "route":
        b, name, rps, p50, p99, bad = rest.rstrip("\n").split("\t")
        routes.setdefault(b, []).append((name, float(rps), float(p50), float(p99), int(bad)))
    elif kind == "bibliography":
        b, size, secs, rss = rest.split("\t"); bib[b] = (int(size), float(secs), float(rss))
out = [f"Generated by `scripts/bench-api.sh {rows}` ({build}, wrk with 2 threads on the same",
       "2 cores as the server; throughput with "
       f"{conns} connections, latency with 1). Stores come from `scripts/generate-catalogue.py`:",
       "course rows on about 1,800 topics, 4 levels, 5 kinds; one row in ten on *deep learning*.", ""]
out += ["### Import", "", "| backend | 1k rows | 10k rows | " + f"{rows // 1000}k rows | rows/s at {rows // 1000}k | per-row cost {rows // 1000}k : 1k | target ≥ 20 000 rows/s, ≤ 1.2× |",
        "|---|---|---|---|---|---|---|"]
for b in sorted({b for b, _ in imports}):
    t = {s: imports[(b, s)] for (bb, s) in imports if bb == b}
    rate = rows / t[rows]; ratio = (t[rows] / rows) / (t[1000] / 1000)
    met = "met" if rate >= 20000 and ratio <= 1.2 else "missed"
    out.append(f"| {b} | {t[1000]:.2f} s | {t[10000]:.2f} s | {t[rows]:.1f} s | {rate:,.0f} | {ratio:.2f}× | {met} |")
for b, rs in routes.items():
    health = rs[0][1]
    out += ["", f"### Routes, {b}, {rows // 1000}k resources", "",
            f"| route | req/s ({conns} conn.) | × /health | p50 (1 conn.) | p99 (1 conn.) | errors |", "|---|---|---|---|---|---|"]
    for name, rps, p50, p99, bad in rs:
        out.append(f"| {name} | {rps:,.0f} | {rps / health:.3f}× | {p50:.2f} ms | {p99:.2f} ms | {bad} |")
    lvl = next(r for r in rs if r[0] == "level=beginner")
    out.append("")
    out.append(f"Target `level=beginner` ≥ 0.10× /health at 100k: {lvl[1] / health:.3f}× — {'met' if lvl[1] / health >= 0.10 else 'missed'}.")
    if b in bib:
        size, secs, rss = bib[b]
        mbs = size / 1e6 / secs
        out.append(f"`/bibliography` of everything: {size / 1e6:.1f} MB in {secs:.2f} s = {mbs:.1f} MB/s, RSS growth {rss:.1f} MB "
                   f"(target ≥ 50 MB/s, ≤ 50 MB: {'met' if mbs >= 50 and rss <= 50 else 'missed'}).")
text = open("BENCHMARKS.md").read()
section = "<!-- bench-api -->\n## API benchmarks\n\n" + "\n".join(out) + "\n<!-- /bench-api -->\n"
if "<!-- bench-api -->" in text:
    text = re.sub(r"<!-- bench-api -->.*?<!-- /bench-api -->\n", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
print("\n".join(out))
PY
