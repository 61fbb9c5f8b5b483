"""The downloadable XLSX template: Chinese headers, notes, drop-down lists of allowed values, and a help sheet."""

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from services.catalog.imports.columns import COLUMNS, Column
from shared.vocab import ItemKind

DATA_SHEET = "数据"
CHOICES_SHEET = "选项"
HELP_SHEET = "说明"
_ROWS_WITH_LISTS = 5000
MULTI_CHOICE = frozenset({"cooperation_modes", "org_kinds", "kinds", "clusters"})


def template_bytes(kind: ItemKind) -> bytes:
    """An empty import workbook for outputs or needs; fill the first sheet and upload it."""
    return workbook_of(COLUMNS[kind])


def workbook_of(columns: tuple[Column, ...]) -> bytes:
    """An empty import workbook with these columns: headers, notes, drop-down lists and a help sheet."""
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = DATA_SHEET
    choices = book.create_sheet(CHOICES_SHEET)
    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.append(["列名", "必填", "说明", "可选值"])
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required_fill
        if column.note:
            cell.comment = Comment(column.note, "产学研对接平台")
        data.column_dimensions[letter].width = max(12, 2 * len(column.header) + 4)
        help_sheet.append([column.header, "是" if column.required else "", column.note, "、".join(column.choices)])
        if column.choices:
            choices.cell(row=1, column=index, value=column.header)
            for offset, value in enumerate(column.choices, start=2):
                choices.cell(row=offset, column=index, value=value)
            last = len(column.choices) + 1
            # Multi-choice columns keep the list as a hint only: Excel cannot validate "A、B".
            multi = column.field in MULTI_CHOICE
            rule = DataValidation(type="list", formula1=f"{CHOICES_SHEET}!${letter}$2:${letter}${last}",
                                  allow_blank=True, showErrorMessage=not multi)
            rule.add(f"{letter}2:{letter}{_ROWS_WITH_LISTS}")
            data.add_data_validation(rule)
    data.freeze_panes = "A2"
    help_sheet.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
