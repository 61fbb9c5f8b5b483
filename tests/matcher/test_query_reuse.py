"""A query item the matcher already holds reuses its stored vector and tokens; an edited one is re-encoded."""

import numpy as np

from services.matcher.engine import Matcher
from shared.schemas import MatchRequest
from shared.vocab import ChangeOp, ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, settings_for

BATTERY = need(100, "锂电池防爆问题", "我公司生产动力锂电池，需要提高电池安全性，防止热失控爆炸，寻求新型隔膜技术。",
               keywords=["锂电池", "隔膜"])
STRAW = need(100, "秸秆燃料化利用", "我们需要把玉米秸秆压制成生物质颗粒燃料，用于农村清洁供暖。", keywords=["秸秆"])


class CountingEmbedder:
    """Wraps the real model and records every text it is asked to encode."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name, self.version, self.dimension, self.symmetric = inner.name, inner.version, inner.dimension, True
        self.texts: list[str] = []

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, query=query)


def _ranking(matcher: Matcher, query):  # type: ignore[no-untyped-def]
    # the query side is what these tests count; the candidates' best passages are encoded apart (test_passages.py)
    results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=8, passages=False)).results
    return [r.id for r in results], [r.score for r in results], [r.explanation.matched_terms for r in results]


def test_stored_query_item_ranks_exactly_as_recomputed(tmp_path, embedder):  # type: ignore[no-untyped-def]
    counting = CountingEmbedder(embedder)
    matcher = Matcher(settings_for(tmp_path / "m"), counting)  # type: ignore[arg-type]
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    fresh = _ranking(matcher, BATTERY)  # not indexed yet: encoded in full
    matcher.apply(feed.put(BATTERY), feed.last_seq)
    counting.texts.clear()
    reused = _ranking(matcher, BATTERY)
    assert counting.texts == []  # no model call: pooled and title vectors were stored at index time
    assert reused[0] == fresh[0] and reused[2] == fresh[2]
    assert np.allclose(reused[1], fresh[1], atol=1e-4)


def test_edited_query_item_is_re_encoded(make_matcher):  # type: ignore[no-untyped-def]
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS, BATTERY), feed.last_seq)
    assert _ranking(matcher, BATTERY)[0][0] == 1
    # the catalog sends the edited need before the matcher has seen the change: its new text must count
    assert _ranking(matcher, STRAW)[0][0] == 2
    matcher.apply(feed.put(STRAW, op=ChangeOp.update), feed.last_seq)
    assert _ranking(matcher, STRAW)[0][0] == 2
    assert _ranking(matcher, BATTERY)[0][0] == 1  # the stale text no longer matches the stored digest


def test_reuse_survives_a_restart(tmp_path, embedder):  # type: ignore[no-untyped-def]
    matcher = Matcher(settings_for(tmp_path / "m"), embedder)
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS, BATTERY), feed.last_seq)
    before = _ranking(matcher, BATTERY)
    assert matcher.save(force=True)
    counting = CountingEmbedder(embedder)
    again = Matcher(settings_for(tmp_path / "m"), counting)  # type: ignore[arg-type]
    assert again.load()
    assert _ranking(again, BATTERY) == before
    assert counting.texts == []


def test_free_text_encodes_only_clauses_it_has_not_seen_lately(tmp_path, embedder):  # type: ignore[no-untyped-def]
    second = CountingEmbedder(embedder)  # stands in for e5: the second model reads the clauses
    matcher = Matcher(settings_for(tmp_path / "m"), embedder, second)  # type: ignore[arg-type]
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    first_text = "需要提高锂电池安全性，防止热失控爆炸，寻求新型隔膜技术"
    ask = MatchRequest(target=ItemKind.output, text=first_text, k=5)
    second.texts.clear()
    first = matcher.match(ask).results
    assert second.texts == ["需要提高锂电池安全性", "防止热失控爆炸"]  # the first clause and one more (text_clauses)
    second.texts.clear()
    again = matcher.match(ask).results
    assert second.texts == [] and [(r.id, r.score) for r in again] == [(r.id, r.score) for r in first]
    matcher.match(MatchRequest(target=ItemKind.output, text="防止热失控爆炸，降低电池成本", k=5))
    assert second.texts == ["降低电池成本"]  # the shared clause came from the cache
