"""Challenge calls from a spreadsheet (the XLSX template, CSV or JSON Lines), as outputs are imported: every row
checked and refused by row and column in both languages, written as drafts of the owning organisation, and
idempotent by (owner, external id). Indicators and criteria are cells of `；`-separated rows of `|`-separated parts."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import OrgKind
from services.catalog.challenges import repository as repo
from services.catalog.challenges import service
from services.catalog.challenges.models import Challenge
from services.catalog.challenges.schemas import ChallengeCreate, ChallengeUpdate
from services.catalog.challenges.vocab import DEFAULT_CRITERIA, ChallengeStatus, FundingSource, label
from services.catalog.core.errors import Forbidden, NotFound
from services.catalog.core.tables import Clock, utcnow
from services.catalog.imports.columns import LIST_SPLIT, ORGANISATION, Column
from services.catalog.imports.parsing import Limits, read_sheet
from services.catalog.imports.run import Upload
from services.catalog.imports.schemas import ImportResult
from services.catalog.imports.service import org_scope, refuse_if_invalid, result_of
from services.catalog.imports.template import workbook_of
from services.catalog.imports.upsert import WriteCounts, write_in_chunks
from services.catalog.imports.validation import (
    Validated,
    ValidRow,
    both,
    clean_cell,
    map_headers,
    parse_date,
    parse_money,
    resolve_org,
)
from shared.errors import translate_error
from shared.vocab import Cluster

KIND = "challenge"
ROWS = re.compile(r"[；;\n]+")
PARTS = re.compile(r"[|｜]")
FUNDING_ZH = {FundingSource.government: "政府财政", FundingSource.enterprise: "企业自筹", FundingSource.mixed: "政企联合"}
ORG_KIND_ZH = {OrgKind.university: "高校", OrgKind.institute: "科研院所", OrgKind.enterprise: "企业",
               OrgKind.broker_agency: "服务机构", OrgKind.government: "政府部门"}
ELIGIBILITY = ("org_kinds", "regions", "joint_bids")
_YES = {"是": True, "允许": True, "可以": True, "yes": True, "true": True, "y": True, "1": True,
        "否": False, "不允许": False, "不可以": False, "no": False, "false": False, "n": False, "0": False}
_VALUES: dict[str, dict[str, str]] = {
    "funding_source": {zh: str(v) for v, zh in FUNDING_ZH.items()} | {"政府": "government", "财政": "government",
                                                                     "企业": "enterprise", "混合": "mixed",
                                                                     "政企": "mixed"},
    "org_kinds": {zh: str(v) for v, zh in ORG_KIND_ZH.items()} | {"大学": "university", "院所": "institute",
                                                                 "科研机构": "institute"},
    "cluster": {m.name: m.value for m in Cluster},
}
_CRITERIA = {zh: (key, zh, en) for key, zh, en, _ in DEFAULT_CRITERIA}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAIVE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)$")

COLUMNS = (
    Column("title", "榜单名称", ("标题", "名称", "榜单标题", "项目名称"), "2–300 字", required=True),
    Column("problem", "问题描述", ("描述", "技术难题", "需求描述"), "要攻克的关键技术问题，最多 20000 字"),
    Column("indicators", "技术指标", ("指标", "考核指标"),
           "每条写成 名称|目标值|单位|验证方式，多条用“；”或换行分隔，单位和验证方式可省略。"
           "例如：回收率|≥98|%|第三方检测报告；处理成本|≤8000|元/吨"),
    Column("bounty_yuan", "榜单金额(元)", ("榜单金额", "悬赏金额", "悬赏金额(元)", "揭榜金额"), "金额（元），可写“500万”",
           required=True),
    Column("funding_source", "资金来源", (), "默认：政府财政", choices=tuple(FUNDING_ZH.values())),
    Column("deadline", "揭榜截止日期", ("截止日期", "截止时间", "揭榜截止时间"),
           "格式 2026-12-31（当天 24 时截止，北京时间），或 2026-12-31 17:00", required=True),
    Column("org_kinds", "申报单位类型", ("单位类型",), "可多选，用顿号分隔；留空为不限", choices=tuple(ORG_KIND_ZH.values())),
    Column("regions", "申报地区", ("地区限制",), "多个地区用顿号分隔；留空为不限"),
    Column("joint_bids", "允许联合揭榜", ("联合揭榜",), "是或否，默认：是", choices=("是", "否")),
    Column("criteria", "评审指标", ("评审标准",),
           "每条写成 名称|权重，用“；”分隔，权重合计 100；留空为默认五项："
           + "；".join(f"{zh}|{w}" for _, zh, _, w in DEFAULT_CRITERIA)),
    Column("cluster", "产业集群", ("集群",), "", choices=tuple(m.value for m in Cluster)),
    Column("field", "技术领域", ("领域",), "例如：新能源-电池回收"),
    Column("region", "所在区域", ("区域", "所在地区"), "例如：新会区"),
    Column("external_id", "外部编号", ("编号(外部)", "原编号", "榜单编号"),
           "您系统中的编号；再次上传同一编号会更新草稿而不是重复创建"),
    Column(ORGANISATION, "发榜单位", ("单位", "所属单位", "单位名称", "organisation_id", "organization"),
           "仅管理员需要填写：单位名称或编号"),
)


class CellError(ValueError):
    """A cell that does not follow its column's syntax, said in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass
