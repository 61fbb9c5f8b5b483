"""Issue 15, acceptance 1, on SQLite and PostgreSQL with the real matcher in-process: plan an event for a cluster →
proposed line-up and invitations → 40 participants register with availability and requests → the schedule over
3 tables × 8 slots → check-in → meetings become matches → a contract → the event report and the dashboard."""

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.conftest import Catalog
from tests.events.helpers import People, event_body
from tests.inprocess_matcher import matcher, sync

__all__ = ["matcher"]  # the fixture

TOPICS = [("动力电池回收", "退役三元锂电池黑粉湿法回收镍钴锰锂", "选择性浸出与萃取分离回收锂电池中的镍钴锰锂"),
          ("锂电池隔膜", "动力锂电池陶瓷涂覆隔膜防止热失控", "陶瓷涂覆隔膜提高锂电池安全性"),
          ("储能电池管理", "储能电站电池管理系统均衡与寿命预测", "电池管理系统主动均衡与剩余寿命预测算法"),
          ("固态电解质", "固态锂电池硫化物电解质量产工艺", "硫化物固态电解质低成本合成"),
          ("电池检测", "锂电池生产在线缺陷视觉检测", "基于深度学习的极片缺陷在线检测")]


def test_an_event_planned_from_the_matches_to_its_report(catalog: Catalog, people: People,
                                                          matcher: TestClient) -> None:
    p = people
    # 20 enterprises with a need each and 20 universities with an output each, five topics of the cluster
    needs, outputs = {}, {}
    for i in range(20):
        topic, need_text, output_text = TOPICS[i % 5]
        ent, uni = f"e{i}", f"u{i}"
        p.headers[ent] = catalog.user(f"login_{ent}", "enterprise", f"电池企业{i}", kind="enterprise", region="新会区")
        p.headers[uni] = catalog.user(f"login_{uni}", "university", f"电池研究院{i}", kind="university", region="蓬江区")
        needs[ent] = p.ok(ent, "POST", "/needs", 201, json={
            "title": f"{topic}需求{i}", "description": need_text, "cluster": "新能源电池", "region": "新会区"})
        outputs[uni] = p.ok(uni, "POST", "/outputs", 201, json={
            "title": f"{topic}成果{i}", "summary": output_text, "cluster": "新能源电池", "keywords": [topic]})
    sync(catalog, matcher)

    # plan: a 对接会 for the cluster; the platform proposes the line-up and the guests, each with the reason
    event = p.ok("broker", "POST", "/events", 201, json=event_body(p, capacity=40))
    eid = event["id"]
    programme = p.ok("broker", "GET", f"/events/{eid}/programme")
    assert programme["needs"] == 20 and 1 <= len(programme["lineup"]) <= 8
    top = programme["lineup"][0]
    assert top["needs_served"] >= 1 and top["reason_zh"].startswith("可服务本主题") and top["reason_en"]
    assert programme["invitations"] and programme["invitations"][0]["reason_zh"].startswith("其需求")
    kept = programme["lineup"][:5]
    assert [i["output_id"] for i in p.ok("broker", "PUT", f"/events/{eid}/lineup", json={"items": kept})[
        "lineup"]] == [i["output_id"] for i in kept]
    guests = [g["organisation_id"] for g in programme["invitations"]]
    p.ok("broker", "POST", f"/events/{eid}/transitions", json={"to": "open"})
    sent = p.ok("broker", "POST", f"/events/{eid}/invitations", 201,
                json={"organisation_ids": guests, "reason": "贵单位需求与本场路演成果匹配"})
    assert len(sent) == len(guests)
    guest_login = next(f"e{i}" for i in range(20) if catalog.orgs[f"电池企业{i}"] == guests[0])
    inbox = p.ok(guest_login, "GET", "/notifications")["data"]
    assert any(n["kind"] == "event_invitation" for n in inbox)

    # 40 participants register, each free in six of the eight slots
    regs = {}
    for i in range(20):
        for who, key in ((f"e{i}", "need_ids"), (f"u{i}", "output_ids")):
            item = needs[who] if who.startswith("e") else outputs[who]
            free = [s for s in range(8) if s not in (i % 8, (i + 3) % 8)]
            regs[who] = p.ok(who, "POST", f"/events/{eid}/registrations", 201,
                             json={key: [item["id"]], "available_slots": free, "contact": f"{who}@example.cn"})
    assert p.ok("anon", "GET", f"/events/{eid}")["registered"] == 40

    # each enterprise asks for its two best suggested universities; each university accepts the first request
    for i in range(20):
        ent = f"e{i}"
        ranked = p.ok(ent, "GET", f"/events/{eid}/registrations/{regs[ent]['id']}/suggestions?k=40")
        assert ranked == sorted(ranked, key=lambda s: -s["score"])
        unis = [s for s in ranked if s["organisation_name"].startswith("电池研究院")][:2]
        assert unis[0]["score"] > 0.5  # the matcher's score, not the fallback
        for s in unis:
            p.ok(ent, "POST", f"/events/{eid}/requests", 201, json={"to_id": s["registration_id"]})
    for i in range(20):
        uni = f"u{i}"
        received = [r for r in p.ok(uni, "GET", f"/events/{eid}/requests") if r["to_id"] == regs[uni]["id"]]
        if received:
            p.ok(uni, "POST", f"/events/{eid}/requests/{received[0]['id']}/answer", json={"accept": True})

    # the schedule over 3 tables × 8 slots, with its constraints
    board = p.ok("broker", "POST", f"/events/{eid}/schedule")
    meetings = board["meetings"]
    assert board["optimal"] and board["total_value"] <= board["bound"] + 1e-6
    assert 20 <= len(meetings) <= 24  # 40 requests, at most 3 × 8 seats
    free_slots = {r["id"]: set(r["available_slots"]) for r in regs.values()}
    seats, busy = set(), set()
    for m in meetings:
        assert (m["slot"], m["table_no"]) not in seats and 0 <= m["table_no"] < 3 and 0 <= m["slot"] < 8
        seats.add((m["slot"], m["table_no"]))
        for side in (m["first_id"], m["second_id"]):
            assert m["slot"] in free_slots[side] and (side, m["slot"]) not in busy
            busy.add((side, m["slot"]))

    # check-in at the door for all but two universities
    with catalog.engine.connect() as conn:
        tokens: dict[int, str] = dict(conn.exec_driver_sql("SELECT id, token FROM event_registration").all())
    absent = {regs["u0"]["id"], regs["u1"]["id"]}
    for reg_id, token in tokens.items():
        if reg_id not in absent:
            p.ok("bureau", "POST", f"/events/{eid}/check-in", json={"token": token})
    for to in ("closed", "held"):
        p.ok("broker", "POST", f"/events/{eid}/transitions", json={"to": to})

    # meetings held become matches; one goes all the way to a contract
    held = [m for m in p.ok("broker", "GET", f"/events/{eid}/schedule")["meetings"] if m["held"]]
    assert len(held) == sum(1 for m in meetings if not absent & {m["first_id"], m["second_id"]}) > 0
    matches = [p.ok("broker", "POST", f"/events/{eid}/meetings/{m['id']}/match", 201, json={}) for m in held[:3]]
    match = matches[0]
    p.ok("broker", "POST", f"/matches/{match['id']}/transitions", json={"to": "shortlisted"})
    p.ok("broker", "POST", f"/matches/{match['id']}/transitions", json={"to": "introduced"})
    need_side = next(w for w, n in needs.items() if n["id"] == match["need_id"])
    output_side = next(w for w, o in outputs.items() if o["id"] == match["output_id"])
    for who in (need_side, output_side):
        p.ok(who, "POST", f"/matches/{match['id']}/response", json={"accept": True})
    p.ok("broker", "POST", f"/matches/{match['id']}/transitions", json={"to": "negotiating"})
    p.ok("broker", "POST", "/contracts", 201, json={
        "registration_no": "440705-2026-0415", "contract_type": "技术转让", "amount_yuan": "380000.00",
        "signed_on": (date.today() - timedelta(days=1)).isoformat(), "match_id": match["id"],
        "buyer_org_id": needs[need_side]["organisation_id"], "seller_org_id": outputs[output_side]["organisation_id"]})

    report = p.ok("bureau", "GET", f"/events/{eid}/report")
    assert (report["participants"], report["checked_in"], report["meetings_scheduled"]) == (40, 38, len(meetings))
    assert report["meetings_held"] == len(held)
    assert (report["matches_proposed"], report["introductions"], report["contracts"],
            report["contract_amount_yuan"]) == (3, 1, 1, "380000.00")
    p.ok("broker", "POST", f"/events/{eid}/transitions", json={"to": "reported"})
    assert p.ok("bureau", "GET", "/stats/events") == [{
        "region": "新会区", "cluster": "新能源电池", "events": 1, "participants": 40, "checked_in": 38,
        "meetings_held": len(held), "matches_proposed": 3, "introductions": 1, "contracts": 1,
        "contract_amount_yuan": "380000.00"}]
