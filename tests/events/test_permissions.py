"""Who may do what with events, per endpoint and role: organisers (brokers and admins) manage; participants see
their own registration, requests and agenda and the others' names, never their contacts before both accept;
anonymous callers see events past their draft."""

import pytest

from tests.conftest import Catalog
from tests.events.helpers import People, event_body, open_event, registered

pytestmark = pytest.mark.usefixtures("offline")
EVERYONE = ["anon", "bureau", "broker", "ent1", "ent2", "uni1", "uni2", "outsider", "expert"]
ORGANISERS = {"bureau", "broker"}


def _statuses(p: People, method: str, url: str, **kw: object) -> dict[str, int]:
    return {who: p.call(who, method, url, **kw).status_code for who in EVERYONE}


def _expect(default: int, **special: int) -> dict[str, int]:
    return {**dict.fromkeys(EVERYONE, default), "anon": 401, **special}


def test_organisers_plan_and_move_events_and_drafts_stay_theirs(catalog: Catalog, people: People) -> None:
    p = people
    assert _statuses(p, "POST", "/events", json=event_body(p)) == _expect(403, bureau=201, broker=201)
    draft = p.ok("broker", "POST", "/events", 201, json=event_body(p))
    url = f"/events/{draft['id']}"
    assert _statuses(p, "GET", url) == {**dict.fromkeys(EVERYONE, 404), "bureau": 200, "broker": 200}
    assert {w for w in EVERYONE if p.ok(w, "GET", "/events")["count"]} == ORGANISERS
    assert _statuses(p, "PATCH", url, json={"version": 99, "venue": "线上"}) == _expect(
        404, bureau=409, broker=409)  # others cannot see the draft; organisers hold a stale version
    opened = _statuses(p, "POST", url + "/transitions", json={"to": "open"})
    assert opened == _expect(403, bureau=200, broker=409)  # once open, others see it; open → open is refused
    assert set(_statuses(p, "GET", url).values()) == {200}
    assert _statuses(p, "POST", url + "/transitions", json={"to": "closed"}) == _expect(403, bureau=200, broker=409)
    for path in ("/schedule", "/report"):
        assert _statuses(p, "GET", url + path) == _expect(403, bureau=200, broker=200)
    assert _statuses(p, "GET", "/stats/events") == _expect(403, bureau=200, broker=200)


def test_participants_see_their_own_and_only_names_of_the_others(catalog: Catalog, people: People) -> None:
    p = people
    eid = open_event(p)["id"]
    made = _statuses(p, "POST", f"/events/{eid}/registrations", json={"available_slots": [0, 1]})
    # organisers register their own organisation by default (or name one); experts do not register
    assert made == _expect(201, expert=403)
    regs = {r["organisation_name"]: r for r in p.ok("bureau", "GET", f"/events/{eid}/registrations")["data"]}
    ent1 = regs["新会锂能"]
    url = f"/events/{eid}/registrations/{ent1['id']}"
    for path in ("", "/qr.svg", "/agenda", "/agenda.ics", "/agenda.html", "/suggestions"):
        assert _statuses(p, "GET", url + path) == _expect(403, bureau=200, broker=200, ent1=200), path
    listing = _statuses(p, "GET", f"/events/{eid}/registrations")
    assert listing == _expect(200, expert=403)
    seen_by_other = {r["organisation_name"]: r for r in p.ok("ent2", "GET", f"/events/{eid}/registrations")["data"]}
    assert seen_by_other["新会锂能"]["contact"] is None and seen_by_other["新会锂能"]["available_slots"] == []
    assert seen_by_other["台山食品"]["available_slots"] == [0, 1]  # its own
    assert _statuses(p, "POST", f"/events/{eid}/check-in", json={"token": "x" * 32}) == _expect(
        403, bureau=404, broker=404)  # organisers only; this token is nobody's


def test_requests_are_seen_by_their_two_sides_and_answered_by_the_one_asked(catalog: Catalog,
                                                                              people: People) -> None:
    p = people
    eid = open_event(p)["id"]
    regs = {who: registered(p, eid, who) for who in ("ent1", "ent2", "uni1")}
    request = p.ok("ent1", "POST", f"/events/{eid}/requests", 201, json={"to_id": regs["uni1"]["id"]})
    assert p.call("outsider", "POST", f"/events/{eid}/requests", json={"to_id": regs["uni1"]["id"]}).status_code == 403
    seen = {w: len(p.ok(w, "GET", f"/events/{eid}/requests")) for w in ("ent1", "ent2", "uni1", "bureau")}
    assert seen == {"ent1": 1, "ent2": 0, "uni1": 1, "bureau": 1}
    answer = f"/events/{eid}/requests/{request['id']}/answer"
    assert _statuses(p, "POST", answer, json={"accept": True}) == _expect(403, bureau=200, broker=200, uni1=200)
    # the organiser pins the meeting: only now that both want it does each side see the other's contact
    p.ok("broker", "POST", f"/events/{eid}/pins", 201, json={"first_id": regs["ent1"]["id"],
                                                           "second_id": regs["uni1"]["id"], "slot": 0, "table_no": 0})
    agenda = p.ok("ent1", "GET", f"/events/{eid}/registrations/{regs['ent1']['id']}/agenda")
    assert agenda[0]["second_contact"] == "uni1@example.cn"
    for path in ("/schedule", "/pins"):
        assert p.call("ent1", "POST", f"/events/{eid}{path}", json={"first_id": 1, "second_id": 2, "slot": 0,
                                                                  "table_no": 0}).status_code == 403


def test_only_organisers_keep_the_line_up_and_send_invitations(catalog: Catalog, people: People) -> None:
    p = people
    eid = open_event(p)["id"]
    output = p.ok("uni1", "POST", "/outputs", 201, json={"title": "湿法冶金回收锂", "summary": "选择性浸出"})
    lineup = {"items": [{"output_id": output["id"], "reason_zh": "可服务 3 项需求", "reason_en": "serves 3 needs"}]}
    assert _statuses(p, "PUT", f"/events/{eid}/lineup", json=lineup) == _expect(403, bureau=200, broker=200)
    assert p.ok("anon", "GET", f"/events/{eid}")["lineup"][0]["reason_zh"] == "可服务 3 项需求"
    invite = {"organisation_ids": [p.ids["org:ent1"]], "reason": "需求匹配"}
    assert _statuses(p, "POST", f"/events/{eid}/invitations", json=invite) == _expect(403, bureau=201, broker=201)
    inbox = p.ok("ent1", "GET", "/notifications")["data"]
    assert [n["kind"] for n in inbox] == ["event_invitation"]  # invited once; the second call skipped it
    assert _statuses(p, "GET", f"/events/{eid}/programme") == _expect(403, bureau=200, broker=200)  # no needs yet
