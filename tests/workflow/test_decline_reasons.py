"""Structured declines (issue 16): brokers and both parties give a reason code and free text; the statistics
count the codes, the dashboard labels them in both languages and the workbook has a sheet of them."""

import io

from openpyxl import load_workbook

from services.catalog.workflow.vocab import REASON_EN, DeclineReason
from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, portal_client, sign_in
from tests.workflow.helpers import API, Pair, make_pair


def _new_output(pair: Pair, title: str) -> None:
    r = pair.catalog.client.post(f"{API}/outputs", json={"title": title}, headers=pair.university)
    assert r.status_code == 201, r.text
    pair.output = r.json()


def _introduced(pair: Pair, title: str) -> int:
    _new_output(pair, title)
    mid = int(pair.propose()["id"])
    assert pair.move(mid, "shortlisted").status_code == 200
    assert pair.move(mid, "introduced").status_code == 200
    return mid


def test_new_codes_with_free_text_are_stored_and_counted(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    broker_mid = int(pair.propose()["id"])
    r = pair.move(broker_mid, "declined", reason="不相关", note="成果针对磷酸铁锂，需求是三元")
    assert r.status_code == 200 and r.json()["decline_reason"] == "不相关"
    by_enterprise = _introduced(pair, "另一项回收技术")
    r = pair.answer(by_enterprise, pair.enterprise, accept=False, reason="地域不符", note="只考虑省内团队")
    assert r.status_code == 200 and r.json()["decline_reason"] == "地域不符"
    by_university = _introduced(pair, "第三项回收技术")
    r = pair.answer(by_university, pair.university, accept=False, reason="重复", note="与已签项目重复")
    assert r.status_code == 200 and r.json()["decline_reason"] == "重复"

    history = catalog.client.get(f"{API}/matches/{by_enterprise}/history", headers=pair.broker)
    assert history.status_code == 200 and "只考虑省内团队" in history.text  # the free text is kept

    funnel = catalog.client.get(f"{API}/stats/funnel", headers=pair.admin).json()
    assert funnel["decline_reasons"] == {"不相关": 1, "地域不符": 1, "重复": 1}

    book = load_workbook(io.BytesIO(catalog.client.get(f"{API}/stats/export", headers=pair.admin).content))
    sheet = {row[0]: row for row in book["放弃原因"].iter_rows(values_only=True)}
    assert sheet["原因"] == ("原因", "Reason", "对数")
    assert sheet["不相关"] == ("不相关", "not relevant", 1) and sheet["重复"] == ("重复", "duplicate", 1)
    assert sheet["价格"][2] == 0  # every code has its row, counted or not
    csv_text = catalog.client.get(f"{API}/stats/export", params={"format": "csv", "report": "decline_reasons"},
                                  headers=pair.broker).content.decode("utf-8")
    assert "地域不符,wrong region,1" in csv_text


def test_an_unknown_code_is_refused_in_the_callers_language(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    mid = int(pair.propose()["id"])
    zh = catalog.client.post(f"{API}/matches/{mid}/transitions", json={"to": "declined", "reason": "不喜欢"},
                             headers={**pair.broker, "Accept-Language": "zh-CN"})
    en = catalog.client.post(f"{API}/matches/{mid}/transitions", json={"to": "declined", "reason": "不喜欢"},
                             headers={**pair.broker, "Accept-Language": "en"})
    assert zh.status_code == en.status_code == 422
    assert zh.json()["message"] != en.json()["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.json()["message"])


def test_forms_offer_every_code_in_the_readers_language_and_the_dashboard_counts_them(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    mid = _introduced(pair, "第二项回收技术")
    web = portal_client(catalog.client.app)
    sign_in(web, "ent", PASSWORD)  # the need's enterprise answers in its inbox
    inbox = web.get("/inbox").text
    assert all(f'value="{code.value}"' in inbox for code in DeclineReason)
    assert 'name="note"' in inbox
    english = web.get("/inbox", params={"lang": "en"}).text
    assert "Wrong region" in english and "Not relevant" in english and "Duplicate" in english
    r = web.post(f"/inbox/matches/{mid}/respond", data={
        "csrf_token": csrf_token(inbox), "answer": "decline", "reason": "地域不符", "note": "只在江门本地合作"})
    assert r.status_code == 303, r.text
    match = catalog.client.get(f"{API}/matches/{mid}", headers=pair.broker).json()
    assert match["status"] == "declined" and match["decline_reason"] == "地域不符"

    bureau = portal_client(catalog.client.app)
    catalog.user("bureau1", "admin")
    sign_in(bureau, "bureau1", PASSWORD)
    page = bureau.get("/bureau").text
    row = page.split('data-reason="地域不符"', 1)[1].split("</tr>", 1)[0]
    assert "地域不符" in row and '<td class="num">1</td>' in row
    page_en = bureau.get("/bureau", params={"lang": "en"}).text
    assert REASON_EN[DeclineReason.wrong_region] in page_en and "Why pairs were declined" in page_en

