"""The subscription pages over plain HTTP: who sees the follow and save-search buttons, the forms' answers, and
bad input refused with a polite page in the reader's language."""

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, portal_client, sign_in


def _reader(catalog: Catalog, login: str, role: str, org: str) -> TestClient:
    catalog.user(login, role, org)
    client = portal_client(catalog.client.app)
    sign_in(client, login, PASSWORD)
    return client


def test_buttons_forms_and_refusals(catalog: Catalog) -> None:
    anon = portal_client(catalog.client.app)
    r = anon.get("/subscriptions")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    ent = _reader(catalog, "battery", "enterprise", "新会锂能")
    food = _reader(catalog, "food", "enterprise", "台山食品")
    own = catalog.client.post("/api/v1/needs", headers=catalog.user("battery2", "enterprise", "新会锂能"),
                              json={"title": "退役电池回收", "description": "镍钴锰"}).json()
    page = ent.get(f"/needs/{own['id']}").text
    assert 'id="follow"' in page and "关注：有新的匹配成果时提醒我" in page
    assert 'id="follow"' not in food.get(f"/needs/{own['id']}").text  # not theirs
    assert 'id="save-search"' in ent.get("/outputs", params={"q": "锂电池"}).text
    assert 'id="save-search"' not in ent.get("/outputs").text and 'id="save-search"' not in anon.get(
        "/outputs", params={"q": "锂电池"}).text
    assert 'href="/subscriptions"' in ent.get("/").text and 'href="/subscriptions"' not in anon.get("/").text

    token = csrf_token(page)
    r = ent.post("/subscriptions", data={"csrf_token": token, "kind": "need", "need_id": str(own["id"])})
    assert r.status_code == 303 and r.headers["location"] == "/subscriptions?done=created"
    listing = ent.get("/subscriptions?done=created").text
    assert "已订阅" in listing and "退役电池回收" in listing and 'data-total="1"' in listing
    assert 'data-total="0"' in food.get("/subscriptions").text  # another user's list stays empty

    refused = ent.post("/subscriptions", data={"csrf_token": token, "kind": "search", "target": "output"})
    assert refused.status_code == 400 and "订阅内容有误" in refused.text
    english = ent.post("/subscriptions?lang=en", data={"csrf_token": token, "kind": "search", "target": "output"})
    assert english.status_code == 400 and "The subscription is not valid" in english.text
    forbidden = food.post("/subscriptions", data={"csrf_token": csrf_token(food.get("/").text), "kind": "need",
                                                   "need_id": str(own["id"])})
    assert forbidden.status_code == 403
    assert ent.post("/subscriptions", data={"kind": "search"}).status_code == 403  # no CSRF token

    mine = ent.get("/subscriptions").text
    sub = int(mine.split('article class="card subscription" data-id="')[1].split('"')[0])
    bad = ent.post(f"/subscriptions/{sub}", data={"csrf_token": token, "threshold": "1.5", "frequency": "daily"})
    assert bad.status_code == 400
    ok = ent.post(f"/subscriptions/{sub}", data={"csrf_token": token, "threshold": "0.7", "frequency": "weekly",
                                                 "paused": "on"})
    assert ok.status_code == 303 and ok.headers["location"] == "/subscriptions?done=saved"
    assert "已暂停" in ent.get("/subscriptions").text
    not_theirs = food.post(f"/subscriptions/{sub}/delete", data={"csrf_token": csrf_token(food.get("/").text)})
    assert not_theirs.status_code == 404
    assert ent.post(f"/subscriptions/{sub}/delete", data={"csrf_token": token}).status_code == 303
    assert 'data-total="0"' in ent.get("/subscriptions").text

    for query in ("", "?token=1.2.abc"):
        r = anon.get(f"/unsubscribe{query}")
        assert r.status_code == 400 and "退订链接无效或已被篡改" in r.text
