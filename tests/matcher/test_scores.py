"""The reported score means the same across queries: an unrelated need's best match scores low."""

from services.matcher.ranking import RECOMMENDED_THRESHOLD
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need

RELATED = [need(103, "城镇污水脱氮除磷改造", "城镇污水处理厂出水总氮总磷超标，需要高效脱氮除磷工艺改造，可采用膜生物反应器。",
                keywords=["污水处理", "脱氮"]),
           need(104, "锂电池隔膜热稳定性", "动力锂电池需要耐高温的陶瓷涂覆隔膜，提升防爆和热稳定性能。",
                keywords=["锂电池", "隔膜"])]
UNRELATED = [need(105, "量子密钥分发系统", "需要用于城域光纤网络的量子密钥分发设备和单光子探测器。"),
             need(106, "儿童绘本出版发行", "寻找原创儿童绘本的作者和插画师，合作出版图书。")]


def _indexed(make_matcher):  # type: ignore[no-untyped-def]
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    return matcher


def test_best_score_is_low_without_a_related_candidate_and_high_with_one(make_matcher):
    matcher = _indexed(make_matcher)
    for query, expected in zip(RELATED, (4, 1), strict=True):
        top = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=3)).results[0]
        assert top.id == expected
        assert top.score >= RECOMMENDED_THRESHOLD
    for query in UNRELATED:
        top = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=3)).results[0]
        assert top.score < RECOMMENDED_THRESHOLD / 2
        # min-max within its own list would have made it look good; that score is no longer reported
        assert top.components["relative"] > top.score + 0.2


def test_scores_never_rise_down_the_list_and_keep_the_fused_order(make_matcher):
    matcher = _indexed(make_matcher)
    for query in RELATED + UNRELATED:
        results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=8)).results
        scores = [r.score for r in results]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)
        relative = [r.components["relative"] for r in results]
        assert relative == sorted(relative, reverse=True)
