"""Updates and deletes: a deleted, unpublished or closed item never comes back; replays change nothing."""

import bm25s
import numpy as np
import pytest

from services.matcher.lexical import BM25Index
from services.matcher.text import tokenize
from services.matcher.vectors import FLAT, HNSW, VectorIndex
from shared.schemas import MatchRequest
from shared.vocab import ChangeOp, ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, output

BATTERY = need(100, "锂电池隔膜", "需要耐高温锂电池隔膜。")


def _ids(matcher, query=BATTERY, k=8):  # type: ignore[no-untyped-def]
    return [r.id for r in matcher.match(MatchRequest(target=ItemKind.output, item=query, k=k)).results]


def test_deleted_and_unpublished_items_never_return(make_matcher):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS))
    assert _ids(matcher)[0] == 1
    matcher.apply(feed.delete(ItemKind.output, 1))
    assert 1 not in _ids(matcher)
    matcher.apply(feed.put(OUTPUTS[7].model_copy(update={"status": "archived"}), op=ChangeOp.update))
    assert 8 not in _ids(matcher)
    assert matcher.index.counts() == {"output": 6, "need": 0, "expert": 0}


def test_update_replaces_the_old_text(make_matcher):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS))
    renamed = output(3, "锂电池耐高温隔膜涂层", "陶瓷隔膜。")
    matcher.apply(feed.put(renamed, op=ChangeOp.update))
    robots = need(101, "工业机器人视觉分拣", "需要机器视觉引导机械臂分拣。")
    assert _ids(matcher, robots, 1) != [3]
    assert 3 in _ids(matcher, BATTERY, 2)


def test_replaying_a_page_is_harmless(make_matcher):
    matcher = make_matcher()
    feed = Feed()
    page = feed.put(*OUTPUTS) + feed.delete(ItemKind.output, 2)
    matcher.apply(page)
    before = (_ids(matcher), matcher.index.counts(), matcher.index.cursor)
    matcher.index.cursor = 0  # as after a crash between applying and snapshotting
    matcher.apply(page)
    assert (_ids(matcher), matcher.index.counts(), matcher.index.cursor) == before


def test_closed_need_leaves_the_candidates(make_matcher):
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(need(10, "秸秆燃料", "秸秆颗粒燃料技术。")))
    query = OUTPUTS[1]
    assert [r.id for r in matcher.match(MatchRequest(target=ItemKind.need, item=query)).results] == [10]
    matcher.apply(feed.put(need(10, "秸秆燃料", "秸秆颗粒燃料技术。", status="closed"), op=ChangeOp.update))
    assert matcher.match(MatchRequest(target=ItemKind.need, item=query)).results == []


def _unit(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_hnsw_above_threshold_keeps_deletes_out_and_recall_high():
    flat = VectorIndex(32, hnsw_threshold=10_000)
    hnsw = VectorIndex(32, hnsw_threshold=500)
    vecs = _unit(2000, 32, 0)
    ids = np.arange(1000, 3000)
    for index in (flat, hnsw):
        index.upsert(ids, vecs)
    assert (flat.kind, hnsw.kind) == (FLAT, HNSW)
    gone = ids[::7]
    moved = ids[1::7]
    for index in (flat, hnsw):
        index.remove(gone)
        index.upsert(moved, _unit(len(moved), 32, 1))
    queries = _unit(50, 32, 2)
    hits = 0
    for q in queries:
        exact = set(flat.search(q, 10)[0].tolist())
        approx = hnsw.search(q, 10)[0]
        assert not set(approx.tolist()) & set(gone.tolist())
        hits += len(exact & set(approx.tolist()))
    assert hits / (10 * len(queries)) >= 0.9
    assert len(hnsw) == len(flat) == 2000 - len(gone)


def test_incremental_bm25_scores_equal_bm25s():
    docs = [t.title + t.text for t in OUTPUTS]
    index = BM25Index()
    for i, d in enumerate(docs):
        index.upsert(i, tokenize(d))
    index.upsert(99, tokenize("临时文档 锂电池"))
    index.remove(99)  # a removed document must not skew the statistics
    corpus = [tokenize(d) for d in docs]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(w, len(vocab)) for w in doc] for doc in corpus]
    reference = bm25s.BM25()
    reference.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    query = tokenize("锂电池隔膜 耐高温 涂层 秸秆")
    expected = reference.get_scores([vocab[w] for w in query if w in vocab])
    assert np.allclose(index.scores(query, np.arange(len(docs))), expected, rtol=1e-4, atol=1e-5)


