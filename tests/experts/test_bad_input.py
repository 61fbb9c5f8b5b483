"""Bad input to experts, dispatches and the service log gets a clear 4xx in Chinese and in English: regions off
the list, outputs not the expert's, dispatches beyond the expert's availability or with a wrong host or period,
visits outside the dispatch or in the future, more than 24 hours a day, ratings outside 1–5, a host confirming
someone else's visit, and steps taken twice."""

from tests.challenges.helpers import Clock
from tests.experts.helpers import People, confirmed, dispatch_body, expert_body, town_body, visit_body


def test_profiles_name_counties_and_towns_from_the_list_and_their_own_outputs(people: People) -> None:
    p = people
    p.both("bureau", "POST", "/experts", 422, "“广州市”不是江门市的区县", "'广州市' is not a county of Jiangmen",
           json=expert_body("张三", organisation_name="某大学", counties=["广州市"], towns=[]))
    p.both("bureau", "POST", "/experts", 422, "镇街“斗山镇”不在所选区县内", "Town '斗山镇' is not in the counties served",
           json=expert_body("张三", organisation_name="某大学", towns=["斗山镇"]))
    output = p.ok("uni", "POST", "/outputs", 201, json={"title": "柑橘黄龙病快速检测试剂盒", "summary": "LAMP 检测"})
    p.both("bureau", "POST", "/experts", 422, f"成果 {output['id']} 不存在或不属于专家所在单位",
           f"Output {output['id']} does not exist or is not of the expert's organisation",
           json=expert_body("张三", organisation_name="某大学", output_ids=[output["id"]]))
    linked = p.ok("bureau", "POST", "/experts", 201, json=expert_body(
        "张三", organisation_id=p.catalog.orgs["五邑大学"], output_ids=[output["id"]], external_id="E-1"))
    assert linked["output_ids"] == [output["id"]] and linked["organisation_name"] == "五邑大学"
    p.both("bureau", "POST", "/experts", 409, "已有外部编号为“E-1”的专家", "external id 'E-1' exists",
           json=expert_body("李四", organisation_name="某大学", external_id="E-1"))
    p.both("bureau", "POST", "/experts", 422, "工作单位", "organisation", json=expert_body("李四"))
    p.both("bureau", "POST", "/experts", 422, "availability_days", "availability_days", json=expert_body("李四", organisation_name="某大学",
                                                                           availability_days=40))
    p.both("bureau", "PATCH", f"/experts/{linked['id']}", 409, "已被他人修改", "changed meanwhile",
           json={"version": 9, "biography": "新简介"})


def test_dispatches_need_a_host_from_the_list_a_period_and_the_experts_time(people: People) -> None:
    p = people
    p.both("bureau", "POST", "/dispatches", 422, "结束日期不能早于开始日期", "end_on must not be before start_on",
           json=dispatch_body(p, start_on="2026-05-01", end_on="2026-04-30"))
    p.both("bureau", "POST", "/dispatches", 422, "请从区县和镇街列表中选择", "Choose a county and a town",
           json=town_body(p, town="会城街道"))
    p.both("bureau", "POST", "/dispatches", 422, "请指定接收专家的企业", "Name the host enterprise",
           json=dispatch_body(p, host_org_id=p.catalog.orgs["五邑大学"]))
    p.both("bureau", "POST", "/dispatches", 422, "镇街“斗山镇”不在新会区内", "Town '斗山镇' is not in 新会区",
           json=dispatch_body(p, town="斗山镇"))
    p.both("bureau", "POST", "/dispatches", 422, "请指定特派员工作站", "Name the work station",
           json=town_body(p, host_kind="station", station_id=99))
    # 李明 gives 8 days a month: 4 at the enterprise all year and 2 in Taishan from March leave 2 for June
    p.ok("bureau", "POST", "/dispatches", 201, json=dispatch_body(p))
    p.ok("bureau", "POST", "/dispatches", 201, json=town_body(p))
    p.both("broker", "POST", "/dispatches", 409, "在 2026 年 6 月已安排的服务天数加上本次共 9 天，超过其每月可服务的 8 天",
           "would be planned for 9 days in 2026-06, more than the 8 days a month",
           json=town_body(p, start_on="2026-06-01", end_on="2026-06-30", days_per_month=3, town="大江镇"))
    fits = p.ok("broker", "POST", "/dispatches", 201, json=town_body(
        p, start_on="2026-09-01", end_on="2026-10-31", days_per_month=4, town="大江镇"))
    p.ok("broker", "POST", f"/dispatches/{fits['id']}/cancel")
    p.both("broker", "POST", f"/dispatches/{fits['id']}/cancel", 409, "已取消", "cancelled already")
    p.both("exp1", "POST", f"/dispatches/{fits['id']}/confirm", 409, "已取消", "is cancelled")
    # a cancelled dispatch frees its days
    p.ok("broker", "POST", "/dispatches", 201, json=town_body(p, start_on="2026-09-01", end_on="2026-10-31",
                                                               days_per_month=4, town="大江镇"))


