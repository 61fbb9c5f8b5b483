"""Concurrent writers (or readers) against a real catalog process on loopback: errors, lost writes, latency.

Starts `duijie catalog` on a free port over a fresh SQLite file (or a fresh PostgreSQL database), signs in
N enterprise users, and for `--seconds` each of them posts needs back to back (or, with `--readers`, lists
needs). Reports successes, errors by status, writes lost (successful posts minus the change in the count),
throughput and p50/p99 latency. Bounded: loopback only, at most 200 clients, at most 600 s.

    .venv/bin/python -m benchmarks.write_load --clients 50 --seconds 60 [--readers] [--postgres URL]
"""

import argparse
import collections
import json
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import Session, func, select

from benchmarks.freshness import DUIJIE, free_port, wait_healthy
from services.catalog.accounts.models import Organisation, User
from services.catalog.core.db import make_engine, migrate
from services.catalog.core.security import create_access_token, hash_password
from services.catalog.items.models import TechNeed

SECRET = "load-test-secret-" * 3


def _prepare(url: str, clients: int) -> list[dict[str, str]]:
    """Users and their bearer headers, written straight into the database (one password hash for all)."""
    engine = make_engine(url)
    migrate(engine)
    password = hash_password("load-test-password")
    headers = []
    with Session(engine) as session:
        for i in range(clients):
            org = Organisation(name=f"压测企业{i:03d}", kind="enterprise", region="蓬江区")
            session.add(org)
            session.flush()
            user = User(login=f"load{i:03d}", password_hash=password, role="enterprise", organisation_id=org.id)
            session.add(user)
            session.flush()
            assert user.id is not None
            headers.append({"Authorization": "Bearer " + create_access_token(user_id=user.id, secret=SECRET,
                                                                              minutes=60)})
        session.commit()
    engine.dispose()
    return headers


def _start_import(url: str, data: Path, rows: int) -> subprocess.Popen:
    """`duijie import` of a file of `rows` new outputs, started in its own process."""
    lines = [json.dumps({"external_id": f"L{i}", "title": f"压测成果第{i}号：膜生物反应器改进",
                         "summary": f"污水深度处理工艺{i}"}, ensure_ascii=False) for i in range(rows)]
    path = data / "outputs.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return subprocess.Popen([*DUIJIE, "import", str(path), "--kind", "outputs", "--organisation", "压测大学",
                             "--database-url", url, "--data-dir", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _count(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        n = session.exec(select(func.count()).select_from(TechNeed)).one()
    engine.dispose()
    return int(n)


def run(*, url: str, clients: int, seconds: float, readers: bool, writers: int = 4,
        import_rows: int = 0) -> dict[str, object]:
    """One load run against a catalog process over `url`."""
    headers = _prepare(url, clients)
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="duijie-load-"))
    env_url = ["--database-url", url]
    proc = subprocess.Popen([*DUIJIE, "catalog", "--data-dir", str(data), "--port", str(port), *env_url],
                            env={"DUIJIE_SECRET_KEY": SECRET, "DUIJIE_OUTBOX_AUTOSTART": "false",
                                 "DUIJIE_SQLITE_WRITERS": str(writers),
                                 "PATH": "/usr/bin:/bin"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{base}/healthz")
        before = _count(url)
        latencies: list[float] = []
        statuses: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def client(h: dict[str, str], n: int) -> None:
            with httpx.Client(base_url=base, headers=h, timeout=120) as http:
                i = 0
                while time.monotonic() < deadline:
                    i += 1
                    started = time.perf_counter()
                    try:
                        if readers:
                            r = http.get("/api/v1/needs", params={"page_size": 20})
                        else:
                            r = http.post("/api/v1/needs", json={"title": f"压测需求 {n}-{i}",
                                                                 "description": "陶瓷基板激光切割崩边，需要工艺改进"})
                        status = str(r.status_code)
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    with lock:
                        latencies.append(time.perf_counter() - started)
                        statuses[status] += 1

        threads = [threading.Thread(target=client, args=(h, n)) for n, h in enumerate(headers)]
        importer = _start_import(url, data, import_rows) if import_rows else None
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        imported = None
        if importer is not None:
            code = importer.wait(600)
            imported = {"rows": import_rows, "exit": code, "seconds": round(time.monotonic() - began, 1)}
        ok = statuses["200" if readers else "201"]
        written = _count(url) - before
    finally:
        proc.terminate()
        proc.wait(30)
    ordered = sorted(latencies)
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies), "ok": ok,
            "errors": {k: v for k, v in statuses.items() if k not in ("200", "201")},
            "lost": 0 if readers else ok - written, "per_second": round(ok / elapsed, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1),
            **({"import": imported} if imported else {})}


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", action="store_true", help="list needs instead of posting them")
    parser.add_argument("--writers", type=int, default=4, help="DUIJIE_SQLITE_WRITERS of the catalog")
    parser.add_argument("--import-rows", type=int, default=0, help="run `duijie import` of this many rows meanwhile")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 600:
        raise SystemExit("at most 200 clients and 600 s")
    if args.postgres:
        name = f"duijie_load_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
        try:
            print(run(url=url, clients=args.clients, seconds=args.seconds, readers=args.readers, writers=args.writers,
                      import_rows=args.import_rows))
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='duijie-load-')) / 'catalog.sqlite3'}"
        print(run(url=url, clients=args.clients, seconds=args.seconds, readers=args.readers, writers=args.writers,
                      import_rows=args.import_rows))


if __name__ == "__main__":
    main()
