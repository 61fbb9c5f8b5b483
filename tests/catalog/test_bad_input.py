"""Bad input is refused with {error, message, detail:[{column, message}]} in the caller's language, and nothing is written."""

import re
from typing import Any

import pytest
from sqlmodel import Session, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.items.models import ChangeLog, ResearchOutput, TechNeed
from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")
VALID_USCC = "914407031935482000"

# (who, method, path, body, status, column the detail must name)
CASES: list[tuple[str, str, str, Any, int, str]] = [
    ("ent", "POST", "/needs", {"title": 123}, 422, "title"),
    ("ent", "POST", "/needs", {}, 422, "title"),
    ("ent", "POST", "/needs", {"description": "缺标题"}, 422, "title"),
    ("ent", "POST", "/needs", {"title": "储能", "cluster": "火星产业"}, 422, "cluster"),
    ("ent", "POST", "/needs", {"title": "储能", "confidentiality": "secret"}, 422, "confidentiality"),
    ("ent", "POST", "/needs", {"title": "储能", "cooperation_modes": ["白送"]}, 422, "cooperation_modes.0"),
    ("ent", "POST", "/needs", {"title": "储能", "colour": "red"}, 422, "colour"),
    ("ent", "POST", "/needs", {"title": "储能", "budget_min_yuan": -1}, 422, "budget_min_yuan"),
    ("ent", "POST", "/needs", {"title": "储能", "budget_min_yuan": "1.005"}, 422, "budget_min_yuan"),
    ("ent", "POST", "/needs", {"title": "储能", "budget_max_yuan": "NaN"}, 422, "budget_max_yuan"),
    ("ent", "POST", "/needs", {"title": "储能", "budget_max_yuan": 1e20}, 422, "budget_max_yuan"),
    ("ent", "POST", "/needs", {"title": "储能", "budget_min_yuan": 10, "budget_max_yuan": 5}, 422, "budget_max_yuan"),
    ("ent", "POST", "/needs", {"title": "储" * 301}, 422, "title"),
    ("ent", "POST", "/needs", {"title": "  "}, 422, "title"),
    ("ent", "POST", "/needs", {"title": "储能", "description": "长" * 20001}, 422, "description"),
    ("ent", "POST", "/needs", {"title": "储能", "keywords": ["词"] * 31}, 422, "keywords"),
    ("ent", "POST", "/needs", {"title": "储能", "keywords": "电池"}, 422, "keywords"),
    ("ent", "POST", "/needs", {"title": "储能", "deadline": "下个月"}, 422, "deadline"),
    ("ent", "POST", "/needs", {"title": "储能\u0000"}, 422, "title"),
    ("ent", "POST", "/needs", {"title": "储能", "organisation_id": 10**20}, 422, "organisation_id"),
    ("ent", "POST", "/needs", [{"title": "储能"}], 422, "body"),
    ("ent", "POST", "/needs", b'{"title": "\xe5\x82\xa8\xe8\x83\xbd",', 422, "body"),
    ("uni", "POST", "/outputs", {"title": "成果", "price_yuan": -5}, 422, "price_yuan"),
    ("uni", "POST", "/outputs", {"title": "成果", "price_yuan": "12.345"}, 422, "price_yuan"),
    ("uni", "POST", "/outputs", {"title": "成果", "maturity": "量产"}, 422, "maturity"),
    ("uni", "POST", "/outputs", {"title": "成果", "status": "open"}, 422, "status"),
    ("uni", "POST", "/outputs", {"title": "成果", "patent_numbers": ["号" * 41]}, 422, "patent_numbers.0"),
    ("ent", "PATCH", "/needs/{need}", {"version": 1, "title": None}, 422, "title"),
    ("ent", "PATCH", "/needs/{need}", {"version": 1, "status": None}, 422, "status"),
    ("ent", "PATCH", "/needs/{need}", {"version": 1, "keywords": None}, 422, "keywords"),
    ("ent", "PATCH", "/needs/{need}", {"title": "没有版本号"}, 422, "version"),
    ("ent", "PATCH", "/needs/{need}", {"version": "一"}, 422, "version"),
    ("ent", "PATCH", "/needs/{need}", {"version": 1, "budget_min_yuan": 2000}, 422, "budget_min_yuan"),
    ("ent", "PATCH", "/needs/{need}", {"version": 1, "status": "done"}, 422, "status"),
    ("ent", "PATCH", "/needs/{need}", {"version": 1, "owner": "someone"}, 422, "owner"),
    ("uni", "PATCH", "/outputs/{output}", {"version": 1, "title": None}, 422, "title"),
    ("uni", "PATCH", "/outputs/{output}", {"version": 1, "patent_numbers": None}, 422, "patent_numbers"),
    ("uni", "PATCH", "/outputs/{output}", {"version": 1, "price_yuan": "-0.01"}, 422, "price_yuan"),
    ("admin", "POST", "/organisations", {"name": "某公司", "kind": "enterprise", "credit_code": VALID_USCC[:-1] + "1"},
     422, "credit_code"),
    ("admin", "POST", "/organisations", {"name": "某公司", "kind": "company"}, 422, "kind"),
    ("admin", "POST", "/organisations", {"kind": "enterprise"}, 422, "name"),
    ("admin", "PATCH", "/organisations/{org}", {"name": None}, 422, "name"),
    ("admin", "POST", "/users", {"login": "ab", "password": "long-enough-pw", "role": "admin"}, 422, "login"),
    ("admin", "POST", "/users", {"login": "abc", "password": "short", "role": "admin"}, 422, "password"),
    ("admin", "POST", "/users", {"login": "abc", "password": "long-enough-pw", "role": "superuser"}, 422, "role"),
    ("admin", "POST", "/users", {"login": "abc", "password": "long-enough-pw", "role": "enterprise"}, 422,
     "organisation_id"),
    ("admin", "PATCH", "/users/{user}", {"is_active": None}, 422, "is_active"),
    ("admin", "PATCH", "/users/{user}", {"organisation_id": None}, 422, "organisation_id"),
]


