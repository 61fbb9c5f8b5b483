#!/usr/bin/env bash
# Runs the whole test suite (SQLite and PostgreSQL, matcher with the real model, browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev,e5,st
. scripts/services.sh
export TT_SHARED=${TT_SHARED:-$(cd .. && pwd)/shared}
scripts/browser-deps.sh && [ -x /usr/bin/chromium ] && export DUIJIE_REQUIRE_BROWSER=${DUIJIE_REQUIRE_BROWSER:-1}
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
