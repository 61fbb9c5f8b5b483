"""The portal's event pages (issue 15) over HTTP on both databases: upcoming events for anyone, a participant
registers with its free slots and requests a meeting, the organiser's board solves the schedule and checks a
participant in by its QR code; refusals shown in Chinese and English."""

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher

from services.catalog.core import security
from services.catalog.matching import client as matcher_client
from services.catalog.matching import service as matching
from services.catalog.workflow.contracts import CHINA
from tests.conftest import Catalog
from tests.events.helpers import People, make_people, open_event
from tests.portal.test_challenge_pages import browser


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

    def down(**_: object) -> None:
        raise httpx.ConnectError("matcher down")

    monkeypatch.setattr(matcher_client, "post_match", down)
    yield


@pytest.fixture
def people(catalog: Catalog) -> People:
    from datetime import UTC, datetime, timedelta

    from tests.challenges.helpers import Clock
    clock = Clock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=30))
    catalog.client.app.state.clock = clock  # type: ignore[attr-defined]
    return make_people(catalog, clock)


def test_register_request_solve_and_check_in_through_the_pages(catalog: Catalog, people: People) -> None:
    p = people
    event = open_event(p)
    eid = event["id"]
    anon = browser(catalog, None)
    listing = anon.get("/events")
    assert listing.status_code == 200 and event["title"] in listing.text and "报名中" in listing.text
    assert "open for registration" in anon.get("/events?lang=en").text
    page = anon.get(f"/events/{eid}")
    assert page.status_code == 200 and 'id="register"' not in page.text  # sign in first

    ent = browser(catalog, "ent1")
    assert 'id="register"' in ent.get(f"/events/{eid}").text
    done = ent.post(f"/events/{eid}/register", {"slot": ["0", "1", "2"], "contact": "王工 0750-1"},
                    follow_redirects=False)
    assert done.status_code == 303
    mine = ent.get(f"/events/{eid}")
    assert 'id="my-registration"' in mine.text and "qr.svg" in mine.text and "尚未排程" in mine.text
    again = ent.post(f"/events/{eid}/register", {"slot": ["0"]})
    assert again.status_code == 409 and "该单位已报名本活动" in again.text

    uni = browser(catalog, "uni1")
    assert uni.post(f"/events/{eid}/register", {"slot": ["1", "2"]}, follow_redirects=False).status_code == 303
    uni_reg = next(r for r in p.ok("bureau", "GET", f"/events/{eid}/registrations")["data"]
                   if r["organisation_name"] == "五邑大学")
    assert ent.post(f"/events/{eid}/request/{uni_reg['id']}", follow_redirects=False).status_code == 303
    assert "已申请洽谈" in ent.get(f"/events/{eid}").text

    assert ent.get(f"/events/{eid}/board").status_code == 403
    broker = browser(catalog, "broker")
    assert broker.post(f"/events/{eid}/board/solve", follow_redirects=False).status_code == 303
    board = broker.get(f"/events/{eid}/board")
    assert board.status_code == 200 and "新会锂能 × 五邑大学" in board.text
    assert "新会锂能" in ent.get(f"/events/{eid}").text and "尚未排程" not in ent.get(f"/events/{eid}").text
    bad = broker.post(f"/events/{eid}/board/check-in", {"token": "not-a-token"})
    assert bad.status_code == 404 and "二维码无效" in bad.text
    with catalog.engine.connect() as conn:
        tokens: dict[int, str] = dict(conn.exec_driver_sql("SELECT id, token FROM event_registration").all())
    token = tokens[uni_reg["id"]]
    assert broker.post(f"/events/{eid}/board/check-in", {"token": token}, follow_redirects=False).status_code == 303
    assert "已签到" in broker.get(f"/events/{eid}/board").text
    dashboard = broker.get("/bureau")
    assert dashboard.status_code == 200 and 'id="events"' in dashboard.text and "新会区" in dashboard.text
    english = broker.post(f"/events/{eid}/board/check-in?lang=en", {"token": token})
    assert english.status_code == 409 and "Already checked in" in english.text


