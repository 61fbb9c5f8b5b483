"""Reading cells the way people type them into spreadsheets (no database needed)."""

from datetime import datetime
from decimal import Decimal

import pytest

from services.catalog.core.errors import AppError
from services.catalog.imports.columns import canonical_value, header_index, normalise_header
from services.catalog.imports.parsing import read_sheet
from services.catalog.imports.validation import clean_cell, convert, parse_date, parse_money
from shared.vocab import ItemKind


def test_money_accepts_negotiable_thousands_separators_and_wan() -> None:
    assert parse_money("面议") is None
    assert parse_money("1,200元") == Decimal(1200)
    assert parse_money("50万") == Decimal(500_000) and parse_money("1.5万元") == Decimal(15_000)
    assert parse_money("很贵") == "很贵"  # left for the schema to reject with row and column


def test_dates_in_common_chinese_spellings() -> None:
    assert parse_date("2026/1/5") == "2026-01-05" == parse_date("2026年1月5日") == parse_date("2026.01.05")
    assert parse_date("明年") == "明年"


def test_cells_are_cleaned_and_our_export_quote_is_dropped() -> None:
    assert clean_cell("  ") is None and clean_cell(12.0) == "12" and clean_cell(12.5) == "12.5"
    assert clean_cell(datetime(2026, 3, 1)) == "2026-03-01"
    assert clean_cell("'=SUM(A1)") == "=SUM(A1)" and clean_cell("'引号开头") == "'引号开头"


def test_lists_split_on_chinese_and_ascii_separators_and_map_spellings() -> None:
    assert convert(ItemKind.output, "keywords", "锂电池、回收，正极;包覆；涂层") == ["锂电池", "回收", "正极", "包覆", "涂层"]
    assert convert(ItemKind.output, "cooperation_modes", "转让、技术入股") == ["技术转让", "作价入股"]
    assert canonical_value(ItemKind.output, "industry_section", "C 制造业") == "制造业"
    assert canonical_value(ItemKind.output, "industry_section", "C") == "制造业"
    assert canonical_value(ItemKind.need, "confidentiality", "仅经纪人") == "brokers_only"


def test_headers_match_loosely() -> None:
    index = header_index(ItemKind.output)
    assert index[normalise_header("价格（元）")].field == "price_yuan"
    assert index[normalise_header(" 标题* ")].field == "title"
    assert index[normalise_header("Price_Yuan")].field == "price_yuan"


@pytest.mark.parametrize(("name", "content", "status"), [
    ("a.xls", b"\xd0\xcf\x11\xe0", 415),
    ("a.xlsx", b"PK\x03\x04 broken zip", 422),
    ("a.jsonl", b'{"title": "x"}\n{broken\n', 422),
    ("a.jsonl", b'["not an object"]', 422),
    ("a.csv", "标题\n\n\n".encode(), 422),
])
def test_unreadable_files(name: str, content: bytes, status: int) -> None:
    with pytest.raises(AppError) as caught:
        read_sheet(content, name)
    assert caught.value.status_code == status


def test_semicolon_and_tab_separated_csv() -> None:
    assert read_sheet("标题;摘要\n锂电池;回收\n".encode(), "a.csv").rows[0].cells == {"标题": "锂电池", "摘要": "回收"}
    assert read_sheet("标题\t摘要\n锂电池\t回收\n".encode(), "a.csv").rows[0].cells == {"标题": "锂电池", "摘要": "回收"}