def _counts(catalog: Catalog) -> tuple[int, ...]:
    with Session(catalog.engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one()
                     for t in (TechNeed, ResearchOutput, ChangeLog, Organisation, User))


def _snapshot(catalog: Catalog) -> tuple[Any, ...]:
    with Session(catalog.engine) as s:
        needs = [(n.id, n.title, n.version, n.budget_min_yuan, n.status) for n in s.exec(select(TechNeed)).all()]
        users = [(u.id, u.organisation_id, u.is_active, u.role) for u in s.exec(select(User)).all()]
        orgs = [(o.id, o.name) for o in s.exec(select(Organisation)).all()]
    return _counts(catalog), sorted(needs), sorted(users), sorted(orgs)


@pytest.mark.parametrize("lang", ["zh-CN", "en-US"])
def test_bad_input_is_refused_in_the_callers_language_and_writes_nothing(catalog: Catalog, lang: str) -> None:
    c = catalog.client
    who = {"ent": fast_user(catalog, "ent_a", "enterprise", "甲公司"),
           "uni": fast_user(catalog, "uni_a", "university", "甲大学"),
           "admin": fast_user(catalog, "admin1", "admin")}
    need = c.post(f"{API}/needs", json={"title": "储能需求", "budget_max_yuan": 1000}, headers=who["ent"]).json()
    output = c.post(f"{API}/outputs", json={"title": "储能成果"}, headers=who["uni"]).json()
    me = c.get(f"{API}/auth/me", headers=who["ent"]).json()
    ids = {"need": need["id"], "output": output["id"], "org": catalog.orgs["甲公司"], "user": me["id"]}
    before = _snapshot(catalog)
    wrong = []
    for role, method, path, body, status, column in CASES:
        headers = {**who[role], "Accept-Language": lang}
        kw: dict[str, Any] = {"content": body, "headers": {**headers, "Content-Type": "application/json"}} \
            if isinstance(body, bytes) else {"json": body, "headers": headers}
        r = c.request(method, API + path.format(**ids), **kw)
        got = r.json()
        problems = []
        if r.status_code != status:
            problems.append(f"status {r.status_code}")
        if set(got) != {"error", "message", "detail"} or not isinstance(got.get("detail"), list):
            problems.append("shape")
        elif column and column not in [d.get("column") for d in got["detail"]]:
            problems.append(f"columns {[d.get('column') for d in got['detail']]}")
        texts = [got.get("message", "")] + [d.get("message", "") for d in got.get("detail", [])]
        if lang == "zh-CN" and not all(CJK.search(t) for t in texts):
            problems.append("not Chinese")
        # the allowed values of a vocabulary are Chinese labels even in an English message
        if lang == "en-US" and any(CJK.search(re.sub(r"'[^']*'", "", t)) for t in texts):
            problems.append("not English")
        if problems:
            wrong.append((method, path, body if not isinstance(body, bytes) else "bytes", problems, got))
    assert wrong == []
    assert _snapshot(catalog) == before


