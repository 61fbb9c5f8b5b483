"""One file with bad rows, imported through the API, the portal and `duijie import`: the same row and column
errors, the same rows written (none by default, the valid ones with the partial switch)."""

import html
import re
from pathlib import Path

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from duijie.cli import app as cli
from services.catalog.items.models import ResearchOutput
from tests.catalog.fixtures_import import OUTPUT_HEADERS, csv_bytes, output_row, upload
from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, portal_client, sign_in

Errors = set[tuple[int, str, str]]
BAD_ROWS = {3, 5}  # data rows 2 and 4 (the header is row 1)


def _file() -> bytes:
    rows = [output_row(1), output_row(2, 成熟度="很成熟"), output_row(3), output_row(4, **{"价格(元)": "不知道", "标题": ""})]
    return csv_bytes(OUTPUT_HEADERS, rows)


def _written(catalog: Catalog, org_id: int) -> list[str]:
    with Session(catalog.engine) as s:
        rows = s.exec(select(ResearchOutput.external_id).where(col(ResearchOutput.organisation_id) == org_id)).all()
    return sorted(str(r) for r in rows)


def _through_api(catalog: Catalog, path: Path, *, partial: bool) -> Errors:
    # asked in Chinese (upload sends Accept-Language: zh-CN), as the portal and the command line answer
    headers = catalog.user(f"api_uni{int(partial)}", "university", f"接口大学{int(partial)}")
    params = {"partial": "true"} if partial else {}
    r = upload(catalog, "outputs", path.name, path.read_bytes(), headers=headers, **params)
    assert r.status_code == (200 if partial else 422), r.text
    rows = r.json()["errors"] if partial else r.json()["detail"]
    return {(d["row"], d["column"], d["message"]) for d in rows}


def _table_rows(page: str) -> Errors:
    found = re.findall(r'<tr data-row="(\d+)"><td class="num">\d+</td><td>(.*?)</td><td>(.*?)</td></tr>', page)
    return {(int(row), html.unescape(column), html.unescape(message)) for row, column, message in found}


def _through_portal(catalog: Catalog, path: Path, *, partial: bool) -> Errors:
    catalog.user(f"web_uni{int(partial)}", "university", f"门户大学{int(partial)}")
    client = portal_client(catalog.client.app)
    sign_in(client, f"web_uni{int(partial)}", PASSWORD)
    data = {"csrf_token": csrf_token(client.get("/upload").text), **({"partial": "true"} if partial else {})}
    r = client.post("/upload", data=data, files={"file": (path.name, path.read_bytes(), "text/csv")})
    if not partial:
        assert r.status_code == 422, r.text
        return _table_rows(r.text)
    assert r.status_code == 303, r.text
    job_id = r.headers["location"].rsplit("/", 1)[1]
    status = "running"
    for _ in range(10_000):  # the job runs in a thread of this process; it finishes or fails, never hangs
        status = client.get(f"/api/v1/jobs/{job_id}").json()["status"]
        if status in ("succeeded", "failed"):
            break
    assert status == "succeeded"
    return _table_rows(client.get(r.headers["location"]).text)


def _through_cli(catalog: Catalog, path: Path, *, partial: bool) -> Errors:
    org = f"命令行大学{int(partial)}"
    catalog.org(org, "university")
    args = ["import", str(path), "--kind", "outputs", "--organisation", org, "--database-url", catalog.settings.db_url,
            "--data-dir", str(catalog.settings.data_dir)]
    result = CliRunner().invoke(cli, [*args, "--partial"] if partial else args)
    assert result.exit_code == (0 if partial else 1), result.output
    found = re.findall(r"^第 (\d+) 行 “(.*?)”：(.*)$", result.output, flags=re.M)
    return {(int(row), column, message.strip()) for row, column, message in found}


def test_the_three_ways_in_report_the_same_errors_and_write_nothing_by_default(catalog: Catalog,
                                                                                tmp_path: Path) -> None:
    path = tmp_path / "成果.csv"
    path.write_bytes(_file())
    via_api = _through_api(catalog, path, partial=False)
    assert {row for row, _, _ in via_api} == BAD_ROWS and len(via_api) == 3, via_api
    assert _through_portal(catalog, path, partial=False) == via_api
    assert _through_cli(catalog, path, partial=False) == via_api
    for org in ("接口大学0", "门户大学0", "命令行大学0"):
        assert _written(catalog, catalog.org(org)) == []


def test_the_three_ways_write_the_same_valid_rows_with_the_partial_switch(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "成果.csv"
    path.write_bytes(_file())
    via_api = _through_api(catalog, path, partial=True)
    assert {row for row, _, _ in via_api} == BAD_ROWS
    assert _through_portal(catalog, path, partial=True) == via_api
    assert _through_cli(catalog, path, partial=True) == via_api
    written = {org: _written(catalog, catalog.org(org)) for org in ("接口大学1", "门户大学1", "命令行大学1")}
    assert set(map(tuple, written.values())) == {("WYU-0001", "WYU-0003")}, written
