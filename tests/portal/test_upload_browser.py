"""Acceptance in headless Chromium: a university uploads 200 outputs, sees exactly its three bad rows, fixes
them and uploads again without creating duplicates (checked page by page through /my/outputs)."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from services.catalog.portal.filters import PAGE_SIZE, page_count
from tests.portal.conftest import Stack

pytestmark = pytest.mark.browser
HEADERS = ["标题", "摘要", "关键词", "成熟度", "合作方式", "价格(元)", "外部编号"]
BAD = {17: ("标题", ""), 88: ("成熟度", "很成熟"), 150: ("价格(元)", "不知道")}  # data rows, counted from 0


def _workbook(path: Path, *, broken: bool) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for i in range(200):
        row = {"标题": f"批量成果{i:03d}：高效电机控制算法", "摘要": f"第{i}项成果，面向新能源汽车电机的控制算法与驱动器。",
               "关键词": "电机、控制算法", "成熟度": "小试", "合作方式": "技术许可、合作开发", "价格(元)": "50万",
               "外部编号": f"WYU-2026-{i:03d}"}
        if broken and i in BAD:
            column, value = BAD[i]
            row[column] = value
        sheet.append([row[h] for h in HEADERS])
    book.save(path)
    return path


def _upload(uni: Any, path: Path) -> None:
    uni.go("/upload")
    uni.page.set_input_files("input[name=file]", str(path))
    uni.page.check("input[name=partial]")  # write the valid rows now, list the bad ones
    uni.page.click("#upload-form button[type=submit]")
    uni.page.wait_for_url("**/upload/jobs/**")
    uni.page.wait_for_selector("#job[data-finished=true]", timeout=60_000)


def test_upload_reports_exactly_the_bad_rows_and_reupload_does_not_duplicate(
        person: Any, stack: Stack, tmp_path: Path) -> None:
    uni = person("wyu")
    uni.go("/my/outputs")
    before = int(uni.page.get_attribute(".result-count", "data-total"))
    _upload(uni, _workbook(tmp_path / "成果-有误.xlsx", broken=True))
    reported = {int(r) for r in uni.page.locator("#row-errors tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.row)")}
    assert reported == {i + 2 for i in BAD}  # the header is row 1
    assert uni.page.inner_text("#n-created") == "197" and uni.page.inner_text("#n-failed") == "3"
    uni.shot("10-upload-three-bad-rows")
    with uni.page.expect_download() as download:
        uni.page.click("#errors-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(i + 2 for i in BAD)

    _upload(uni, _workbook(tmp_path / "成果-已修正.xlsx", broken=False))
    assert uni.page.locator("#row-errors").count() == 0
    assert uni.page.inner_text("#n-created") == "3" and uni.page.inner_text("#n-unchanged") == "197"
    uni.shot("11-upload-fixed")
    uni.go("/my/outputs")
    total = int(uni.page.get_attribute(".result-count", "data-total"))
    assert total == before + 200
    assert uni.page.locator("#my-outputs tbody tr").count() == PAGE_SIZE
    external: list[str] = []
    for n in range(1, page_count(total) + 1):  # every page, through the pager's "next" link
        if n > 1:
            uni.click_and_wait(".pager a[rel=next]")
        external += uni.page.locator("#my-outputs tbody td:nth-child(2)").all_inner_texts()
    assert uni.page.locator(".pager a[rel=next]").count() == 0 and len(external) == total
    ours = [e for e in external if e.startswith("WYU-2026-")]
    assert len(ours) == len(set(ours)) == 200
