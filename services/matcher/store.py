"""The matcher's state: per kind, candidate metadata, dense vectors and BM25 postings."""

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.matcher.lexical import BM25Index
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


class KindIndex:
    """Candidates of one kind (outputs or needs)."""

    def __init__(self, dim: int, dim2: int | None, *, hnsw_threshold: int, hnsw_m: int, ef_search: int) -> None:
        self.items: dict[int, CatalogItem] = {}
        self.dense = VectorIndex(dim, hnsw_threshold=hnsw_threshold, hnsw_m=hnsw_m, ef_search=ef_search)
        self.dense2 = (VectorIndex(dim2, hnsw_threshold=hnsw_threshold, hnsw_m=hnsw_m, ef_search=ef_search)
                       if dim2 else None)
        self.lexical = BM25Index()

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
            # the body text is not needed once embedded and tokenised; keep the metadata slim
            self.items[p.item.id] = p.item.model_copy(update={"text": ""})
            self.lexical.upsert(p.item.id, p.tokens)

    def remove(self, ids: list[int]) -> None:
        """Drop items (deleted, unpublished, closed); unknown ids are ignored."""
        arr = np.array(ids, np.int64)
        self.dense.remove(arr)
        if self.dense2 is not None:
            self.dense2.remove(arr)
        for i in ids:
            self.items.pop(i, None)
            self.lexical.remove(i)

    def save(self, directory: Path) -> None:
        """Write this kind's state into a fresh directory."""
        directory.mkdir(parents=True)
        self.dense.save(directory)
        if self.dense2 is not None:
            (directory / "second").mkdir()
            self.dense2.save(directory / "second")
        docs = self.lexical.documents()
        with open(directory / "items.jsonl", "w", encoding="utf-8") as f:
            for item_id, item in self.items.items():
                f.write(json.dumps({"item": item.model_dump(mode="json"), "tokens": docs.get(item_id, "")},
                                   ensure_ascii=False) + "\n")
            f.flush()

    def load(self, directory: Path) -> None:
        """Read what `save` wrote."""
        self.dense.load(directory)
        if self.dense2 is not None:
            self.dense2.load(directory / "second")
        with open(directory / "items.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                item = CatalogItem.model_validate(row["item"])
                self.items[item.id] = item
                self.lexical.upsert(item.id, row["tokens"].split())


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
