"""The second model's view of an item: its title as a candidate, its title and clauses as a query.

e5-small reads short texts far faster than long ones (~45 titles/s against ~6 passages/s here), and on
bdci2019 its strength is title-to-title and clause-to-title similarity (benchmarks/relevance.py), so
candidates are embedded by title alone and a query by its title plus each clause of its text.
"""

import itertools
import re

import numpy as np

from services.matcher.embedder import Embedder
from shared.schemas import CatalogItem

# e5 reads each clause in its own model call (~15-45 ms here), so this bounds a long text's cost. On bdci2019,
# 12 clauses rank as 24 did (nDCG@10 full-corpus 0.207 vs 0.209, re-rank 0.764 vs 0.763; cross-validated
# 0.201 / 0.758 both) at 13 calls instead of 25; 8 lost 0.012 cross-validated (benchmarks/results/matcher.md)
MAX_CLAUSES = 12
_MIN_CHARS = 4  # shorter pieces ("一、", "目前") carry no topic
_CLAUSE_END = re.compile(r"[。；;，,？?！!\n]")


def clauses(title: str, text: str) -> list[str]:
    """The title first (whatever its length), then the clauses of the text long enough to say something."""
    head = [title.strip()] if title.strip() else []
    pieces = [p.strip() for p in _CLAUSE_END.split(text)]
    body = [p for p in pieces if len(p) >= _MIN_CHARS and p != title.strip()]
    return (head + body)[: MAX_CLAUSES + 1] or [text.strip()[:64]]


def item_clauses(item: CatalogItem) -> list[str]:
    """An item's title and clauses; its keywords read as one more clause."""
    return clauses(item.title, f"{item.text}\n{' '.join(item.keywords)}")


def candidate_text(item: CatalogItem) -> str:
    """What the second model reads of a candidate: its title (or the start of its text if untitled)."""
    return item.title.strip() or item.text.strip()[:64]


def embed_candidates(items: list[CatalogItem], embedder: Embedder) -> np.ndarray:
    """Passage-side vectors of the candidates' titles."""
    return embedder.encode([candidate_text(it) for it in items])


def embed_clauses(groups: list[list[str]], embedder: Embedder) -> list[np.ndarray]:
    """Query-side float16 vectors of each group of clauses, encoded in one batch."""
    flat = [c for g in groups for c in g]
    vecs = (embedder.encode(flat, query=True) if flat else np.zeros((0, embedder.dimension))).astype(np.float16)
    bounds = np.cumsum([0] + [len(g) for g in groups])
    return [vecs[a:b] for a, b in itertools.pairwise(bounds)]


def query_vector(clause_vectors: np.ndarray, has_title: bool) -> np.ndarray:
    """The vector that retrieves candidates: the title's, or for untitled text the clauses' mean."""
    v = clause_vectors[0] if has_title else clause_vectors.astype(np.float32).sum(axis=0)
    v = v.astype(np.float32)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def clause_scores(clause_vectors: np.ndarray, candidates: np.ndarray, top: int = 2) -> np.ndarray:
    """Per candidate, the mean of its `top` best clause cosines: a need is met where one part of it is."""
    sims = candidates.astype(np.float32) @ clause_vectors.astype(np.float32).T
    if sims.shape[1] <= top:
        return sims.mean(axis=1)
    return np.sort(sims, axis=1)[:, -top:].mean(axis=1)


def cohesion(vectors: np.ndarray, top: int = 5) -> np.ndarray:
    """Per candidate, the mean cosine to its `top` nearest fellow candidates: on-topic results cluster."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n, np.float32)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    k = min(top, n - 1)
    return np.partition(sims, n - k, axis=1)[:, n - k:].mean(axis=1)


def feedback(vectors: np.ndarray, first_stage: np.ndarray, top: int = 5) -> np.ndarray:
    """Per candidate, the mean cosine to the first stage's `top` best others (pseudo-relevance feedback)."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n, np.float32)
    best = np.argsort(-first_stage, kind="stable")[:top]
    sims = vectors @ vectors[best].T
    sims[best, np.arange(len(best))] = np.nan  # a candidate is not its own evidence
    with np.errstate(invalid="ignore"):
        out = np.nanmean(sims, axis=1)
    return np.nan_to_num(out).astype(np.float32)
