"""Training the learned ranker (learned.py) from judgements: per query a group of candidates with features and
graded labels, a pairwise logistic (linear) or LambdaMART (LightGBM) fit, and cross-validated nDCG@10.

Used by `duijie train-ranker` and benchmarks/learned_ranker.py alike; needs the `ranker` extra (scikit-learn,
lightgbm), which serving does not.
"""

import json
import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher.config import MatcherSettings
from services.matcher.embedder import Embedder
from services.matcher.engine import Matcher
from services.matcher.fields import QuerySide, has_facts, shared_keys
from services.matcher.learned import FEATURES, QueryText, features, model_dict
from services.matcher.ranking import candidate_ids, fuse, signals
from shared.schemas import CatalogItem, ChangeEvent, MatchRequest
from shared.vocab import ChangeOp, ItemKind

# a decision's grade, on bdci2019's scale of gain (level − 1): a contract is a strong match, an introduction a
# match, a decline as not relevant none
GRADE_CONTRACT, GRADE_INTRODUCED, GRADE_NOT_RELEVANT = 3, 2, 0
CONTRACT_STAGES = {"negotiating", "signed"}
NOT_RELEVANT = "不相关"
MIN_PAIRS, MIN_QUERIES = 30, 5
BDCI_NEED_BASE = 1_000_000  # bdci2019's needs ask with ids beyond its achievements'


@dataclass
class Group:
    """One query's candidates: their ids, features, the fusion's score, and grades (−1 where unjudged)."""

    query: str
    ids: np.ndarray
    x: np.ndarray
    fused: np.ndarray
    grades: np.ndarray
    signals: frozenset[str]
    view: str = "pool"  # "judged": the judged candidates alone (a re-rank); "pool": the retrieval pool


def decision_grade(row: dict[str, Any]) -> int | None:
    """The grade of an exported decision (`duijie export-feedback`): contract 3, introduced 2, declined as not
    relevant 0; None for the rest (still open, or declined for another reason: price, maturity, ...)."""
    stage, label = row.get("stage"), row.get("label")
    if label == 1 and stage in CONTRACT_STAGES:
        return GRADE_CONTRACT
    if label == 1 and stage == "introduced":
        return GRADE_INTRODUCED
    if label == 0 and row.get("reason") == NOT_RELEVANT:
        return GRADE_NOT_RELEVANT
    return None


def group(matcher: Matcher, request: MatchRequest, grades: dict[int, int], *, key: str,
          restrict: bool = False, pool_only: bool = False) -> Group:
    """Candidates of one request as the service would rank them: its retrieval pool with the judged ones added
    (`restrict`: the judged ones alone, as a re-rank; `pool_only`: the pool alone, as the full-corpus ranking)."""
    query = matcher.prepare_query(request)
    with matcher.index.lock:
        index = matcher.index[request.target]
        lexical = index.lexical.scorer(query.tokens)
        judged = np.array(sorted(i for i in grades if i in index.items), np.int64)
        if restrict:
            ids = judged
        else:
            pool = candidate_ids(index, query, lexical, max(matcher.fusion.pool, 2 * request.k))
            ids = pool if pool_only else np.union1d(pool, judged)
        if request.item is not None:
            ids = ids[ids != request.item.id] if request.item.kind is request.target else ids
        raw = signals(index, query, lexical, ids) if len(ids) else {}
        base, _ = fuse(raw, matcher.fusion) if len(ids) else (np.zeros(0, np.float32), {})
        side = QuerySide.of(query.item) if query.item is not None and has_facts(query.item) else None
        keys = [shared_keys(side, index.items[i]) if side else () for i in ids.tolist()]
        title = query.item.title if query.item is not None else query.title
        x = features(index, QueryText(title, query.tokens), ids, raw, base, keys)
    g = np.array([grades.get(i, -1) for i in ids.tolist()], np.int64)
    return Group(query=key, ids=ids, x=x, fused=base, grades=g, signals=frozenset(raw),
                 view="judged" if restrict else "pool")


def training_groups(matcher: Matcher, request: MatchRequest, grades: dict[int, int], *, key: str) -> list[Group]:
    """What a model learns one query from: its retrieval pool with the judged candidates added (what the service
    ranks), unjudged ones left out. Adding the judged set alone as a second view (a re-rank) measured worse on
    bdci2019's full-corpus protocol (0.178 against 0.200 nDCG@10, 5-fold) for 0.003 more on the re-rank."""
    return [group(matcher, request, grades, key=key)]


