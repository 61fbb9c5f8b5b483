"""Search for everyone (issue 17) with a scripted matcher: the matcher's order kept through filters and pages, the
keyword ranking with a notice when it is down or slow, the anonymous rate limit (portal and API), bad input.
The real matcher's cross-lingual ranking is in tests/matcher/test_search.py."""

import re
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from services.catalog.accounts.models import User
from services.catalog.core.ratelimit import RateLimit
from services.catalog.items.kinds import OUTPUTS
from services.catalog.items.schemas import OutputCreate
from services.catalog.items.service import create_item
from services.catalog.matching import client as matcher_client
from shared.schemas import Explanation, MatchResponse, MatchResult
from shared.vocab import ItemKind
from tests.conftest import Catalog
from tests.portal.helpers import portal_client

API = "/api/v1"
CARD = re.compile(r'<article class="card item" data-kind="output" data-id="(\d+)"')


class Clock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedMatcher:
    """Answers every match with `order` (best first), or raises `failure`; counts the questions."""

    def __init__(self, order: list[int] | None = None, failure: Exception | None = None) -> None:
        self.order, self.failure, self.asked = order or [], failure, 0

    def post(self, *args: Any, **kwargs: Any) -> httpx.Response:
        self.asked += 1
        if self.failure is not None:
            raise self.failure
        results = [MatchResult(kind=ItemKind.output, id=i, title=f"#{i}", score=round(0.9 - 0.01 * n, 2),
                               components={"dense": 0.5},
                               explanation=Explanation(zh=f"语义相近 {i}", en=f"close in meaning {i}"))
                   for n, i in enumerate(self.order)]
        body = MatchResponse(results=results, model="scripted").model_dump_json()
        return httpx.Response(200, content=body, request=httpx.Request("POST", "http://matcher/v1/match"))


def _matcher(monkeypatch: pytest.MonkeyPatch, fake: ScriptedMatcher) -> ScriptedMatcher:
    monkeypatch.setattr(matcher_client, "_client", lambda base_url, token: fake)
    return fake


def _outputs(catalog: Catalog, n: int) -> list[int]:
    """`n` published outputs: even ones in 新能源电池, odd ones in 新材料; the first four mention 锂电池."""
    catalog.user("uni_s", "university", "甲大学")
    ids = []
    with Session(catalog.engine) as s:
        user = s.exec(select(User).where(User.login == "uni_s")).one()
        for i in range(n):
            item = create_item(s, spec=OUTPUTS, user=user, data=OutputCreate(  # type: ignore[arg-type]
                title=f"成果{i}" + ("锂电池" if i < 4 else "陶瓷"), summary="技术说明",
                cluster="新能源电池" if i % 2 == 0 else "新材料"))
            ids.append(item.id or 0)
        s.commit()
    return ids


def _shown(html: str) -> list[int]:
    return [int(i) for i in CARD.findall(html)]


def _total(html: str) -> int:
    match = re.search(r'data-total="(\d+)"', html)
    assert match, html[:2000]
    return int(match.group(1))


