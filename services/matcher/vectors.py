"""FAISS vector index keyed by catalog id: exact inner product while small, HNSW above a threshold."""

from pathlib import Path
from typing import Any

import faiss
import numpy as np

FLAT = "flat-ip"
HNSW = "hnsw"
_MIN_REBUILD = 5000


def _flat(dim: int) -> Any:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


class VectorIndex:
    """Unit vectors by catalog id; FAISS serves top-k, a row store serves exact scores for any id.

    HNSW cannot delete, so above the threshold updates go to a small exact `delta` index and the
    replaced or deleted ids are masked as `stale` until the graph is rebuilt (when they reach a
    tenth of the index: an exact search over the delta costs a few ms, a rebuild tens of seconds).
    """

    def __init__(self, dim: int, *, hnsw_threshold: int = 50_000, hnsw_m: int = 32,
                 ef_search: int = 128) -> None:
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        self._vecs = np.zeros((0, dim), np.float32)
        self._id_at = np.zeros(0, np.int64)
        self._row_of: dict[int, int] = {}
        self._free: list[int] = []
        self._rows = 0
        self._main: Any = _flat(dim)
        self._delta: Any = _flat(dim)
        self._stale: set[int] = set()
        self.kind = FLAT

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._row_of

    def ids(self) -> np.ndarray:
        """Catalog ids currently indexed."""
        return np.fromiter(self._row_of.keys(), np.int64, len(self._row_of))

    def vector(self, item_id: int) -> np.ndarray | None:
        """The stored unit vector of an id, if indexed."""
        row = self._row_of.get(item_id)
        return None if row is None else self._vecs[row].copy()

    # ----- updates -----
    def upsert(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Insert or replace vectors for catalog ids."""
        ids = np.asarray(ids, np.int64)
        if len(ids) == 0:
            return
        vecs = np.ascontiguousarray(vecs, np.float32)
        present = np.array([i in self._row_of for i in ids.tolist()], bool)
        self._remove_from_faiss(ids[present])
        for item_id, vec in zip(ids.tolist(), vecs, strict=True):
            row = self._row_of.get(item_id)
            if row is None:
                row = self._alloc()
                self._row_of[item_id] = row
                self._id_at[row] = item_id
            self._vecs[row] = vec
        if self.kind == HNSW:
            self._delta.add_with_ids(vecs, ids)
        else:
            self._main.add_with_ids(vecs, ids)
        self._maybe_reorganise()

    def remove(self, ids: np.ndarray) -> None:
        """Remove ids; unknown ids are ignored so replays are harmless."""
        ids = np.array([i for i in np.asarray(ids, np.int64).tolist() if i in self._row_of], np.int64)
        if len(ids) == 0:
            return
        self._remove_from_faiss(ids)
        for item_id in ids.tolist():
            row = self._row_of.pop(item_id)
            self._id_at[row] = -1
            self._free.append(row)
        self._maybe_reorganise()

    def _alloc(self) -> int:
        if self._free:
            return self._free.pop()
        row = self._rows
        if row >= len(self._vecs):
            cap = max(1024, 2 * len(self._vecs))
            grown = np.zeros((cap, self.dim), np.float32)
            grown[: len(self._vecs)] = self._vecs
            self._vecs = grown
            self._id_at = np.concatenate([self._id_at, np.full(cap - len(self._id_at), -1, np.int64)])
        self._rows += 1
        return row

    def _remove_from_faiss(self, ids: np.ndarray) -> None:
        if len(ids) == 0:
            return
        if self.kind == HNSW:
            self._delta.remove_ids(ids)
            self._stale.update(ids.tolist())
        else:
            self._main.remove_ids(ids)

    def _maybe_reorganise(self) -> None:
        n = len(self._row_of)
        if self.kind == FLAT:
            grown = n > self.hnsw_threshold
        else:  # shrunk well below the threshold, or too much masked or waiting in the delta
            grown = n < self.hnsw_threshold // 2 or self._delta.ntotal + len(self._stale) > max(_MIN_REBUILD, n // 10)
        if grown:
            self.rebuild()

    def rebuild(self) -> None:
        """Rebuild FAISS from the row store (choosing flat or HNSW by size) and drop the delta."""
        ids = self.ids()
        vecs = self._vecs[[self._row_of[i] for i in ids.tolist()]] if len(ids) else self._vecs[:0]
        if len(ids) > self.hnsw_threshold:
            hnsw = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.hnsw.efSearch = self.ef_search
            main: Any = faiss.IndexIDMap2(hnsw)
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(2)  # a build is a batch job
            try:
                main.add_with_ids(vecs, ids)
            finally:
                faiss.omp_set_num_threads(threads)
            self.kind = HNSW
        else:
            main = _flat(self.dim)
            main.add_with_ids(np.ascontiguousarray(vecs), ids)
            self.kind = FLAT
        self._main, self._delta, self._stale = main, _flat(self.dim), set()

    # ----- queries -----
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, inner products) for one unit query vector, best first."""
        k = min(k, len(self._row_of))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        # OpenMP's thread count is per calling thread and queries run in a worker pool: one query
        # on 2 cores is twice as slow with 2 threads as with 1.
        faiss.omp_set_num_threads(1)
        q = np.ascontiguousarray(query.reshape(1, -1), np.float32)
        scores, ids = self._main.search(q, min(k + len(self._stale), self._main.ntotal))
        ids, scores = ids[0], scores[0]
        keep = ids >= 0
        if self._stale:
            keep &= ~np.isin(ids, np.fromiter(self._stale, np.int64, len(self._stale)))
        ids, scores = ids[keep], scores[keep]
        if self._delta.ntotal:
            dscores, dids = self._delta.search(q, min(k, self._delta.ntotal))
            ids = np.concatenate([ids, dids[0][dids[0] >= 0]])
            scores = np.concatenate([scores, dscores[0][dids[0] >= 0]])
        order = np.argsort(-scores, kind="stable")[:k]
        return ids[order], scores[order]

    def scores(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact inner products of a query with the given indexed ids."""
        rows = [self._row_of[i] for i in np.asarray(ids).tolist()]
        return self._vecs[rows] @ query.astype(np.float32)

    def all_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner products of a query with every indexed id (ids, scores)."""
        alive = self._id_at[: self._rows] >= 0
        return self._id_at[: self._rows][alive], self._vecs[: self._rows][alive] @ query.astype(np.float32)

    # ----- persistence -----
    def save(self, directory: Path) -> None:
        """Write vectors, ids and the FAISS structures into a fresh directory."""
        ids = self.ids()
        np.save(directory / "ids.npy", ids)
        np.save(directory / "vectors.npy", self._vecs[[self._row_of[i] for i in ids.tolist()]]
                if len(ids) else self._vecs[:0])
        faiss.write_index(self._main, str(directory / "main.faiss"))
        np.save(directory / "stale.npy", np.fromiter(self._stale, np.int64, len(self._stale)))
        np.save(directory / "delta.npy", faiss.vector_to_array(self._delta.id_map).astype(np.int64))

    def load(self, directory: Path) -> None:
        """Read what `save` wrote (the delta is re-added from the stored vectors)."""
        ids = np.load(directory / "ids.npy")
        vecs = np.load(directory / "vectors.npy")
        self._vecs = np.array(vecs, np.float32, copy=True) if len(vecs) else np.zeros((0, self.dim), np.float32)
        self._id_at = ids.astype(np.int64).copy()
        self._row_of = {int(i): r for r, i in enumerate(ids.tolist())}
        self._free = []
        self._rows = len(ids)
        main: Any = faiss.read_index(str(directory / "main.faiss"))
        self.kind = HNSW if "HNSW" in type(faiss.downcast_index(main.index)).__name__ else FLAT
        self._main = main
        if self.kind == HNSW:
            inner: Any = faiss.downcast_index(main.index)
            inner.hnsw.efSearch = self.ef_search
        self._stale = set(np.load(directory / "stale.npy").tolist())
        delta_ids = np.load(directory / "delta.npy")
        self._delta = _flat(self.dim)
        if len(delta_ids):
            self._delta.add_with_ids(self._vecs[[self._row_of[i] for i in delta_ids.tolist()]], delta_ids)
