#!/usr/bin/env bash
# The crash test: kill `lore serve` (SIGKILL) during writes and imports at random moments,
# start it again and check that it starts, that nothing acknowledged is lost, that imports
# are all-or-nothing and that the index matches the store (scripts/crash_test.py says how).
#
#   scripts/crash-test.sh [--kills N] [--rows R] [--backends sqlite,postgres] [--seed S]
#
# Uses target/debug/lore (built when missing; LORE_BIN names another) and PostgreSQL at
# LORE_TEST_POSTGRES_URL when set. CI runs it with 20 kills per backend.
set -euo pipefail
cd "$(dirname "$0")/.."
lore=${LORE_BIN:-target/debug/lore}
if [ -z "${LORE_BIN:-}" ]; then cargo build -q; fi
exec python3 scripts/crash_test.py --lore "$lore" "$@"
