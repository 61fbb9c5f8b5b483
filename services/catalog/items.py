"""Rules for research outputs and technology needs: who sees and changes what, and how writes are logged."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session, col, delete, func, select

from services.catalog.changes import append_change, serialise_writes
from services.catalog.errors import AppError, Conflict, Forbidden, NotFound
from services.catalog.models import Organisation, ResearchOutput, SearchTerm, TechNeed, User, utcnow
from services.catalog.text import detect_language, search_terms
from services.catalog.vocab import Role
from shared.schemas import CatalogItem
from shared.vocab import ChangeOp, Confidentiality, ItemKind, OutputStatus

Item = ResearchOutput | TechNeed


@dataclass(frozen=True)
class KindSpec:
    """How one side of the catalog is stored and who owns it."""

    kind: ItemKind
    table: type[ResearchOutput] | type[TechNeed]
    text_field: str
    owner_role: Role
    zh: str
    en: str


OUTPUTS = KindSpec(ItemKind.output, ResearchOutput, "summary", Role.university, "科技成果", "research output")
NEEDS = KindSpec(ItemKind.need, TechNeed, "description", Role.enterprise, "技术需求", "technology need")
SPECS = {ItemKind.output: OUTPUTS, ItemKind.need: NEEDS}


def spec_of(item: Item) -> KindSpec:
    """The spec of an item's kind."""
    return OUTPUTS if isinstance(item, ResearchOutput) else NEEDS


def to_wire(item: Item, region: str | None) -> CatalogItem:
    """The matcher's view of an item (`region` is the need's own, or the output owner's)."""
    spec = spec_of(item)
    return CatalogItem(
        kind=spec.kind, id=item.id or 0, title=item.title, text=getattr(item, spec.text_field),
        keywords=item.keywords, language=item.language, field=item.field,
        industry_section=item.industry_section, cluster=item.cluster, region=region,
        maturity=getattr(item, "maturity", None), cooperation_modes=item.cooperation_modes,
        status=item.status, confidentiality=getattr(item, "confidentiality", "public"),
        organisation_id=item.organisation_id, deadline=getattr(item, "deadline", None),
        updated_at=item.updated_at,
    )


def region_of(session: Session, item: Item) -> str | None:
    """A need's region, or the region of the organisation that owns an output."""
    if isinstance(item, TechNeed):
        return item.region
    org = session.get(Organisation, item.organisation_id)
    return org.region if org else None


def output_to_wire(session: Session, output: ResearchOutput) -> CatalogItem:
    """The matcher's view of a research output."""
    return to_wire(output, region_of(session, output))


def need_to_wire(need: TechNeed) -> CatalogItem:
    """The matcher's view of a technology need."""
    return to_wire(need, need.region)


def visible_clause(spec: KindSpec, user: User | None) -> Any:
    """SQL condition for the items of this kind a caller may read."""
    table = spec.table
    if user is not None and user.role in (Role.admin, Role.broker):
        return sa.true()
    if spec.kind is ItemKind.output:
        public = col(ResearchOutput.status) == OutputStatus.published
    else:
        public = col(TechNeed.confidentiality) == Confidentiality.public
    if user is not None and user.role == spec.owner_role and user.organisation_id is not None:
        return sa.or_(public, col(table.organisation_id) == user.organisation_id)
    return public


def get_visible(session: Session, spec: KindSpec, item_id: int, user: User | None, *,
                for_update: bool = False) -> Item:
    """An item the caller may read; 404 (never 403) for one they may not, so its existence stays private."""
    stmt = select(spec.table).where(col(spec.table.id) == item_id, visible_clause(spec, user))
    if for_update:
        # Row lock before a write: a concurrent writer waits, then sees the new version (409) or no row (404).
        serialise_writes(session)
        stmt = stmt.with_for_update()
    item = session.exec(stmt).first()
    if item is None:
        raise _not_found(spec, item_id)
    return cast(Item, item)


def _not_found(spec: KindSpec, item_id: int | None) -> NotFound:
    return NotFound(f"找不到编号为 {item_id} 的{spec.zh}，或您无权查看", f"No {spec.en} {item_id}, or you may not see it")


