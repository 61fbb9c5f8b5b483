"""Experts are a third kind the matcher indexes: a need ranks them by their profile and their outputs' texts."""

import shutil

from services.matcher.engine import Matcher
from shared.schemas import CatalogItem, MatchRequest
from shared.vocab import ChangeOp, ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, settings_for


def expert(item_id: int, headline: str, text: str, **fields) -> CatalogItem:  # type: ignore[no-untyped-def]
    """An active expert as the catalog sends one: a topical headline, biography and outputs as text."""
    return CatalogItem(kind=ItemKind.expert, id=item_id, title=headline, text=text,
                       **{"status": "active", **fields})


EXPERTS = [
    expert(1, "锂离子电池、隔膜材料、热失控防护", "长期从事动力电池安全研究。成果：高安全性锂离子电池隔膜材料；陶瓷涂覆隔膜。",
           keywords=["锂电池", "隔膜"], region="广东省江门市蓬江区"),
    expert(2, "污水处理、脱氮除磷", "研究城镇污水处理工艺与膜生物反应器。成果：污水处理厂高效脱氮除磷工艺。",
           keywords=["污水处理"]),
    expert(3, "茶叶加工、农业机械", "从事名优绿茶加工装备研究。成果：茶叶智能揉捻与烘干生产线。", keywords=["茶叶"]),
]
BATTERY_NEED = need(100, "锂电池防爆问题", "我公司生产动力锂电池，需要提高电池安全性，防止热失控爆炸，寻求新型隔膜技术。")


def test_a_need_ranks_the_experts_who_can_serve_it_with_reasons(make_matcher) -> None:  # type: ignore[no-untyped-def]
    matcher: Matcher = make_matcher(second=True)
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS, *EXPERTS, BATTERY_NEED), feed.last_seq)
    assert matcher.index.counts() == {"output": len(OUTPUTS), "need": 1, "expert": 3}
    results = matcher.match(MatchRequest(target=ItemKind.expert, item=BATTERY_NEED, k=3)).results
    assert [r.kind for r in results] == [ItemKind.expert] * 3
    assert results[0].id == 1 and results[0].score > results[1].score
    assert "锂电池" in results[0].explanation.matched_terms
    assert results[0].explanation.zh.startswith("该专家") and results[0].explanation.en.startswith("This expert")
    # outputs are still what a need's matches are made of
    assert matcher.match(MatchRequest(target=ItemKind.output, item=BATTERY_NEED, k=1)).results[0].id == 1


def test_an_inactive_expert_leaves_the_ranking(make_matcher) -> None:  # type: ignore[no-untyped-def]
    matcher: Matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*EXPERTS), feed.last_seq)
    retired = EXPERTS[0].model_copy(update={"status": "inactive"})
    matcher.apply(feed.put(retired, op=ChangeOp.update), feed.last_seq)
    ids = [r.id for r in matcher.match(MatchRequest(target=ItemKind.expert, item=BATTERY_NEED, k=3)).results]
    assert 1 not in ids and matcher.index.counts()["expert"] == 2


def test_a_snapshot_from_before_experts_loads_with_none(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path / "m")
    matcher = Matcher(settings, embedder)
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    assert matcher.save(force=True)
    snapshot = next((tmp_path / "m" / "snapshots").iterdir())
    shutil.rmtree(snapshot / "expert")  # as written by a matcher that knew two kinds
    again = Matcher(settings, embedder)
    assert again.load()
    assert again.index.counts() == {"output": len(OUTPUTS), "need": 0, "expert": 0}
    again.apply(feed.put(*EXPERTS), feed.last_seq)  # and follows the feed into the third kind
    assert again.match(MatchRequest(target=ItemKind.expert, item=BATTERY_NEED, k=1)).results[0].id == 1
