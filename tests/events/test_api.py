"""Events through the API with the matcher down: plan, open, register with availability, QR code and check-in,
requests, the CP-SAT schedule with a pin, the agenda as iCalendar and printable HTML, a meeting becomes a match."""

from datetime import datetime

import pytest
from icalendar import Calendar

from services.catalog.workflow.contracts import CHINA
from tests.conftest import Catalog
from tests.events.helpers import People, open_event, registered

pytestmark = pytest.mark.usefixtures("offline")


def test_an_event_from_plan_to_schedule_and_agenda(catalog: Catalog, people: People) -> None:
    p = people
    event = open_event(p)
    eid = event["id"]
    assert event["status"] == "open" and event["ends_at"] > event["starts_at"]
    need = p.ok("ent1", "POST", "/needs", 201, json={"title": "动力电池回收", "description": "退役电池黑粉回收"})
    output = p.ok("uni1", "POST", "/outputs", 201, json={"title": "湿法冶金回收锂", "summary": "选择性浸出回收镍钴锰锂"})
    e1 = registered(p, eid, "ent1", need_ids=[need["id"]])
    e2 = registered(p, eid, "ent2", slots=[0, 1])
    u1 = registered(p, eid, "uni1", output_ids=[output["id"]])
    u2 = registered(p, eid, "uni2", slots=[1])
    assert p.ok("anon", "GET", f"/events/{eid}")["registered"] == 4

    # requests: ent1 ↔ uni1 both ways (mutual), ent2 → uni2, ent2 → uni1 (declined)
    p.ok("ent1", "POST", f"/events/{eid}/requests", 201, json={"to_id": u1["id"]})
    p.ok("uni1", "POST", f"/events/{eid}/requests", 201, json={"to_id": e1["id"]})
    p.ok("ent2", "POST", f"/events/{eid}/requests", 201, json={"to_id": u2["id"]})
    declined = p.ok("ent2", "POST", f"/events/{eid}/requests", 201, json={"to_id": u1["id"]})
    assert p.ok("uni1", "POST", f"/events/{eid}/requests/{declined['id']}/answer", json={"accept": False})[
        "status"] == "declined"
    mine = p.ok("uni2", "GET", f"/events/{eid}/requests")
    assert [(r["from_name"], r["to_name"]) for r in mine] == [("台山食品", "江门职业技术学院")]
    ranked = p.ok("ent2", "GET", f"/events/{eid}/registrations/{e2['id']}/suggestions")
    assert {s["score"] for s in ranked} == {0.5} and {s["registration_id"] for s in ranked} == {
        e1["id"], u1["id"], u2["id"]}

    # the organiser pins ent2–uni2 to slot 1, table 2, then solves: two meetings, the mutual one worth double
    p.ok("broker", "POST", f"/events/{eid}/pins", 201, json={"first_id": e2["id"], "second_id": u2["id"],
                                                           "slot": 1, "table_no": 2})
    board = p.ok("broker", "POST", f"/events/{eid}/schedule")
    assert board["optimal"] and board["total_value"] == 1.5 == board["bound"]
    seats = {(m["first_name"], m["second_name"]): (m["slot"], m["table_no"], m["pinned"]) for m in board["meetings"]}
    assert seats[("台山食品", "江门职业技术学院")] == (1, 2, True)
    assert seats[("新会锂能", "五邑大学")][2] is False
    assert p.ok("bureau", "GET", f"/events/{eid}/schedule")["total_value"] == 1.5

    # the agenda: contacts of a partner only when both sides want the meeting
    agenda = p.ok("ent1", "GET", f"/events/{eid}/registrations/{e1['id']}/agenda")
    assert len(agenda) == 1 and agenda[0]["second_contact"] == "uni1@example.cn"
    pinned = p.ok("ent2", "GET", f"/events/{eid}/registrations/{e2['id']}/agenda")
    assert pinned[0]["second_contact"] is None  # only ent2 asked
    ics = p.ok("ent1", "GET", f"/events/{eid}/registrations/{e1['id']}/agenda.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    parsed = [c for c in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert len(parsed) == 1 and "五邑大学" in str(parsed[0]["summary"])
    assert parsed[0].decoded("dtstart").isoformat() == agenda[0]["starts_at"].replace("Z", "+00:00")
    page = p.ok("ent1", "GET", f"/events/{eid}/registrations/{e1['id']}/agenda.html")
    assert "五邑大学" in page.text and "@media print" in page.text
    china = datetime.fromisoformat(agenda[0]["starts_at"].replace("Z", "+00:00")).astimezone(CHINA)
    assert f"<td>{china:%H:%M}–" in page.text and "北京时间" in page.text  # printed in China time

    # QR code and check-in at the door
    qr = p.ok("ent1", "GET", f"/events/{eid}/registrations/{e1['id']}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content
    with catalog.engine.connect() as conn:
        tokens: dict[int, str] = dict(conn.exec_driver_sql("SELECT id, token FROM event_registration").all())
    for reg in (e1, u1):
        checked = p.ok("broker", "POST", f"/events/{eid}/check-in", json={"token": tokens[reg["id"]]})
        assert checked["checked_in_at"]
    for to in ("closed", "held"):
        p.ok("broker", "POST", f"/events/{eid}/transitions", json={"to": to})

    # the held meeting becomes a broker match; the report counts it
    meeting = next(m for m in board["meetings"] if not m["pinned"])
    match = p.ok("broker", "POST", f"/events/{eid}/meetings/{meeting['id']}/match", 201, json={})
    assert (match["need_id"], match["output_id"], match["status"]) == (need["id"], output["id"], "proposed")
    report = p.ok("bureau", "GET", f"/events/{eid}/report")
    assert (report["participants"], report["checked_in"], report["meetings_scheduled"], report["meetings_held"],
            report["matches_proposed"]) == (4, 2, 2, 1, 1)
    stats = p.ok("bureau", "GET", "/stats/events")
    assert stats == [{"region": "新会区", "cluster": "新能源电池", "events": 1, "participants": 4, "checked_in": 2,
                      "meetings_held": 1, "matches_proposed": 1, "introductions": 0, "contracts": 0,
                      "contract_amount_yuan": "0.00"}]


def test_a_pin_moves_a_meeting_and_releasing_it_lets_the_solver_place_it_again(catalog: Catalog,
                                                                               people: People) -> None:
    p = people
    eid = open_event(p)["id"]
    ent, uni = registered(p, eid, "ent1"), registered(p, eid, "uni1")
    p.ok("ent1", "POST", f"/events/{eid}/requests", 201, json={"to_id": uni["id"]})
    first = p.ok("broker", "POST", f"/events/{eid}/schedule")["meetings"]
    assert [(m["slot"], m["table_no"], m["pinned"]) for m in first] == [(0, 0, False)]
    moved = p.ok("broker", "POST", f"/events/{eid}/pins", 201, json={"first_id": ent["id"], "second_id": uni["id"],
                                                                     "slot": 5, "table_no": 1})
    again = p.ok("broker", "POST", f"/events/{eid}/schedule")["meetings"]
    assert [(m["id"], m["slot"], m["table_no"], m["pinned"]) for m in again] == [(moved["id"], 5, 1, True)]
    assert again[0]["value"] == 0.1  # no need meets an output here: a requested pair the matcher cannot rank
    assert p.call("broker", "DELETE", f"/events/{eid}/meetings/{moved['id']}").status_code == 204
    assert p.ok("broker", "GET", f"/events/{eid}/schedule")["meetings"] == []
    placed = p.ok("broker", "POST", f"/events/{eid}/schedule")["meetings"]
    assert [(m["slot"], m["pinned"]) for m in placed] == [(0, False)]