def _lock_current(session: Session, spec: KindSpec, item: Item) -> None:
    """Reload an item under a row lock, so the version check and the write see the latest committed row."""
    serialise_writes(session)
    item_id = item.id
    try:
        session.refresh(item, with_for_update=True)
    except InvalidRequestError as exc:  # deleted by someone else meanwhile
        raise _not_found(spec, item_id) from exc


def check_can_write(spec: KindSpec, user: User, organisation_id: int) -> None:
    """Admins write anything; owners write only their own organisation's items."""
    if user.role == Role.admin:
        return
    if user.role != spec.owner_role:
        raise Forbidden(f"您的角色不能发布或修改{spec.zh}", f"Your role may not create or change a {spec.en}")
    if user.organisation_id != organisation_id:
        raise Forbidden(f"只能管理本单位的{spec.zh}", f"You may only manage your own organisation's {spec.en}s")


def owner_org_id(session: Session, spec: KindSpec, user: User, requested: int | None) -> int:
    """The organisation a new item belongs to: the caller's own, or (admins) the one named."""
    org_id = requested if requested is not None else user.organisation_id
    if org_id is None:
        raise AppError("请指定所属单位 organisation_id", "Give the owning organisation_id", status_code=422,
                       code="validation_error",
                       detail=[{"column": "organisation_id", "zh": "不属于任何单位的用户须指定", "en": "required for users without an organisation"}])
    if session.get(Organisation, org_id) is None:
        raise NotFound(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist")
    check_can_write(spec, user, org_id)
    return org_id


def _index_terms(session: Session, spec: KindSpec, item: Item) -> None:
    assert item.id is not None
    session.exec(delete(SearchTerm).where(col(SearchTerm.kind) == spec.kind, col(SearchTerm.item_id) == item.id))
    text = " ".join([item.title, getattr(item, spec.text_field), " ".join(item.keywords)])
    rows = [{"kind": spec.kind, "item_id": item.id, "term": t} for t in search_terms(text)]
    if rows:
        # A bulk INSERT, not one ORM object per term: this was most of an import's CPU time.
        session.execute(sa.insert(SearchTerm), rows)


def _log(session: Session, spec: KindSpec, op: ChangeOp, item: Item) -> None:
    assert item.id is not None
    wire = None if op is ChangeOp.delete else to_wire(item, region_of(session, item))
    append_change(session, op=op, kind=spec.kind, item_id=item.id, item=wire)


def create_item(session: Session, spec: KindSpec, *, user: User, data: BaseModel) -> Item:
    """Create an item for the caller (not committed); logs the change and indexes its terms."""
    values = data.model_dump(exclude={"organisation_id"})
    org_id = owner_org_id(session, spec, user, getattr(data, "organisation_id", None))
    serialise_writes(session)
    item = spec.table(**values, organisation_id=org_id)
    item.language = detect_language(f"{item.title} {getattr(item, spec.text_field)}")
    session.add(item)
    session.flush()
    _index_terms(session, spec, item)
    _log(session, spec, ChangeOp.create, item)
    return item


def apply_update(session: Session, item: Item, *, user: User, values: dict[str, Any],
                 expected_version: int | None) -> bool:
    """Change an item's fields (not committed); returns False when nothing changed."""
    spec = spec_of(item)
    check_can_write(spec, user, item.organisation_id)
    _lock_current(session, spec, item)
    if expected_version is not None and expected_version != item.version:
        raise Conflict(
            f"该{spec.zh}已被他人修改（当前版本 {item.version}），请刷新后重试",
            f"This {spec.en} was changed meanwhile (now version {item.version}); reload and retry",
        )
    changed = {k: v for k, v in values.items() if getattr(item, k) != v}
    if not changed:
        return False
    if isinstance(item, TechNeed):
        _check_budget(changed.get("budget_min_yuan", item.budget_min_yuan),
                      changed.get("budget_max_yuan", item.budget_max_yuan))
    item.sqlmodel_update(changed)
    item.language = detect_language(f"{item.title} {getattr(item, spec.text_field)}")
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    _index_terms(session, spec, item)
    _log(session, spec, ChangeOp.update, item)
    return True


def _check_budget(low: Any, high: Any) -> None:
    if low is not None and high is not None and low > high:
        raise AppError("预算下限不能高于上限", "budget_min_yuan must not exceed budget_max_yuan", status_code=422,
                       code="validation_error",
                       detail=[{"column": "budget_min_yuan", "zh": "不能高于预算上限", "en": "must not exceed budget_max_yuan"}])


def delete_item(session: Session, item: Item, *, user: User) -> None:
    """Delete an item (not committed) and log it."""
    spec = spec_of(item)
    check_can_write(spec, user, item.organisation_id)
    _lock_current(session, spec, item)
    session.exec(delete(SearchTerm).where(col(SearchTerm.kind) == spec.kind, col(SearchTerm.item_id) == item.id))
    item_id = item.id
    session.delete(item)
    session.flush()
    assert item_id is not None
    append_change(session, op=ChangeOp.delete, kind=spec.kind, item_id=item_id, item=None)


@dataclass
class ListQuery:
    """Filters, keyword search, sorting and paging of a list request."""

    q: str | None = None
    field: str | None = None
    cluster: str | None = None
    region: str | None = None
    maturity: str | None = None
    cooperation_mode: str | None = None
    status: str | None = None
    organisation_id: int | None = None
    updated_since: datetime | None = None
    sort: str = "-updated_at"
    page: int = 1
    page_size: int = 20


SORTABLE = {"updated_at", "created_at", "title", "id", "relevance"}


def list_items(session: Session, spec: KindSpec, user: User | None, query: ListQuery) -> tuple[list[Item], int]:
    """One page of the items the caller may see that match the query, and their total count."""
    table = spec.table
    stmt = select(table).where(visible_clause(spec, user))
    if query.region:
        if spec.kind is ItemKind.output:
            stmt = stmt.join(Organisation, col(Organisation.id) == col(ResearchOutput.organisation_id))
            stmt = stmt.where(col(Organisation.region) == query.region)
        else:
            stmt = stmt.where(col(TechNeed.region) == query.region)
    for name in ("field", "cluster", "status", "organisation_id"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(table, name) == value)
    if query.maturity and spec.kind is ItemKind.output:
        stmt = stmt.where(col(ResearchOutput.maturity) == query.maturity)
    if query.cooperation_mode:
        # JSON lists are stored without ASCII escaping, so the quoted label is a literal substring.
        modes = sa.cast(col(table.cooperation_modes), sa.Text)
        stmt = stmt.where(modes.contains(f'"{query.cooperation_mode}"', autoescape=True))
    if query.updated_since:
        # SQLite keeps UTC wall-clock text, so compare in UTC (a naive time is taken as UTC).
        since = query.updated_since
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        stmt = stmt.where(col(table.updated_at) >= since)
    hits = None
    if query.q:
        terms = sorted(search_terms(query.q))
        if not terms:
            return [], 0
        needed = max(1, math.ceil(0.6 * len(terms)))
        hits = (
            select(col(SearchTerm.item_id).label("item_id"), func.count().label("hits"))
            .where(col(SearchTerm.kind) == spec.kind, col(SearchTerm.term).in_(terms))
            .group_by(col(SearchTerm.item_id))
            .having(func.count() >= needed)
            .subquery()
        )
        stmt = stmt.join(hits, hits.c.item_id == col(table.id))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    stmt = stmt.order_by(*_order(table, query.sort, hits))
    offset = (query.page - 1) * query.page_size
    return cast(list[Item], list(session.exec(stmt.offset(offset).limit(query.page_size)).all())), total


def _order(table: Any, sort: str, hits: Any) -> list[Any]:
    desc = sort.startswith("-")
    name = sort.lstrip("-+")
    if name == "relevance":
        key = hits.c.hits if hits is not None else col(table.updated_at)
        return [key.desc(), col(table.updated_at).desc(), col(table.id).desc()]
    column = getattr(table, name)
    return [column.desc() if desc else column.asc(), col(table.id).desc() if desc else col(table.id).asc()]