def test_the_matchers_order_survives_filters_and_pages_then_keyword_only_matches_follow(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _outputs(catalog, 30)
    order = list(reversed(ids[4:28]))  # the matcher ranks 24 outputs, none of the four keyword matches
    _matcher(monkeypatch, ScriptedMatcher(order))
    client = portal_client(catalog.client.app)

    first = client.get("/outputs", params={"q": "锂电池"}).text
    assert 'data-ranking="matcher"' in first and _total(first) == 24 + 4
    assert _shown(first) == order[:10] and "语义相近" in first and 'class="hit-why"' in first
    second, third = (client.get("/outputs", params={"q": "锂电池", "page": p}).text for p in (2, 3))
    assert _shown(second) == order[10:20]
    # page 3: the last four ranked, then the keyword-only matches, newest first; nothing is shown twice
    assert _shown(third)[:4] == order[20:] and sorted(_shown(third)[4:]) == ids[:4]
    assert 'rel="next"' not in third and 'rel="prev"' in third

    battery = client.get("/outputs", params={"q": "锂电池", "cluster": "新能源电池"}).text
    even_ranked = [i for i in order if ids.index(i) % 2 == 0]
    assert _total(battery) == len(even_ranked) + 2 and _shown(battery) == even_ranked[:10]
    en = client.get("/outputs", params={"q": "锂电池", "lang": "en"}).text
    assert "ranked by the matcher" in en and "close in meaning" in en


def test_no_query_is_the_list_of_today_without_asking_the_matcher(catalog: Catalog,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _outputs(catalog, 12)
    fake = _matcher(monkeypatch, ScriptedMatcher(ids))
    client = portal_client(catalog.client.app)
    page = client.get("/outputs").text
    assert _total(page) == 12 and _shown(page) == list(reversed(ids))[:10] and 'data-ranking="newest"' in page
    assert fake.asked == 0


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_matcher_down_or_slow_gives_the_keyword_ranking_and_says_so(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch, failure: Exception) -> None:
    ids = _outputs(catalog, 8)
    fake = _matcher(monkeypatch, ScriptedMatcher(failure=failure))
    client = portal_client(catalog.client.app)
    zh = client.get("/outputs", params={"q": "锂电池"})
    assert zh.status_code == 200 and 'data-ranking="keywords"' in zh.text and "智能匹配暂不可用" in zh.text
    assert sorted(_shown(zh.text)) == ids[:4] and _total(zh.text) == 4
    assert fake.asked == 1  # one try: a search box falls back at once instead of retrying a slow matcher
    en = client.get("/outputs", params={"q": "锂电池", "lang": "en"}).text
    assert "Smart matching is unavailable" in en and "ranked by keywords only" in en


def test_anonymous_searches_are_limited_per_address_signed_in_ones_are_not(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _outputs(catalog, 6)
    fake = _matcher(monkeypatch, ScriptedMatcher(ids[:3]))
    clock = Clock()
    catalog.client.app.state.search_limit = RateLimit(limit=3, clock=clock)  # type: ignore[attr-defined]
    for _ in range(3):
        assert catalog.client.get(f"{API}/search/outputs", params={"q": "battery"}).status_code == 200
    r = catalog.client.get(f"{API}/search/outputs", params={"q": "battery"}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 429 and r.json()["error"] == "too_many_searches" and "检索过于频繁" in r.json()["message"]
    assert int(r.headers["Retry-After"]) == 60
    r = catalog.client.get(f"{API}/search/needs", params={"q": "battery"})
    assert r.status_code == 429 and "Too many searches" in r.json()["message"]
    assert fake.asked == 3

    # the portal, from the same address, answers with the keyword ranking and a note instead of a 429
    page = portal_client(catalog.client.app).get("/outputs", params={"q": "锂电池"})
    assert page.status_code == 200 and 'data-ranking="limited"' in page.text and "检索过于频繁" in page.text
    assert sorted(_shown(page.text)) == ids[:4] and fake.asked == 3
    browsing = portal_client(catalog.client.app).get("/outputs")  # browsing without a query is never limited
    assert browsing.status_code == 200 and 'data-ranking="newest"' in browsing.text

    broker = catalog.user("broker_s", "broker", "对接中心")
    assert catalog.client.get(f"{API}/search/outputs", params={"q": "battery"}, headers=broker).status_code == 200
    clock.now += 59.0
    assert catalog.client.get(f"{API}/search/outputs", params={"q": "battery"}).status_code == 429
    clock.now += 1.0  # a minute after the first search, one more is allowed
    assert catalog.client.get(f"{API}/search/outputs", params={"q": "battery"}).status_code == 200


def test_bad_search_input_is_a_clear_4xx_in_both_languages(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _matcher(monkeypatch, ScriptedMatcher([]))
    client = portal_client(catalog.client.app)
    for path in ("/outputs", "/needs"):
        zh = client.get(path, params={"q": "电" * 201})
        assert zh.status_code == 422 and "检索词最多 200 个字符" in zh.text
        en = client.get(path, params={"q": "x" * 201, "lang": "en"})
        assert en.status_code == 422 and "A search is at most 200 characters long" in en.text
        for bad in ("0", "x", "-1", "99999999999"):
            assert client.get(path, params={"q": "锂电池", "page": bad}).status_code == 400
    assert client.get("/outputs", params={"q": "电" * 200}).status_code == 200
    assert fake.asked == 1
    r = catalog.client.get(f"{API}/search/needs", params={"q": "x" * 2001}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422 and r.json()["detail"][0]["column"] == "q"
    r = catalog.client.get(f"{API}/search/needs", params={"q": " \t "})
    assert r.status_code == 422 and r.json()["message"] == "Give some text to search for"