def _labelled(groups: Sequence[Group], unjudged: int | None,
              columns: Sequence[str] = FEATURES) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per group the rows to learn from (the `columns` of their features) and their grades (unjudged rows as
    `unjudged`, or left out)."""
    cols = [FEATURES.index(c) for c in columns]
    out = []
    for grp in groups:
        grades = grp.grades if unjudged is None else np.where(grp.grades < 0, unjudged, grp.grades)
        keep = grades >= 0
        if keep.sum() >= 2 and len(set(grades[keep].tolist())) > 1:
            out.append((grp.x[keep][:, cols], grades[keep]))
    return out


def fit_linear(groups: Sequence[Group], *, c: float = 0.1, unjudged: int | None = None,
               max_pairs: int = 3000, seed: int = 0, features: Sequence[str] = FEATURES) -> dict[str, Any]:
    """A pairwise logistic regression (RankSVM-like) on standardised feature differences, stored as weights."""
    from sklearn.linear_model import LogisticRegression

    rows = _labelled(groups, unjudged, features)
    allx = np.vstack([x for x, _ in rows])
    mean, scale = allx.mean(axis=0), allx.std(axis=0)
    scale[scale == 0] = 1.0
    rng = np.random.default_rng(seed)
    diffs = []
    for x, grades in rows:
        z = (x - mean) / scale
        i, j = np.nonzero(grades[:, None] > grades[None, :])
        if len(i) > max_pairs:
            pick = rng.choice(len(i), max_pairs, replace=False)
            i, j = i[pick], j[pick]
        diffs.append(z[i] - z[j])
    d = np.vstack(diffs)
    x = np.vstack([d, -d])
    y = np.r_[np.ones(len(d)), np.zeros(len(d))]
    clf = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    clf.fit(x, y)
    return model_dict("linear", _signals(groups), mean=mean.tolist(), scale=scale.tolist(),
                      coef=clf.coef_[0].tolist(), params={"c": c, "unjudged": unjudged},
                      features=list(features))


def fit_lightgbm(groups: Sequence[Group], *, unjudged: int | None = None, trees: int = 150,
                 leaves: int = 7, rate: float = 0.05, seed: int = 0, features: Sequence[str] = FEATURES) -> dict[str, Any]:
    """LambdaMART (LightGBM `lambdarank`) with small, strongly regularised trees: there are few queries."""
    import lightgbm

    rows = _labelled(groups, unjudged, features)
    ranker = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=trees, learning_rate=rate, num_leaves=leaves,
                                 min_child_samples=20, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                                 reg_lambda=5.0, random_state=seed, n_jobs=1, verbose=-1,
                                 label_gain=list(range(32)))  # gain = grade, as bdci2019's nDCG counts it
    ranker.fit(np.vstack([x for x, _ in rows]), np.concatenate([g for _, g in rows]),
               group=[len(g) for _, g in rows])
    params = {"trees": trees, "leaves": leaves, "rate": rate, "unjudged": unjudged}
    return model_dict("lightgbm", _signals(groups), booster=ranker.booster_.model_to_string(), params=params,
                      features=list(features))


def _signals(groups: Iterable[Group]) -> list[str]:
    seen = {grp.signals for grp in groups if len(grp.ids)}
    if len(seen) != 1:
        raise ValueError("the groups were computed with different signals")
    return sorted(next(iter(seen)))


FITTERS: dict[str, Callable[..., dict[str, Any]]] = {"linear": fit_linear, "lightgbm": fit_lightgbm}


def ndcg_at(order: np.ndarray, grades: np.ndarray, ideal: Iterable[int], k: int = 10) -> float:
    """nDCG@k of the candidates in `order` (grades as gains, unjudged 0) against the ideal gains."""
    gains = np.maximum(grades[order[:k]], 0)
    dcg = float(sum(g / math.log2(i + 2) for i, g in enumerate(gains.tolist())))
    best = sorted(ideal, reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(best))
    return dcg / idcg if idcg > 0 else 0.0


def ranked_by(scores: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions best first, ties by id (as ranking.rank orders)."""
    return np.lexsort((ids, -scores))


def count(groups: Sequence[Group]) -> tuple[int, int]:
    """Judged pairs, and queries with at least two different grades (what a fit can learn from)."""
    pairs = {(grp.query, i) for grp in groups for i in grp.ids[grp.grades >= 0].tolist()}
    usable = {grp.query for grp in groups if len(set(grp.grades[grp.grades >= 0].tolist())) > 1}
    return len(pairs), len(usable)


