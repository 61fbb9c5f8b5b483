#!/usr/bin/env bash
# Creates .venv and installs the project into it; a second run with nothing changed does nothing.
# Usage: scripts/bootstrap.sh [EXTRAS]   (default "e5"; the tests use "dev,e5,st")
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extras=${1:-e5}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.installed-$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)
have=$(cat "$stamp" 2>/dev/null || true)
missing=0
for e in ${extras//,/ }; do [[ ",$have," == *",$e,"* ]] || missing=1; done
if [ "$missing" = 1 ]; then
  want=$(printf '%s\n' ${have//,/ } ${extras//,/ } | sort -u | paste -sd, -)
  .venv/bin/python -m pip install -q --upgrade pip
  # torch==2.13.0 (CPU, on local disk) is pinned by the st extra, so pip never pulls a CUDA build.
  .venv/bin/python -m pip install -q -e ".[$want]"
  rm -f .venv/.installed-*
  echo "$want" > "$stamp"
fi
