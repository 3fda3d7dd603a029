#!/usr/bin/env bash
# Makes a PostgreSQL server answer on 127.0.0.1:5432 for the tests: installs Debian's
# package when it is missing, starts the cluster when it is down, and gives the
# `postgres` role a password when the server does not trust local TCP connections.
# Writes the URL the tests should use to target/.postgres-url.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "PostgreSQL is not installed: installing Debian's package"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q postgresql postgresql-client
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q online; then
  echo "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi

for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

url=postgres://postgres@127.0.0.1:5432/postgres
if ! psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
  # A fresh install asks for a password over TCP: set one through the local socket.
  as_root runuser -u postgres -- psql -q -c "ALTER ROLE postgres PASSWORD 'postgres'"
  url=postgres://postgres:postgres@127.0.0.1:5432/postgres
  psql "$url" -Atqc 'SELECT 1' >/dev/null
fi
echo "$url" > target/.postgres-url
echo "PostgreSQL answers at ${url/:postgres@/:***@}"
