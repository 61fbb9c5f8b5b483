"""Uploads are capped by what they hold once unpacked (rows, cells, unpacked bytes), refused with 413 while
reading; a damaged sheet inside a sound workbook is a 422, not a 500."""

import io
import zipfile

import pytest

from services.catalog.core.errors import AppError
from services.catalog.imports.parsing import Limits, read_sheet
from tests.catalog.fixtures_import import OUTPUT_HEADERS, csv_bytes, output_row, snapshot, upload, xlsx_bytes
from tests.conftest import Catalog


def _rows(n: int) -> list[list[object]]:
    return [output_row(i) for i in range(1, n + 1)]


@pytest.mark.parametrize(("name", "content"), [("big.xlsx", xlsx_bytes(OUTPUT_HEADERS, _rows(60))),
                                               ("big.csv", csv_bytes(OUTPUT_HEADERS, _rows(60)))])
def test_more_rows_than_the_cap_are_refused_with_413_naming_it(catalog: Catalog, name: str, content: bytes) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    catalog.settings.import_max_rows = 50
    before = snapshot(catalog)
    r = upload(catalog, "outputs", name, content, wyu, dry_run="true")
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert r.json()["message"] == "文件超过 50 行的上限，请拆分后分批上传"
    r = upload(catalog, "outputs", name, content, {**wyu, "Accept-Language": "en"})
    assert r.status_code == 413 and "50 rows" in r.json()["message"]
    assert snapshot(catalog) == before
    catalog.settings.import_max_rows = 60
    assert upload(catalog, "outputs", name, content, wyu).status_code == 200


def test_more_cells_than_the_cap_are_refused(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    catalog.settings.import_max_cells = 100
    r = upload(catalog, "outputs", "wide.xlsx", xlsx_bytes(OUTPUT_HEADERS, _rows(20)), wyu)
    assert r.status_code == 413 and "100 个单元格" in r.json()["message"]


def test_a_workbook_that_unpacks_past_the_cap_is_refused_before_it_is_read() -> None:
    content = xlsx_bytes(OUTPUT_HEADERS, _rows(5))
    with pytest.raises(AppError) as refused:
        read_sheet(content, "a.xlsx", limits=Limits(unpacked_bytes=1024))
    assert refused.value.status_code == 413 and "解压后" in refused.value.zh
    assert len(read_sheet(content, "a.xlsx").rows) == 5


def _damaged(content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2] + b"<c r='A9'><v>&broken;<"
            target.writestr(info, data)
    return out.getvalue()


def test_a_damaged_sheet_inside_a_sound_workbook_is_a_422(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    r = upload(catalog, "outputs", "damaged.xlsx", _damaged(xlsx_bytes(OUTPUT_HEADERS, _rows(30))), wyu)
    assert r.status_code == 422 and r.json()["error"] == "unreadable_file", r.text
    assert r.json()["message"].startswith("无法读取该 Excel 工作")
