"""The matcher's state: per kind, candidate metadata, dense vectors and BM25 postings."""

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.matcher.lexical import BM25Index
from services.matcher.passages import KEPT_TEXT_CHARS
from services.matcher.text import content_digest, script_of
from services.matcher.vectors import VectorIndex
from shared.schemas import CatalogItem
from shared.vocab import ItemKind


@dataclass
class Prepared:
    """An item made ready to index outside the lock: its vectors and tokens."""

    item: CatalogItem
    vector: np.ndarray
    vector2: np.ndarray | None
    tokens: list[str]
    clauses2: np.ndarray | None = None  # the second model's query-side title and clause vectors (needs only)
    title_vector: np.ndarray | None = None  # the first model's query-side title vector (needs, symmetric models)


class KindIndex:
    """Candidates of one kind (outputs or needs)."""

    def __init__(self, dim: int, dim2: int | None, *, hnsw_threshold: int, hnsw_m: int, ef_search: int) -> None:
        self.items: dict[int, CatalogItem] = {}
        self.scripts: dict[int, str] = {}  # writing system of each title (text.script_of), read for every candidate
        # hash of each item's text fields, so a query with an unchanged indexed item reuses its vector and tokens
        self.digests: dict[int, int] = {}
        self.dense = VectorIndex(dim, hnsw_threshold=hnsw_threshold, hnsw_m=hnsw_m, ef_search=ef_search)
        self.dense2 = (VectorIndex(dim2, hnsw_threshold=hnsw_threshold, hnsw_m=hnsw_m, ef_search=ef_search)
                       if dim2 else None)
        self.lexical = BM25Index()
        # query-side clause vectors of the second model, kept for the items that are asked about most (needs)
        self.clauses2: dict[int, np.ndarray] = {}
        # query-side title vectors of the first model (needs), so asking about a stored need calls no model
        self.titles: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.items)

    def upsert(self, batch: list[Prepared]) -> None:
        """Insert or replace matchable items."""
        if not batch:
            return
        ids = np.array([p.item.id for p in batch], np.int64)
        self.dense.upsert(ids, np.stack([p.vector for p in batch]))
        if self.dense2 is not None:
            self.dense2.upsert(ids, np.stack([p.vector2 for p in batch if p.vector2 is not None]))
        for p in batch:
            # the body text is not needed once embedded and tokenised, but for the best passage of a returned
            # candidate (passages.py): keep its start only, so the metadata stays slim
            self.items[p.item.id] = p.item.model_copy(update={"text": p.item.text[:KEPT_TEXT_CHARS]})
            self.scripts[p.item.id] = script_of(p.item.title)
            self.digests[p.item.id] = content_digest(p.item)
            self.lexical.upsert(p.item.id, p.tokens)
            if p.clauses2 is not None:
                self.clauses2[p.item.id] = p.clauses2
            else:
                self.clauses2.pop(p.item.id, None)
            if p.title_vector is not None:
                self.titles[p.item.id] = np.array(p.title_vector, np.float32)  # own row, not a view of the batch
            else:
                self.titles.pop(p.item.id, None)

    def stored_query_parts(self, item: CatalogItem) -> tuple[np.ndarray, np.ndarray | None, list[str]] | None:
        """Stored pooled vector, second-model clause vectors (if kept) and tokens of `item` if it is
        indexed with the same text, else None."""
        digest = self.digests.get(item.id)
        if digest is None or digest != content_digest(item):
            return None
        vector = self.dense.vector(item.id)
        if vector is None:
            return None
        return vector, self.clauses2.get(item.id), self.lexical.terms(item.id)

    def remove(self, ids: list[int]) -> None:
        """Drop items (deleted, unpublished, closed); unknown ids are ignored."""
        arr = np.array(ids, np.int64)
        self.dense.remove(arr)
        if self.dense2 is not None:
            self.dense2.remove(arr)
        for i in ids:
            self.items.pop(i, None)
            self.scripts.pop(i, None)
            self.digests.pop(i, None)
            self.lexical.remove(i)
            self.clauses2.pop(i, None)
            self.titles.pop(i, None)

    def save(self, directory: Path) -> None:
        """Write this kind's state into a fresh directory."""
        directory.mkdir(parents=True)
        self.dense.save(directory)
        if self.dense2 is not None:
            (directory / "second").mkdir()
            self.dense2.save(directory / "second")
        lexical: dict[str, Any] = self.lexical.state()
        np.savez(directory / "lexical.npz", **lexical)
        docs = self.lexical.documents()
        with open(directory / "items.jsonl", "w", encoding="utf-8") as f:
            for item_id, item in self.items.items():
                row = {"item": item.model_dump(mode="json"), "tokens": docs.get(item_id, ""),
                       "digest": self.digests.get(item_id)}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
        if self.clauses2:
            ids = list(self.clauses2)
            np.savez(directory / "clauses2.npz", ids=np.array(ids, np.int64),
                     counts=np.array([len(self.clauses2[i]) for i in ids], np.int64),
                     vectors=np.concatenate([self.clauses2[i] for i in ids]))
        if self.titles:
            np.savez(directory / "titles.npz", ids=np.fromiter(self.titles, np.int64, len(self.titles)),
                     vectors=np.stack(list(self.titles.values())))

    def load(self, directory: Path) -> None:
        """Read what `save` wrote."""
        self.dense.load(directory)
        if self.dense2 is not None:
            self.dense2.load(directory / "second")
        documents: list[tuple[int, list[str]]] = []
        arrays = directory / "lexical.npz"  # absent from snapshots written before the BM25 arrays were kept
        with open(directory / "items.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                item = CatalogItem.model_validate(row["item"])
                self.items[item.id] = item
                self.scripts[item.id] = script_of(item.title)
                if row.get("digest") is not None:  # snapshots written before digests: recompute at query time
                    self.digests[item.id] = int(row["digest"])
                if not arrays.exists():
                    documents.append((item.id, row["tokens"].split()))
        if arrays.exists():
            with np.load(arrays) as z:
                self.lexical.load_state(z)
        else:
            self.lexical.load(documents)
        if (directory / "clauses2.npz").exists():
            with np.load(directory / "clauses2.npz") as z:
                bounds = np.cumsum(np.concatenate([[0], z["counts"]]))
                vectors = z["vectors"]
                self.clauses2 = {int(i): vectors[a:b] for i, a, b in zip(z["ids"], bounds[:-1], bounds[1:], strict=True)}
        if (directory / "titles.npz").exists():
            with np.load(directory / "titles.npz") as z:
                self.titles = dict(zip(z["ids"].tolist(), z["vectors"], strict=True))


class MatchIndex:
    """Both kinds plus the change-feed cursor; one lock guards every read and write."""

    def __init__(self, dim: int, dim2: int | None = None, *, hnsw_threshold: int = 50_000,
                 hnsw_m: int = 32, ef_search: int = 128) -> None:
        self.lock = threading.RLock()
        self.kinds = {k: KindIndex(dim, dim2, hnsw_threshold=hnsw_threshold, hnsw_m=hnsw_m,
                                   ef_search=ef_search) for k in ItemKind}
        self.cursor = 0
        self.catalog_seq: int | None = None
        self.version = 0  # bumps on every change so snapshots know whether they are stale

    def __getitem__(self, kind: ItemKind) -> KindIndex:
        return self.kinds[kind]

    def counts(self) -> dict[str, int]:
        """Number of candidates per kind."""
        return {k.value: len(v) for k, v in self.kinds.items()}
