"""Queries over outputs and needs: who sees what, one item, and filtered, paged lists."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import is_staff
from services.catalog.core.errors import NotFound
from services.catalog.core.text import search_terms
from services.catalog.items.changes import serialise_writes
from services.catalog.items.kinds import Item, KindSpec
from services.catalog.items.models import ResearchOutput, SearchTerm, TechNeed
from shared.vocab import Confidentiality, ItemKind, OutputStatus


def visible_clause(spec: KindSpec, user: User | None) -> Any:
    """SQL condition for the items of this kind a caller may read."""
    table = spec.table
    if is_staff(user):
        return sa.true()
    if spec.kind is ItemKind.output:
        public = col(ResearchOutput.status) == OutputStatus.published
    else:
        public = col(TechNeed.confidentiality) == Confidentiality.public
    if user is not None and user.role == spec.owner_role and user.organisation_id is not None:
        return sa.or_(public, col(table.organisation_id) == user.organisation_id)
    return public


def get_visible(session: Session, *, spec: KindSpec, item_id: int, user: User | None, for_update: bool = False) -> Item:
    """An item the caller may read; 404 (never 403) for one they may not, so its existence stays private."""
    stmt = select(spec.table).where(col(spec.table.id) == item_id, visible_clause(spec, user))
    if for_update:
        # Row lock before a write: a concurrent writer waits, then sees the new version (409) or no row (404).
        serialise_writes(session)
        stmt = stmt.with_for_update()
    item = session.exec(stmt).first()
    if item is None:
        raise not_found(spec, item_id)
    return cast(Item, item)


def not_found(spec: KindSpec, item_id: int | None) -> NotFound:
    return NotFound(f"找不到编号为 {item_id} 的{spec.zh}，或您无权查看", f"No {spec.en} {item_id}, or you may not see it")


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
    # free-text search (matching.search): only these ids, or all but these; `offset` in place of the page's
    ids: list[int] | None = None
    exclude_ids: list[int] | None = None
    offset: int | None = None


SORTABLE = {"updated_at", "created_at", "title", "id", "relevance"}


def list_items(session: Session, *, spec: KindSpec, user: User | None, query: ListQuery) -> tuple[list[Item], int]:
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
    if query.ids is not None:
        stmt = stmt.where(col(table.id).in_(query.ids))
    if query.exclude_ids:
        stmt = stmt.where(col(table.id).not_in(query.exclude_ids))
    if query.updated_since:
        # the column's type binds the time in UTC (a naive one is taken as UTC)
        stmt = stmt.where(col(table.updated_at) >= query.updated_since)
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
    offset = (query.page - 1) * query.page_size if query.offset is None else query.offset
    return cast(list[Item], list(session.exec(stmt.offset(offset).limit(query.page_size)).all())), total


def _order(table: Any, sort: str, hits: Any) -> list[Any]:
    desc = sort.startswith("-")
    name = sort.lstrip("-+")
    if name == "relevance":
        key = hits.c.hits if hits is not None else col(table.updated_at)
        return [key.desc(), col(table.updated_at).desc(), col(table.id).desc()]
    column = getattr(table, name)
    return [column.desc() if desc else column.asc(), col(table.id).desc() if desc else col(table.id).asc()]


def count_by_status(session: Session, *, spec: KindSpec) -> dict[str, int]:
    """How many items of one kind are in each state."""
    status = col(spec.table.status)  # type: ignore[attr-defined]
    rows = session.exec(select(status, func.count()).group_by(status)).all()
    return {str(s): int(n) for s, n in rows}
