"""Unmet-need themes (issue 16): GET /stats/gaps groups the open needs without adequate supply through the matcher,
falls back to the flat list when it is down, exports XLSX, and a theme becomes a draft challenge or 对接会."""

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services.catalog.workflow.gaps import theme_key
from tests.conftest import PASSWORD, Catalog
from tests.inprocess_matcher import matcher, sync
from tests.portal.helpers import csrf_token, portal_client, sign_in
from tests.workflow.helpers import API

__all__ = ["matcher"]  # the fixture, imported for the tests below

BATTERY = [("退役动力电池湿法回收镍钴锰", "每年500吨废旧三元锂电池，需要湿法冶金回收镍钴锰", 800000),
           ("废旧锂电池正极材料再生利用", "磷酸铁锂电池拆解后正极粉料需要回收再生", 500000),
           ("锂离子电池回收破碎分选工艺", "报废锂电池需要破碎分选，提高铜铝与黑粉的回收率", None)]
SEAFOOD = [("即食海鲜冷藏保质期延长", "台山即食生蚝冷藏保质期仅7天，希望不加防腐剂延长到21天", 300000),
           ("冷冻虾仁保鲜与防褐变技术", "冷冻虾仁解冻后发黑，需要保鲜护色技术", None),
           ("鱼类水产品低温保鲜工艺", "鲜鱼运输中易腐败，需要冰温保鲜或气调包装保鲜技术", 200000)]


def _people(catalog: Catalog) -> dict[str, dict[str, str]]:
    return {"enterprise": catalog.user("ent", "enterprise", "新会锂能", region="新会区"),
            "university": catalog.user("uni", "university", "五邑大学"),
            "broker": catalog.user("broker", "broker", "转化中心"),
            "admin": catalog.user("admin", "admin", "江门市科学技术局")}


def _needs(catalog: Catalog, headers: dict[str, str], rows: list[tuple[str, str, int | None]],
           cluster: str, region: str) -> list[int]:
    ids = []
    for title, text, budget in rows:
        body: dict[str, Any] = {"title": title, "description": text, "cluster": cluster, "region": region}
        if budget:
            body["budget_max_yuan"] = budget
        r = catalog.client.post(f"{API}/needs", json=body, headers=headers)
        assert r.status_code == 201, r.text
        ids.append(int(r.json()["id"]))
    return ids


def test_who_may_read_the_themes_and_draft_from_them(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog.settings, "matcher_url", "http://127.0.0.1:9")  # nothing listens: matcher down
    who = _people(catalog)
    ids = _needs(catalog, who["enterprise"], BATTERY, "新能源电池", "新会区")
    client = catalog.client
    assert client.get(f"{API}/stats/gaps").status_code == 401
    for role in ("enterprise", "university"):
        r = client.get(f"{API}/stats/gaps", headers=who[role])
        assert r.status_code == 403, role
        body = {"need_ids": ids}
        assert client.post(f"{API}/stats/gaps/themes/{theme_key(ids)}/event", json=body,
                           headers=who[role]).status_code == 403
    for role in ("broker", "admin"):
        r = client.get(f"{API}/stats/gaps", headers=who[role])
        assert r.status_code == 200, r.text
        g = r.json()
        # the matcher is down: no themes, but the flat list and a clear flag
        assert g["matcher_available"] is False and g["themes"] == [] and g["unmet_count"] == 3
        assert sorted(u["need_id"] for u in g["unmet"]) == sorted(ids) and "匹配服务" in g["message_zh"]
    key = theme_key(ids)
    refused = client.post(f"{API}/stats/gaps/themes/{key}/challenge", json={"need_ids": ids},
                          headers={**who["broker"], "Accept-Language": "zh-CN"})
    assert refused.status_code == 403 and "科技局" in refused.json()["message"]  # brokers do not own challenges
    made = client.post(f"{API}/stats/gaps/themes/{key}/event", json={"need_ids": ids, "terms_zh": ["电池回收"]},
                       headers=who["broker"])
    assert made.status_code == 201, made.text
    event = client.get(f"{API}/events/{made.json()['id']}", headers=who["broker"]).json()
    assert event["status"] == "draft" and event["theme"] == "电池回收" and event["kind"] == "matchmaking"
    book = load_workbook(io.BytesIO(client.get(f"{API}/stats/gaps.xlsx", headers=who["admin"]).content))
    assert book.sheetnames == ["未满足需求主题", "主题下的需求", "未归入主题的需求"]
    assert {row[1] for row in book["未归入主题的需求"].iter_rows(min_row=2, values_only=True)} == {t for t, _, _ in BATTERY}


