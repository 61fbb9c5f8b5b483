"""Challenge calls imported from the XLSX template, as outputs are: drafts of the owner, every bad row named by row
and column in Chinese and English, nothing written unless asked, idempotent by external id; the API and `duijie
import --kind challenges`; on SQLite and PostgreSQL."""

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from duijie.cli import app as cli
from services.catalog.challenges.models import Challenge, ChallengeEvent
from tests.challenges.helpers import Clock, People, make_people
from tests.conftest import Catalog

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def people(catalog: Catalog) -> People:
    return make_people(catalog)


def _workbook(p: People, rows: list[dict[str, Any]]) -> bytes:
    """The template downloaded from the API, filled in as a clerk would (cells by their Chinese header)."""
    r = p.catalog.client.get("/api/v1/challenges/import/template")
    assert r.status_code == 200 and r.content.startswith(b"PK"), r.text
    book = load_workbook(io.BytesIO(r.content))
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    for row in rows:
        assert set(row) <= set(headers), set(row) - set(headers)
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _good_rows(day: str) -> list[dict[str, Any]]:
    return [
        {"榜单名称": "退役动力电池高值化回收关键技术", "问题描述": "三元黑粉中镍钴锰锂的选择性回收",
         "技术指标": "镍钴锰回收率|≥98|%|第三方检测报告；处理成本|≤8000|元/吨", "榜单金额(元)": "500万",
         "资金来源": "政企联合", "揭榜截止日期": day, "申报单位类型": "高校、科研院所", "申报地区": "江门市、广州市",
         "允许联合揭榜": "否", "评审指标": "技术契合度|40；团队能力|30；中试条件|30", "产业集群": "新能源电池",
         "技术领域": "新能源-电池回收", "所在区域": "新会区", "外部编号": "JB-2026-01"},
        {"榜单名称": "硅片金刚线切割废料提纯", "技术指标": "硅纯度|≥6N", "榜单金额(元)": 800000,
         "揭榜截止日期": f"{day} 17:00", "外部编号": "JB-2026-02"},
    ]


def _upload(p: People, who: str, content: bytes, lang: dict[str, str] = ZH, **params: Any) -> Any:
    return p.catalog.client.post("/api/v1/challenges/import", params=params, headers={**p.headers[who], **lang},
                                 files={"file": ("榜单.xlsx", content, "application/octet-stream")})


def _snapshot(catalog: Catalog) -> tuple[int, int, int]:
    """Challenges, their recorded transitions and the sum of their versions: equal snapshots, nothing written."""
    with Session(catalog.engine) as s:
        return (s.exec(select(func.count()).select_from(Challenge)).one(),
                s.exec(select(func.count()).select_from(ChallengeEvent)).one(),
                int(s.exec(select(func.coalesce(func.sum(Challenge.version), 0))).one()))


def _day(clock: Clock, days: int = 60) -> str:
    return (clock.now + timedelta(days=days)).date().isoformat()


def test_a_good_file_lands_as_drafts_of_the_importers_organisation(people: People, clock: Clock) -> None:
    p = people
    r = _upload(p, "owner", _workbook(p, _good_rows(_day(clock))))
    assert r.status_code == 200, r.text
    assert r.json() | {"errors": []} == {"kind": "challenge", "total": 2, "valid": 2, "failed": 0, "created": 2,
                                         "updated": 0, "unchanged": 0, "written": True, "dry_run": False,
                                         "errors": [], "ignored_columns": []}
    mine = p.ok("owner", "GET", "/challenges", params={"mine": "true"})["data"]
    by_id = {c["external_id"]: c for c in mine}
    first, second = by_id["JB-2026-01"], by_id["JB-2026-02"]
    assert {c["status"] for c in mine} == {"draft"} and {c["owner_name"] for c in mine} == {"新会锂能"}
    assert first["indicators"] == [
        {"name": "镍钴锰回收率", "target": "≥98", "unit": "%", "verification": "第三方检测报告"},
        {"name": "处理成本", "target": "≤8000", "unit": "元/吨", "verification": ""}]
    assert Decimal(first["bounty_yuan"]) == Decimal("5000000") and first["funding_source"] == "mixed"
    assert first["eligibility"] == {"org_kinds": ["university", "institute"], "regions": ["江门市", "广州市"],
                                    "joint_bids": False}
    assert first["criteria"] == [
        {"key": "technical_fit", "name_zh": "技术契合度", "name_en": "technical fit", "weight": 40},
        {"key": "team_capability", "name_zh": "团队能力", "name_en": "team capability", "weight": 30},
        {"key": "criterion_3", "name_zh": "中试条件", "name_en": "中试条件", "weight": 30}]
    assert (first["cluster"], first["field"], first["region"]) == ("新能源电池", "新能源-电池回收", "新会区")
    # a date alone closes at the end of that day in China; a time is China time too
    day = datetime.fromisoformat(_day(clock))
    assert datetime.fromisoformat(first["deadline"]) == day.replace(hour=23, minute=59, second=59,
                                                                    tzinfo=UTC) - timedelta(hours=8)
    assert datetime.fromisoformat(second["deadline"]) == day.replace(hour=9, tzinfo=UTC)
    assert second["funding_source"] == "government" and [c["weight"] for c in second["criteria"]] == [30, 20, 20, 15, 15]
    assert p.ok("anon", "GET", "/challenges")["count"] == 0  # drafts are nobody else's to see
    history = p.ok("owner", "GET", f"/challenges/{first['id']}/history")
    assert [h["to_status"] for h in history] == ["draft"]


