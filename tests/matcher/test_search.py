"""Search for everyone (issue 17, acceptance 2) with the real matcher in-process over the demo data: an anonymous
English query finds the Chinese-only battery-recycling output on the first page, on the portal and through the
API; a brokers-only need never reaches an anonymous searcher, not even in the count."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from services.catalog.api.deps import SESSION_COOKIE
from services.catalog.demo import seed_demo
from services.catalog.items.models import ResearchOutput
from tests.conftest import Catalog
from tests.inprocess_matcher import matcher, sync
from tests.portal.helpers import portal_client

__all__ = ["matcher"]  # the fixture
API = "/api/v1"
BATTERY = "废旧锂离子电池正极材料湿法回收技术"


@pytest.fixture
def demo(catalog: Catalog, matcher: TestClient) -> int:
    """The demo dataset, indexed by the matcher; the battery-recycling output's id."""
    with Session(catalog.engine) as s:
        assert seed_demo(s)
        s.commit()
        battery = s.exec(select(ResearchOutput).where(ResearchOutput.title == BATTERY)).one().id
    sync(catalog, matcher)
    return battery or 0


def _cards(html: str, kind: str) -> list[int]:
    return [int(i) for i in re.findall(rf'data-kind="{kind}" data-id="(\d+)"', html)]


def _total(html: str) -> int:
    match = re.search(r'data-total="(\d+)"', html)
    assert match
    return int(match.group(1))


def test_an_anonymous_english_query_finds_the_chinese_output_on_the_first_page(catalog: Catalog, demo: int) -> None:
    client = portal_client(catalog.client.app)  # anonymous
    home = client.get("/")
    assert 'action="/outputs"' in home.text
    page = client.get("/outputs", params={"q": "battery recycling", "lang": "en"})
    assert page.status_code == 200 and 'data-ranking="matcher"' in page.text
    assert demo in _cards(page.text, "output")[:10], page.text[:3000]
    assert f'class="hit-why" data-id="{demo}"' in page.text  # its score and why, as the signed-in views show
    filtered = client.get("/outputs", params={"q": "battery recycling", "cluster": "新能源电池"}).text
    assert demo in _cards(filtered, "output")

    r = catalog.client.get(f"{API}/search/outputs", params={"q": "battery recycling", "k": 10})
    assert r.status_code == 200, r.text
    assert demo in [x["id"] for x in r.json()["results"]]
    # the API leaves passages out unless asked (they cost a match about as much again); asked, they come back
    assert all(x["best_passage"] is None for x in r.json()["results"])
    asked = catalog.client.get(f"{API}/search/outputs", params={"q": "battery recycling", "k": 10, "passages": True})
    hit = next(x for x in asked.json()["results"] if x["id"] == demo)
    assert hit["best_passage"] and hit["best_passage"]["text"].strip()
    assert hit["best_passage"]["field"] == "title" or hit["best_passage"]["text"] not in hit["title"]


def test_a_brokers_only_need_never_shows_to_anonymous_searchers(catalog: Catalog, matcher: TestClient,
                                                                 demo: int) -> None:
    query = {"q": "titanium alloy laser cladding repair"}
    client = portal_client(catalog.client.app)
    before = client.get("/needs", params=query).text
    ent = catalog.user("ent_secret", "enterprise", "保密公司")
    r = catalog.client.post(f"{API}/needs", headers=ent, json={
        "title": "钛合金零件激光熔覆修复", "description": "保密：钛合金叶片磨损后需要激光熔覆修复工艺。",
        "confidentiality": "brokers_only"})
    assert r.status_code == 201, r.text
    secret = r.json()["id"]
    sync(catalog, matcher)

    broker = catalog.user("broker_secret", "broker", "对接中心")
    as_broker = catalog.client.get(f"{API}/search/needs", params=query, headers=broker).json()["results"]
    assert secret in [x["id"] for x in as_broker]  # the matcher ranks it: only visibility keeps it from others
    anonymous = catalog.client.get(f"{API}/search/needs", params={**query, "k": 100}).json()["results"]
    assert secret not in [x["id"] for x in anonymous]

    after = client.get("/needs", params=query).text
    assert _total(after) == _total(before) and secret not in _cards(after, "need")
    for n in range(2, max(2, -(-_total(after) // 10)) + 1):
        assert secret not in _cards(client.get("/needs", params={**query, "page": n}).text, "need")
    keyword = client.get("/needs", params={"q": "钛合金 激光熔覆"}).text
    assert secret not in _cards(keyword, "need")
    staff_page = portal_client(catalog.client.app)
    staff_page.cookies.set(SESSION_COOKIE, broker["Authorization"].removeprefix("Bearer "))
    assert secret in _cards(staff_page.get("/needs", params=query).text, "need")[:10]