class _Plan:
    """What writing one valid row does: create, change a draft, or nothing."""

    row: ValidRow
    existing: Challenge | None
    changes: dict[str, Any]


def template() -> bytes:
    """The empty challenge import workbook (Chinese headers, notes, drop-down lists, a help sheet)."""
    return workbook_of(COLUMNS)


def _rows_of(text: str) -> list[list[str]]:
    return [[p.strip() for p in PARTS.split(line)] for line in ROWS.split(text) if line.strip()]


def _indicators(text: str) -> list[dict[str, str]]:
    found = []
    for n, parts in enumerate(_rows_of(text), start=1):
        if not 2 <= len(parts) <= 4 or not parts[0] or not parts[1]:
            raise CellError(f"第 {n} 条指标“{'|'.join(parts)}”应写成 名称|目标值|单位|验证方式",
                            f"Indicator {n} '{'|'.join(parts)}' should read name|target|unit|verification")
        parts += [""] * (4 - len(parts))
        found.append(dict(zip(("name", "target", "unit", "verification"), parts, strict=True)))
    return found


def _criteria(text: str) -> list[dict[str, Any]]:
    found = []
    for n, parts in enumerate(_rows_of(text), start=1):
        weight = parts[-1].rstrip("%％").strip() if len(parts) == 2 else ""
        if len(parts) != 2 or not parts[0] or not weight.isdigit():
            raise CellError(f"第 {n} 条评审指标“{'|'.join(parts)}”应写成 名称|权重，权重为整数",
                            f"Criterion {n} '{'|'.join(parts)}' should read name|weight, a whole number")
        key, zh, en = _CRITERIA.get(parts[0], (f"criterion_{n}", parts[0], parts[0]))
        found.append({"key": key, "name_zh": zh, "name_en": en, "weight": int(weight)})
    return found


def _deadline(text: str) -> str:
    # a date alone means the end of that day in China, where every call is run
    day = parse_date(text)
    if _DATE_ONLY.match(day):
        return f"{day}T23:59:59+08:00"
    naive = _NAIVE_TIME.match(text)
    return f"{naive[1]}T{naive[2]}+08:00" if naive else text


def _convert(field: str, value: Any) -> Any:
    if field in ("org_kinds", "regions"):
        parts = [str(p).strip() for p in (value if isinstance(value, list) else LIST_SPLIT.split(str(value)))]
        found = [_VALUES.get(field, {}).get(p, p) for p in parts if p]
        unknown = [p for p in found if field == "org_kinds" and p not in ORG_KIND_ZH]
        if unknown:
            raise CellError(f"单位类型“{unknown[0]}”应为 {'、'.join(ORG_KIND_ZH.values())} 之一",
                            f"Organisation kind '{unknown[0]}' should be one of {', '.join(ORG_KIND_ZH.values())}")
        return found
    text = str(value)
    if field == "indicators":
        return _indicators(text)
    if field == "criteria":
        return _criteria(text)
    if field == "bounty_yuan":
        return parse_money(text)
    if field == "deadline":
        return _deadline(text)
    if field == "joint_bids":
        if text.lower() not in _YES:
            raise CellError(f"“{text}”应为 是 或 否", f"'{text}' should be 是 (yes) or 否 (no)")
        return _YES[text.lower()]
    if field == "funding_source" and text not in _VALUES[field] and text not in FUNDING_ZH:
        raise CellError(f"资金来源“{text}”应为 {'、'.join(FUNDING_ZH.values())} 之一",
                        f"Funding source '{text}' should be one of {', '.join(FUNDING_ZH.values())}")
    return _VALUES.get(field, {}).get(text, text)


