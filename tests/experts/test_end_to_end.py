"""The backend of issue 14 end to end on SQLite and PostgreSQL: 50 experts imported from the XLSX template (three
bad rows reported by row, the import refused, then the rest written with `partial` and the fixed rows after), a
dispatch to an enterprise and one to a town, both confirmed, visits logged, a problem raised becomes the host's
need, a problem solved and confirmed by the host, a rating, and the plan's figures in JSON and XLSX. The expert
dispatched is the one the real matcher ranks first for the host's need, with its reasons."""

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.challenges.helpers import Clock
from tests.experts.helpers import ZH, People
from tests.experts.sheets import pool, upload, workbook
from tests.inprocess_matcher import matcher, sync

__all__ = ["matcher"]  # the fixture


def test_from_the_import_to_the_plans_figures(people: People, clock: Clock, matcher: TestClient) -> None:
    p = people
    rows = pool(50)
    rows[1].update({"关键词": "陈皮仓储，防霉，温湿度监测", "个人简介": "从事陈皮仓储防霉与品质检测研究"})  # 专家02
    bad = {4: ("服务区县", "广州市"), 20: ("每月可服务天数", "40"), 41: ("姓名", None)}  # by spreadsheet row
    broken = [dict(r) for r in rows]
    for number, (column, value) in bad.items():
        broken[number - 2][column] = value
    refused = upload(p.catalog, {**p.headers["bureau"], **ZH}, workbook(p.catalog, broken))
    assert refused.status_code == 422
    # a county off the list leaves the row's town outside the counties served too
    assert [(d["row"], d["column"]) for d in refused.json()["detail"]] == [
        (4, "服务区县"), (4, "服务镇街"), (20, "每月可服务天数"), (41, "姓名")]
    assert "共 3 行有误，未写入任何数据" in refused.json()["message"]
    assert p.ok("bureau", "GET", "/experts")["count"] == 2
    partial = upload(p.catalog, p.headers["bureau"], workbook(p.catalog, broken), partial="true").json()
    assert (partial["created"], partial["failed"], partial["written"]) == (47, 3, True)
    fixed = upload(p.catalog, p.headers["bureau"], workbook(p.catalog, rows)).json()
    assert (fixed["created"], fixed["updated"], fixed["unchanged"]) == (3, 0, 47)
    assert p.ok("anon", "GET", "/experts", params={"page_size": 100})["count"] == 52

    # The host posts a need; the matcher ranks the pool for it, and the bureau sees why the first one fits.
    need = p.ok("host", "POST", "/needs", 201, json={
        "title": "陈皮仓储防霉", "description": "陈皮仓储霉变率高，需要温湿度监测与防霉技术"})
    sync(p.catalog, matcher)
    ranked = p.ok("bureau", "GET", f"/needs/{need['id']}/experts", params={"k": 5})["results"]
    assert len(ranked) == 5 and ranked[0]["expert"]["name"] == "专家02"
    assert {"防霉", "温湿度"} <= set(ranked[0]["explanation"]["matched_terms"])
    assert ranked[0]["explanation"]["zh"] and ranked[0]["score"] > ranked[1]["score"]

    # The bureau links that commissioner to her account, then dispatches her to the firm and to a town.
    p.headers["chen"] = p.catalog.user("chen", "expert", "华南农业大学", kind="university")
    chen_id = p.ok("chen", "GET", "/auth/me")["id"]
    chen = p.ok("bureau", "GET", f"/experts/{ranked[0]['expert']['id']}")
    p.ok("bureau", "PATCH", f"/experts/{chen['id']}", json={"version": chen["version"], "user_id": chen_id})
    assert p.ok("chen", "GET", f"/experts/{chen['id']}")["can_edit"]
    firm = p.ok("bureau", "POST", "/dispatches", 201, json={
        "expert_id": chen["id"], "host_kind": "enterprise", "host_org_id": p.ids["org:host"], "town": "双水镇",
        "start_on": "2026-04-01", "end_on": "2026-12-31", "days_per_month": 3, "goals": "陈皮仓储防霉与品质检测"})
    town = p.ok("broker", "POST", "/dispatches", 201, json={
        "expert_id": chen["id"], "host_kind": "town", "county": "台山市", "town": "斗山镇", "village": "浮石村",
        "start_on": "2026-05-01", "end_on": "2026-10-31", "days_per_month": 3, "goals": "水稻病虫害绿色防控"})
    assert firm["county"] == "新会区" and firm["host_name"] == "新会陈皮科技" and town["host_name"] == "台山市斗山镇浮石村"
    for who, d in (("chen", firm), ("host", firm), ("chen", town), ("broker", town)):
        p.ok(who, "POST", f"/dispatches/{d['id']}/confirm")
    assert {d["status"] for d in p.ok("chen", "GET", "/dispatches")["data"]} == {"confirmed"}

    # Three visits; a problem raised at the firm becomes its need; another is solved and confirmed by the host.
    first = p.ok("chen", "POST", f"/dispatches/{firm['id']}/visits", 201, json={
        "visit_on": "2026-06-02", "hours": 5.5, "place": "新会陈皮科技仓库", "work_done": "检查陈皮仓储温湿度",
        "problems": [{"text": "陈皮仓储霉变率高，缺少在线温湿度监测"}, {"text": "陈皮年份鉴别缺少快速方法"}]})
    second = p.ok("chen", "POST", f"/dispatches/{firm['id']}/visits", 201, json={
        "visit_on": "2026-06-12", "hours": 4, "place": "新会陈皮科技", "work_done": "安装温湿度监测并培训"})
    p.ok("chen", "POST", f"/dispatches/{town['id']}/visits", 201, json={
        "visit_on": "2026-06-14", "hours": 6, "place": "斗山镇浮石村", "work_done": "田间诊断稻飞虱",
        "problems": [{"text": "稻飞虱抗药性", "solved": True}]})
    mould, age = first["problems"]
    need = p.ok("host", "POST", f"/visits/{first['id']}/problems/{age['id']}/need", 201,
                json={"keywords": ["陈皮", "年份鉴别"], "cluster": "现代农业与食品"})
    assert need["organisation_name"] == "新会陈皮科技" and need["region"] == "新会区" and need["status"] == "open"
    assert p.ok("anon", "GET", f"/needs/{need['id']}")["title"] == "陈皮年份鉴别缺少快速方法"
    p.ok("chen", "POST", f"/visits/{first['id']}/problems/{mould['id']}/solve")
    p.ok("host", "POST", f"/visits/{first['id']}/problems/{mould['id']}/confirm")
    for v in (first, second):
        p.ok("host", "POST", f"/visits/{v['id']}/confirm")
    p.ok("host", "POST", f"/visits/{first['id']}/rating", json={"rating": 5, "comment": "霉变明显减少"})
    p.ok("host", "POST", f"/visits/{second['id']}/rating", json={"rating": 4})
    mine = p.ok("chen", "GET", f"/dispatches/{firm['id']}/visits")
    assert [(pr["status"], pr["need_id"]) for pr in mine[0]["problems"]] == [("confirmed", None), ("open", need["id"])]

    # The plan: one problem confirmed solved (the town's is solved by the expert's word only) against 1,000.
    figures = p.ok("bureau", "GET", "/experts/stats")
    assert (figures["year"], figures["target"], figures["problems_solved"], figures["share_of_target"]) == (
        2026, 1000, 1, 0.001)
    assert (figures["experts"], figures["experts_dispatched"], figures["dispatches"]) == (52, 1, 2)
    assert (figures["visits"], figures["hours"]) == (3, 15.5)
    counties = {a["county"]: a for a in figures["by_county"]}
    assert (counties["新会区"]["visits"], counties["新会区"]["hours"], counties["新会区"]["problems_solved"]) == (2, 9.5, 1)
    assert (counties["台山市"]["visits"], counties["台山市"]["problems_solved"]) == (1, 0)
    assert [(a["county"], a["town"], a["visits"]) for a in figures["by_town"]] == [("台山市", "斗山镇", 1),
                                                                                  ("新会区", "双水镇", 2)]
    assert set(figures["counties_without_visit"]) == {"蓬江区", "江海区", "开平市", "鹤山市", "恩平市"}
    unvisited = {(a["county"], a["town"]) for a in figures["towns_without_visit"]}
    assert ("新会区", "双水镇") not in unvisited and ("新会区", "会城街道") in unvisited
    [year] = figures["by_expert"]
    assert year == {"expert_id": chen["id"], "name": "专家02", "organisation_name": "华南农业大学", "dispatches": 2,
                    "visits": 3, "visits_confirmed": 2, "hours": 15.5, "problems_raised": 3, "problems_solved": 2,
                    "problems_confirmed": 1, "ratings": 2, "mean_rating": 4.5}
    assert p.ok("bureau", "GET", "/experts/stats", params={"year": 2025})["visits"] == 0
    p.catalog.settings.expert_problem_target = 4
    assert p.ok("bureau", "GET", "/experts/stats")["share_of_target"] == 0.25

    r = p.call("bureau", "GET", "/experts/stats/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["概况", "按区县", "按镇街", "尚无服务的镇街", "专家年度考核"]
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert (overview["目标：解决技术问题数"], overview["已解决（企业/接收方确认）"], overview["服务次数"]) == (4, 1, 3)
    assessed = list(book["专家年度考核"].iter_rows(values_only=True))
    assert assessed[1] == ("专家02", "华南农业大学", 2, 3, 2, 15.5, 3, 2, 1, 2, 4.5)
    assert len(list(book["尚无服务的镇街"].iter_rows())) == len(figures["towns_without_visit"]) + 1
