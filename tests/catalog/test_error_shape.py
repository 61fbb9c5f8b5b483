"""Every 4xx of the catalog's API renders {error, message, detail}: English for English callers, Chinese for
`Accept-Language: zh-CN`, the detail rows too."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

API = "/api/v1"
CJK = re.compile(r"[\u3400-\u9fff]")
QUOTED = re.compile(r"'[^']*'|“[^”]*”")  # values and column names quoted from the caller's own data


@dataclass
class Case:
    """One bad request: who sends it, what, and the status it must get."""

    name: str
    method: str
    path: str
    status: int
    who: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


def _cases(need_id: int, output_id: int) -> list[Case]:
    far = (date.today() + timedelta(days=30)).isoformat()
    return [
        Case("unknown path", "GET", f"{API}/no-such-thing", 404),
        Case("wrong method", "DELETE", f"{API}/outputs", 405),
        Case("anonymous me", "GET", f"{API}/auth/me", 401),
        Case("wrong password", "POST", f"{API}/auth/token", 401, kwargs={"data": {"username": "ent", "password": "x" * 12}}),
        Case("forged token", "GET", f"{API}/auth/me", 401, kwargs={"headers": {"Authorization": "Bearer forged"}}),
        Case("anonymous post", "POST", f"{API}/needs", 401, kwargs={"json": {"title": "陶瓷基板切割"}}),
        Case("wrong role", "POST", f"{API}/needs", 403, "uni", {"json": {"title": "陶瓷基板切割"}}),
        Case("short title", "POST", f"{API}/needs", 422, "ent", {"json": {"title": "x"}}),
        Case("unknown field", "POST", f"{API}/outputs", 422, "uni", {"json": {"title": "成果标题", "colour": "red"}}),
        Case("budget order", "POST", f"{API}/needs", 422, "ent",
             {"json": {"title": "陶瓷基板切割", "budget_min_yuan": "9", "budget_max_yuan": "1"}}),
        Case("invalid json", "POST", f"{API}/needs", 422, "ent",
             {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        Case("no such need", "GET", f"{API}/needs/99999", 404),
        Case("huge id", "GET", f"{API}/needs/99999999999999999999", 422),
        Case("page zero", "GET", f"{API}/outputs", 422, kwargs={"params": {"page": 0}}),
        Case("bad sort", "GET", f"{API}/outputs", 422, kwargs={"params": {"sort": "colour"}}),
        Case("stale version", "PATCH", f"{API}/needs/{need_id}", 409, "ent", {"json": {"title": "新标题", "version": 7}}),
        Case("others' need", "PATCH", f"{API}/needs/{need_id}", 403, "ent2", {"json": {"title": "新标题", "version": 1}}),
        Case("blank search", "GET", f"{API}/search/outputs", 422, kwargs={"params": {"q": "   "}}),
        Case("matches of a hidden need", "GET", f"{API}/needs/99999/matches", 404),
        Case("proposal by a party", "POST", f"{API}/matches", 403, "ent", {"json": {"need_id": need_id, "output_id": output_id}}),
        Case("proposal of nothing", "POST", f"{API}/matches", 404, "broker",
             {"json": {"need_id": 99999, "output_id": output_id, "score": 0.5}}),
        Case("broker who is not", "POST", f"{API}/matches", 422, "broker",
             {"json": {"need_id": need_id, "output_id": output_id, "score": 0.5, "broker_id": 99999}}),
        Case("decline without reason", "POST", f"{API}/matches/1/transitions", 404, "broker", {"json": {"to": "declined"}}),
        Case("contract in the future", "POST", f"{API}/contracts", 422, "broker",
             {"json": {"registration_no": "440703-2026-0009", "contract_type": "技术转让", "amount_yuan": "100",
                       "signed_on": far, "buyer_org_id": 99999, "seller_org_id": 99998}}),
        Case("stats dates reversed", "GET", f"{API}/stats/overview", 422, "broker",
             {"params": {"date_from": "2026-12-01", "date_to": "2026-01-01"}}),
        Case("stats for a party", "GET", f"{API}/stats/overview", 403, "ent"),
        Case("change feed without token", "GET", f"{API}/changes", 401),
        Case("no such job", "GET", f"{API}/jobs/no-such-job", 404, "uni"),
        Case("import by a wrong role", "POST", f"{API}/outputs/import", 403, "ent",
             {"files": {"file": ("a.csv", "标题\n成果标题\n".encode(), "text/csv")}}),
        Case("import of a bad row", "POST", f"{API}/outputs/import", 422, "uni",
             {"files": {"file": ("a.csv", "标题,成熟度\n成果标题,很成熟\n".encode(), "text/csv")}}),
        Case("import of a picture", "POST", f"{API}/outputs/import", 415, "uni",
             {"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}}),
        Case("users by a party", "GET", f"{API}/users", 403, "ent"),
        Case("notifications anonymously", "GET", f"{API}/notifications", 401),
    ]


@pytest.fixture
def setting(catalog: Catalog) -> tuple[Catalog, dict[str, dict[str, str]], list[Case]]:
    who = {"ent": fast_user(catalog, "ent", "enterprise", "甲公司"), "ent2": fast_user(catalog, "ent2", "enterprise", "乙公司"),
           "uni": fast_user(catalog, "uni", "university", "甲大学"), "broker": fast_user(catalog, "broker", "broker", "中心")}
    need = catalog.client.post(f"{API}/needs", json={"title": "锂电池隔膜耐高温"}, headers=who["ent"]).json()["id"]
    output = catalog.client.post(f"{API}/outputs", json={"title": "陶瓷涂覆隔膜", "status": "published"},
                                 headers=who["uni"]).json()["id"]
    return catalog, who, _cases(need, output)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_4xx_renders_error_message_detail_in_the_callers_language(
        setting: tuple[Catalog, dict[str, dict[str, str]], list[Case]], language: str) -> None:
    catalog, who, cases = setting
    wrong = []
    for case in cases:
        kwargs = dict(case.kwargs)
        headers = {**(who[case.who] if case.who else {}), **kwargs.pop("headers", {}), "Accept-Language": language}
        r = catalog.client.request(case.method, case.path, headers=headers, **kwargs)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
        problems = []
        if r.status_code != case.status:
            problems.append(f"status {r.status_code}")
        if body is None or set(body) != {"error", "message", "detail"} or not isinstance(body["detail"], list):
            problems.append(f"shape {body}")
        else:
            texts = [body["message"]] + [str(d.get("message", "")) for d in body["detail"]]
            chinese = [bool(CJK.search(QUOTED.sub("", t))) for t in texts if t]
            if language == "zh-CN" and not chinese[0]:
                problems.append(f"message not in Chinese: {body['message']}")
            if language == "en" and any(chinese):
                problems.append(f"Chinese for an English caller: {texts}")
            if any("zh" in d or "en" in d for d in body["detail"]):
                problems.append(f"detail rows not localised: {body['detail']}")
        if problems:
            wrong.append((case.name, problems))
    assert wrong == [], "\n".join(map(str, wrong))
