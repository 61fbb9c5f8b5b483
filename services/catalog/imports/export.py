"""Exporting the outputs or needs a caller may see as XLSX or CSV, with cells that can never run as formulas."""

import csv
import dataclasses
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.imports.columns import COLUMNS, ORGANISATION, display_value
from services.catalog.imports.validation import FORMULA_START
from services.catalog.items.kinds import KindSpec
from services.catalog.items.present import may_see_contact, organisations_by_id
from services.catalog.items.repository import ListQuery, list_items

ID_HEADER = "编号"
UPDATED_HEADER = "更新时间"
PAGE = 500
MAX_ROWS = 100_000


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading single quote, and loses the control
    characters no worksheet can hold (stored text may carry them); other values pass through."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def export_headers(spec: KindSpec) -> list[str]:
    """Column headers of an export: the id, the import columns (so an export re-imports), the update time."""
    return [ID_HEADER, *(c.header for c in COLUMNS[spec.kind]), UPDATED_HEADER]


def _cell(field_name: str, value: Any) -> Any:
    if value is None:
        return "面议" if field_name == "price_yuan" else ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, Decimal | int | float):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return display_value(field_name, str(value))


def export_rows(session: Session, spec: KindSpec, user: User | None, query: ListQuery) -> Iterator[list[Any]]:
    """The rows (already neutralised) of every item the caller may see that matches the list filters."""
    page, sent = 1, 0
    while sent < MAX_ROWS:
        items, total = list_items(session, spec=spec, user=user, query=dataclasses.replace(query, page=page, page_size=PAGE))
        orgs = organisations_by_id(session, {i.organisation_id for i in items})
        for item in items:
            row: list[Any] = [item.id]
            for column in COLUMNS[spec.kind]:
                if column.field == ORGANISATION:
                    org = orgs.get(item.organisation_id)
                    row.append(org.name if org else str(item.organisation_id))
                elif column.field == "contact" and not may_see_contact(user, item.organisation_id):
                    row.append("")  # revealed like the API's contact: owners and staff, others after an introduction
                else:
                    row.append(_cell(column.field, getattr(item, column.field)))
            row.append(item.updated_at.strftime("%Y-%m-%d %H:%M"))
            yield [neutralise(v) for v in row]
        sent += len(items)
        if not items or sent >= total:
            return
        page += 1


def to_xlsx(headers: list[str], rows: Iterator[list[Any]], title: str) -> bytes:
    """An XLSX workbook of the rows (write-only, so large exports stay light)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    bold = Font(bold=True)
    head = []
    for h in headers:
        cell = WriteOnlyCell(sheet, value=h)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(headers: list[str], rows: Iterator[list[Any]]) -> bytes:
    """A UTF-8 CSV with BOM (so Excel shows the Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
