"""Experts imported from the XLSX template, as outputs are: every bad row named by row and column in Chinese and
English, nothing written unless asked, idempotent by external id; the API and `duijie import --kind experts`;
staff only; on SQLite and PostgreSQL."""

import re
from typing import Any

from typer.testing import CliRunner

from duijie.cli import app as cli
from tests.experts.helpers import ZH, People
from tests.experts.sheets import pool, upload, workbook


def test_a_good_file_lands_in_the_pool_and_a_second_upload_changes_only_what_changed(people: People) -> None:
    p = people
    rows = pool(3)
    r = upload(p.catalog, p.headers["broker"], workbook(p.catalog, rows))
    assert r.status_code == 200, r.text
    assert r.json() | {"errors": []} == {"kind": "expert", "total": 3, "valid": 3, "failed": 0, "created": 3,
                                         "updated": 0, "unchanged": 0, "written": True, "dry_run": False,
                                         "errors": [], "ignored_columns": []}
    found = {e["name"]: e for e in p.ok("broker", "GET", "/experts", params={"q": "专家"})["data"]}
    first = found["专家01"]
    assert first["kinds"] == ["commissioner", "reviewer"] and first["kinds_zh"] == ["科技特派员", "评审专家"]
    assert first["keywords"] == ["陈皮", "保鲜", "病害"] and first["fields"] == ["现代农业-柑橘种植", "食品加工"]
    assert (first["counties"], first["towns"], first["availability_days"]) == (["台山市"], ["斗山镇"], 6)
    assert first["organisation_id"] == p.catalog.orgs["五邑大学"]  # linked by name
    assert found["专家02"]["organisation_id"] is None and found["专家03"]["kinds"] == ["mentor"]
    assert first["external_id"] == "KP-001" and p.ok("anon", "GET", f"/experts/{first['id']}")["contact"] is None
    rows[1]["每月可服务天数"] = 10
    again = upload(p.catalog, p.headers["bureau"], workbook(p.catalog, rows)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    assert p.ok("anon", "GET", f"/experts/{found['专家02']['id']}")["availability_days"] == 10


def test_bad_rows_are_named_in_both_languages_and_only_staff_import(people: People) -> None:
    p = people
    rows = pool(4)
    rows[0]["姓名"] = None
    rows[1]["服务镇街"] = "会城街道"
    rows[2]["专家类型"] = "院士"
    rows[3]["外部编号"] = "KP-003"
    content = workbook(p.catalog, rows)
    zh = upload(p.catalog, {**p.headers["bureau"], **ZH}, content)
    assert zh.status_code == 422
    assert [(d["row"], d["column"]) for d in zh.json()["detail"]] == [(2, "姓名"), (3, "服务镇街"), (4, "专家类型"),
                                                                     (5, "外部编号")]
    assert zh.json()["message"].startswith("第 2 行“姓名”：此项必填（共 4 行有误，未写入任何数据）")
    assert "镇街“会城街道”不在所选区县内" in zh.json()["detail"][1]["message"]
    en = upload(p.catalog, {**p.headers["bureau"], "Accept-Language": "en"}, content)
    assert en.json()["message"].startswith("Row 2, column '姓名': Field required (4 bad rows; nothing was written)")
    assert en.json()["detail"][3]["message"] == "Same external id as row 4"
    assert p.ok("bureau", "GET", "/experts")["count"] == 2  # the two of make_people
    everyone = ["anon", "admin", "bureau", "broker", "exp1", "host", "uni"]
    good = workbook(p.catalog, pool(1))
    assert {w: upload(p.catalog, p.headers[w], good).status_code for w in everyone} == {
        "anon": 401, "admin": 200, "bureau": 200, "broker": 200, "exp1": 403, "host": 403, "uni": 403}
    assert {w: p.call(w, "GET", "/experts/import/template").status_code for w in everyone} == dict.fromkeys(
        everyone, 200)


def test_duijie_import_kind_experts(people: People, tmp_path: Any) -> None:
    p = people
    rows = pool(3)
    rows[2]["每月可服务天数"] = "很多"
    path = tmp_path / "专家.xlsx"
    path.write_bytes(workbook(p.catalog, rows))
    settings = p.catalog.settings
    args = ["import", str(path), "--kind", "experts", "--database-url", settings.db_url, "--data-dir",
            str(settings.data_dir)]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1, refused.output
    assert re.findall(r"^第 (\d+) 行 “(.*?)”：", refused.output, flags=re.M) == [("4", "每月可服务天数")]
    done = CliRunner().invoke(cli, [*args, "--partial"])
    assert done.exit_code == 0 and "新建 2，更新 0，未变 0，出错 1" in done.output, done.output
    again = CliRunner().invoke(cli, [*args, "--partial"])
    assert "新建 0，更新 0，未变 2，出错 1" in again.output, again.output
    assert p.ok("bureau", "GET", "/experts", params={"q": "专家0"})["count"] == 2
