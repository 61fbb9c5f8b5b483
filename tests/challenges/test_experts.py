"""The reviewer assignment offers experts of the pool ranked for the call (issue 14): explained, with the account
to assign, never one of the owner's or an applicant's organisation; for the owner and admins only."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.catalog.api.deps import SESSION_COOKIE
from tests.challenges.helpers import Clock, People, make_people, published, submitted
from tests.conftest import Catalog
from tests.inprocess_matcher import matcher, sync

__all__ = ["matcher"]  # the fixture


@pytest.fixture
def people(catalog: Catalog, clock: Clock) -> People:
    return make_people(catalog)


def _expert(p: People, name: str, organisation: str, **extra: object) -> dict:
    body = {"name": name, "organisation_name": organisation, "kinds": ["reviewer"], "keywords": ["电池回收", "湿法冶金"],
            "biography": "从事退役动力电池镍钴锰湿法回收研究", **extra}
    return dict(p.ok("bureau", "POST", "/experts", 201, json=body))


def test_ranked_reviewers_leave_out_the_owner_and_applicants_and_can_be_assigned(
        catalog: Catalog, people: People, clock: Clock, matcher: TestClient) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    cid = ch["id"]
    submitted(p, cid, "uni1")  # 五邑大学 applies
    free = _expert(p, "林涛", "广东工业大学", user_id=p.ids["exp1"], organisation_id=catalog.orgs["广东工业大学"])
    _expert(p, "何平", "五邑大学", organisation_id=catalog.orgs["五邑大学"])  # an applicant's
    _expert(p, "梁军", "新会锂能", organisation_id=catalog.orgs["新会锂能"])  # the owner's
    _expert(p, "苏红", "中山大学", keywords=["茶叶加工"], biography="名优绿茶加工装备")  # off topic
    sync(catalog, matcher)

    ranked = p.ok("owner", "GET", f"/challenges/{cid}/experts")
    names = [r["expert"]["name"] for r in ranked["results"]]
    assert names[0] == "林涛" and "何平" not in names and "梁军" not in names, names
    first = ranked["results"][0]
    assert first["account_id"] == p.ids["exp1"] and first["explanation"]["matched_terms"]
    assert first["expert"]["id"] == free["id"]

    for who, status in (("anon", 401), ("uni1", 403), ("uni2", 403), ("broker", 403), ("exp1", 403)):
        assert p.call(who, "GET", f"/challenges/{cid}/experts").status_code == status, who
    assert p.call("bureau", "GET", f"/challenges/{cid}/experts").status_code == 200

    # once the call closes, the owner assigns the top-ranked expert through the account it was offered with
    clock.advance(days=6)
    p.ok("owner", "POST", f"/challenges/{cid}/transitions", json={"to": "closed", "note": "截止"})
    board = _board(p, cid)
    assert 'id="ranked-reviewers"' in board and "林涛" in board and "何平" not in board and "梁军" not in board
    assert f'name="user_id" value="{p.ids["exp1"]}"' in board  # one click assigns the account it was offered with
    assigned = p.ok("owner", "POST", f"/challenges/{cid}/reviewers", 201, json={"user_id": first["account_id"]})
    assert assigned["user_id"] == p.ids["exp1"]
    assert f'name="user_id" value="{p.ids["exp1"]}"' not in _board(p, cid).split('id="ranked-reviewers"')[1]


def _board(p: People, cid: int) -> str:
    """The owner's board as the owner's portal session sees it."""
    client = p.catalog.client
    client.cookies.set(SESSION_COOKIE, p.headers["owner"]["Authorization"].removeprefix("Bearer "))
    try:
        r = client.get(f"/challenges/{cid}/board", headers={"Accept-Language": "zh-CN"})
    finally:
        client.cookies.delete(SESSION_COOKIE)
    assert r.status_code == 200, r.text
    return r.text