def test_bad_theme_input_is_refused_in_both_languages(catalog: Catalog) -> None:
    who = _people(catalog)
    ids = _needs(catalog, who["enterprise"], BATTERY, "新能源电池", "新会区")
    client = catalog.client
    url = f"{API}/stats/gaps/themes/{theme_key(ids)}/challenge"

    def both(path: str, body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        zh = client.post(path, json=body, headers={**who["admin"], "Accept-Language": "zh-CN"})
        en = client.post(path, json=body, headers={**who["admin"], "Accept-Language": "en"})
        assert zh.status_code == en.status_code == 422, (zh.text, en.text)
        return zh.json(), en.json()

    zh, en = both(url, {"need_ids": ids[:2]})  # the key is not these needs'
    assert "主题编号" in zh["message"] and "key" in en["message"]
    zh, en = both(f"{API}/stats/gaps/themes/NOT-A-KEY/challenge", {"need_ids": ids})
    assert zh["message"] != en["message"]
    zh, en = both(url, {"need_ids": []})
    assert zh["message"] != en["message"]
    zh, en = both(url, {"need_ids": ids, "colour": "red"})
    assert zh["message"] != en["message"]
    r = client.patch(f"{API}/needs/{ids[0]}", headers=who["enterprise"],
                     json={"status": "closed", "version": 1})
    assert r.status_code == 200, r.text
    zh, en = both(url, {"need_ids": ids})
    assert f"需求 {ids[0]}" in zh["message"] and "no longer open" in en["message"]
    assert client.get(f"{API}/stats/gaps", params={"limit": 1}, headers=who["admin"]).status_code == 422


def test_needs_without_supply_form_themes_and_a_theme_becomes_a_draft_challenge(
        catalog: Catalog, matcher: TestClient) -> None:
    who = _people(catalog)
    battery = _needs(catalog, who["enterprise"], BATTERY, "新能源电池", "新会区")
    seafood = _needs(catalog, catalog.user("food", "enterprise", "台山海产", region="台山市"), SEAFOOD,
                     "现代农业与食品", "台山市")
    r = catalog.client.post(f"{API}/outputs", headers=who["university"], json={
        "title": "锂电池正极材料选择性浸出回收技术", "summary": "湿法回收镍钴锰，回收率98%", "cluster": "新能源电池"})
    assert r.status_code == 201, r.text
    output_id = r.json()["id"]
    sync(catalog, matcher)

    g = catalog.client.get(f"{API}/stats/gaps", headers=who["admin"]).json()
    assert g["matcher_available"] is True and g["unmet_count"] == 6 and g["analysed"] == 6
    groups = [sorted(n["need_id"] for n in t["needs"]) for t in g["themes"]]
    assert sorted(battery) in groups and sorted(seafood) in groups, g["themes"]
    theme = next(t for t in g["themes"] if sorted(n["need_id"] for n in t["needs"]) == sorted(battery))
    assert theme["size"] == 3 and theme["counties"] == {"新会区": 3} and theme["clusters"] == {"新能源电池": 3}
    assert theme["budget_total_yuan"] == "1300000.00" and theme["budget_median_yuan"] == "650000.00"
    assert theme["budgets_stated"] == 2 and theme["key"] == theme_key(battery)
    assert any("电池" in term or "回收" in term for term in theme["terms_zh"]), theme["terms_zh"]
    assert theme["supply"][0]["output_id"] == output_id  # the closest supply is the battery output
    food = next(t for t in g["themes"] if t is not theme)
    assert not food["supply"] or food["supply"][0]["score"] < theme["supply"][0]["score"]
    assert g["coherence"] > g["baseline"]
    assert theme["coherence"] > g["baseline"]

    made = catalog.client.post(f"{API}/stats/gaps/themes/{theme['key']}/challenge", headers=who["admin"],
                               json={"need_ids": [n["need_id"] for n in theme["needs"]], "terms_zh": theme["terms_zh"]})
    assert made.status_code == 201, made.text
    challenge = catalog.client.get(f"{API}/challenges/{made.json()['id']}", headers=who["admin"]).json()
    assert challenge["status"] == "draft" and sorted(challenge["need_ids"]) == sorted(battery)
    assert challenge["title"].startswith("揭榜挂帅：") and theme["label_zh"] in challenge["title"]
    assert all(title in challenge["problem"] for title, _, _ in BATTERY)
    assert float(challenge["bounty_yuan"]) == 1300000.0 and challenge["region"] == "新会区"
    # drafts are the owner's: the bureau's, not visible to the enterprise
    assert catalog.client.get(f"{API}/challenges/{made.json()['id']}", headers=who["enterprise"]).status_code == 404


def test_the_portal_page_is_for_staff_and_says_when_the_matcher_is_down(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog.settings, "matcher_url", "http://127.0.0.1:9")
    who = _people(catalog)
    ids = _needs(catalog, who["enterprise"], BATTERY, "新能源电池", "新会区")
    ent = portal_client(catalog.client.app)
    sign_in(ent, "ent", PASSWORD)
    assert ent.get("/bureau/gaps").status_code == 403
    admin = portal_client(catalog.client.app)
    sign_in(admin, "admin", PASSWORD)
    page = admin.get("/bureau/gaps")
    assert page.status_code == 200 and 'id="matcher-down"' in page.text and "匹配服务暂时不可用" in page.text
    assert all(f'href="/needs/{i}"' in page.text for i in ids)  # the flat list stands in for the themes
    english = admin.get("/bureau/gaps", params={"lang": "en"}).text
    assert "The matcher is unavailable" in english and "Unmet-need themes" in english
    # a theme posted with a key that is not its needs' is refused (in English, now chosen), not drafted
    token = csrf_token(page.text)
    r = admin.post(f"/bureau/gaps/themes/{'0' * 12}/event", data={"csrf_token": token, "need_ids": ",".join(map(str, ids))})
    assert r.status_code == 422 and "The theme key does not match these needs" in r.text
