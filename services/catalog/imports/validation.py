"""Turning raw rows into validated create-models, with every problem reported as {row, column, message}."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from services.catalog.core.errors import ValidationFailed
from services.catalog.imports.columns import (
    COLUMNS,
    DATE_FIELDS,
    LIST_FIELDS,
    LIST_SPLIT,
    MONEY_FIELDS,
    NEGOTIABLE,
    ORGANISATION,
    Column,
    canonical_value,
    index_of,
    normalise_header,
)
from services.catalog.imports.parsing import Sheet
from services.catalog.items.schemas import NeedCreate, OutputCreate
from shared.errors import translate_error
from shared.vocab import ItemKind

CREATE_MODELS: dict[ItemKind, type[BaseModel]] = {ItemKind.output: OutputCreate, ItemKind.need: NeedCreate}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


@dataclass
class OrgScope:
    """Which organisations the rows may be written to."""

    default_id: int | None
    may_choose: bool
    by_name: dict[str, int] = field(default_factory=dict)
    ids: set[int] = field(default_factory=set)


@dataclass
class ValidRow:
    """A row that passed validation, with the organisation it belongs to."""

    number: int
    organisation_id: int
    data: BaseModel


@dataclass
class Validated:
    """The outcome of validating a sheet."""

    rows: list[ValidRow]
    errors: list[dict[str, Any]]
    fields: set[str]
    ignored_columns: list[str]
    total: int
    foreign_rows: list[dict[str, Any]] = field(default_factory=list)
    zh: bool = True  # the language the result is reported in (column names follow it already)


def clean_cell(value: Any) -> Any:
    """A cell as text (lists stay lists); blank → None; a quote added by our export before a formula sign is dropped."""
    if value is None:
        return None
    if isinstance(value, list):
        return [c for c in (clean_cell(v) for v in value) if c is not None]
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        text = text[1:]
    return text or None


def parse_money(text: str) -> Any:
    """An amount in 元 from '1,200', '1200元' or '50万'; '面议' → None; anything else is returned for the schema to reject."""
    if text.lower() in NEGOTIABLE:
        return None
    compact = re.sub(r"[\s,，]", "", text).removesuffix("元")
    factor = 1
    if compact.endswith("万"):
        compact, factor = compact[:-1], 10_000
    try:
        amount = Decimal(compact) * factor
    except InvalidOperation:
        return text
    if factor != 1 and amount.is_finite() and amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    return amount


def parse_date(text: str) -> str:
    """ISO date from 2026-12-31, 2026/12/31 or 2026年12月31日 (others are left for the schema to reject)."""
    m = _DATE.match(text)
    if not m:
        return text
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"


def convert(kind: ItemKind, field_name: str, value: Any) -> Any:
    """A cleaned cell converted to what the schema expects for this field."""
    if field_name in LIST_FIELDS:
        parts = value if isinstance(value, list) else LIST_SPLIT.split(str(value))
        parts = [p.strip() if isinstance(p, str) else p for p in parts]
        return [canonical_value(kind, field_name, p) if isinstance(p, str) else p for p in parts if p != ""]
    if not isinstance(value, str):
        return value
    if field_name in MONEY_FIELDS:
        return parse_money(value)
    if field_name in DATE_FIELDS:
        return parse_date(value)
    return canonical_value(kind, field_name, value)


def both(zh_text: str, en_text: str) -> dict[str, str]:
    """A problem in both languages; the caller's half is chosen when it is shown (core.errors.localise)."""
    return {"zh": zh_text, "en": en_text}


def map_headers(columns: tuple[Column, ...], headers: list[str]) -> tuple[dict[str, Column], list[str]]:
    """The column each header fills, and the headers we do not know (ignored); 422 when two headers fill one field."""
    index = index_of(columns)
    mapped: dict[str, Column] = {}
    seen: dict[str, str] = {}
    ignored = []
    for header in headers:
        if not header:
            continue
        column = index.get(normalise_header(header))
        if column is None:
            ignored.append(header)
            continue
        if column.field in seen:
            raise ValidationFailed(f"“{seen[column.field]}”和“{header}”两列都表示{column.header}，请只保留一列",
                                   f"Columns '{seen[column.field]}' and '{header}' both mean {column.field}; keep one",
                                   detail=[{"row": 1, "column": header, **both("重复的列", "duplicate column")}])
        seen[column.field] = header
        mapped[header] = column
    return mapped, ignored


def resolve_org(value: Any, scope: OrgScope) -> tuple[int | None, dict[str, str] | None]:
    """The organisation a row's cell names (blank: the default), or what is wrong with it in both languages."""
    if value is None:
        if scope.default_id is None:
            return None, both("请填写单位名称，或在上传时指定 organisation_id",
                               "Name the organisation here or pass organisation_id with the upload")
        return scope.default_id, None
    text = str(value).strip()
    org_id = int(text) if text.isdigit() and int(text) in scope.ids else scope.by_name.get(text)
    if org_id is None:
        return None, both(f"单位“{text}”不存在", f"Organisation '{text}' does not exist")
    return org_id, None


def validate_sheet(kind: ItemKind, sheet: Sheet, scope: OrgScope, *, zh: bool) -> Validated:
    """Validate every row against the create schema; rows naming another organisation are set aside for a 403."""
    mapped, ignored = map_headers(COLUMNS[kind], sheet.headers)
    header_of = {c.field: h for h, c in mapped.items()}
    default_header = {c.field: (c.header if zh or sheet.format == "xlsx" else c.field) for c in COLUMNS[kind]}

    def column_name(field_name: str) -> str:
        return header_of.get(field_name) or default_header.get(field_name, field_name)

    model = CREATE_MODELS[kind]
    result = Validated([], [], {c.field for c in mapped.values()} - {ORGANISATION}, ignored, len(sheet.rows), zh=zh)
    seen_ids: dict[tuple[int, str], int] = {}
    for raw in sheet.rows:
        data: dict[str, Any] = {}
        org_cell = None
        for header, value in raw.cells.items():
            column = mapped.get(header)
            cleaned = clean_cell(value)
            if column is None or cleaned is None or cleaned == []:
                continue
            if column.field == ORGANISATION:
                org_cell = cleaned
            else:
                data[column.field] = convert(kind, column.field, cleaned)
        errors: list[dict[str, Any]] = []
        org_id, org_error = resolve_org(org_cell, scope)
        if not scope.may_choose and (org_error or org_id != scope.default_id):
            result.foreign_rows.append({"row": raw.number, "column": column_name(ORGANISATION),
                                        **both("只能导入本单位的数据", "You may only import your own organisation's items")})
            continue
        if org_error:
            errors.append({"row": raw.number, "column": column_name(ORGANISATION), **org_error})
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = err.get("loc") or ()
                name = str(loc[0]) if loc else ("budget_min_yuan" if "budget_min_yuan" in data else "")
                errors.append({"row": raw.number, "column": column_name(name) if name else "",
                               **both(translate_error(dict(err), True), translate_error(dict(err), False))})
            item = None
        external_id = data.get("external_id")
        if org_id is not None and isinstance(external_id, str):
            key = (org_id, external_id.strip())
            if key in seen_ids:
                errors.append({"row": raw.number, "column": column_name("external_id"),
                               **both(f"外部编号与第 {seen_ids[key]} 行重复", f"Same external id as row {seen_ids[key]}")})
            else:
                seen_ids[key] = raw.number
        if errors:
            result.errors.extend(errors)
        elif item is not None and org_id is not None:
            result.rows.append(ValidRow(raw.number, org_id, item))
    return result
