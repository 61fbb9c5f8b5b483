#!/usr/bin/env bash
# Runs the whole test suite (SQLite and PostgreSQL, matcher with the real model, browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
. scripts/services.sh
export TT_SHARED=${TT_SHARED:-$(cd .. && pwd)/shared}
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
