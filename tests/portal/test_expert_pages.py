"""The portal's expert pages (issue 14) over HTTP on both databases: the directory and profiles (contacts hidden
from the public), the expert's workspace and visit form, the host's page, the bureau's dispatch board and the
plan's progress on the dashboard; each page for the roles allowed and refused, and every form's errors in Chinese
and English."""

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from services.catalog.core import security
from tests.challenges.helpers import Clock
from tests.conftest import Catalog
from tests.experts.helpers import People, dispatch_body, make_people, town_body
from tests.portal.test_challenge_pages import Browser, browser
from tests.portal.test_challenge_pages import error_text as _raw_errors

CONTACT = "13800000000"  # in every test profile's contact


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield


@pytest.fixture
def people(catalog: Catalog) -> People:
    """Everyone around a dispatch, with the app's clock at noon in China on 15 June 2026."""
    from datetime import UTC, datetime

    catalog.client.app.state.clock = Clock(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    return make_people(catalog)


def error_text(page: str) -> str:
    """The page's form-level and field errors as plain text."""
    return html.unescape(_raw_errors(page))


def _location(r: Any) -> str:
    assert r.status_code == 303, (r.status_code, error_text(r.text) or r.text[:500])
    return str(r.headers["location"])


def _both_languages(who: Browser, url: str, data: dict[str, Any], zh: str, en: str, status: int = 422) -> None:
    """The form is refused with `status`, explained in Chinese and (with ?lang=en) in English."""
    chinese = who.post(url, data)
    assert chinese.status_code == status and zh in error_text(chinese.text), error_text(chinese.text)
    english = who.post(url + "?lang=en", data)
    assert english.status_code == status and en in error_text(english.text), error_text(english.text)


def _dispatched(p: People, body: dict[str, Any]) -> int:
    return int(p.ok("bureau", "POST", "/dispatches", 201, json=body)["id"])


def visit_form(**extra: str) -> dict[str, str]:
    """The visit form as a phone fills it: one problem raised, one solved there."""
    return {"visit_on": "2026-06-10", "hours": "6", "place": "新会陈皮科技双水基地", "work_done": "田间诊断柑橘黄龙病",
            "raised": "柑橘黄龙病早期快速检测缺少手段", "solved": "陈皮晒制过程霉变", **extra}


def test_the_directory_and_profiles_show_contacts_only_to_those_allowed(catalog: Catalog, people: People) -> None:
    p = people
    anon, outsider = browser(catalog, None), browser(catalog, "other_ent")
    page = anon.get("/experts").text
    assert 'data-total="2"' in page and "李明" in page and "王芳" in page and "五邑大学" in page
    assert "科技特派员" in page and "现代农业-柑橘种植" in page and "双水镇" in page and CONTACT not in page
    for narrowing, total in (({"kind": "commissioner", "county": "新会区"}, 2), ({"kind": "broker"}, 0),
                             ({"county": "台山市"}, 0), ({"q": "陈皮"}, 2), ({"q": "李明"}, 1),
                             ({"cluster": "现代农业与食品"}, 2), ({"kind": "nonsense"}, 2)):
        assert f'data-total="{total}"' in anon.get("/experts", params=narrowing).text, narrowing
    assert "Expert directory" in anon.get("/experts?lang=en").text
    assert 'class="placeholder"' in anon.get("/experts", params={"q": "无此人"}).text
    profile = f"/experts/{p.ids['profile:exp1']}"
    for who in (anon, outsider, browser(catalog, "host"), browser(catalog, "uni"), browser(catalog, "exp2")):
        r = who.get(profile)
        assert r.status_code == 200 and "李明" in r.text and CONTACT not in r.text
    for login in ("bureau", "broker", "exp1"):
        assert CONTACT in browser(catalog, login).get(profile).text, login
    # The host enterprise sees the contact once its dispatch is confirmed by both sides, not before.
    dispatch_id = _dispatched(p, dispatch_body(p))
    host = browser(catalog, "host")
    p.ok("exp1", "POST", f"/dispatches/{dispatch_id}/confirm")
    assert CONTACT not in host.get(profile).text
    _location(host.post(f"/host/dispatches/{dispatch_id}/confirm"))
    assert CONTACT in host.get(profile).text and CONTACT not in outsider.get(profile).text
    assert anon.get("/experts/999999").status_code == 404
    assert "Shown to hosts and the bureau only" in anon.get(profile + "?lang=en").text


def test_profiles_are_created_and_edited_by_staff_and_the_expert_only(catalog: Catalog, people: People) -> None:
    p = people
    bureau, exp1 = browser(catalog, "bureau"), browser(catalog, "exp1")
    mine, theirs = f"/experts/{p.ids['profile:exp1']}/edit", f"/experts/{p.ids['profile:exp2']}/edit"
    assert exp1.get(mine).status_code == 200 and bureau.get(theirs).status_code == 200
    assert exp1.get(theirs).status_code == 403 and exp1.post(theirs, {"name": "x"}).status_code == 403
    for login in ("host", "uni", "other_ent"):
        assert browser(catalog, login).get(mine).status_code == 403, login
    assert browser(catalog, None).get(mine).status_code == 303
    version = re.search(r'name="version" value="(\d+)"', exp1.get(mine).text).group(1)  # type: ignore[union-attr]
    form = {"version": version, "name": "李明", "organisation_name": "五邑大学", "kinds": ["commissioner"],
            "clusters": ["现代农业与食品"], "fields": "现代农业-柑橘种植，植保", "keywords": "陈皮", "biography": "",
            "languages": "普通话", "counties": ["新会区"], "towns": "双水镇、月山镇", "availability_days": "8",
            "contact": "李明 13800000000"}
    _both_languages(exp1, mine, form, "镇街“月山镇”不在所选区县内", "Town '月山镇' is not in the counties served")
    assert "双水镇、月山镇" in exp1.post(mine, form).text  # what was typed comes back
    assert _location(exp1.post(mine, form | {"towns": "双水镇"})).endswith("?done=saved")
    assert "植保" in browser(catalog, None).get(f"/experts/{p.ids['profile:exp1']}").text
    _both_languages(exp1, mine, form | {"towns": "双水镇"}, "已被他人修改", "changed meanwhile", status=409)
    # The bureau adds an expert from the form; an expert account without a profile makes its own.
    assert browser(catalog, "host").get("/experts/new").status_code == 403
    new = {"name": "赵强", "organisation_name": "江门职业技术学院", "kinds": ["mentor"], "counties": ["江海区"],
           "towns": "", "fields": "", "keywords": "", "languages": "", "biography": "", "availability_days": "4",
           "contact": "", "external_id": "JM-001"}
    _both_languages(bureau, "/experts/new", new | {"availability_days": "40"}, "数值过大", "less than or equal to 31")
    created = _location(bureau.post("/experts/new", new)).split("?")[0]
    assert "赵强" in bureau.get(created).text and "JM-001" not in browser(catalog, None).get(created).text
    _both_languages(bureau, "/experts/new", new, "已有外部编号", "external id 'JM-001' exists", status=409)
    # Staff take an expert out of the pool: gone from the public directory, still on the board.
    out = bureau.get(created + "/edit").text
    version = re.search(r'name="version" value="(\d+)"', out).group(1)  # type: ignore[union-attr]
    _location(bureau.post(created + "/edit", new | {"version": version, "towns": ""}))  # "active" left unticked
    assert "赵强" not in browser(catalog, None).get("/experts").text and "赵强" in bureau.get("/bureau/dispatches").text
    assert browser(catalog, None).get(created).status_code == 404
    assert 'id="expert-active"' not in exp1.get(mine).text  # an expert cannot take themself out
    # The form refuses without its CSRF token.
    assert bureau.client.post("/experts/new", data=new).status_code == 403


def test_the_expert_confirms_and_logs_visits_refused_in_both_languages(catalog: Catalog, people: People) -> None:
    p = people
    dispatch_id = _dispatched(p, dispatch_body(p))
    exp1, exp2 = browser(catalog, "exp1"), browser(catalog, "exp2")
    work = exp1.get("/expert").text
    assert f'id="dispatch-{dispatch_id}"' in work and "待确认" in work and "act-confirm" in work
    assert "act-log" not in work  # no visits before both sides confirm
    assert 'class="placeholder"' in exp2.get("/expert").text  # exp2 has no dispatch
    for login in ("host", "bureau", "broker", "uni"):
        assert browser(catalog, login).get("/expert").status_code == 403, login
    assert browser(catalog, None).get("/expert").headers["location"].startswith("/login")
    assert exp1.get("/experts/me").headers["location"] == "/expert"
    assert exp2.post(f"/expert/dispatches/{dispatch_id}/confirm").status_code == 404
    assert _location(exp1.post(f"/expert/dispatches/{dispatch_id}/confirm")).startswith("/expert?done=confirmed")
    r = exp1.post(f"/expert/dispatches/{dispatch_id}/confirm")
    assert r.status_code == 409 and "您已确认过本次选派" in error_text(r.text)
    _location(browser(catalog, "host").post(f"/host/dispatches/{dispatch_id}/confirm"))
    assert "act-log" in exp1.get("/expert").text
    form_url = f"/expert/dispatches/{dispatch_id}/visit"
    blank = exp1.get(form_url).text
    assert 'value="2026-06-15"' in blank and "新会陈皮科技" in blank  # today and the host, filled in
    assert exp2.get(form_url).status_code == 404 and browser(catalog, "host").get(form_url).status_code == 403
    _both_languages(exp1, form_url, visit_form(visit_on="2026-06-20"), "服务日期不能晚于今天",
                    "cannot be logged for a day in the future")
    _both_languages(exp1, form_url, visit_form(hours="25"), "不超过 24 小时", "at most 24")
    _both_languages(exp1, form_url, visit_form(visit_on="2027-01-05"), "服务日期应在选派期内",
                    "must fall within the dispatch")
    r = exp1.post(form_url, visit_form(hours="", work_done=""))
    assert r.status_code == 422 and 'id="err-hours"' in r.text and 'id="err-work_done"' in r.text
    assert "田间诊断" not in r.text and "新会陈皮科技双水基地" in r.text  # what was typed comes back
    assert _location(exp1.post(form_url, visit_form())).startswith("/expert?done=logged")
    _both_languages(exp1, form_url, visit_form(hours="20"), "超过每天 24 小时", "exceed 24 hours a day")
    work = exp1.get("/expert").text
    assert "2026-06-10" in work and "柑橘黄龙病早期快速检测缺少手段" in work and "专家已解决，待确认" in work
    raised = re.search(r'action="(/expert/visits/\d+/problems/\d+/solve)"', work).group(1)  # type: ignore[union-attr]
    assert exp2.post(raised).status_code == 404
    assert _location(exp1.post(raised)).startswith("/expert?done=solved")
    assert "act-solve" not in exp1.get("/expert").text


def test_the_host_confirms_rates_and_turns_a_problem_into_a_need(catalog: Catalog, people: People) -> None:
    p = people
    dispatch_id = _dispatched(p, dispatch_body(p))
    p.ok("exp1", "POST", f"/dispatches/{dispatch_id}/confirm")
    host, outsider = browser(catalog, "host"), browser(catalog, "other_ent")
    page = host.get("/host").text
    assert f'id="dispatch-{dispatch_id}"' in page and "李明" in page and "act-confirm" in page
    assert 'class="placeholder"' in outsider.get("/host").text and f"dispatch-{dispatch_id}" not in outsider.get("/host").text
    for login in ("uni", "exp1"):
        assert browser(catalog, login).get("/host").status_code == 403, login
    assert outsider.post(f"/host/dispatches/{dispatch_id}/confirm").status_code == 404
    _location(host.post(f"/host/dispatches/{dispatch_id}/confirm"))
    exp1 = browser(catalog, "exp1")
    _location(exp1.post(f"/expert/dispatches/{dispatch_id}/visit", visit_form()))
    page = host.get("/host").text
    visit_id = int(re.search(r'id="visit-(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert "act-confirm-visit" in page and "act-confirm-problem" in page and "act-rate" in page
    # Only this host: the other enterprise does not even see the visit.
    assert outsider.post(f"/host/visits/{visit_id}/confirm").status_code == 404
    _both_languages(host, f"/host/visits/{visit_id}/rating", {"rating": "6", "comment": ""},
                    "评分应为 1 到 5 的整数", "a rating is a whole number from 1 to 5")
    assert _location(host.post(f"/host/visits/{visit_id}/confirm")) == "/host?done=visit"
    r = host.post(f"/host/visits/{visit_id}/confirm")
    assert r.status_code == 409 and "已确认" in error_text(r.text)
    _location(host.post(f"/host/visits/{visit_id}/rating", {"rating": "5", "comment": "解决了霉变问题"}))
    page = host.get("/host").text
    assert "解决了霉变问题" in page and "act-rate" not in page
    solved = re.search(r'action="(/host/visits/\d+/problems/\d+/confirm)"', page).group(1)  # type: ignore[union-attr]
    assert exp1.post(solved).status_code == 403  # the expert cannot confirm their own work
    assert _location(host.post(solved)) == "/host?done=problem"
    assert "已确认解决" in host.get("/host").text
    to_need = re.search(r'action="(/host/visits/\d+/problems/\d+/need)"', host.get("/host").text).group(1)  # type: ignore[union-attr]
    need_url = _location(host.post(to_need))
    assert need_url.startswith("/needs/") and "柑橘黄龙病早期快速检测缺少手段" in host.get(need_url).text
    assert "已转为需求" in host.get("/host").text


def test_the_dispatch_board_creates_dispatches_and_stations(catalog: Catalog, people: People) -> None:
    p = people
    bureau, broker = browser(catalog, "bureau"), browser(catalog, "broker")
    board = bureau.get("/bureau/dispatches").text
    assert "李明" in board and "王芳" in board and "新会陈皮科技" in board and "斗山镇" in board
    assert broker.get("/bureau/dispatches").status_code == 200
    for login in ("exp1", "host", "uni"):
        assert browser(catalog, login).get("/bureau/dispatches").status_code == 403, login
    assert browser(catalog, None).get("/bureau/dispatches").status_code == 303
    form = {"expert_id": str(p.ids["profile:exp1"]), "host_kind": "enterprise", "host_org_id": str(p.ids["org:host"]),
            "place": "新会区|双水镇", "station_id": "", "village": "", "start_on": "2026-01-01",
            "end_on": "2026-12-31", "days_per_month": "4", "goals": "柑橘黄龙病防控"}
    created = _location(bureau.post("/bureau/dispatches", form))
    dispatch_id = int(created.rsplit("dispatch-", 1)[1])
    row = re.search(rf'<tr id="dispatch-{dispatch_id}".*?</tr>', bureau.get("/bureau/dispatches").text, re.S)
    assert row and "李明" in row.group(0) and "待确认" in row.group(0) and "新会区双水镇" in row.group(0)
    _both_languages(bureau, "/bureau/dispatches", form | {"host_kind": "town", "place": ""},
                    "请从区县和镇街列表中选择", "Choose a county and a town of it from the list")
    _both_languages(bureau, "/bureau/dispatches", form | {"days_per_month": "5"}, "超过其每月可服务的",
                    "more than the 8 days a month", status=409)
    _both_languages(bureau, "/bureau/dispatches", form | {"end_on": "2025-12-31"}, "结束日期不能早于开始日期",
                    "end_on must not be before start_on")
    _both_languages(bureau, "/bureau/dispatches", form | {"goals": ""}, "此项必填", "Field required")
    assert "柑橘黄龙病防控" in bureau.post("/bureau/dispatches", form | {"days_per_month": "5"}).text
    # A work station from the region list; a dispatch to it; the same name in that town again is refused.
    station = {"name": "新会区双水镇科技特派员工作站", "place": "新会区|双水镇"}
    assert _location(bureau.post("/bureau/stations", station)).endswith("#stations")
    _both_languages(bureau, "/bureau/stations", station, "该镇街已有同名工作站", "A work station of that name exists",
                    status=409)
    _both_languages(bureau, "/bureau/stations", station | {"place": ""}, "内容过短", "at least 1 character")
    assert browser(catalog, "exp1").post("/bureau/stations", station | {"name": "另一站"}).status_code == 403
    _location(broker.post("/bureau/dispatches", town_body_form(p)))
    # Staff speak for the town: the dispatch shows on their host page to confirm.
    assert "斗山镇" in broker.get("/host").text
    assert _location(bureau.post(f"/bureau/dispatches/{dispatch_id}/cancel")) == "/bureau/dispatches?done=cancelled"
    assert browser(catalog, "exp1").post(f"/bureau/dispatches/{dispatch_id}/cancel").status_code == 403


def town_body_form(p: People) -> dict[str, str]:
    """The board's form for `town_body`: exp2 to a village of Taishan."""
    body = town_body(p, expert="exp2")
    return {"expert_id": str(body["expert_id"]), "host_kind": "town", "place": f"{body['county']}|{body['town']}",
            "village": body["village"], "start_on": body["start_on"], "end_on": body["end_on"],
            "days_per_month": str(body["days_per_month"]), "goals": body["goals"], "host_org_id": "",
            "station_id": ""}


def _figure(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert found, element_id
    return found.group(1).strip()


def test_the_dashboard_counts_progress_against_the_plan(catalog: Catalog, people: People) -> None:
    p = people
    bureau = browser(catalog, "bureau")
    page = bureau.get("/bureau").text
    assert _figure(page, "kpi-problems-solved") == "0" and _figure(page, "kpi-problem-target") == "1000"
    assert 'class="placeholder" id="expert-by-county"' in page and 'class="placeholder" id="expert-years"' in page
    assert _figure(page, "towns-unvisited") == "73" and "台山市" in page
    assert "/api/v1/experts/stats/export?year=2026" in page
    assert browser(catalog, "broker").get("/bureau").status_code == 200
    for login in ("host", "exp1", "uni"):
        assert browser(catalog, login).get("/bureau").status_code == 403, login
    dispatch_id = _dispatched(p, dispatch_body(p))
    p.ok("exp1", "POST", f"/dispatches/{dispatch_id}/confirm")
    p.ok("host", "POST", f"/dispatches/{dispatch_id}/confirm")
    visit = p.ok("exp1", "POST", f"/dispatches/{dispatch_id}/visits", 201, json={
        "visit_on": "2026-06-10", "hours": 6, "place": "双水基地", "work_done": "诊断",
        "problems": [{"text": "霉变", "solved": True}]})
    page = bureau.get("/bureau").text
    assert _figure(page, "kpi-problems-solved") == "0" and _figure(page, "kpi-visits") == "1"
    p.ok("host", "POST", f"/visits/{visit['id']}/problems/{visit['problems'][0]['id']}/confirm")
    page = bureau.get("/bureau").text
    assert _figure(page, "kpi-problems-solved") == "1" and _figure(page, "kpi-hours") == "6"
    assert _figure(page, "towns-unvisited") == "72" and 'data-town="双水镇"' in page
    assert f'data-expert="{p.ids["profile:exp1"]}"' in page
    assert "progress against the plan" in bureau.get("/bureau?lang=en").text
    assert 'id="kpi-problems-solved">0<' in bureau.get("/bureau?plan_year=2025").text
    export = bureau.client.get("/api/v1/experts/stats/export?year=2026")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_an_expert_links_their_organisations_outputs_and_the_public_sees_them(catalog: Catalog,
                                                                              people: People) -> None:
    p = people
    published = p.ok("uni", "POST", "/outputs", 201, json={"title": "柑橘黄龙病快速检测试剂盒", "summary": "LAMP 检测",
                                                          "status": "published"})
    draft = p.ok("uni", "POST", "/outputs", 201, json={"title": "尚未发布的陈皮工艺", "summary": "草稿",
                                                      "status": "draft"})
    exp1 = browser(catalog, "exp1")
    edit = f"/experts/{p.ids['profile:exp1']}/edit"
    form_page = exp1.get(edit).text
    assert "柑橘黄龙病快速检测试剂盒" in form_page and "尚未发布的陈皮工艺" not in form_page  # what they may see
    assert "linked-outputs" not in browser(catalog, "bureau").get(f"/experts/{p.ids['profile:exp2']}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form_page).group(1)  # type: ignore[union-attr]
    form = {"version": version, "name": "李明", "organisation_name": "五邑大学", "kinds": ["commissioner"],
            "clusters": [], "fields": "", "keywords": "", "biography": "", "languages": "", "counties": ["新会区"],
            "towns": "", "availability_days": "8", "contact": "",
            "output_ids": [str(published["id"])]}
    _location(exp1.post(edit, form))
    profile = browser(catalog, None).get(f"/experts/{p.ids['profile:exp1']}").text
    assert f'data-id="{published["id"]}"' in profile and "柑橘黄龙病快速检测试剂盒" in profile
    _both_languages(exp1, edit, form | {"version": str(int(version) + 1), "output_ids": [str(draft["id"])]},
                    f"成果 {draft['id']} 不存在或不属于专家所在单位", "is not of the expert's organisation")
