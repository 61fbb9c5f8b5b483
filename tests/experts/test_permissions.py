"""Who may do what with experts, dispatches and visits, per endpoint and role: the allowed call succeeds, every
other is refused, and a dispatch or visit never leaks to those it does not concern (404, not 403)."""

from typing import Any

from tests.experts.helpers import People, confirmed, dispatch_body, expert_body, town_body, visit_body

EVERYONE = ["anon", "admin", "bureau", "broker", "exp1", "exp2", "host", "other_ent", "uni"]
STAFF = {"admin", "bureau", "broker"}


def _statuses(p: People, method: str, url: str, who: list[str] = EVERYONE, **kw: Any) -> dict[str, int]:
    return {w: p.call(w, method, url, **kw).status_code for w in who}


def test_anyone_reads_the_pool_and_only_insiders_see_a_contact(people: People) -> None:
    p = people
    url = f"/experts/{p.ids['profile:exp1']}"
    assert set(_statuses(p, "GET", url).values()) == {200}
    assert {w for w in EVERYONE if p.ok(w, "GET", "/experts")["count"] == 2} == set(EVERYONE)
    contacts = {w: p.ok(w, "GET", url)["contact"] for w in EVERYONE}
    assert {w for w, c in contacts.items() if c} == STAFF | {"exp1"}
    assert p.ok("anon", "GET", url)["user_id"] is None and p.ok("exp1", "GET", url)["user_id"] == p.ids["exp1"]
    # the host of a confirmed dispatch may call the expert; before both confirm it may not
    d = p.ok("bureau", "POST", "/dispatches", 201, json=dispatch_body(p))
    p.ok("exp1", "POST", f"/dispatches/{d['id']}/confirm")
    assert p.ok("host", "GET", url)["contact"] is None
    p.ok("host", "POST", f"/dispatches/{d['id']}/confirm")
    assert p.ok("host", "GET", url)["contact"] == "李明 13800000000"
    assert p.ok("other_ent", "GET", url)["contact"] is None


def test_staff_create_any_profile_and_an_expert_only_their_own(people: People) -> None:
    p = people
    made = _statuses(p, "POST", "/experts", json=expert_body("张伟", organisation_name="中山大学"))
    # the two expert accounts have their profiles already (409): an account speaks for one profile
    assert made == {"anon": 401, "admin": 201, "bureau": 201, "broker": 201, "exp1": 409, "exp2": 409, "host": 403,
                    "other_ent": 403, "uni": 403}
    p.headers["exp3"] = p.catalog.user("exp3", "expert", "华南农业大学", kind="university")
    p.ids["exp3"] = p.ok("exp3", "GET", "/auth/me")["id"]
    p.both("exp3", "POST", "/experts", 403, "专家只能创建本人的档案", "only create their own profile",
           json=expert_body("赵六", user_id=p.ids["exp1"]))
    mine = p.ok("exp3", "POST", "/experts", 201, json=expert_body("赵六"))
    assert mine["user_id"] == p.ids["exp3"] and mine["organisation_name"] == "华南农业大学" and mine["can_edit"]


def test_only_staff_and_the_expert_edit_a_profile_and_only_staff_manage_the_pool(people: People) -> None:
    p = people
    url = f"/experts/{p.ids['profile:exp1']}"

    def edit(who: str, **change: Any) -> int:
        version = p.ok("admin", "GET", url)["version"]
        return int(p.call(who, "PATCH", url, json={"version": version, **change}).status_code)

    edits = {w: edit(w, biography=f"由 {w} 修改") for w in EVERYONE}
    assert edits == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 200, "bureau": 200, "broker": 200,
                     "exp1": 200}
    assert edit("exp1", active=False) == 403
    assert edit("broker", active=False) == 200
    reads = _statuses(p, "GET", url)
    assert reads == {**dict.fromkeys(EVERYONE, 404), "admin": 200, "bureau": 200, "broker": 200, "exp1": 200}
    assert p.ok("anon", "GET", "/experts")["count"] == 1