def _schema_errors(exc: ValidationError, column_name: Any) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc") or ())
        if loc[:1] == ["eligibility"]:
            loc = loc[1:]
        name = str(loc[0]) if loc else ""
        zh, en = translate_error(dict(err), True), translate_error(dict(err), False)
        if len(loc) > 1 and isinstance(loc[1], int):
            zh, en = f"第 {loc[1] + 1} 条：{zh}", f"item {loc[1] + 1}: {en}"
        errors.append({"column": column_name(name) if name else "", **both(zh, en)})
    return errors


def validate(session: Session, *, user: User, upload: Upload, requested_org: int | None, zh: bool,
             limits: Limits | None, now: datetime) -> tuple[Validated, Callable[[str], str]]:
    """Every row checked against a new challenge, and each field's column as the file heads it; 403 if a row names
    another organisation."""
    sheet = read_sheet(upload.data, upload.filename, upload.content_type, limits=limits)
    # the bureau's admins own calls of their own, as when they create one by hand
    default = requested_org or (user.organisation_id if repo.is_admin(user) else None)
    scope = org_scope(session, user=user, requested_org=default)
    mapped, ignored = map_headers(COLUMNS, sheet.headers)
    header_of = {c.field: h for h, c in mapped.items()}

    def column_name(field: str) -> str:
        fallback = next((c.header if zh or sheet.format == "xlsx" else c.field for c in COLUMNS if c.field == field),
                        field)
        return header_of.get(field) or fallback

    result = Validated([], [], {c.field for c in mapped.values()} - {ORGANISATION}, ignored, len(sheet.rows), zh=zh)
    seen: dict[tuple[int, str], int] = {}
    for raw in sheet.rows:
        values: dict[str, Any] = {}
        org_cell = None
        errors: list[dict[str, Any]] = []
        for header, value in raw.cells.items():
            column, cleaned = mapped.get(header), clean_cell(value)
            if column is None or cleaned is None or cleaned == []:
                continue
            if column.field == ORGANISATION:
                org_cell = cleaned
                continue
            try:
                values[column.field] = _convert(column.field, cleaned)
            except CellError as exc:
                errors.append({"column": column_name(column.field), **both(exc.zh, exc.en)})
        org_id, org_error = resolve_org(org_cell, scope)
        if not scope.may_choose and (org_error or org_id != scope.default_id):
            result.foreign_rows.append({"row": raw.number, "column": column_name(ORGANISATION),
                                        **both("只能导入本单位的榜单", "You may only import your own organisation's challenges")})
            continue
        if org_error:
            errors.append({"column": column_name(ORGANISATION), **org_error})
        eligibility = {k: values.pop(k) for k in ELIGIBILITY if k in values}
        if eligibility:
            values["eligibility"] = eligibility
        item = None
        try:
            item = ChallengeCreate.model_validate({**values, "owner_org_id": org_id})
        except ValidationError as exc:
            errors.extend(_schema_errors(exc, column_name))
        if item is not None and item.deadline <= now:
            errors.append({"column": column_name("deadline"),
                           **both("揭榜截止时间应晚于现在", "The application deadline must be in the future")})
        if org_id is not None and item is not None and item.external_id:
            key = (org_id, item.external_id)
            if key in seen:
                errors.append({"column": column_name("external_id"),
                               **both(f"外部编号与第 {seen[key]} 行重复", f"Same external id as row {seen[key]}")})
            else:
                seen[key] = raw.number
        result.errors.extend({"row": raw.number, **e} for e in errors)
        if not errors and item is not None and org_id is not None:
            result.rows.append(ValidRow(raw.number, org_id, item))
    if result.foreign_rows:
        first = result.foreign_rows[0]["row"]
        raise Forbidden(f"第 {first} 行等 {len(result.foreign_rows)} 行属于其他单位，只能导入本单位的榜单",
                        f"Row {first} and {len(result.foreign_rows) - 1} more name another organisation; "
                        "you may only import your own challenges", detail=result.foreign_rows)
    return result, column_name


