#!/usr/bin/env bash
# Makes sure the local PostgreSQL the tests use is running (starts it if it is down).
set -uo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi
pg_isready -h 127.0.0.1 -p 5432 -q && export DUIJIE_REQUIRE_POSTGRES=1 || echo "warning: PostgreSQL is not running; its tests will be skipped" >&2