def test_staff_make_and_cancel_dispatches_and_only_the_expert_and_host_confirm(people: People) -> None:
    p = people
    made = _statuses(p, "POST", "/dispatches", json=dispatch_body(p, days_per_month=1))
    assert made == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 201, "bureau": 201, "broker": 201}
    d = p.ok("bureau", "POST", "/dispatches", 201, json=dispatch_body(p, days_per_month=1))
    url = f"/dispatches/{d['id']}"
    reads = _statuses(p, "GET", url)
    assert reads == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 200, "broker": 200,
                     "exp1": 200, "host": 200}
    counts = {w: p.ok(w, "GET", "/dispatches")["count"] for w in EVERYONE if w != "anon"}
    assert counts == {"admin": 4, "bureau": 4, "broker": 4, "exp1": 4, "exp2": 0, "host": 4, "other_ent": 0, "uni": 0}
    confirms = _statuses(p, "POST", url + "/confirm")
    # staff do not speak for an enterprise; the expert and the host each confirm their side once
    assert confirms == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 403, "bureau": 403, "broker": 403,
                        "exp1": 200, "host": 200}
    assert p.ok("exp1", "GET", url)["status"] == "confirmed"
    town = p.ok("bureau", "POST", "/dispatches", 201, json=town_body(p, days_per_month=1))
    turl = f"/dispatches/{town['id']}"
    town_confirms = _statuses(p, "POST", turl + "/confirm", who=["host", "exp2", "exp1", "broker", "admin"])
    # a town has no organisation: staff confirm for it (the first one; then it is confirmed already)
    assert town_confirms == {"host": 404, "exp2": 404, "exp1": 200, "broker": 200, "admin": 409}
    cancels = _statuses(p, "POST", url + "/cancel")
    assert cancels == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 409, "broker": 409,
                       "exp1": 403, "host": 403}


def test_only_the_dispatched_expert_logs_visits_and_only_the_host_confirms_and_rates(people: People) -> None:
    p = people
    d = confirmed(p, dispatch_body(p))
    logged = _statuses(p, "POST", f"/dispatches/{d['id']}/visits", json=visit_body())
    assert logged == {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 403, "bureau": 403, "broker": 403,
                      "exp1": 201, "host": 403}
    visit = p.ok("exp1", "GET", f"/dispatches/{d['id']}/visits")[0]
    url = f"/visits/{visit['id']}"
    visible = {**dict.fromkeys(EVERYONE, 404), "anon": 401, "admin": 200, "bureau": 200, "broker": 200,
               "exp1": 200, "host": 200}
    assert _statuses(p, "GET", url) == visible
    assert _statuses(p, "GET", f"/dispatches/{d['id']}/visits") == visible
    assert _statuses(p, "POST", url + "/confirm") == {**visible, "admin": 403, "bureau": 403, "broker": 403,
                                                      "exp1": 403}
    assert _statuses(p, "POST", url + "/rating", json={"rating": 5, "comment": "很专业"}) == {
        **visible, "admin": 403, "bureau": 403, "broker": 403, "exp1": 403}
    open_, solved = visit["problems"]
    assert _statuses(p, "POST", f"{url}/problems/{open_['id']}/solve") == {
        **visible, "admin": 403, "bureau": 403, "broker": 403, "host": 403}
    assert _statuses(p, "POST", f"{url}/problems/{solved['id']}/confirm") == {
        **visible, "admin": 403, "bureau": 403, "broker": 403, "exp1": 403}
    order = ["anon", "exp1", "exp2", "broker", "other_ent", "uni", "host", "admin"]
    needs = _statuses(p, "POST", f"{url}/problems/{open_['id']}/need", who=order, json={})
    # the need is the host's: its own users (and admins) write it through the items service; once only
    assert needs == {"anon": 401, "exp1": 403, "exp2": 404, "broker": 403, "other_ent": 404, "uni": 404, "host": 201,
                     "admin": 409}


def test_staff_speak_for_a_town_in_the_service_log(people: People) -> None:
    p = people
    d = confirmed(p, town_body(p), host="broker")
    visit = p.ok("exp1", "POST", f"/dispatches/{d['id']}/visits", 201, json=visit_body("2026-05-20", place="斗山镇浮石村"))
    url = f"/visits/{visit['id']}"
    assert _statuses(p, "POST", url + "/confirm", who=["host", "exp1", "broker", "admin"]) == {
        "host": 404, "exp1": 403, "broker": 200, "admin": 409}
    solved = visit["problems"][1]
    assert p.ok("bureau", "POST", f"{url}/problems/{solved['id']}/confirm")["status"] == "confirmed"
    # a town is no enterprise: its problems do not become anybody's need
    p.both("admin", "POST", f"{url}/problems/{visit['problems'][0]['id']}/need", 409, "只有派驻企业时提出的问题",
           "Only a problem raised at an enterprise", json={})


def test_stations_are_opened_by_staff_and_read_by_anyone_and_figures_are_staffs(people: People) -> None:
    p = people
    body = {"name": "双水镇科技特派员工作站", "county": "新会区", "town": "双水镇"}
    made = _statuses(p, "POST", "/stations", json=body)
    assert made == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 201, "bureau": 409, "broker": 409}
    assert {w: len(p.ok(w, "GET", "/stations")) for w in EVERYONE} == dict.fromkeys(EVERYONE, 1)
    for url in ("/experts/stats", "/experts/stats/export"):
        assert _statuses(p, "GET", url) == {**dict.fromkeys(EVERYONE, 403), "anon": 401, "admin": 200, "bureau": 200,
                                            "broker": 200}
    assert set(_statuses(p, "GET", "/experts/regions").values()) == {200}
