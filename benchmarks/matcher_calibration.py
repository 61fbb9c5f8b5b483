"""Does the reported match score mean the same across queries? Separation of relevant pairs on bdci2019.

    .venv/bin/python -m benchmarks.matcher_calibration

Through `Matcher.match`, as the service ranks: each need re-ranks its own judged achievements
(relevant = level ≥ 3) and, over the full corpus, its best match is what coverage would count.
Reports the mean score of relevant and non-relevant judged pairs, their AUC, true/false positive
rates per threshold, and per threshold the share of needs whose best match reaches it.
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.matcher_common import shared_dir
from benchmarks.relevance import build, load, need_item
from services.matcher.embedder import e5_available
from shared.schemas import MatchRequest
from shared.vocab import ItemKind

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def main() -> int:
    """Print the separation figures as markdown."""
    root = shared_dir() / "eval" / "bdci2019"
    if not root.exists():
        print(f"skipped: {root} not found (set TT_SHARED)")
        return 0
    needs, achievements, qrels = load(root)
    idx_of = {a["aid"]: i for i, a in enumerate(achievements)}
    aid_of = [a["aid"] for a in achievements]
    judged_scores, judged_levels, best, best_relevant = [], [], [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        matcher = build(achievements, needs, e5_available(), Path(tmp))  # the default models
        print(f"indexed {len(achievements)} outputs in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        for j, need in enumerate(needs):
            q = qrels.get(need["rid"], {})
            cands = np.array([idx_of[a] for a in q if a in idx_of], np.int64)
            req = MatchRequest(target=ItemKind.output, item=need_item(j, need), k=max(len(cands), 1))
            if len(cands):
                for r in matcher.match(req, restrict_to=cands).results:
                    judged_scores.append(r.score)
                    judged_levels.append(q[aid_of[r.id]])
            top = matcher.match(req.model_copy(update={"k": 10})).results
            if top:
                best.append(top[0].score)
                best_relevant.append(any(q.get(aid_of[r.id], 1) >= 3 for r in top))
    s, lv = np.array(judged_scores), np.array(judged_levels)
    rel = lv >= 3
    print(f"judged pairs: {len(s)} ({int(rel.sum())} relevant)\n")
    print("| group | pairs | mean score |\n|---|---|---|")
    for level in sorted(set(lv.tolist())):
        print(f"| level {level} | {int((lv == level).sum())} | {s[lv == level].mean():.3f} |")
    print(f"| relevant (≥ 3) | {int(rel.sum())} | {s[rel].mean():.3f} |")
    print(f"| non-relevant | {int((~rel).sum())} | {s[~rel].mean():.3f} |")
    print(f"\nAUC relevant vs non-relevant judged pairs: {auc(s, rel):.3f}\n")
    b, br = np.array(best), np.array(best_relevant)
    print("| threshold | TPR (relevant ≥ t) | FPR (non-relevant ≥ t) | needs covered (best ≥ t) "
          "| … with a relevant top-10 | … without |")
    print("|---|---|---|---|---|---|")
    for t in THRESHOLDS:
        print(f"| {t} | {(s[rel] >= t).mean():.2f} | {(s[~rel] >= t).mean():.2f} | {(b >= t).mean():.2f} "
              f"| {(b[br] >= t).mean():.2f} | {(b[~br] >= t).mean():.2f} |")
    print(f"\nbest score per need: p5 {np.percentile(b, 5):.3f}, median {np.median(b):.3f}, "
          f"p95 {np.percentile(b, 95):.3f}; needs with a relevant top-10: {int(br.sum())} / {len(b)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
