"""A learned ranker over the matcher's signals: features per (query, candidate), and the stored model that scores them.

`duijie train-ranker` fits a model from judgements (bdci2019, brokers' decisions) and writes it beside the
index as `ranker/model-<version>.json`, with `ranker/meta.json` naming the current one. When present and made
for the signals this matcher has, `ranking.rank` orders candidates by it instead of the hand-tuned fusion; the
reported score stays `ranking.absolute` (fixed maps of the raw signals, comparable across queries), and each
result's components show the learned score (`learned`, in [0, 1] within the candidate set). A missing, corrupt
or mismatched model is logged and the fusion ranks as before. Serving reads a linear model with numpy alone; a
LightGBM model needs `lightgbm` installed (the `ranker` extra) and is skipped with a warning otherwise.
"""

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher.store import KindIndex
from services.matcher.text import tokenize

log = logging.getLogger(__name__)

SIGNALS = ("dense", "dense2", "lexical", "clauses2", "cohesion2", "feedback2")
_FIELD_KEYS = {"field": ("field", "industry", "cluster"), "region": ("county", "city", "province"),
               "maturity": ("maturity",), "short": ("short",), "modes": ("modes",)}
FEATURES = (
    *SIGNALS,
    *(f"{s}_mm" for s in SIGNALS),  # min-max within the candidate set
    "fused",  # the hand-tuned fusion's within-set score
    "title_bm25", "title_bm25_mm",  # BM25 of the query's title alone
    "bigram_dice", "bigram_cover",  # character bigrams of the two titles: Dice, and share of the candidate's covered
    "idf_cover", "title_idf_cover", "overlap",  # idf-weighted share of the candidate's / the query title's terms shared
    "cand_terms", "query_terms",  # log lengths
    *(f"fields_{k}" for k in _FIELD_KEYS),  # the structured matches (ranking's bonuses); zero on bdci2019
)
RANKER_DIR = "ranker"
# the model re-orders the fusion's best this many of a query's candidates (the lexical features are a Python loop
# per candidate); the rest follow in the fusion's order. A full-corpus top 10 lies within it.
LEARNED_TOP = 100


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 0.0)
    return (x - lo) / (hi - lo) if hi > lo else np.zeros(len(x), np.float64)


def _bigrams(text: str) -> set[str]:
    chars = "".join(text.lower().split())
    return {chars[i:i + 2] for i in range(len(chars) - 1)} or ({chars} if chars else set())


@dataclass
class QueryText:
    """What the lexical features read of a query: its title and all its terms."""

    title: str
    tokens: list[str]


def features(index: KindIndex, query: QueryText, ids: np.ndarray,
             raw: dict[str, np.ndarray], fused: np.ndarray, keys: Iterable[tuple[str, ...]],
             rows: np.ndarray | None = None) -> np.ndarray:
    """The feature matrix (candidates × FEATURES) of one query's candidate set, relative to the whole set;
    the per-candidate lexical features only for `rows` (all if None), zero elsewhere."""
    n = len(ids)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    cols: dict[str, np.ndarray] = {}
    for s in SIGNALS:
        v = raw[s].astype(np.float64) if s in raw else np.zeros(n)
        cols[s] = v
        cols[f"{s}_mm"] = _minmax(v)  # (within-set z-scores and 1/log2(1 + rank) measured no better: dropped)
    cols["fused"] = fused.astype(np.float64)
    title_tokens = tokenize(query.title) if query.title else []
    title_lex = index.lexical.scorer(title_tokens).of(ids).astype(np.float64) if title_tokens else np.zeros(n)
    cols["title_bm25"], cols["title_bm25_mm"] = title_lex, _minmax(title_lex)
    qgrams, qterms, tterms = _bigrams(query.title), set(query.tokens), set(title_tokens)
    idf: dict[str, float] = {}

    def weight(term: str) -> float:
        w = idf.get(term)
        if w is None:
            w = idf[term] = max(index.lexical.idf(term), 0.0)
        return w

    title_idf = sum(map(weight, tterms)) or 1.0
    lexical_rows = np.zeros((n, 7))
    for r in range(n) if rows is None else rows.tolist():
        item_id = int(ids[r])
        item = index.items.get(item_id)
        grams = _bigrams(item.title) if item is not None else set()
        shared = len(grams & qgrams)
        terms = set(index.lexical.tokens(item_id))
        common = terms & qterms
        lexical_rows[r] = (2.0 * shared / (len(grams) + len(qgrams)) if grams or qgrams else 0.0,
                   shared / len(grams) if grams else 0.0,
                   sum(map(weight, common)) / (sum(map(weight, terms)) or 1.0),
                   sum(map(weight, terms & tterms)) / title_idf,
                   len(common) / (len(terms) or 1),
                   math.log1p(len(terms)), math.log1p(len(qterms)))
    for j, name in enumerate(("bigram_dice", "bigram_cover", "idf_cover", "title_idf_cover", "overlap",
                              "cand_terms", "query_terms")):
        cols[name] = lexical_rows[:, j]
    key_sets = [set(k) for k in keys]
    for name, members in _FIELD_KEYS.items():
        cols[f"fields_{name}"] = np.array([float(any(m in ks for m in members)) for ks in key_sets])
    return np.column_stack([cols[f] for f in FEATURES])


