"""Experts from a spreadsheet (the XLSX template, CSV or JSON Lines), as outputs are imported: every row checked
and refused by row and column in both languages, nothing written unless every row is valid (or `partial`), and
idempotent by external id. Only the bureau and brokers import the pool. The 工作单位 cell links the expert to the
platform organisation of that name, when there is one."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import is_staff
from services.catalog.core.errors import Forbidden
from services.catalog.core.tables import Clock, utcnow
from services.catalog.experts import repository as repo
from services.catalog.experts import service
from services.catalog.experts.models import Expert
from services.catalog.experts.schemas import ExpertCreate, ExpertUpdate
from services.catalog.experts.vocab import KIND_LABELS
from services.catalog.imports.columns import LIST_SPLIT, Column
from services.catalog.imports.parsing import Limits, read_sheet
from services.catalog.imports.run import Upload
from services.catalog.imports.schemas import ImportResult
from services.catalog.imports.service import refuse_if_invalid, result_of
from services.catalog.imports.template import workbook_of
from services.catalog.imports.upsert import WriteCounts, write_in_chunks
from services.catalog.imports.validation import Validated, ValidRow, both, clean_cell, map_headers
from shared.errors import translate_error
from shared.vocab import Cluster

KIND = "expert"
LISTS = frozenset({"kinds", "fields", "clusters", "keywords", "languages", "counties", "towns"})
_KINDS = {zh: str(k) for k, (zh, _) in KIND_LABELS.items()} | {"特派员": "commissioner", "经纪人": "broker",
                                                              "评审": "reviewer", "导师": "mentor"}

COLUMNS = (
    Column("name", "姓名", ("专家姓名",), "", required=True),
    Column("organisation_name", "工作单位", ("单位", "所在单位", "单位名称"), "与平台上的单位同名时自动关联", required=True),
    Column("title", "职称", (), "例如：教授、高级工程师"),
    Column("rank", "级别", ("职级",), "例如：正高级"),
    Column("kinds", "专家类型", ("类型", "专家类别"), "可多选，用顿号分隔", choices=tuple(zh for zh, _ in KIND_LABELS.values())),
    Column("fields", "技术领域", ("领域",), "多个领域用顿号分隔，例如：新能源-电池回收"),
    Column("clusters", "产业集群", ("集群",), "可多选，用顿号分隔", choices=tuple(m.value for m in Cluster)),
    Column("keywords", "关键词", ("关键字",), "多个关键词用顿号、逗号或分号分隔"),
    Column("biography", "个人简介", ("简介", "专家简介"), "最多 20000 字"),
    Column("languages", "工作语言", ("语言",), "例如：普通话、粤语、英语"),
    Column("counties", "服务区县", ("区县",), "江门市的区县，用顿号分隔，例如：新会区、台山市"),
    Column("towns", "服务镇街", ("镇街", "服务镇村"), "所选区县内的镇或街道，用顿号分隔"),
    Column("availability_days", "每月可服务天数", ("可服务天数",), "0–31 的整数，默认 4"),
    Column("contact", "联系方式", ("联系电话",), "只对科技局、经纪人、专家本人和派驻单位可见"),
    Column("external_id", "外部编号", ("专家编号", "编号"), "您系统中的编号；再次上传同一编号会更新档案而不是重复创建"),
)


@dataclass
class _Plan:
    """What writing one valid row does: create, change a profile, or nothing."""

    row: ValidRow
    existing: Expert | None
    changes: dict[str, Any]


def template() -> bytes:
    """The empty expert import workbook (Chinese headers, notes, drop-down lists, a help sheet)."""
    return workbook_of(COLUMNS)


def _convert(field: str, value: Any) -> Any:
    if field in LISTS:
        parts = [str(p).strip() for p in (value if isinstance(value, list) else LIST_SPLIT.split(str(value)))]
        return [_KINDS.get(p, p) if field == "kinds" else p for p in parts if p]
    return value


def validate(session: Session, *, upload: Upload, zh: bool,
             limits: Limits | None) -> tuple[Validated, Callable[[str], str]]:
    """Every row checked against a new profile, and each field's column as the file heads it."""
    sheet = read_sheet(upload.data, upload.filename, upload.content_type, limits=limits)
    mapped, ignored = map_headers(COLUMNS, sheet.headers)
    header_of = {c.field: h for h, c in mapped.items()}
    orgs = {name: oid for oid, name in session.exec(select(Organisation.id, Organisation.name)).all()}

    def column_name(field: str) -> str:
        fallback = next((c.header if zh or sheet.format == "xlsx" else c.field for c in COLUMNS if c.field == field),
                        field)
        return header_of.get(field) or fallback

    result = Validated([], [], {c.field for c in mapped.values()}, ignored, len(sheet.rows), zh=zh)
    seen: dict[str, int] = {}
    for raw in sheet.rows:
        values: dict[str, Any] = {}
        for header, value in raw.cells.items():
            column, cleaned = mapped.get(header), clean_cell(value)
            if column is not None and cleaned is not None and cleaned != []:
                values[column.field] = _convert(column.field, cleaned)
        errors: list[dict[str, Any]] = []
        if not values.get("organisation_name"):
            errors.append({"column": column_name("organisation_name"), **both("请填写工作单位", "Give the organisation")})
        item = None
        try:
            item = ExpertCreate.model_validate({**values, "organisation_id": orgs.get(str(values.get("organisation_name")))})
        except ValidationError as exc:
            for err in exc.errors():
                loc = list(err.get("loc") or ())
                name = str(loc[0]) if loc else ""
                message = both(translate_error(dict(err), True), translate_error(dict(err), False))
                if len(loc) > 1 and isinstance(loc[1], int):
                    message = both(f"第 {loc[1] + 1} 项：{message['zh']}", f"item {loc[1] + 1}: {message['en']}")
                errors.append({"column": column_name(name) if name else "", **message})
        if item is not None:
            for field, zh_text, en_text in service.region_problems(item.counties, item.towns):
                errors.append({"column": column_name(field), **both(zh_text, en_text)})
        external_id = str(values.get("external_id") or "")
        if external_id in seen:
            errors.append({"column": column_name("external_id"), **both(
                f"外部编号与第 {seen[external_id]} 行重复", f"Same external id as row {seen[external_id]}")})
        elif external_id:
            seen[external_id] = raw.number
        result.errors.extend({"row": raw.number, **e} for e in errors)
        if not errors and item is not None:
            result.rows.append(ValidRow(raw.number, item.organisation_id or 0, item))
    return result, column_name