def _with_programme(catalog: Catalog, p: People, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """A need of 新会锂能 and a published output of 五邑大学 in the theme; the matcher scores them 0.9."""
    need = p.ok("ent1", "POST", "/needs", 201, json={"title": "电池热管理需求", "description": "电池包热失控预警",
                                                     "cluster": "新能源电池", "region": "新会区"})
    output = p.ok("uni1", "POST", "/outputs", 201, json={"title": "电池热管理成果", "summary": "热失控预警算法",
                                                         "cluster": "新能源电池", "keywords": ["热管理"]})
    with catalog.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE research_output SET status = 'published' WHERE id = {int(output['id'])}")
    monkeypatch.setattr(matching, "need_output_scores", lambda *, settings, needs, **_: {
        (n.id, output["id"]): 0.9 for n in needs})
    return need["id"], output["id"]


def _plan_form(p: People, **extra: str) -> dict[str, str]:
    starts = (p.clock.now + timedelta(days=10)).astimezone(CHINA)
    return {"title": "新能源电池路演", "kind": "roadshow", "cluster": "新能源电池", "theme": "电池热管理",
            "starts_at": starts.strftime("%Y-%m-%dT09:00"), "registration_deadline":
            (starts - timedelta(days=1)).strftime("%Y-%m-%dT18:00"), "slot_minutes": "20", "slot_count": "6",
            "tables": "2", "capacity": "30", "venue": "江门市科技馆", **extra}


def test_organisers_plan_keep_the_line_up_invite_and_open(catalog: Catalog, people: People,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    p = people
    _, output_id = _with_programme(catalog, p, monkeypatch)
    for login in ("broker", "bureau"):
        assert "/events/new" in browser(catalog, login).get("/events").text
    broker = browser(catalog, "broker")
    assert 'id="create-event"' in broker.get("/events/new").text
    made = broker.post("/events/new", _plan_form(p), follow_redirects=False)
    assert made.status_code == 303
    plan_url = made.headers["location"]
    eid = int(plan_url.split("/")[2])
    plan = broker.get(plan_url)
    assert plan.status_code == 200 and "电池热管理成果" in plan.text and "可服务本主题 1 项开放需求" in plan.text
    assert "新会锂能" in plan.text and "其需求“电池热管理需求”与路演成果“电池热管理成果”匹配" in plan.text
    assert "Serves 1 open needs" in broker.get(plan_url + "?lang=en").text
    assert "09:00" in broker.get(f"/events/{eid}").text  # China time, as entered

    assert broker.post(f"/events/{eid}/plan/lineup", {"output_id": [str(output_id)]},
                       follow_redirects=False).status_code == 303
    assert [i["output_id"] for i in p.ok("broker", "GET", f"/events/{eid}")["lineup"]] == [output_id]
    assert broker.post(f"/events/{eid}/plan/lineup", {}, follow_redirects=False).status_code == 303
    assert p.ok("broker", "GET", f"/events/{eid}")["lineup"] == []

    sent = broker.post(f"/events/{eid}/plan/invite", {"organisation_id": [str(p.ids["org:ent1"])],
                                                       "reason": "欢迎参加"}, follow_redirects=False)
    assert sent.status_code == 303
    inbox = p.ok("ent1", "GET", "/notifications")["data"]
    assert any(n["kind"] == "event_invitation" for n in inbox)
    assert broker.post(f"/events/{eid}/plan/open", follow_redirects=False).status_code == 303
    assert p.ok("broker", "GET", f"/events/{eid}")["status"] == "open"


def test_only_organisers_plan_and_a_bad_form_says_why_in_both_languages(catalog: Catalog, people: People,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    p = people
    _with_programme(catalog, p, monkeypatch)
    eid = open_event(p)["id"]
    for login in ("ent1", "uni1", "expert"):
        user = browser(catalog, login)
        assert "/events/new" not in user.get("/events").text and 'href="/events"' in user.get("/events").text
        assert user.get("/events/new").status_code == 403
        assert user.get(f"/events/{eid}/plan").status_code == 403
        assert user.post("/events/new", _plan_form(p)).status_code == 403
        assert user.post(f"/events/{eid}/plan/invite", {"organisation_id": ["1"]}).status_code == 403
    assert browser(catalog, None).get("/events/new", follow_redirects=False).status_code in (303, 401)
    broker = browser(catalog, "broker")
    bad = broker.post("/events/new", _plan_form(p, title="", starts_at="明天"))
    assert bad.status_code == 422 and "请检查填写内容" in bad.text and 'value="新能源电池路演"' not in bad.text
    english = broker.post("/events/new?lang=en", _plan_form(p, capacity="lots"))
    assert english.status_code == 422 and "Check the form" in english.text
    none = broker.post(f"/events/{eid}/plan/invite", {})
    assert none.status_code == 422 and "请至少选择一家要邀请的单位" in none.text
    none_en = broker.post(f"/events/{eid}/plan/invite?lang=en", {})
    assert "Choose at least one organisation to invite" in none_en.text
    monkeypatch.setattr(matching, "need_output_scores", lambda **_: None)
    assert "匹配服务暂不可用" in broker.get(f"/events/{eid}/plan").text


def test_participants_bring_their_needs_and_outputs_and_a_meeting_becomes_a_match(
        catalog: Catalog, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    p = people
    need_id, output_id = _with_programme(catalog, p, monkeypatch)
    eid = open_event(p)["id"]
    ent, uni, broker = browser(catalog, "ent1"), browser(catalog, "uni1"), browser(catalog, "broker")
    form = ent.get(f"/events/{eid}").text
    assert f'name="need_id" value="{need_id}"' in form and "电池热管理需求" in form
    assert ent.post(f"/events/{eid}/register", {"slot": ["0", "1"], "need_id": [str(need_id)]},
                    follow_redirects=False).status_code == 303
    assert uni.post(f"/events/{eid}/register", {"slot": ["0", "1"], "output_id": [str(output_id)]},
                    follow_redirects=False).status_code == 303
    uni_reg = next(r for r in p.ok("broker", "GET", f"/events/{eid}/registrations")["data"]
                   if r["organisation_name"] == "五邑大学")
    assert ent.post(f"/events/{eid}/request/{uni_reg['id']}", follow_redirects=False).status_code == 303
    assert broker.post(f"/events/{eid}/board/solve", follow_redirects=False).status_code == 303
    meeting = p.ok("broker", "GET", f"/events/{eid}/schedule")["meetings"][0]
    assert (meeting["need_id"], meeting["output_id"]) == (need_id, output_id)
    assert ent.post(f"/events/{eid}/board/meetings/{meeting['id']}/match").status_code == 403
    made = broker.post(f"/events/{eid}/board/meetings/{meeting['id']}/match", follow_redirects=False)
    assert made.status_code == 303 and "已转为对接" in broker.get(f"/events/{eid}/board").text
    again = broker.post(f"/events/{eid}/board/meetings/{meeting['id']}/match?lang=en")
    assert again.status_code == 409 and "already became match" in again.text
