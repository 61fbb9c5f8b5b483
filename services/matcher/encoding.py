"""Item-level vectors: pooled passages of catalog items and free text, and the query vector of an item."""

import numpy as np

from services.matcher.embedder import BATCH, Embedder, normalise
from services.matcher.text import PASSAGE_CHARS, item_passages, passages
from shared.schemas import CatalogItem


def pooled(groups: list[list[str]], embedder: Embedder, *, query: bool = False) -> np.ndarray:
    """Encode each group of passages in one batch and pool it: mean of unit vectors, renormalised."""
    flat = [p for g in groups for p in g]
    if not flat:
        return np.zeros((0, embedder.dimension), np.float32)
    vecs = np.concatenate([embedder.encode(flat[i : i + BATCH * 4], query=query)
                           for i in range(0, len(flat), BATCH * 4)])
    starts = np.cumsum([0] + [len(g) for g in groups[:-1]])
    sums = np.add.reduceat(vecs, starts, axis=0)
    return normalise(sums)


def embed_items(items: list[CatalogItem], embedder: Embedder, *, query: bool = False,
                max_chars: int = PASSAGE_CHARS) -> np.ndarray:
    """Pooled passage embeddings of catalog items, one unit row per item."""
    return pooled([item_passages(it, max_chars) for it in items], embedder, query=query)


def embed_query_item(item: CatalogItem, embedder: Embedder, title_weight: float) -> np.ndarray:
    """Query vector of an item: its title's vector blended with its pooled passages (tuned on bdci2019)."""
    return embed_query_blends(item, embedder, (title_weight,))[0]


def embed_query_blends(item: CatalogItem, embedder: Embedder, title_weights: tuple[float, ...]) -> list[np.ndarray]:
    """`embed_query_item` at each of several title weights, from one model call."""
    parts = item_passages(item)
    with_title = max(title_weights) > 0 and bool(item.title.strip())
    vecs = embedder.encode(([item.title] if with_title else []) + parts, query=True)  # one model call
    full = normalise(vecs[int(with_title):].sum(axis=0, keepdims=True))[0]
    return [_blend(vecs[0] if with_title else None, full, w) for w in title_weights]


def query_vector_from_pooled(item: CatalogItem, pooled_vector: np.ndarray, embedder: Embedder,
                             title_weight: float, title_vector: np.ndarray | None = None) -> np.ndarray:
    """`embed_query_item` for an item whose pooled passage vector is already stored: only the title is
    encoded, and not even that when its query-side vector is stored too (`embed_titles`)."""
    return query_blends_from_pooled(item, pooled_vector, embedder, (title_weight,), title_vector)[0]


def query_blends_from_pooled(item: CatalogItem, pooled_vector: np.ndarray, embedder: Embedder,
                             title_weights: tuple[float, ...], title_vector: np.ndarray | None = None) -> list[np.ndarray]:
    """`query_vector_from_pooled` at each of several title weights, encoding the title at most once."""
    with_title = max(title_weights) > 0 and bool(item.title.strip())
    if with_title and title_vector is None:
        title_vector = embedder.encode([item.title], query=True)[0]
    return [_blend(title_vector if with_title else None, pooled_vector, w) for w in title_weights]


def embed_titles(items: list[CatalogItem], embedder: Embedder) -> np.ndarray:
    """Query-side vectors of the items' titles, kept at index time for `query_vector_from_pooled`."""
    titles = [it.title for it in items]
    if not titles:
        return np.zeros((0, embedder.dimension), np.float32)
    return np.concatenate([embedder.encode(titles[i : i + BATCH * 4], query=True)
                           for i in range(0, len(titles), BATCH * 4)])


def _blend(title: np.ndarray | None, full: np.ndarray, title_weight: float) -> np.ndarray:
    if title is None:
        return full
    return normalise((title_weight * title + (1.0 - title_weight) * full)[None, :])[0]


def embed_text(text: str, embedder: Embedder, *, query: bool = True) -> np.ndarray:
    """Pooled embedding of free text (split like an item body with no title)."""
    return pooled([passages("", text)], embedder, query=query)[0]
