"""Experts ranked for a need by the real matcher (issue 14): through the change feed, explained, without the need
owner's own organisation, the contact as the reader may see it; only brokers, the bureau and the owner ask."""

from fastapi.testclient import TestClient

from services.catalog.api.deps import SESSION_COOKIE
from tests.conftest import Catalog
from tests.experts.helpers import ZH, People, expert_body
from tests.inprocess_matcher import matcher, sync

__all__ = ["matcher"]  # the fixture


def test_a_need_ranks_the_pool_with_reasons_leaving_out_its_own_organisation(
        catalog: Catalog, people: People, matcher: TestClient) -> None:
    p = people
    # an expert of the host's own organisation would know the topic best, and is left out (conflict of interest)
    battery = p.ok("bureau", "POST", "/experts", 201, json=expert_body(
        "陈静", organisation_name="五邑大学", keywords=["锂电池", "隔膜", "热失控"], fields=["新能源-动力电池"], clusters=[],
        biography="从事动力锂电池安全与陶瓷涂覆隔膜研究", counties=["蓬江区"], towns=[]))
    p.ok("bureau", "POST", "/experts", 201, json=expert_body(
        "周强", organisation_id=p.ids["org:host"], keywords=["锂电池", "隔膜", "防爆"], fields=[], clusters=[],
        biography="企业内部锂电池隔膜工程师", counties=[], towns=[]))
    retired = p.ok("bureau", "POST", "/experts", 201, json=expert_body(
        "赵敏", organisation_name="广东工业大学", keywords=["锂电池", "电池安全"], fields=[], clusters=[], biography="锂电池安全", counties=[], towns=[]))
    p.ok("bureau", "PATCH", f"/experts/{retired['id']}", json={"active": False, "version": retired["version"]})
    need = p.ok("host", "POST", "/needs", 201, json={
        "title": "动力锂电池防爆", "description": "需要提高锂电池安全性，防止热失控爆炸，寻求新型隔膜技术。"})
    sync(catalog, matcher)

    for who in ("host", "bureau", "broker"):
        ranked = p.ok(who, "GET", f"/needs/{need['id']}/experts?k=5")
        names = [r["expert"]["name"] for r in ranked["results"]]
        assert names[0] == "陈静", names
        assert "周强" not in names and "赵敏" not in names  # own organisation; out of the pool
        first = ranked["results"][0]
        assert "锂电池" in first["explanation"]["matched_terms"]
        assert first["explanation"]["zh"].startswith("该专家") and 0 < first["score"] <= 1
        assert first["expert"]["id"] == battery["id"]
    # contacts as everywhere else: staff see them, the need's owner (no dispatch yet) does not
    assert p.ok("bureau", "GET", f"/needs/{need['id']}/experts")["results"][0]["expert"]["contact"]
    assert p.ok("host", "GET", f"/needs/{need['id']}/experts")["results"][0]["expert"]["contact"] is None

    # an edit reaches the ranking through the feed: the expert now works on citrus only
    p.ok("bureau", "PATCH", f"/experts/{battery['id']}", json={
        "keywords": ["陈皮", "柑橘"], "biography": "柑橘病害防治", "version": battery["version"]})
    sync(catalog, matcher)
    names = [r["expert"]["name"] for r in p.ok("broker", "GET", f"/needs/{need['id']}/experts")["results"]]
    assert names[:1] != ["陈静"]


def test_only_brokers_the_bureau_and_the_owner_see_a_needs_experts(
        catalog: Catalog, people: People, matcher: TestClient) -> None:
    p = people
    need = p.ok("host", "POST", "/needs", 201, json={"title": "陈皮加工", "description": "陈皮陈化工艺改进"})
    sync(catalog, matcher)
    for who in ("other_ent", "uni", "exp1"):
        p.both(who, "GET", f"/needs/{need['id']}/experts", 403, "只有技术经纪人、科技局和需求方", "Only brokers, the bureau")
    p.both("anon", "GET", f"/needs/{need['id']}/experts", 401, "请先登录", "Sign in first")
    p.both("host", "GET", "/needs/999999/experts", 404, "999999", "999999")


def test_the_need_page_shows_its_owner_the_ranked_experts_with_reasons(
        catalog: Catalog, people: People, matcher: TestClient) -> None:
    p = people
    p.ok("bureau", "POST", "/experts", 201, json=expert_body(
        "陈静", organisation_name="五邑大学", keywords=["锂电池", "隔膜"], fields=[], clusters=[],
        biography="从事动力锂电池安全与隔膜研究", counties=[], towns=[]))
    need = p.ok("host", "POST", "/needs", 201, json={"title": "动力锂电池防爆", "description": "寻求新型锂电池隔膜技术"})
    sync(catalog, matcher)

    def page(who: str) -> str:
        token = p.headers[who]["Authorization"].removeprefix("Bearer ")
        catalog.client.cookies.set(SESSION_COOKIE, token)
        try:
            r = catalog.client.get(f"/needs/{need['id']}", headers=ZH)
        finally:
            catalog.client.cookies.delete(SESSION_COOKIE)
        assert r.status_code == 200
        return r.text

    owner = page("host")
    assert 'id="experts"' in owner and "陈静" in owner and "<mark>锂电池</mark>" in owner
    assert "陈静" not in page("other_ent")  # another enterprise sees the need, not who could serve it