def test_bad_rows_are_each_named_in_both_languages_and_nothing_is_written(people: People, clock: Clock) -> None:
    p = people
    good = _good_rows(_day(clock))
    past = (clock.now - timedelta(days=1)).date().isoformat()
    rows = [
        good[0],
        {**good[1], "榜单名称": None},
        {**good[1], "外部编号": "B3", "技术指标": "硅纯度"},
        {**good[1], "外部编号": "B4", "评审指标": "技术契合度|60；团队能力|30"},
        {**good[1], "外部编号": "B5", "评审指标": "技术契合度|六十"},
        {**good[1], "外部编号": "B6", "榜单金额(元)": "很多"},
        {**good[1], "外部编号": "B7", "揭榜截止日期": past},
        {**good[1], "外部编号": "B8", "资金来源": "众筹", "申报单位类型": "个人", "允许联合揭榜": "也许"},
        {**good[1], "外部编号": "JB-2026-01"},
    ]
    content = _workbook(p, rows)
    before = _snapshot(p.catalog)
    expected = {
        (3, "榜单名称", "此项必填", "Field required"),
        (4, "技术指标", "第 1 条指标“硅纯度”应写成 名称|目标值|单位|验证方式",
         "Indicator 1 '硅纯度' should read name|target|unit|verification"),
        (5, "评审指标", "评审指标权重之和应为 100%，现为 90%", "the criteria weights must sum to 100 %, not 90 %"),
        (6, "评审指标", "第 1 条评审指标“技术契合度|六十”应写成 名称|权重，权重为整数",
         "Criterion 1 '技术契合度|六十' should read name|weight, a whole number"),
        (7, "榜单金额(元)", "应为数字", "Decimal input should be an integer, float, string or Decimal object"),
        (8, "揭榜截止日期", "揭榜截止时间应晚于现在", "The application deadline must be in the future"),
        (9, "资金来源", "资金来源“众筹”应为 政府财政、企业自筹、政企联合 之一",
         "Funding source '众筹' should be one of 政府财政, 企业自筹, 政企联合"),
        (9, "申报单位类型", "单位类型“个人”应为 高校、科研院所、企业、服务机构、政府部门 之一",
         "Organisation kind '个人' should be one of 高校, 科研院所, 企业, 服务机构, 政府部门"),
        (9, "允许联合揭榜", "“也许”应为 是 或 否", "'也许' should be 是 (yes) or 否 (no)"),
        (10, "外部编号", "外部编号与第 2 行重复", "Same external id as row 2"),
    }
    answers = {}
    for lang in (ZH, EN):
        r = _upload(p, "owner", content, lang)
        assert r.status_code == 422, r.text
        answers[lang["Accept-Language"]] = {(d["row"], d["column"], d["message"]) for d in r.json()["detail"]}
    got_zh, got_en = answers["zh-CN"], answers["en"]
    # pydantic's own English for a non-number differs by version; the rest is ours, word for word
    assert {e for e in got_en if e[0] != 7} == {(row, col, en) for row, col, _, en in expected if row != 7}
    assert {row for row, _, _ in got_en} == {row for row, *_ in expected}
    assert got_zh == {(row, col, zh) for row, col, zh, _ in expected}
    r = _upload(p, "owner", content, ZH)
    assert r.json()["message"].startswith("第 3 行“榜单名称”：此项必填（共 8 行有误，未写入任何数据）"), r.json()
    r = _upload(p, "owner", content, EN)
    assert r.json()["message"].startswith("Row 3, column '榜单名称': Field required (8 bad rows; nothing was written)")
    assert _snapshot(p.catalog) == before
    # with partial the one good row is written and the others reported
    r = _upload(p, "owner", content, ZH, partial="true")
    assert r.status_code == 200 and (r.json()["created"], r.json()["failed"]) == (1, 8), r.text
    assert {(e["row"], e["column"], e["message"]) for e in r.json()["errors"]} == got_zh