def plan(session: Session, *, validated: Validated) -> list[_Plan]:
    """What each valid row does: rows with a stored external id change that profile (the columns in the file only)."""
    ids = [r.data.external_id for r in validated.rows if isinstance(r.data, ExpertCreate) and r.data.external_id]
    stored = repo.by_external_id(session, external_ids=ids)
    plans = []
    for row in validated.rows:
        assert isinstance(row.data, ExpertCreate)
        existing = stored.get(row.data.external_id or "")
        changes: dict[str, Any] = {}
        if existing is not None:
            new = row.data.model_dump(mode="json")
            changes = {f: new[f] for f in validated.fields - {"external_id"} if getattr(existing, f) != new[f]}
        plans.append(_Plan(row, existing, changes))
    return plans


def import_experts(*, session: Session, user: User, upload: Upload, partial: bool, dry_run: bool, zh: bool,
                   limits: Limits | None = None, clock: Clock = utcnow) -> ImportResult:
    """Import a file of experts (staff): 422 naming every bad row unless `partial`; rows upsert by external id."""
    if not is_staff(user):
        raise Forbidden("只有科技局和技术经纪人可以导入专家", "Only the bureau and brokers import experts")
    validated, _ = validate(session, upload=upload, zh=zh, limits=limits)
    validated.errors.sort(key=lambda e: e["row"])
    refuse_if_invalid(validated=validated, partial=partial)
    plans = plan(session, validated=validated)
    if dry_run:
        return result_of(kind=KIND, validated=validated, written=False, dry_run=True)
    counts = WriteCounts()
    write_in_chunks(session, plans, lambda step: _write(session, user=user, step=step, counts=counts, clock=clock))
    return result_of(kind=KIND, validated=validated, written=True, counts=counts.as_dict())


def _write(session: Session, *, user: User, step: _Plan, counts: WriteCounts, clock: Clock) -> None:
    data = step.row.data
    assert isinstance(data, ExpertCreate)
    if step.existing is None:
        service.create_expert(session, user=user, data=data, clock=clock)
        counts.created += 1
    elif step.changes:
        update = ExpertUpdate.model_validate({**step.changes, "version": step.existing.version})
        service.update_expert(session, expert=step.existing, user=user, data=update, clock=clock)
        counts.updated += 1
    else:
        counts.unchanged += 1