def test_unknown_enum_message_lists_the_allowed_values(catalog: Catalog) -> None:
    headers = fast_user(catalog, "ent_a", "enterprise", "甲公司")
    for lang in ("zh-CN", "en"):
        r = catalog.client.post(f"{API}/needs", json={"title": "储能", "cluster": "火星产业"},
                                headers={**headers, "Accept-Language": lang})
        message = r.json()["detail"][0]["message"]
        assert all(label in message for label in ("新能源电池", "高端装备", "生物医药")), message


def test_valid_credit_code_is_accepted_and_duplicates_refused(catalog: Catalog) -> None:
    admin = fast_user(catalog, "admin1", "admin")
    body = {"name": "江门某科技有限公司", "kind": "enterprise", "credit_code": VALID_USCC}
    r = catalog.client.post(f"{API}/organisations", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["credit_code"] == VALID_USCC
    r = catalog.client.post(f"{API}/organisations", json={**body, "name": "另一家公司"}, headers=admin)
    assert r.status_code == 409
    assert _counts(catalog)[3] == 1


def test_anonymous_writes_are_refused_before_anything_else(catalog: Catalog) -> None:
    ent = fast_user(catalog, "ent_a", "enterprise", "甲公司")
    need = catalog.client.post(f"{API}/needs", json={"title": "储能需求"}, headers=ent).json()
    before = _counts(catalog)
    for method, path, body in [("POST", "/needs", {"title": "匿名需求"}), ("POST", "/outputs", {"title": "匿名成果"}),
                               ("PATCH", f"/needs/{need['id']}", {"version": 1, "title": "匿名修改"}),
                               ("DELETE", f"/needs/{need['id']}", None), ("POST", "/needs", {"title": 5})]:
        r = catalog.client.request(method, API + path, json=body)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (method, path)
    assert _counts(catalog) == before


BAD_PARAMETERS: list[tuple[str, dict[str, Any], str]] = [
    ("/needs", {"page": 0}, "page"),
    ("/needs", {"page": 10**20}, "page"),
    ("/needs", {"page_size": 201}, "page_size"),
    ("/needs", {"organisation_id": "甲"}, "organisation_id"),
    ("/needs", {"organisation_id": 10**20}, "organisation_id"),
    ("/needs", {"updated_since": "昨天"}, "updated_since"),
    ("/needs", {"q": "x" * 201}, "q"),
    ("/needs", {"region": "蓬江\u0000区"}, "region"),
    ("/outputs", {"maturity": "量产"}, "maturity"),
    ("/outputs", {"cooperation_mode": "白送"}, "cooperation_mode"),
    ("/needs/abc", {}, "item_id"),
    ("/needs/0", {}, "item_id"),
    ("/needs/99999999999999999999", {}, "item_id"),
]


def test_bad_query_and_path_parameters(catalog: Catalog) -> None:
    wrong = []
    for path, params, column in BAD_PARAMETERS:
        r = catalog.client.get(API + path, params=params, headers={"Accept-Language": "zh-CN"})
        body = r.json()
        if (r.status_code != 422 or body["error"] != "validation_error" or body["detail"][0]["column"] != column
                or not CJK.search(body["message"])):
            wrong.append((path, params, r.status_code, body))
    assert wrong == []
