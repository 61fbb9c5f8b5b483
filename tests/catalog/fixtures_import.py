"""Helpers for the import tests: building upload files and taking a snapshot of what the database holds."""

import csv
import io
from typing import Any

import httpx
from sqlmodel import Session, func, select

from services.catalog.imports.export import to_xlsx
from services.catalog.items.models import ChangeLog, ResearchOutput, TechNeed
from tests.conftest import Catalog

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
OUTPUT_HEADERS = ["标题", "摘要", "关键词", "成熟度", "合作方式", "价格(元)", "外部编号"]


def output_row(n: int, **overrides: Any) -> list[Any]:
    """A valid output row for OUTPUT_HEADERS."""
    row = {"标题": f"锂电池回收技术{n}", "摘要": f"废旧电池湿法回收工艺第{n}代", "关键词": "锂电池、回收",
           "成熟度": "中试", "合作方式": "技术转让，技术许可", "价格(元)": "面议", "外部编号": f"WYU-{n:04d}"}
    row.update(overrides)
    return [row[h] for h in OUTPUT_HEADERS]


def xlsx_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """An XLSX workbook with one header row and the rows."""
    return to_xlsx(headers, iter(rows), "Sheet")


def csv_bytes(headers: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    """A CSV file in the given encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(catalog: Catalog, kind: str, filename: str, content: bytes, headers: dict[str, str] | None = None,
           **params: Any) -> httpx.Response:
    """POST a file to /{kind}/import (Chinese Accept-Language unless headers say otherwise)."""
    return catalog.client.post(f"/api/v1/{kind}/import", params=params, headers={**ZH, **(headers or {})},
                               files={"file": (filename, content, "application/octet-stream")})


def snapshot(catalog: Catalog) -> tuple[int, int, int, int]:
    """Outputs, needs, change-log rows and the sum of item versions: equal snapshots mean nothing was written."""
    with Session(catalog.engine) as s:
        outputs = s.exec(select(func.count()).select_from(ResearchOutput)).one()
        needs = s.exec(select(func.count()).select_from(TechNeed)).one()
        changes = s.exec(select(func.count()).select_from(ChangeLog)).one()
        versions = (s.exec(select(func.coalesce(func.sum(ResearchOutput.version), 0))).one()
                    + s.exec(select(func.coalesce(func.sum(TechNeed.version), 0))).one())
    return outputs, needs, changes, int(versions)