def test_bm25_compaction_keeps_scores():
    docs = [tokenize(t.title + t.text) for t in OUTPUTS]
    churned, fresh = BM25Index(), BM25Index()
    for i, d in enumerate(docs):
        churned.upsert(i, d)
        fresh.upsert(i, d)
    for _ in range(1200):  # enough replaced rows to trigger a compaction
        churned.upsert(0, docs[0])
    query = tokenize("锂电池 隔膜 秸秆 燃料")
    ids = np.arange(len(docs))
    assert np.allclose(churned.scores(query, ids), fresh.scores(query, ids))
    assert churned._rows < 1200 and churned.tokens(0) == fresh.tokens(0)


def test_bm25_loaded_at_once_is_the_index_upserts_build_one_by_one():
    docs = [tokenize(t.title + t.text) for t in OUTPUTS] + [[], ["  ", "锂电池"], ["锂电池"] * 70_000]
    ids = [7 * i + 3 for i in range(len(docs))]  # ids apart from rows
    one_by_one, at_once = BM25Index(), BM25Index()
    for i, d in zip(ids, docs, strict=True):
        one_by_one.upsert(i, d)
    at_once.load(zip(ids, docs, strict=True))
    for query in (tokenize("锂电池隔膜 耐高温 涂层 秸秆"), ["锂电池"], ["未知词"]):
        assert one_by_one.scores(query, np.array(ids)).tobytes() == at_once.scores(query, np.array(ids)).tobytes()
        assert [i.tolist() for i in one_by_one.top(query, 5)] == [i.tolist() for i in at_once.top(query, 5)]
    assert all(one_by_one.terms(i) == at_once.terms(i) for i in ids) and len(at_once) == len(docs)
    assert one_by_one.idf("锂电池") == at_once.idf("锂电池")
    at_once.upsert(ids[0], ["秸秆"])  # and it goes on like any other index
    one_by_one.upsert(ids[0], ["秸秆"])
    assert one_by_one.top(["秸秆"], 3)[0].tolist() == at_once.top(["秸秆"], 3)[0].tolist()
    with pytest.raises(ValueError):
        at_once.load([(1, ["锂电池"])])


def test_bm25_state_round_trip_scores_as_the_index_it_was_saved_from():
    docs = [tokenize(t.title + t.text) for t in OUTPUTS]
    saved = BM25Index()
    for i, d in enumerate(docs):
        saved.upsert(i, d)
    saved.upsert(0, tokenize("秸秆 燃料 颗粒"))  # a replaced row and a removed one stay out of the state
    saved.remove(1)
    restored = BM25Index()
    restored.load_state(saved.state())
    ids = np.array([i for i in range(len(docs)) if i != 1])
    for query in (tokenize("锂电池隔膜 耐高温 涂层 秸秆"), ["秸秆"], ["未知词"]):
        assert np.allclose(saved.scores(query, ids), restored.scores(query, ids), rtol=1e-6, atol=0)
        assert saved.top(query, 5)[0].tolist() == restored.top(query, 5)[0].tolist()
    assert len(restored) == len(saved) and sorted(restored.terms(0)) == sorted(saved.terms(0))
    assert restored.idf("锂电池") == saved.idf("锂电池") and 1 not in restored._row_of
    empty = BM25Index()
    empty.load_state(BM25Index().state())
    assert len(empty) == 0 and empty.top(["锂电池"], 3)[0].tolist() == []