class LearnedRanker:
    """A stored model: a linear scorer over standardised features, or a LightGBM booster."""

    def __init__(self, meta: dict[str, Any], model: dict[str, Any]) -> None:
        self.meta = meta
        self.kind = model["kind"]
        self.features: list[str] = list(model["features"])
        self.signals: set[str] = set(model["signals"])  # the raw signals it was trained with
        self._cols = np.array([FEATURES.index(f) for f in self.features], np.int64)
        if self.kind == "linear":
            self.mean = np.asarray(model["mean"], np.float64)
            self.scale = np.asarray(model["scale"], np.float64)
            self.coef = np.asarray(model["coef"], np.float64)
            if not (len(self.mean) == len(self.scale) == len(self.coef) == len(self.features)):
                raise ValueError("linear model: coefficient count does not match the features")
            self._booster: Any = None
        elif self.kind == "lightgbm":
            import lightgbm

            self._booster = lightgbm.Booster(model_str=model["booster"])
            if self._booster.num_feature() != len(self.features):
                raise ValueError("lightgbm model: feature count does not match")
        else:
            raise ValueError(f"unknown model kind {self.kind!r}")

    @property
    def version(self) -> str:
        """The model's version (from its file name)."""
        return str(self.meta.get("version", ""))

    def fits(self, raw: dict[str, np.ndarray]) -> bool:
        """Whether this matcher computes the signals the model was trained on (else the fusion ranks)."""
        return self.signals == set(raw)

    def score(self, x: np.ndarray) -> np.ndarray:
        """Model scores of a feature matrix (higher ranks first)."""
        x = x[:, self._cols]
        if self.kind == "linear":
            return ((x - self.mean) / self.scale) @ self.coef
        return np.asarray(self._booster.predict(x), np.float64)


def model_dict(kind: str, signals: Iterable[str], **params: Any) -> dict[str, Any]:
    """The stored form of a model (`features` defaults to every feature)."""
    return {"kind": kind, "features": list(params.pop("features", FEATURES)), "signals": sorted(signals), **params}


def save(data_dir: Path, model: dict[str, Any], meta: dict[str, Any]) -> Path:
    """Write the model as the next version beside the index and make it current (atomically)."""
    folder = data_dir / RANKER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    versions = [int(p.stem.split("-")[1]) for p in folder.glob("model-*.json") if p.stem.split("-")[1].isdigit()]
    version = max(versions, default=0) + 1
    path = folder / f"model-{version}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    meta = {**meta, "version": version, "file": path.name}
    tmp = folder / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(folder / "meta.json")
    return path


def load(data_dir: Path) -> LearnedRanker | None:
    """The current model beside the index, or None (absent, unreadable or not loadable: logged, never raised)."""
    meta_path = data_dir / RANKER_DIR / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        model = json.loads((data_dir / RANKER_DIR / Path(str(meta["file"])).name).read_text(encoding="utf-8"))
        ranker = LearnedRanker(meta, model)
    except Exception:  # a bad file must never stop the matcher: the fusion ranks instead
        log.exception("learned ranker at %s not loaded; ranking by the hand-tuned fusion", meta_path.parent)
        return None
    log.info("learned ranker %s loaded (%s, trained %s)", ranker.version, ranker.kind, meta.get("trained_at"))
    return ranker


def best(fused: np.ndarray) -> np.ndarray:
    """Positions of the candidates the model re-orders: the fusion's best LEARNED_TOP."""
    return np.argsort(-fused, kind="stable")[:LEARNED_TOP]


def combine(scores: np.ndarray, fused: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Learned scores of the `top` candidates and the fusion's of the rest as one score in [0, 1]: the re-ordered
    best in [0.2, 1], the others below in the fusion's order."""
    out = 0.2 * _minmax(fused.astype(np.float64)) * 0.999
    out[top] = 0.2 + 0.8 * _minmax(scores)
    return out.astype(np.float32)


def rerank(ranker: LearnedRanker | None, index: KindIndex, query: QueryText, ids: np.ndarray,
           raw: dict[str, np.ndarray], fused: np.ndarray, keys: Iterable[tuple[str, ...]]) -> np.ndarray | None:
    """The learned score of each candidate in [0, 1] (`combine`); None when no model applies."""
    if ranker is None or not ranker.fits(raw) or len(ids) == 0:
        return None
    top = best(fused)
    x = features(index, query, ids, raw, fused, keys, rows=top)
    return combine(ranker.score(x[top]), fused, top)
