"""Every refusal of a role or of a record out of reach, in Chinese and in English: each endpoint says who may do
it, and a profile, dispatch or visit the caller may not see is simply not found."""

import pytest

from tests.experts.helpers import People, confirmed, dispatch_body, expert_body, visit_body


def test_refusals_say_who_may_in_both_languages(people: People) -> None:
    p = people
    d = confirmed(p, dispatch_body(p))
    visit = p.ok("exp1", "POST", f"/dispatches/{d['id']}/visits", 201, json=visit_body())
    problem = visit["problems"][0]
    profile = f"/experts/{p.ids['profile:exp1']}"
    version = p.ok("exp1", "GET", profile)["version"]
    cases = [
        ("host", "POST", "/experts", expert_body("某人", organisation_name="某单位"), 403,
         "只有科技局、技术经纪人和专家本人可以建立专家档案", "Only the bureau, brokers and the expert themself create"),
        ("exp2", "PATCH", profile, {"version": version, "biography": "改"}, 403,
         "只有科技局、技术经纪人和专家本人可以修改专家档案", "Only the bureau, brokers and the expert themself change"),
        ("exp1", "PATCH", profile, {"version": version, "active": False}, 403,
         "只有科技局和技术经纪人可以调整专家库和关联账号", "Only the bureau and brokers manage the pool"),
        ("exp1", "POST", "/experts", expert_body("李明"), 409, "该专家账号已有档案", "has a profile already"),
        ("bureau", "POST", "/experts", expert_body("某人", organisation_name="某单位", user_id=p.ids["host"]), 422,
         f"用户 {p.ids['host']} 不是在职的专家账号", f"User {p.ids['host']} is not an active expert account"),
        ("exp2", "POST", "/experts", expert_body("王芳二", organisation_id=p.catalog.orgs["五邑大学"]), 403,
         "专家只能以本人所在单位建档", "may only name their own organisation"),
        ("exp2", "POST", "/experts", expert_body("王芳二", external_id="KP-9"), 403, "外部编号由科技局和技术经纪人填写",
         "The external id is the bureau's and the brokers' to give"),
        ("host", "POST", "/dispatches", dispatch_body(p), 403, "只有科技局和技术经纪人可以管理选派",
         "Only the bureau and brokers manage dispatches"),
        ("host", "POST", f"/dispatches/{d['id']}/cancel", None, 403, "只有科技局和技术经纪人可以管理选派",
         "Only the bureau and brokers manage dispatches"),
        ("bureau", "POST", f"/dispatches/{d['id']}/confirm", None, 403, "只有被选派的专家和接收方可以确认",
         "Only the dispatched expert and the host confirm"),
        ("host", "POST", f"/dispatches/{d['id']}/confirm", None, 409, "接收方已确认过本次选派",
         "The host has confirmed this dispatch already"),
        ("host", "POST", f"/dispatches/{d['id']}/visits", visit_body(), 403, "只有被选派的专家本人可以登记服务",
         "Only the dispatched expert logs visits"),
        ("host", "POST", f"/visits/{visit['id']}/problems/{problem['id']}/solve", None, 403,
         "只有被选派的专家本人可以标记问题已解决", "Only the dispatched expert marks a problem solved"),
        ("exp1", "POST", f"/visits/{visit['id']}/problems/{problem['id']}/need", {}, 403,
         "只有接收企业和管理员可以把问题转为技术需求", "Only the host enterprise and admins turn a problem into a need"),
        ("broker", "POST", "/stations", {"name": "双水镇工作站", "county": "新会区", "town": "双水镇"}, 201, "", ""),
        ("bureau", "POST", "/stations", {"name": "双水镇工作站", "county": "新会区", "town": "双水镇"}, 409,
         "该镇街已有同名工作站", "A work station of that name exists"),
        ("host", "GET", "/experts/stats", None, 403, "您的角色无权执行此操作", "Your role may not do this"),
        ("anon", "GET", "/dispatches", None, 401, "请先登录", "Sign in first"),
        ("other_ent", "GET", f"/dispatches/{d['id']}", None, 404, f"找不到选派记录 {d['id']}",
         f"No dispatch {d['id']}, or you may not see it"),
        ("exp2", "GET", f"/visits/{visit['id']}", None, 404, f"找不到服务记录 {visit['id']}", f"No visit {visit['id']}"),
        ("anon", "GET", "/experts/99999", None, 404, "找不到专家 99999", "No expert 99999"),
    ]
    for who, method, url, body, status, zh, en in cases:
        if status == 201:
            p.ok(who, method, url, status, json=body)
            continue
        p.both(who, method, url, status, zh, en, **({"json": body} if body is not None else {}))


def test_a_dispatch_names_an_expert_of_the_pool(people: People) -> None:
    p = people
    url = f"/experts/{p.ids['profile:exp2']}"
    p.ok("bureau", "PATCH", url, json={"version": p.ok("bureau", "GET", url)["version"], "active": False})
    p.both("bureau", "POST", "/dispatches", 422, f"专家 {p.ids['profile:exp2']} 不存在或已不在专家库中",
           f"Expert {p.ids['profile:exp2']} is not in the pool", json=dispatch_body(p, expert="exp2"))


@pytest.mark.parametrize("query, names", [
    ({"kind": "reviewer"}, ["李明", "王芳"]), ({"kind": "broker"}, []), ({"county": "新会区"}, ["李明", "王芳"]),
    ({"q": "黄龙病"}, ["李明", "王芳"]), ({"q": "五邑"}, ["李明"]), ({"cluster": "新能源电池"}, [])])
def test_the_directory_filters_by_kind_county_cluster_and_words(people: People, query: dict[str, str],
                                                                names: list[str]) -> None:
    found = people.ok("anon", "GET", "/experts", params=query)
    assert sorted(e["name"] for e in found["data"]) == sorted(names) and found["count"] == len(names)


def test_an_expert_finds_their_own_profile_and_a_host_its_own_fields(people: People) -> None:
    p = people
    assert p.ok("exp2", "GET", "/experts/me")["name"] == "王芳"
    p.both("host", "GET", "/experts/me", 404, "您还没有专家档案", "You have no expert profile")
    p.both("bureau", "POST", "/dispatches", 422, "派往镇村时不填 host_org_id", "host_org_id does not apply to a "
           "dispatch to a town or village", json=dispatch_body(p, host_kind="town", county="新会区"))
    p.both("bureau", "POST", "/dispatches", 422, "派往企业时不填 station_id", "station_id does not apply",
           json=dispatch_body(p, station_id=1))
