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


def _storage(index: Any) -> np.ndarray:
    """Zero-copy view of the vectors an id-mapped flat or HNSW index holds, by position; valid until it changes."""
    inner: Any = faiss.downcast_index(index.index)
    flat: Any = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSW) else inner
    if flat.ntotal == 0:
        return np.zeros((0, flat.d), np.float32)
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)


def _positions(index: Any) -> dict[int, int]:
    """Position of each id in an id-mapped index (FAISS compacts in order when it removes)."""
    return {item_id: pos for pos, item_id in enumerate(faiss.vector_to_array(index.id_map).tolist())}


class VectorIndex:
    """Unit vectors by catalog id; FAISS serves top-k, and its own storage serves exact scores for any id.

    HNSW cannot delete, so above the threshold updates go to a small exact `delta` index and the
    replaced or deleted ids are masked as `stale` until the graph is rebuilt (when they reach a
    tenth of the index: an exact search over the delta costs a few ms, a rebuild tens of seconds).
    The vectors live only inside FAISS: a live id is read from the delta if it is there, else from
    the main index.
    """

    def __init__(self, dim: int, *, hnsw_threshold: int = 50_000, hnsw_m: int = 32,
                 ef_search: int = 128) -> None:
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        self._ids: dict[int, None] = {}  # live ids in first-insert order, the order a rebuild adds them in
        self._main: Any = _flat(dim)
        self._delta: Any = _flat(dim)
        self._main_pos: dict[int, int] = {}
        self._delta_pos: dict[int, int] = {}
        self._stale: set[int] = set()
        self._views: tuple[np.ndarray, np.ndarray] | None = None  # (main, delta) storage, until FAISS changes
        self.kind = FLAT

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._ids

    def ids(self) -> np.ndarray:
        """Catalog ids currently indexed."""
        return np.fromiter(self._ids.keys(), np.int64, len(self._ids))

    def vector(self, item_id: int) -> np.ndarray | None:
        """The stored unit vector of an id, if indexed."""
        if item_id not in self._ids:
            return None
        main, delta = self._storage_views()
        pos = self._delta_pos.get(item_id)
        return (main[self._main_pos[item_id]] if pos is None else delta[pos]).copy()

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors of the given ids in order, a zero row for an id not indexed."""
        wanted = np.asarray(ids).tolist()
        known = [i in self._ids for i in wanted]
        if all(known):
            return self._gather(wanted)
        out = np.zeros((len(wanted), self.dim), np.float32)
        if any(known):
            out[np.array(known, bool)] = self._gather([i for i, k in zip(wanted, known, strict=True) if k])
        return out

    def _storage_views(self) -> tuple[np.ndarray, np.ndarray]:
        if self._views is None:
            self._views = (_storage(self._main), _storage(self._delta))
        return self._views

    def _changed(self) -> None:
        """Forget the storage views: FAISS may have moved its vectors."""
        self._views = None

    def _gather(self, ids: list[int]) -> np.ndarray:
        """Stored vectors of live ids (a copy), in the order given; KeyError for an id not indexed."""
        main, delta = self._storage_views()
        if not self._delta_pos:
            return main[[self._main_pos[i] for i in ids]]
        in_delta = np.array([i in self._delta_pos for i in ids], bool)
        out = np.empty((len(ids), self.dim), np.float32)
        out[in_delta] = delta[[self._delta_pos[i] for i in ids if i in self._delta_pos]]
        out[~in_delta] = main[[self._main_pos[i] for i in ids if i not in self._delta_pos]]
        return out

    # ----- updates -----
    def upsert(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        """Insert or replace vectors for catalog ids."""
        ids = np.asarray(ids, np.int64)
        if len(ids) == 0:
            return
        vecs = np.ascontiguousarray(vecs, np.float32)
        present = np.array([i in self._ids for i in ids.tolist()], bool)
        self._remove_from_faiss(ids[present])
        for item_id in ids.tolist():
            self._ids.setdefault(item_id, None)
        target, positions = (self._delta, self._delta_pos) if self.kind == HNSW else (self._main, self._main_pos)
        start = target.ntotal
        self._changed()
        target.add_with_ids(vecs, ids)
        positions.update(zip(ids.tolist(), range(start, start + len(ids)), strict=True))
        self._maybe_reorganise()

    def remove(self, ids: np.ndarray) -> None:
        """Remove ids; unknown ids are ignored so replays are harmless."""
        ids = np.array([i for i in np.asarray(ids, np.int64).tolist() if i in self._ids], np.int64)
        if len(ids) == 0:
            return
        self._remove_from_faiss(ids)
        for item_id in ids.tolist():
            del self._ids[item_id]
        self._maybe_reorganise()

    def _remove_from_faiss(self, ids: np.ndarray) -> None:
        if len(ids) == 0:
            return
        self._changed()
        if self.kind == HNSW:
            if any(i in self._delta_pos for i in ids.tolist()):
                self._delta.remove_ids(ids)
                self._delta_pos = _positions(self._delta)
            self._stale.update(ids.tolist())
        else:
            self._main.remove_ids(ids)
            self._main_pos = _positions(self._main)

    def _maybe_reorganise(self) -> None:
        n = len(self._ids)
        if self.kind == FLAT:
            grown = n > self.hnsw_threshold
        else:  # shrunk well below the threshold, or too much masked or waiting in the delta
            grown = n < self.hnsw_threshold // 2 or self._delta.ntotal + len(self._stale) > max(_MIN_REBUILD, n // 10)
        if grown:
            self.rebuild()

    def rebuild(self) -> None:
        """Rebuild FAISS from the live vectors (choosing flat or HNSW by size) and drop the delta."""
        ids = self.ids()
        vecs = self._gather(ids.tolist()) if len(ids) else np.zeros((0, self.dim), np.float32)
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
            main.add_with_ids(vecs, ids)
            self.kind = FLAT
        self._main, self._delta, self._stale = main, _flat(self.dim), set()
        self._changed()
        self._main_pos = dict(zip(ids.tolist(), range(len(ids)), strict=True))
        self._delta_pos = {}

    # ----- queries -----
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, inner products) for one unit query vector, best first."""
        k = min(k, len(self._ids))
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
        return self._gather(np.asarray(ids).tolist()) @ query.astype(np.float32)

    def all_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner products of a query with every indexed id (ids, scores)."""
        ids = self.ids()
        return ids, self.scores(query, ids)

    # ----- persistence -----
    def save(self, directory: Path) -> None:
        """Write the live ids in order and the FAISS structures (which hold the vectors) into a fresh directory."""
        np.save(directory / "ids.npy", self.ids())
        faiss.write_index(self._main, str(directory / "main.faiss"))
        faiss.write_index(self._delta, str(directory / "delta.faiss"))
        np.save(directory / "stale.npy", np.fromiter(self._stale, np.int64, len(self._stale)))

    def load(self, directory: Path) -> None:
        """Read what `save` wrote."""
        self._ids = dict.fromkeys(np.load(directory / "ids.npy").tolist())
        main: Any = faiss.read_index(str(directory / "main.faiss"))
        self.kind = HNSW if "HNSW" in type(faiss.downcast_index(main.index)).__name__ else FLAT
        if self.kind == HNSW:
            inner: Any = faiss.downcast_index(main.index)
            inner.hnsw.efSearch = self.ef_search
        self._main = main
        self._delta = faiss.read_index(str(directory / "delta.faiss"))
        self._stale = set(np.load(directory / "stale.npy").tolist())
        self._main_pos = _positions(self._main)
        self._delta_pos = _positions(self._delta)
        self._changed()
