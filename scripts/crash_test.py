#!/usr/bin/env python3
"""Kill `lore serve` with SIGKILL during writes and imports, start it again, and check.

Each round starts the server on the store the last round left, checks the store and the
index, then runs four writers (each PATCHes its own resource in a loop, with If-Match) and
one importer (POST /imports of a new page of --rows rows, 600 by default) until a SIGKILL at a random moment
0.5-3 s in. The checks after every restart:

- the server starts (is ready within 60 s) after every kill;
- nothing acknowledged is lost: a resource whose POST was answered 201 exists, and the
  description of each written resource is the last one a PATCH acknowledged or one sent
  after it (never older);
- imports are all-or-nothing: each round's page has all of its rows in the store or none,
  and all of them when its POST was answered 200;
- the index matches the store: a search for each round's tag finds exactly as many
  resources as the store holds.

Usage: crash_test.py [--kills N] [--rows R] [--backends sqlite,postgres] [--lore BIN] [--seed S]
PostgreSQL comes from LORE_TEST_POSTGRES_URL (a database lore_crash_PID is created and
dropped). Exits 1 with the failures listed when any check fails.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

WRITERS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base, token):
        self.base = base
        self.token = token

    def request(self, method, path, body=None, headers=None, timeout=30):
        """(status, headers, parsed JSON or text); raises OSError when the server is gone."""
        data = None
        all_headers = {"Authorization": f"Bearer {self.token}"}
        all_headers.update(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                status, resp_headers = resp.status, resp.headers
        except urllib.error.HTTPError as err:
            raw, status, resp_headers = err.read(), err.code, err.headers
        text = raw.decode("utf-8", "replace")
        try:
            return status, resp_headers, json.loads(text)
        except ValueError:
            return status, resp_headers, text


class Server:
    def __init__(self, lore, store_args, log_path):
        self.lore = lore
        self.store_args = store_args
        self.log_path = log_path
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        log = open(self.log_path, "ab")
        env = dict(os.environ, LORE_LOG="warn")
        self.proc = subprocess.Popen(
            [self.lore, "serve", "--bind", f"127.0.0.1:{self.port}", "--rate-limit", "0", *self.store_args],
            stdout=log,
            stderr=log,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, lines=15):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])


class Ledger:
    """What the clients sent and what the server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = {}  # slug -> acknowledged (bool)
        self.acked = {}  # slug -> last acknowledged description counter
        self.sent = {}  # slug -> last sent description counter
        self.imports = {}  # round -> acknowledged (bool)


def tag(round_no):
    """A word that names one round's rows: far (in edits) from every other round's, so that
    typo-tolerant search does not find one round's rows for another."""
    letters = random.Random(round_no).choices("abcdefghijklmnopqrstuvwxyz", k=12)
    return "crash" + "".join(letters)


def page(round_no, rows):
    lines = [f"# Crash round {round_no}", "", "## Courses", "", "| Title | link | level |", "|---|---|---|"]
    for i in range(rows):
        lines.append(f"| {tag(round_no)} course {i} | https://example.org/crash/{round_no}/{i} | beginner |")
    return "\n".join(lines) + "\n"


def writer(client, ledger, slug, stop):
    status, headers, _ = client.request("GET", f"/resources/{slug}")
    if status != 200:
        with ledger.lock:
            ledger.created.setdefault(slug, False)
        status, headers, _ = client.request(
            "POST", "/resources", {"title": f"Crash writer {slug}", "slug": slug, "kind": "course"}
        )
        if status != 201:
            return
        with ledger.lock:
            ledger.created[slug] = True
    etag = headers["ETag"]
    while not stop.is_set():
        with ledger.lock:
            n = ledger.sent.get(slug, 0) + 1
            ledger.sent[slug] = n
        status, headers, _ = client.request(
            "PATCH",
            f"/resources/{slug}",
            {"description": f"{slug} write {n}"},
            {"If-Match": etag, "Content-Type": "application/merge-patch+json"},
        )
        if status != 200:
            return
        etag = headers["ETag"]
        with ledger.lock:
            ledger.acked[slug] = n


def importer(client, ledger, round_no, rows):
    with ledger.lock:
        ledger.imports[round_no] = False
    status, _, _ = client.request(
        "POST", f"/imports?name=crash-{round_no}.md", page(round_no, rows), {"Content-Type": "text/markdown"}, timeout=120
    )
    if status == 200:
        with ledger.lock:
            ledger.imports[round_no] = True


def run_load(client, ledger, round_no, rows):
    stop = threading.Event()
    threads = [
        threading.Thread(target=quietly, args=(writer, client, ledger, f"crash-writer-{w}", stop), daemon=True)
        for w in range(WRITERS)
    ]
    threads.append(threading.Thread(target=quietly, args=(importer, client, ledger, round_no, rows), daemon=True))
    for t in threads:
        t.start()
    return stop, threads


def quietly(fn, *args):
    """Runs a client; a connection that the kill breaks ends it."""
    try:
        fn(*args)
    except (OSError, KeyError, ValueError):
        pass