def cross_validate(groups: Sequence[Group], kind: str, *, folds: int = 5, seed: int = 0,
                   **params: Any) -> dict[str, float]:
    """Mean held-out nDCG@10 of the learned order and the fusion's over each query's judged candidates (features
    as in its retrieval pool), with the queries split into folds."""
    from services.matcher.learned import LearnedRanker

    queries = sorted({grp.query for grp in groups})
    order = np.random.default_rng(seed).permutation(len(queries))
    sums: dict[str, float] = {}
    n: dict[str, int] = {}
    for k in range(folds):
        test_q = {queries[i] for i in order[k::folds].tolist()}
        train = [grp for grp in groups if grp.query not in test_q]
        if not _labelled(train, params.get("unjudged")):
            continue
        model = LearnedRanker({}, FITTERS[kind](train, **params))
        for grp in groups:
            judged = grp.grades[grp.grades >= 0]
            if grp.query not in test_q or len(set(judged.tolist())) < 2:
                continue
            mask = grp.grades >= 0  # ordered among the judged: an unjudged candidate is not known to be wrong
            for name, s in (("learned", model.score(grp.x[mask])), ("fusion", grp.fused[mask])):
                key = f"{grp.view}_{name}_ndcg@10"
                sums[key] = sums.get(key, 0.0) + ndcg_at(ranked_by(s, grp.ids[mask]), judged, judged.tolist())
            n[grp.view] = n.get(grp.view, 0) + 1
    out = {key: round(v / n[key.split("_")[0]], 4) for key, v in sorted(sums.items())}
    return out | {"folds": folds, "queries": max(n.values(), default=0)}


def meta(kind: str, groups: Sequence[Group], cv: dict[str, float], sources: dict[str, int]) -> dict[str, Any]:
    """What `ranker/meta.json` records of a trained model."""
    pairs, queries = count(groups)
    return {"kind": kind, "features": list(FEATURES), "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "judgements": {"pairs": pairs, "queries": queries, **sources}, "cv": cv}


def bdci_groups(root: Path, settings: MatcherSettings, embedder: Embedder, embedder2: Embedder | None,
                say: Callable[[str], None] = lambda _: None) -> list[Group]:
    """Training groups from bdci2019 (`needs.jsonl`, `achievements.jsonl`, `qrels.tsv`; grade = level − 1), its
    achievements indexed in a throw-away matcher with the same models."""
    needs = [json.loads(line) for line in (root / "needs.jsonl").read_text(encoding="utf-8").splitlines() if line]
    achievements = [json.loads(line) for line in (root / "achievements.jsonl").read_text(encoding="utf-8").splitlines()
                    if line]
    idx_of = {a["aid"]: i for i, a in enumerate(achievements)}
    qrels: dict[str, dict[int, int]] = {}
    with open(root / "qrels.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            rid, aid, level = line.rstrip("\n").split("\t")
            if aid in idx_of:
                qrels.setdefault(rid, {})[idx_of[aid]] = int(level) - 1
    with tempfile.TemporaryDirectory() as tmp:
        matcher = Matcher(settings.model_copy(update={"data_dir": Path(tmp), "follow": False}), embedder, embedder2)
        now = datetime.now(UTC)
        changes = [ChangeEvent(seq=i + 1, op=ChangeOp.create, kind=ItemKind.output, item_id=i, at=now,
                               item=CatalogItem(kind=ItemKind.output, id=i, title=a["title"], status="published"))
                   for i, a in enumerate(achievements)]
        for start in range(0, len(changes), 500):
            matcher.apply(changes[start:start + 500])
            say(f"bdci2019: indexed {min(start + 500, len(changes))}/{len(changes)} achievements")
        groups: list[Group] = []
        for j, need in enumerate(needs):
            item = CatalogItem(kind=ItemKind.need, id=BDCI_NEED_BASE + j, title=need["title"], text=need["content"],
                               status="open")
            grades = qrels.get(need["rid"], {})
            if grades:
                groups += training_groups(matcher, MatchRequest(target=ItemKind.output, item=item), grades,
                                          key=f"bdci:{need['rid']}")
    return groups


def feedback_groups(matcher: Matcher, rows: Iterable[dict[str, Any]]) -> tuple[list[Group], dict[str, int]]:
    """Training groups from exported decisions (`duijie export-feedback`) over the matcher's own index: each
    need asks as it is indexed (or as its frozen text), its decided outputs graded by `decision_grade`."""
    by_need: dict[int, dict[int, int]] = {}
    texts: dict[int, str] = {}
    counts = {"decisions": 0, "used": 0, "ignored": 0, "not_indexed": 0}
    for row in rows:
        counts["decisions"] += 1
        grade = decision_grade(row)
        if grade is None:
            counts["ignored"] += 1
            continue
        if int(row["output_id"]) not in matcher.index[ItemKind.output].items:
            counts["not_indexed"] += 1
            continue
        by_need.setdefault(int(row["need_id"]), {})[int(row["output_id"])] = grade  # the latest decision wins
        texts[int(row["need_id"])] = str(row.get("need_text") or "")
        counts["used"] += 1
    groups: list[Group] = []
    for need_id, grades in by_need.items():
        item = matcher.index[ItemKind.need].items.get(need_id)
        if item is not None:
            request = MatchRequest(target=ItemKind.output, item=item)
        else:
            request = MatchRequest(target=ItemKind.output, text=texts[need_id] or "?")
        groups += training_groups(matcher, request, grades, key=f"need:{need_id}")
    return groups, counts
