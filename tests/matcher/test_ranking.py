"""Ranking behaviour a broker relies on: the right item first, explained, permitted, never the query itself."""

from services.matcher.fields import region_parts
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, output


def _indexed(make_matcher, *extra):  # type: ignore[no-untyped-def]
    matcher = make_matcher()
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS, *extra), feed.last_seq)
    return matcher


def test_need_ranks_the_solving_output_first(make_matcher):
    matcher = _indexed(make_matcher)
    query = need(100, "锂电池防爆问题", "我公司生产动力锂电池，需要提高电池安全性，防止热失控爆炸，寻求新型隔膜技术。")
    response = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=3))
    assert response.results[0].id == 1
    top = response.results[0]
    assert 0.0 <= top.score <= 1.0
    assert {"dense", "lexical"} <= set(top.components)
    assert response.results[0].score >= response.results[1].score


def test_explanation_names_the_shared_terms(make_matcher):
    matcher = _indexed(make_matcher)
    query = need(100, "锂电池隔膜耐高温改性", "需要耐高温的锂电池隔膜。")
    top = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=1)).results[0]
    assert "隔膜" in top.explanation.matched_terms
    assert "隔膜" in top.explanation.zh and "隔膜" in top.explanation.en
    assert top.explanation.zh.endswith("。")


def test_free_text_finds_outputs(make_matcher):
    matcher = _indexed(make_matcher)
    results = matcher.match(MatchRequest(target=ItemKind.output, text="城市污水 总氮 排放超标", k=3)).results
    assert results[0].id == 4


def test_output_ranks_needs_and_skips_itself(make_matcher):
    needs = [need(10, "秸秆综合利用", "寻求农作物秸秆制备燃料的技术。"),
             need(11, "车身减重", "新能源汽车需要轻量化铝合金车身方案。")]
    matcher = _indexed(make_matcher, *needs)
    ranked = matcher.match(MatchRequest(target=ItemKind.need, item=OUTPUTS[5], k=2)).results
    assert ranked[0].id == 11
    same_kind = matcher.match(MatchRequest(target=ItemKind.output, item=OUTPUTS[5], k=8)).results
    assert 6 not in [r.id for r in same_kind]


def test_brokers_only_needs_only_when_asked(make_matcher):
    secret = need(12, "锂电池隔膜国产替代", "保密需求：进口隔膜替代。", confidentiality="brokers_only")
    matcher = _indexed(make_matcher, secret)
    request = MatchRequest(target=ItemKind.need, item=OUTPUTS[0], k=5)
    assert 12 not in [r.id for r in matcher.match(request).results]
    brokers = request.model_copy(update={"include_brokers_only": True})
    assert matcher.match(brokers).results[0].id == 12


def test_shared_city_and_field_lift_an_otherwise_equal_candidate(make_matcher):
    twins = [output(20, "果蔬冷链保鲜包装技术", "气调包装延长果蔬保鲜期。", region="山东省青岛市黄岛区"),
             output(21, "果蔬冷链保鲜包装技术", "气调包装延长果蔬保鲜期。", region="山东省济南市历城区",
                    field="食品", cooperation_modes=["技术转让"])]
    matcher = _indexed(make_matcher, *twins)
    query = need(30, "果蔬保鲜", "需要果蔬冷链保鲜包装方案。", region="山东省济南市历城区", field="食品",
                 cooperation_modes=["技术转让", "合作开发"])
    results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=2)).results
    assert [r.id for r in results] == [21, 20]
    notes = " ".join(results[0].explanation.notes_zh)
    assert "济南市历城区" in notes and "食品" in notes and "技术转让" in notes
    assert results[0].components["county"] == 1.0


def test_maturity_must_fit_the_needs_horizon(make_matcher):
    twins = [output(40, "污泥干化焚烧成套装备", "污泥低温干化。", maturity="实验室"),
             output(41, "污泥干化焚烧成套装备", "污泥低温干化。", maturity="产业化")]
    matcher = _indexed(make_matcher, *twins)
    query = need(31, "污泥干化设备", "半年内上线污泥低温干化设备。", maturity="小批量生产")
    results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=2)).results
    assert [r.id for r in results] == [41, 40]
    assert "maturity" in " ".join(results[1].explanation.notes_en)


def test_region_parts():
    assert region_parts("山东省济南市历城区") == ("山东省", "济南市", "历城区")
    assert region_parts("济南市/章丘区") == (None, "济南市", "章丘区")
    assert region_parts("北京市海淀区") == ("北京市", "北京市", "海淀区")
    assert region_parts(None) == (None, None, None)


def test_one_organisations_repeated_listing_shows_once_and_says_so(make_matcher):
    same = {"organisation_id": 7}
    repeats = [output(60, "一种光刻式的3D打印机", "光刻式3D打印机，包括光源系统、投影系统和树脂槽。", maturity="小试", **same),
               output(61, "一种光刻式的 3D 打印机。", "光刻式3D打印机，包括光源系统、投影系统和树脂槽。", maturity="已有样品", **same),
               output(62, "一种光刻式的3D打印机", "光刻式3D打印机，包括光源系统、投影系统和树脂槽。", organisation_id=8)]
    matcher = _indexed(make_matcher, *repeats)
    query = need(100, "光固化3D打印设备", "需要高精度光刻式3D打印机。")
    results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=4)).results
    ids = [r.id for r in results]
    assert len(results) == 4 and len(set(ids)) == 4
    assert len({60, 61} & set(ids)) == 1 and 62 in ids  # another supplier's copy is a different offer
    kept = next(r for r in results if r.id in (60, 61))
    other = ({60, 61} - {kept.id}).pop()
    assert f"#{other}" in kept.explanation.zh and f"#{other}" in kept.explanation.en
    assert f"#{other}" not in next(r for r in results if r.id == 62).explanation.zh


def test_shared_terms_leave_out_filler_words_and_numbers(make_matcher):
    pump = output(70, "甲醇燃油泵导线防腐蚀涂层", "同时提高导线的耐腐蚀性，影响小，存在5种型号。")
    matcher = _indexed(make_matcher, pump)
    query = need(100, "燃油泵正极导线腐蚀", "甲醇腐蚀导线，同时影响燃油泵寿命，存在5处故障。")
    top = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=1)).results[0]
    assert top.id == 70
    terms = top.explanation.matched_terms
    assert "导线" in terms and "燃油泵" in terms
    assert not {"同时", "影响", "存在", "5"} & set(terms), terms
