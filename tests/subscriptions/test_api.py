"""The subscriptions API per endpoint and role, and its bad input refused with a clear 4xx in both languages."""

from typing import Any

import httpx
import pytest

from tests.conftest import Catalog
from tests.subscriptions.conftest import person

API = "/api/v1/subscriptions"
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
EVERYONE = ["anon", "admin", "broker", "battery", "food", "wyu", "expert"]


class People:
    """The signed-in callers of these tests, one per role (two enterprises), and the needs and outputs they own."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.headers: dict[str, dict[str, str]] = {"anon": {}}
        for login, role, org in (("admin", "admin", "科技局"), ("broker", "broker", "转化中心"),
                                 ("battery", "enterprise", "新会锂能"), ("food", "enterprise", "台山食品"),
                                 ("wyu", "university", "五邑大学"), ("expert", "expert", None)):
            self.headers[login] = person(catalog, login, role, org)
        self.need = self.ok("battery", "POST", "/api/v1/needs", 201, json={"title": "退役电池回收", "description": "镍钴锰"})
        self.secret = self.ok("battery", "POST", "/api/v1/needs", 201, json={
            "title": "极片缺陷检测", "description": "视觉", "confidentiality": "brokers_only"})
        self.output = self.ok("wyu", "POST", "/api/v1/outputs", 201, json={"title": "湿法回收技术", "summary": "浸出"})

    def call(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers[who], **kw.pop("headers", {})}
        return self.catalog.client.request(method, url, headers=headers, **kw)

    def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = self.call(who, method, url, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else None

    def statuses(self, method: str, url: str, **kw: Any) -> dict[str, int]:
        return {who: self.call(who, method, url, **kw).status_code for who in EVERYONE}


@pytest.fixture
def people(catalog: Catalog) -> People:
    return People(catalog)


def _expect(default: int, **special: int) -> dict[str, int]:
    return {**dict.fromkeys(EVERYONE, default), "anon": 401, **special}


def test_each_endpoint_per_role(people: People) -> None:
    p = people
    search = {"kind": "search", "target": "output", "query": "锂电池回收"}
    assert p.statuses("POST", API, json=search) == _expect(201)
    assert p.statuses("GET", API) == _expect(200)
    assert all(p.ok(w, "GET", API)["count"] == 1 for w in EVERYONE if w != "anon")  # each sees only their own
    # following a need: its own organisation's users and staff; others may not, or may not even see it
    need = {"kind": "need", "need_id": p.need["id"]}
    assert p.statuses("POST", API, json=need) == _expect(403, admin=201, broker=201, battery=201)
    secret = {"kind": "need", "need_id": p.secret["id"]}
    assert p.statuses("POST", API, json=secret) == _expect(404, admin=201, broker=201, battery=201)
    output = {"kind": "output", "output_id": p.output["id"]}
    assert p.statuses("POST", API, json=output) == _expect(403, admin=201, broker=201, wyu=201)

    mine = p.ok("battery", "POST", API, 201, json=search)
    url = f"{API}/{mine['id']}"
    assert p.statuses("GET", url) == _expect(404, battery=200)
    assert p.statuses("GET", url + "/alerts") == _expect(404, battery=200)
    assert p.statuses("PATCH", url, json={"threshold": 0.7}) == _expect(404, battery=200)
    assert p.ok("battery", "GET", url)["threshold"] == 0.7
    assert p.statuses("DELETE", url) == _expect(404, battery=204)
    assert p.call("battery", "GET", url).status_code == 404


def test_a_subscription_is_made_changed_and_removed(people: People) -> None:
    p = people
    made = p.ok("battery", "POST", API, 201, headers=EN, json={
        "kind": "search", "target": "need", "query": "海产品保鲜", "cluster": "现代农业与食品", "region": "台山市",
        "threshold": 0.6, "frequency": "weekly"})
    assert made["language"] == "en" and made["subject"] == "海产品保鲜" and made["alerts"] == 0
    assert (made["target"], made["cluster"], made["region"], made["frequency"]) == ("need", "现代农业与食品", "台山市",
                                                                                    "weekly")
    changed = p.ok("battery", "PATCH", f"{API}/{made['id']}", json={"frequency": "daily", "paused": True})
    assert changed["frequency"] == "daily" and changed["paused"] is True and changed["threshold"] == 0.6
    following = p.ok("battery", "POST", API, 201, headers=ZH, json={"kind": "need", "need_id": p.need["id"]})
    assert following["target"] == "output" and following["subject"] == "退役电池回收" and following["language"] == "zh"
    assert following["threshold"] == 0.55 and following["frequency"] == "instant"
    assert p.ok("battery", "GET", API)["count"] == 2


BAD_BODIES = [
    {"kind": "need"},  # no need
    {"kind": "need", "need_id": 1, "query": "x" * 5},  # a need and a search at once
    {"kind": "output", "need_id": 1},
    {"kind": "search", "target": "output"},  # no text
    {"kind": "search", "query": "锂电池"},  # no target
    {"kind": "search", "target": "expert", "query": "锂电池"},
    {"kind": "search", "target": "output", "query": "锂电池", "threshold": 1.5},
    {"kind": "search", "target": "output", "query": "锂电池", "frequency": "hourly"},
    {"kind": "search", "target": "output", "query": "锂电池", "cluster": "不存在的集群"},
    {"kind": "search", "target": "output", "query": "锂电池", "owner": 3},  # unknown field
    {"kind": "search", "target": "output", "query": "锂\x00电池"},
    {"kind": "need", "need_id": 2**31},
    {"kind": "weird"},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_bodies_are_refused_in_both_languages(people: People, body: dict[str, Any]) -> None:
    zh = people.call("battery", "POST", API, headers=ZH, json=body)
    en = people.call("battery", "POST", API, headers=EN, json=body)
    assert zh.status_code == en.status_code == 422, zh.text
    assert zh.json()["message"] != en.json()["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.json()["message"])
    assert en.json()["message"][0].isascii() and en.json()["message"][0].isalpha()  # English first


def test_bad_updates_ids_and_tokens_are_refused_in_both_languages(people: People) -> None:
    p = people
    sub = p.ok("battery", "POST", API, 201, json={"kind": "search", "target": "output", "query": "锂电池"})
    for body in ({"threshold": -0.1}, {"threshold": None}, {"frequency": "never"}, {"paused": None}, {"kind": "need"}):
        assert {p.call("battery", "PATCH", f"{API}/{sub['id']}", headers=h, json=body).status_code
                for h in (ZH, EN)} == {422}, body
    for bad in ("0", "2147483648", "abc"):
        assert p.call("battery", "GET", f"{API}/{bad}").status_code == 422
    missing = p.call("battery", "GET", f"{API}/999999", headers=ZH)
    assert missing.status_code == 404 and "找不到订阅" in missing.json()["message"]
    assert "No subscription" in p.call("battery", "GET", f"{API}/999999", headers=EN).json()["message"]
    for token, status in (("", 422), ("x" * 201, 422), ("1.1.abc", 400), (f"{sub['id']}.1.abc", 400)):
        zh = p.call("anon", "GET", f"{API}/unsubscribe", headers=ZH, params={"token": token})
        en = p.call("anon", "GET", f"{API}/unsubscribe", headers=EN, params={"token": token})
        assert zh.status_code == en.status_code == status, (token, zh.text)
        assert zh.json()["message"] != en.json()["message"]
    assert p.ok("battery", "GET", f"{API}/{sub['id']}")["id"] == sub["id"]  # forged tokens removed nothing


def test_a_user_has_at_most_fifty_subscriptions(people: People) -> None:
    p = people
    for i in range(50):
        p.ok("food", "POST", API, 201, json={"kind": "search", "target": "output", "query": f"检索{i}"})
    r = p.call("food", "POST", API, headers=ZH, json={"kind": "search", "target": "output", "query": "再多一个"})
    assert r.status_code == 409 and "最多 50 个订阅" in r.json()["message"]