def test_importing_twice_changes_nothing_and_a_changed_row_updates_only_a_draft(people: People, clock: Clock) -> None:
    p = people
    content = _workbook(p, _good_rows(_day(clock)))
    assert _upload(p, "owner", content).status_code == 200
    before = _snapshot(p.catalog)
    again = _upload(p, "owner", content).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2), again
    assert _snapshot(p.catalog) == before
    changed = _good_rows(_day(clock))
    changed[1]["榜单金额(元)"] = 900000
    r = _upload(p, "owner", _workbook(p, changed)).json()
    assert (r["created"], r["updated"], r["unchanged"]) == (0, 1, 1), r
    mine = {c["external_id"]: c for c in p.ok("owner", "GET", "/challenges", params={"mine": "true"})["data"]}
    assert Decimal(mine["JB-2026-02"]["bounty_yuan"]) == 900000 and mine["JB-2026-02"]["version"] == 2
    # a published call is fixed: the import refuses to change it, and names the row
    first = mine["JB-2026-01"]
    p.ok("owner", "POST", f"/challenges/{first['id']}/transitions", json={"to": "published"})
    changed[0]["榜单金额(元)"] = "600万"
    r = _upload(p, "owner", _workbook(p, changed), EN)
    assert r.status_code == 422
    assert [(d["row"], d["column"], d["message"]) for d in r.json()["detail"]] == [
        (2, "外部编号", f"Challenge {first['id']} is published; only drafts can be changed by an import")]
    # the same external id in another organisation is another call
    admin = _upload(p, "bureau", content, organisation_id=p.catalog.org("台山食品")).json()
    assert admin["created"] == 2, admin


def test_who_may_import_challenges_and_for_whom(people: People, clock: Clock) -> None:
    p = people
    content = _workbook(p, _good_rows(_day(clock)))
    r = _upload(p, "uni1", content, EN)
    assert r.status_code == 403 and r.json()["message"] == "Only enterprises and the bureau import challenges"
    r = _upload(p, "owner", content, ZH, organisation_id=p.catalog.org("台山食品"))
    assert r.status_code == 403 and r.json()["message"] == "只能导入本单位的榜单"
    other = _workbook(p, [{**_good_rows(_day(clock))[0], "发榜单位": "台山食品"}])
    r = _upload(p, "owner", other, ZH)
    assert r.status_code == 403 and r.json()["detail"][0]["column"] == "发榜单位", r.text
    # the bureau names the owner per row, or for the whole file; an unknown one is a row error
    named = _workbook(p, [{**_good_rows(_day(clock))[0], "发榜单位": "台山食品"},
                          {**_good_rows(_day(clock))[1], "发榜单位": "不存在的公司"}])
    r = _upload(p, "bureau", named, EN)
    assert r.status_code == 422 and [(d["row"], d["column"], d["message"]) for d in r.json()["detail"]] == [
        (3, "发榜单位", "Organisation '不存在的公司' does not exist")]
    r = _upload(p, "bureau", named, EN, partial="true")
    assert r.json()["created"] == 1
    owned = p.ok("bureau", "GET", "/challenges")["data"]
    assert [c["owner_name"] for c in owned] == ["台山食品"]


def test_duijie_import_kind_challenges_as_a_user(people: People, clock: Clock, tmp_path: Any) -> None:
    p = people
    path = tmp_path / "榜单.xlsx"
    path.write_bytes(_workbook(p, [*_good_rows(_day(clock)), {"榜单名称": "缺金额的榜单", "揭榜截止日期": _day(clock)}]))
    settings = p.catalog.settings
    args = ["import", str(path), "--kind", "challenges", "--as", "owner", "--database-url", settings.db_url,
            "--data-dir", str(settings.data_dir)]
    # the CLI judges deadlines by the real clock: the test's clock runs 30 days behind it, the deadlines 60 ahead
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1, refused.output
    assert re.findall(r"^第 (\d+) 行 “(.*?)”：(.*)$", refused.output, flags=re.M) == [("4", "榜单金额(元)", "此项必填")]
    assert _snapshot(p.catalog)[0] == 0
    done = CliRunner().invoke(cli, [*args, "--partial"])
    assert done.exit_code == 0, done.output
    assert "新建 2，更新 0，未变 0，出错 1" in done.output
    again = CliRunner().invoke(cli, [*args, "--partial"])
    assert "新建 0，更新 0，未变 2，出错 1" in again.output, again.output
    mine = p.ok("owner", "GET", "/challenges", params={"mine": "true"})["data"]
    assert sorted(c["external_id"] for c in mine) == ["JB-2026-01", "JB-2026-02"]
    assert {c["status"] for c in mine} == {"draft"}


def test_import_and_template_per_role(people: People, clock: Clock) -> None:
    p = people
    content = _workbook(p, _good_rows(_day(clock))[:1])
    everyone = ["anon", "admin", "bureau", "owner", "other_ent", "uni1", "exp1", "exp_conflict", "broker"]
    imported = {who: _upload(p, who, content).status_code for who in everyone}
    # an admin without an organisation of its own names one (the column or organisation_id): 422 otherwise
    assert imported == {"anon": 401, "admin": 422, "bureau": 200, "owner": 200, "other_ent": 200, "uni1": 403,
                        "exp1": 403, "exp_conflict": 403, "broker": 403}
    assert {who: p.call(who, "GET", "/challenges/import/template").status_code for who in everyone} == dict.fromkeys(
        everyone, 200)
