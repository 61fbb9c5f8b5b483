"""Import all 知贝 listings into a fresh catalog twice and report rows/s and counts (SQLite, optionally PostgreSQL).

    .venv/bin/python -m benchmarks.import_zhibei [--shared ../shared] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

With --database-url, a throw-away database is created on that server and dropped afterwards.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from services.catalog.accounts.models import Organisation
from services.catalog.core.db import make_engine, migrate
from services.catalog.imports.service import operator
from services.catalog.imports.zhibei import NEED_ORG, OUTPUT_ORG, import_zhibei, read_listings
from services.catalog.items.models import ChangeLog, ResearchOutput, TechNeed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "import.md"


@dataclass
class Run:
    """Timings and counts of one backend."""

    backend: str
    listings: int
    first_s: float
    second_s: float
    outputs: int
    needs: int
    changes_after_first: int
    changes_after_second: int
    second_counts: str


def _count(session: Session, table: type, org: str) -> int:
    org_id = session.exec(select(Organisation.id).where(Organisation.name == org)).one()
    return int(session.exec(select(func.count()).select_from(table).where(table.organisation_id == org_id)).one())


def bench(backend: str, url: str, folder: Path) -> Run:
    """Two imports of the folder into the empty database at url."""
    engine = make_engine(url)
    migrate(engine)
    listings = read_listings(folder)
    total = listings.output_listings + listings.need_listings
    timings, changes, second = [], [], ""
    for attempt in range(2):
        with Session(engine) as session:
            start = time.perf_counter()
            result = import_zhibei(session, folder, user=operator(), listings=listings)
            timings.append(time.perf_counter() - start)
            changes.append(int(session.exec(select(func.count()).select_from(ChangeLog)).one()))
            if attempt == 1:
                second = f"outputs {result.outputs.as_dict()}, needs {result.needs.as_dict()}"
        print(f"[{backend}] import {attempt + 1}: {timings[-1]:.1f} s, {total / timings[-1]:.0f} listings/s", flush=True)
    with Session(engine) as session:
        outputs, needs = _count(session, ResearchOutput, OUTPUT_ORG), _count(session, TechNeed, NEED_ORG)
    engine.dispose()
    return Run(backend, total, timings[0], timings[1], outputs, needs, changes[0], changes[1], second)


def _postgres(server_url: str, folder: Path) -> Run:
    name = f"duijie_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        return bench("PostgreSQL", server_url.rsplit("/", 1)[0] + f"/{name}", folder)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def write_report(runs: list[Run], command: str, folder: Path) -> None:
    """benchmarks/results/import.md with the figures and the command."""
    listings = read_listings(folder)
    lines = [
        "# 知贝 import benchmark", "",
        f"Command: `{command}`", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Listings read: {listings.output_listings} outputs, {listings.need_listings} needs "
        f"({len(listings.needs)} needs after collapsing repeats; skipped: {len(listings.skipped)}).", "",
        "| backend | listings | first import | rows/s | second import (no change) | rows/s | outputs | needs "
        "| change-log rows after 1st / 2nd |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(f"| {r.backend} | {r.listings} | {r.first_s:.1f} s | {r.listings / r.first_s:.0f} | "
                     f"{r.second_s:.2f} s | {r.listings / r.second_s:.0f} | {r.outputs} | {r.needs} | "
                     f"{r.changes_after_first} / {r.changes_after_second} |")
    lines += ["", "Second import: " + "; ".join(f"{r.backend}: {r.second_counts}" for r in runs), ""]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines += [
        f"Load average when the run ended: {load} (the machine was shared with other work; on 2 cores, figures "
        "above 2 mean the import got only part of a core).", "",
        "Notes:",
        "- Outputs: every listing is kept (2,946); the 137 listings that repeat an earlier "
        "(normalised) text, under another date or classification, are told apart by their ordinal.",
        "- Needs: listings with the same normalised name and text share one external id, so the 186 repeats "
        "update instead of duplicating; the latest posting wins. 1,729 distinct keys, one of which is a "
        "listing with no name and no text at all, which is skipped (title is required): 1,728 needs.",
        "- The first import is dominated by `items._index_terms` building one ORM object per search term; a "
        "Core bulk insert there measured 3x less CPU on a 400-listing sample.",
        "",
    ]
    lines += [f"Skipped listing: {s}" for s in listings.skipped]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("TT_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--database-url", help="PostgreSQL server URL; a temporary database is created on it")
    args = parser.parse_args()
    folder = args.shared / "data" / "zhibei"
    if not folder.is_dir():
        sys.exit(f"no 知贝 data at {folder}")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        runs.append(bench("SQLite", f"sqlite:///{Path(tmp) / 'catalog.sqlite3'}", folder))
    if args.database_url:
        runs.append(_postgres(args.database_url, folder))
    write_report(runs, "python -m benchmarks.import_zhibei " + " ".join(sys.argv[1:]), folder)
    print(RESULTS.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