def store_titles(client, since=None):
    """Titles of the resources created or changed since `since` (RFC 3339; all for None)."""
    titles = []
    path = "/resources?limit=500&fields=title"
    if since:
        path += f"&updated_since={since}"
    while path:
        status, _, body = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body}")
        titles.extend(item["title"] for item in body["items"])
        nxt = body.get("next")
        path = nxt[len(client.base):] if nxt else None
    return titles


def check(client, ledger, failures, label, rows, rounds, since=None):
    """Checks the writers' resources, and the imports of `rounds` among the resources
    changed since `since` (every resource for None)."""
    with ledger.lock:
        created = dict(ledger.created)
        acked = dict(ledger.acked)
        sent = dict(ledger.sent)
        imports = dict(ledger.imports)
    for slug in sorted(set(created) | set(acked)):
        status, _, body = client.request("GET", f"/resources/{slug}?fields=description")
        if status == 404:
            if created.get(slug):
                failures.append(f"{label}: {slug} was created (201) and is gone")
            continue
        if status != 200:
            raise RuntimeError(f"GET /resources/{slug}: {status} {body}")
        if slug not in acked:
            continue
        description = body.get("description") or ""
        try:
            seen = int(description.rsplit(" ", 1)[1]) if description else 0
        except (IndexError, ValueError):
            seen = -1
        if seen < acked[slug] or seen > sent.get(slug, 0):
            failures.append(f"{label}: {slug} shows write {seen}; write {acked[slug]} was acknowledged")
    titles = store_titles(client, since)
    for round_no in rounds:
        if round_no not in imports:
            continue
        was_acked = imports[round_no]
        in_store = sum(1 for t in titles if t.startswith(tag(round_no) + " "))
        if in_store not in (0, rows) or (was_acked and in_store != rows):
            failures.append(
                f"{label}: import of round {round_no} ({'acknowledged' if was_acked else 'unacknowledged'}) "
                f"has {in_store} of {rows} rows"
            )
        status, _, body = client.request("GET", f"/search?q={tag(round_no)}&limit=1")
        found = body.get("total") if status == 200 and isinstance(body, dict) else None
        if found != in_store:
            failures.append(f"{label}: search finds {found} rows of round {round_no}, the store has {in_store}")


def rfc3339(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def run_backend(name, lore, store_args, kills, rows, rng, workdir):
    failures = []
    log_path = os.path.join(workdir, f"{name}.log")
    token = subprocess.run(
        [lore, "keys", "create", "--name", "crash", "--scope", "write", *store_args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip().splitlines()[-1]
    server = Server(lore, store_args, log_path)
    ledger = Ledger()
    started = 0
    since = None
    for round_no in range(1, kills + 2):
        if not server.start():
            failures.append(f"{name}: start {round_no} failed:\n{server.log_tail()}")
            server.kill()
            break
        started += 1
        client = Client(f"http://127.0.0.1:{server.port}", token)
        last = round_no > kills
        try:
            # After each kill, what the killed round did; after the last, everything.
            if last:
                check(client, ledger, failures, f"{name} last start", rows, range(1, round_no))
            else:
                check(client, ledger, failures, f"{name} start {round_no}", rows, [round_no - 1], since)
        except (OSError, RuntimeError) as err:
            failures.append(f"{name} start {round_no}: checking failed: {err}")
        if last:
            server.kill()
            break
        since = rfc3339(time.time() - 2)
        stop, threads = run_load(client, ledger, round_no, rows)
        time.sleep(rng.uniform(0.5, 3.0))
        server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
    with ledger.lock:
        acked_writes = sum(ledger.acked.values())
        acked_imports = sum(1 for v in ledger.imports.values() if v)
    print(
        f"{name}: {kills} kills, {started} starts, {acked_writes} acknowledged writes, "
        f"{acked_imports} of {len(ledger.imports)} imports acknowledged, {len(failures)} failures"
    )
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rows", type=int, default=600, help="rows of each round's imported page")
    parser.add_argument("--lore", default="target/debug/lore")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed when drawn)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"crash test: seed {seed}, {args.kills} kills per backend")
    rng = random.Random(seed)
    failures = []
    workdir = tempfile.mkdtemp(prefix="lore-crash-")
    os.environ.setdefault("PGOPTIONS", "--client-min-messages=warning")
    try:
        for backend in args.backends.split(","):
            data_dir = os.path.join(workdir, backend)
            store_args = ["--data-dir", data_dir]
            if backend == "postgres":
                admin = os.environ.get("LORE_TEST_POSTGRES_URL")
                if not admin:
                    print("postgres: skipped (LORE_TEST_POSTGRES_URL is not set)")
                    continue
                db = f"lore_crash_{os.getpid()}"
                subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=True)
                subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {db}"], check=True)
                store_args += ["--database-url", admin.rsplit("/", 1)[0] + "/" + db]
                try:
                    failures += run_backend(backend, args.lore, store_args, args.kills, args.rows, rng, workdir)
                finally:
                    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
            else:
                failures += run_backend(backend, args.lore, store_args, args.kills, args.rows, rng, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for failure in failures:
        print(f"FAIL {failure}")
    if failures:
        print(f"crash test failed (seed {seed})")
        return 1
    print("crash test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