def test_visits_fall_within_a_confirmed_dispatch_up_to_today_and_24_hours_a_day(people: People, clock: Clock) -> None:
    p = people
    pending = p.ok("bureau", "POST", "/dispatches", 201, json=dispatch_body(p, expert="exp2"))
    p.both("exp2", "POST", f"/dispatches/{pending['id']}/visits", 409, "尚未经双方确认", "not confirmed by both sides",
           json=visit_body())
    p.ok("exp2", "POST", f"/dispatches/{pending['id']}/confirm")
    p.both("exp2", "POST", f"/dispatches/{pending['id']}/confirm", 409, "您已确认过本次选派", "confirmed this dispatch "
           "already")
    d = confirmed(p, town_body(p), host="bureau")
    url = f"/dispatches/{d['id']}/visits"
    p.both("exp1", "POST", url, 422, "服务日期应在选派期内（2026-03-01 至 2026-08-31）",
           "within the dispatch (2026-03-01 to 2026-08-31)", json=visit_body("2026-02-27"))
    p.both("exp1", "POST", url, 422, "服务日期不能晚于今天", "in the future", json=visit_body("2026-06-16"))
    clock.advance(days=1)
    p.ok("exp1", "POST", url, 201, json=visit_body("2026-06-16", hours=20))  # the day has come
    p.both("exp1", "POST", url, 422, "已登记 20 小时，加上本次 6 小时超过每天 24 小时",
           "already has 20 hours logged; 6 more exceed 24 hours a day", json=visit_body("2026-06-16"))
    p.both("exp1", "POST", url, 422, "服务时长应大于 0 且不超过 24 小时，收到 0", "hours must be more than 0 and at "
           "most 24, got 0", json=visit_body(hours=0))
    p.both("exp1", "POST", url, 422, "收到 24.5", "got 24.5", json=visit_body(hours=24.5))
    p.both("exp1", "POST", url, 422, "不允许", "not permitted", json={**visit_body(), "mood": "good"})


def test_hosts_confirm_and_rate_only_their_own_visits_once_and_within_1_to_5(people: People) -> None:
    p = people
    d = confirmed(p, dispatch_body(p))
    visit = p.ok("exp1", "POST", f"/dispatches/{d['id']}/visits", 201, json=visit_body())
    url = f"/visits/{visit['id']}"
    p.both("other_ent", "POST", url + "/confirm", 404, f"找不到服务记录 {visit['id']}", f"No visit {visit['id']}")
    p.both("other_ent", "POST", url + "/rating", 404, "找不到服务记录", "No visit", json={"rating": 5})
    p.both("exp1", "POST", url + "/confirm", 403, "只有接收方可以确认和评价服务", "Only the host confirms and rates")
    p.ok("host", "POST", url + "/confirm")
    p.both("host", "POST", url + "/confirm", 409, "已确认", "confirmed already")
    p.both("host", "POST", url + "/rating", 422, "评分应为 1 到 5 的整数，收到 6", "a rating is a whole number from 1 to "
           "5, got 6", json={"rating": 6})
    p.both("host", "POST", url + "/rating", 422, "收到 0", "got 0", json={"rating": 0, "comment": "差"})
    assert p.ok("host", "POST", url + "/rating", json={"rating": 4, "comment": "及时"})["rating"] == 4
    p.both("host", "POST", url + "/rating", 409, "已评价", "rated already", json={"rating": 5})


def test_problems_are_confirmed_once_solved_and_become_a_need_once(people: People) -> None:
    p = people
    d = confirmed(p, dispatch_body(p))
    visit = p.ok("exp1", "POST", f"/dispatches/{d['id']}/visits", 201, json=visit_body())
    open_, solved = visit["problems"]
    url = f"/visits/{visit['id']}/problems"
    p.both("host", "POST", f"{url}/{open_['id']}/confirm", 409, "专家尚未将问题", "has not marked problem")
    p.both("exp1", "POST", f"{url}/{solved['id']}/solve", 409, "已标记为解决", "marked solved already")
    p.ok("host", "POST", f"{url}/{solved['id']}/confirm")
    p.both("host", "POST", f"{url}/{solved['id']}/confirm", 409, "已确认解决", "confirmed solved already")
    p.both("host", "POST", f"{url}/999/confirm", 404, "找不到问题 999", "No problem 999")
    p.ok("host", "POST", f"{url}/{open_['id']}/need", 201, json={})
    p.both("host", "POST", f"{url}/{open_['id']}/need", 409, "已转为需求", "became need", json={})
    p.both("host", "POST", f"{url}/{solved['id']}/need", 422, "title", "title", json={"title": "x"})


def test_stations_and_figures_refuse_what_is_not_on_the_list(people: People) -> None:
    p = people
    p.both("bureau", "POST", "/stations", 422, "不是江门市的区县和镇街", "is not a county and town of Jiangmen",
           json={"name": "某工作站", "county": "新会区", "town": "斗山镇"})
    p.both("bureau", "GET", "/experts/stats?year=1999", 422, "year", "year")
