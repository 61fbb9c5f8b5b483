"""Queries first: while the index is being filled, a query waits for at most one small indexing batch."""

import threading

import numpy as np

from services.matcher.lanes import QueryFirst


class GatedModel:
    """A model that records each call and holds the first indexing call until released (one call at a time,
    like the real backends)."""

    name, version, dimension, symmetric = "gated", "1", 2, True

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.entered, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        with self._lock:
            self.calls.append(tuple(texts))
            if len(self.calls) == 1:
                self.entered.set()
                assert self.release.wait(timeout=60)
            return np.ones((len(texts), 2), np.float32)


def test_a_query_goes_between_indexing_batches_not_after_them() -> None:
    model = GatedModel()
    lanes = QueryFirst(model, bulk_batch=2, max_yield=60)
    bulk_texts = [f"b{i}" for i in range(1, 7)]
    indexed: list[np.ndarray] = []
    indexing = threading.Thread(target=lambda: indexed.append(lanes.bulk.encode(bulk_texts)))
    indexing.start()
    assert model.entered.wait(timeout=60)  # the first indexing batch holds the model
    asked: list[np.ndarray] = []
    asking = threading.Thread(target=lambda: asked.append(lanes.encode(["q"], query=True)))
    asking.start()
    with lanes._turn:  # the query has queued for the model
        assert lanes._turn.wait_for(lambda: lanes._queries == 1, timeout=60)
    model.release.set()
    indexing.join(timeout=60)
    asking.join(timeout=60)
    assert model.calls == [("b1", "b2"), ("q",), ("b3", "b4"), ("b5", "b6")]
    assert indexed[0].shape == (6, 2) and asked[0].shape == (1, 2)


def test_indexing_alone_batches_and_keeps_order() -> None:
    model = GatedModel()
    model.release.set()
    lanes = QueryFirst(model, bulk_batch=4)
    out = lanes.bulk.encode([f"t{i}" for i in range(10)])
    assert out.shape == (10, 2) and [len(c) for c in model.calls] == [4, 4, 2]
    assert lanes.bulk.encode([]).shape == (0, 2)
    assert lanes.bulk.name == "gated" and lanes.symmetric


def test_with_an_instance_of_its_own_indexing_never_holds_a_query_up() -> None:
    for_queries, for_indexing = GatedModel(), GatedModel()
    for_queries.release.set()
    lanes = QueryFirst(for_queries, indexing=for_indexing)
    indexing = threading.Thread(target=lambda: lanes.bulk.encode([f"b{i}" for i in range(40)]))
    indexing.start()
    assert for_indexing.entered.wait(timeout=60)  # indexing is in the middle of a model call
    assert lanes.encode(["q"], query=True).shape == (1, 2)  # answered meanwhile, by the other instance
    assert for_queries.calls == [("q",)]
    for_indexing.release.set()
    indexing.join(timeout=60)
    assert for_indexing.calls == [tuple(f"b{i}" for i in range(40))]  # one call: nothing to step aside for