def _changes(challenge: Challenge, data: ChallengeCreate, fields: set[str]) -> dict[str, Any]:
    new = data.model_dump(mode="json")
    changes: dict[str, Any] = {}
    if fields & set(ELIGIBILITY):
        # columns left out of the file keep what the stored call says
        merged = {**challenge.eligibility, **{k: new["eligibility"][k] for k in ELIGIBILITY if k in fields}}
        if merged != challenge.eligibility:
            changes["eligibility"] = merged
    for name in fields - set(ELIGIBILITY) - {"external_id"}:
        stored = getattr(challenge, name)
        if name == "bounty_yuan":
            same = Decimal(str(stored)) == data.bounty_yuan
        else:
            same = stored == (data.deadline if name == "deadline" else new[name])
        if not same:
            changes[name] = new[name]
    return changes


def plan(session: Session, *, validated: Validated, column_name: Callable[[str], str]) -> list[_Plan]:
    """What each valid row does; a row changing a call that is no longer a draft becomes an error of that row."""
    plans: list[_Plan] = []
    keep: list[ValidRow] = []
    by_org: dict[int, list[str]] = {}
    for row in validated.rows:
        if isinstance(row.data, ChallengeCreate) and row.data.external_id:
            by_org.setdefault(row.organisation_id, []).append(row.data.external_id)
    stored = {(org, ext): c for org, ids in by_org.items()
              for ext, c in repo.by_external_id(session, owner_org_id=org, external_ids=ids).items()}
    for row in validated.rows:
        assert isinstance(row.data, ChallengeCreate)
        existing = stored.get((row.organisation_id, row.data.external_id or ""))
        changes = _changes(existing, row.data, validated.fields) if existing else {}
        if existing is not None and changes and existing.status != ChallengeStatus.draft:
            validated.errors.append({"row": row.number, "column": column_name("external_id"), **both(
                f"榜单 {existing.id} 已{label(existing.status)}，不能再通过导入修改",
                f"Challenge {existing.id} is {existing.status}; only drafts can be changed by an import")})
            continue
        keep.append(row)
        plans.append(_Plan(row, existing, changes))
    validated.rows = keep
    return plans


def import_challenges(*, session: Session, user: User, upload: Upload, requested_org: int | None, partial: bool,
                      dry_run: bool, zh: bool, limits: Limits | None = None, clock: Clock = utcnow) -> ImportResult:
    """Import a file of challenge calls as drafts: 403/404 as for outputs, 422 naming every bad row unless `partial`."""
    if user.role not in repo.OWNER_ROLES or (not repo.is_admin(user) and user.organisation_id is None):
        raise Forbidden("只有企业和科技局可以导入榜单", "Only enterprises and the bureau import challenges")
    if requested_org is not None and not repo.is_admin(user) and requested_org != user.organisation_id:
        raise Forbidden("只能导入本单位的榜单", "You may only import your own organisation's challenges")
    if requested_org is not None and session.get(Organisation, requested_org) is None:
        raise NotFound(f"单位 {requested_org} 不存在", f"Organisation {requested_org} does not exist")
    validated, column_name = validate(session, user=user, upload=upload, requested_org=requested_org, zh=zh,
                                      limits=limits, now=clock())
    plans = plan(session, validated=validated, column_name=column_name)
    validated.errors.sort(key=lambda e: e["row"])
    refuse_if_invalid(validated=validated, partial=partial)
    if dry_run:
        return result_of(kind=KIND, validated=validated, written=False, dry_run=True)
    counts = WriteCounts()
    write_in_chunks(session, plans, lambda step: _write(session, user=user, step=step, counts=counts, clock=clock))
    return result_of(kind=KIND, validated=validated, written=True, counts=counts.as_dict())


def _write(session: Session, *, user: User, step: _Plan, counts: WriteCounts, clock: Clock) -> None:
    data = step.row.data
    assert isinstance(data, ChallengeCreate)
    if step.existing is None:
        service.create_challenge(session, user=user, data=data.model_copy(update={"owner_org_id": step.row.organisation_id}),
                                 clock=clock)
        counts.created += 1
    elif step.changes:
        update = ChallengeUpdate.model_validate({**step.changes, "version": step.existing.version})
        service.update_challenge(session, challenge=step.existing, user=user, data=update, clock=clock)
        counts.updated += 1
    else:
        counts.unchanged += 1
