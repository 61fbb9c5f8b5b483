"""Every refusal of the event rules, in Chinese and in English: after the deadline or over capacity, a meeting
with oneself or a non-participant, overlapping or out-of-event slots, illegal moves and pins."""

from datetime import timedelta

import pytest

from tests.conftest import Catalog
from tests.events.helpers import People, event_body, open_event, registered

pytestmark = pytest.mark.usefixtures("offline")


def test_planning_refuses_times_that_do_not_fit(catalog: Catalog, people: People) -> None:
    p = people
    late = event_body(p, registration_deadline=(p.clock.now + timedelta(days=11)).isoformat())
    p.both("broker", "POST", "/events", 422, "报名截止时间不能晚于活动开始时间", "Registration must close before", json=late)
    past = event_body(p, starts_at=(p.clock.now - timedelta(days=1)).isoformat(),
                      registration_deadline=(p.clock.now - timedelta(days=2)).isoformat())
    p.both("broker", "POST", "/events", 422, "活动开始时间应晚于现在", "must start in the future", json=past)
    draft = p.ok("broker", "POST", "/events", 201, json=event_body(p))
    p.both("broker", "POST", f"/events/{draft['id']}/transitions", 409, "不能改为", "cannot move to", json={"to": "held"})
    p.both("broker", "GET", "/events/999999", 404, "找不到活动 999999", "No event 999999")


def test_registration_refuses_late_full_duplicate_and_out_of_event_slots(catalog: Catalog, people: People) -> None:
    p = people
    draft = p.ok("broker", "POST", "/events", 201, json=event_body(p, capacity=2))
    url = f"/events/{draft['id']}/registrations"
    p.both("ent1", "POST", url, 404, "找不到活动", "No event", json={})  # a draft is invisible
    p.ok("broker", "POST", f"/events/{draft['id']}/transitions", json={"to": "open"})
    p.both("ent1", "POST", url, 422, "超出活动范围", "outside the event", json={"available_slots": [0, 8]})
    p.both("ent1", "POST", url, 422, "空闲时段有重复", "overlap", json={"available_slots": [1, 1]})
    p.both("ent1", "POST", url, 422, "不存在或不属于报名单位", "is not the registering", json={"need_ids": [999]})
    p.both("ent1", "POST", url, 403, "只能为本单位报名", "only register your own",
           json={"organisation_id": p.ids["org:ent2"]})
    p.both("expert", "POST", url, 403, "只有企业、高校院所和组织方可以报名", "Only enterprises", json={})
    registered(p, draft["id"], "ent1")
    p.both("ent1", "POST", url, 409, "该单位已报名本活动", "already registered", json={})
    registered(p, draft["id"], "uni1")
    p.both("ent2", "POST", url, 409, "活动已满员（容量 2）", "The event is full (capacity 2)", json={})
    p.ok("broker", "PATCH", f"/events/{draft['id']}", json={"version": 2, "capacity": 5})
    p.clock.advance(days=9, seconds=1)
    p.both("ent2", "POST", url, 409, "报名已截止", "Registration closed", json={})


def test_meeting_requests_and_pins_refuse_oneself_strangers_and_overlaps(catalog: Catalog, people: People) -> None:
    p = people
    eid = open_event(p)["id"]
    other = open_event(p)["id"]
    mine, uni = registered(p, eid, "ent1"), registered(p, eid, "uni1")
    elsewhere = registered(p, other, "ent2")
    url = f"/events/{eid}/requests"
    p.both("ent1", "POST", url, 422, "不能与自己预约洽谈", "cannot request a meeting with yourself",
           json={"to_id": mine["id"]})
    p.both("ent1", "POST", url, 422, "不是本活动的参与方", "is not a participant of this event",
           json={"to_id": elsewhere["id"]})
    p.both("ent2", "POST", url, 403, "只有活动参与方可以申请洽谈", "Only participants request meetings",
           json={"to_id": uni["id"]})
    p.ok("ent1", "POST", url, 201, json={"to_id": uni["id"]})
    p.both("ent1", "POST", url, 409, "已向该参与方发出过洽谈申请", "already asked", json={"to_id": uni["id"]})
    p.both("uni1", "POST", f"/events/{eid}/requests/999999/answer", 404, "找不到洽谈申请", "No meeting request",
           json={"accept": True})

    pins = f"/events/{eid}/pins"
    third = registered(p, eid, "uni2")
    p.both("broker", "POST", pins, 422, "不能安排与自己洽谈", "cannot meet itself",
           json={"first_id": mine["id"], "second_id": mine["id"], "slot": 0, "table_no": 0})
    p.both("broker", "POST", pins, 422, "超出活动范围", "outside the event",
           json={"first_id": mine["id"], "second_id": uni["id"], "slot": 8, "table_no": 0})
    p.both("broker", "POST", pins, 422, "不是本活动的参与方", "is not a participant",
           json={"first_id": mine["id"], "second_id": elsewhere["id"], "slot": 0, "table_no": 0})
    p.ok("broker", "POST", pins, 201, json={"first_id": mine["id"], "second_id": uni["id"], "slot": 0, "table_no": 0})
    p.both("broker", "POST", pins, 409, "重叠", "overlaps a pinned meeting",
           json={"first_id": mine["id"], "second_id": third["id"], "slot": 0, "table_no": 1})
    p.both("broker", "POST", f"/events/{eid}/check-in", 404, "二维码无效", "Invalid QR code", json={"token": "y" * 32})
    p.both("broker", "POST", f"/events/{eid}/meetings/999999/match", 404, "找不到洽谈", "No meeting", json={})


def test_programme_needs_the_matcher_and_capacity_cannot_shrink_below_the_registered(catalog: Catalog,
                                                                                      people: People) -> None:
    p = people
    event = open_event(p, capacity=3)
    eid = event["id"]
    p.ok("ent1", "POST", "/needs", 201, json={"title": "动力电池回收", "description": "退役电池黑粉回收",
                                           "cluster": "新能源电池"})
    p.both("broker", "GET", f"/events/{eid}/programme", 503, "匹配服务暂时不可用", "The matcher is unavailable")
    for who in ("ent1", "ent2"):
        registered(p, eid, who)
    p.both("broker", "PATCH", f"/events/{eid}", 422, "容量不能少于已报名的单位数", "Capacity cannot be below",
           json={"version": event["version"], "capacity": 1})
    p.both("broker", "PATCH", f"/events/{eid}", 409, "已被他人修改", "was changed meanwhile",
           json={"version": 1, "capacity": 5})
    for to in ("closed", "held"):
        p.ok("broker", "POST", f"/events/{eid}/transitions", json={"to": to})
    p.both("broker", "POST", f"/events/{eid}/schedule", 409, "不能再排程", "the schedule is made before it is held")
    p.both("ent1", "POST", f"/events/{eid}/registrations", 409, "不在报名期", "registration is closed", json={})
