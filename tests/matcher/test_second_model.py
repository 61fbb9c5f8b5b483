"""The default second model (e5-small): title vectors for candidates, kept clause vectors for needs."""

import numpy as np

from services.matcher.clauses import clauses
from services.matcher.embedder import E5Embedder
from services.matcher.engine import Matcher
from shared.schemas import MatchRequest
from shared.vocab import ChangeOp, ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, settings_for
from tests.matcher.test_query_reuse import BATTERY, STRAW, CountingEmbedder

SECOND_SIGNALS = {"dense2", "clauses2", "cohesion2", "feedback2"}


def _match(matcher: Matcher, query, k: int = 5):  # type: ignore[no-untyped-def]
    return matcher.match(MatchRequest(target=ItemKind.output, item=query, k=k)).results


def test_clauses_keep_the_title_first_and_drop_fragments() -> None:
    parts = clauses("锂电池防爆", "目前，国内锂离子电池存在安全隐患；需要新型隔膜技术。\n锂电池防爆")
    assert parts == ["锂电池防爆", "国内锂离子电池存在安全隐患", "需要新型隔膜技术"]


def test_needs_rank_with_every_second_model_signal(make_matcher) -> None:  # type: ignore[no-untyped-def]
    matcher = make_matcher(second=True)
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS, BATTERY), feed.last_seq)
    results = _match(matcher, BATTERY)
    assert results[0].id == 1
    assert set(results[0].components) >= SECOND_SIGNALS
    assert all(0.0 <= r.score <= 1.0 for r in results)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_a_stored_need_asks_the_second_model_nothing(tmp_path, embedder, embedder2) -> None:  # type: ignore[no-untyped-def]
    counting = CountingEmbedder(embedder2)
    counting.symmetric = False
    matcher = Matcher(settings_for(tmp_path / "m"), embedder, counting)  # type: ignore[arg-type]
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    fresh = [(r.id, round(r.score, 4)) for r in _match(matcher, BATTERY)]  # not indexed yet: encoded now
    matcher.apply(feed.put(BATTERY), feed.last_seq)
    counting.texts.clear()
    stored = [(r.id, round(r.score, 4)) for r in _match(matcher, BATTERY)]
    assert counting.texts == []  # its clause vectors were made when it was indexed
    assert stored == fresh
    # an edited need is read afresh, and asking twice encodes once
    matcher.apply(feed.put(STRAW, op=ChangeOp.update), feed.last_seq)
    edited = need(100, "秸秆燃料化利用", "把玉米秸秆压制成生物质颗粒燃料，供农村清洁取暖。")
    assert _match(matcher, edited)[0].id == 2
    asked = len(counting.texts)
    assert asked > 0
    _match(matcher, edited)
    assert len(counting.texts) == asked


def test_clause_vectors_survive_a_restart_and_leave_with_their_need(tmp_path, embedder, embedder2) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path / "m")
    matcher = Matcher(settings, embedder, embedder2)
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS, BATTERY), feed.last_seq)
    kept = matcher.index[ItemKind.need].clauses2[BATTERY.id]
    assert kept.shape == (len(clauses(BATTERY.title, f"{BATTERY.text}\n锂电池 隔膜")), embedder2.dimension)
    assert matcher.save(force=True)
    restarted = Matcher(settings, embedder, embedder2)
    assert restarted.load()
    assert np.array_equal(restarted.index[ItemKind.need].clauses2[BATTERY.id], kept)
    assert [r.id for r in _match(restarted, BATTERY)] == [r.id for r in _match(matcher, BATTERY)]
    restarted.apply(feed.delete(ItemKind.need, BATTERY.id), feed.last_seq)
    assert BATTERY.id not in restarted.index[ItemKind.need].clauses2
    assert restarted.save(force=True)
    again = Matcher(settings, embedder, embedder2)
    assert again.load()
    assert BATTERY.id not in again.index[ItemKind.need].clauses2


def test_the_query_instance_on_two_cores_encodes_what_one_core_does(embedder2: E5Embedder) -> None:
    clauses_ = ["防爆锂离子电池的研发", "国内锂离子电池产品存在安全隐患问题", "结合本公司对锂电池防爆问题的研发经验积累"]
    two = E5Embedder(threads=2)
    assert two._set_threads is not None  # the bundled OpenMP runtime was found: the setting takes effect
    np.testing.assert_allclose(two.encode(clauses_, query=True), embedder2.encode(clauses_, query=True), atol=1e-6)
    assert embedder2.encode(clauses_[:1], query=True).shape == (1, 384)  # the one-core default is left as it was
