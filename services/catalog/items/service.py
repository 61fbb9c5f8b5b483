"""Rules for writing outputs and needs: who may write, version checks, search terms, the change log."""

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session, col, delete

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import Role
from services.catalog.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.catalog.core.tables import utcnow
from services.catalog.core.text import detect_language, search_terms
from services.catalog.items.changes import append_change, serialise_writes
from services.catalog.items.kinds import Item, KindSpec, spec_of
from services.catalog.items.models import SearchTerm, TechNeed
from services.catalog.items.repository import not_found
from services.catalog.items.wire import region_of, to_wire
from shared.vocab import ChangeOp


def _lock_current(session: Session, spec: KindSpec, item: Item) -> None:
    """Reload an item under a row lock, so the version check and the write see the latest committed row."""
    serialise_writes(session)
    item_id = item.id
    try:
        session.refresh(item, with_for_update=True)
    except InvalidRequestError as exc:  # deleted by someone else meanwhile
        raise not_found(spec, item_id) from exc


def check_can_write(*, spec: KindSpec, user: User, organisation_id: int) -> None:
    """Admins write anything; owners write only their own organisation's items."""
    if user.role == Role.admin:
        return
    if user.role != spec.owner_role:
        raise Forbidden(f"您的角色不能发布或修改{spec.zh}", f"Your role may not create or change a {spec.en}")
    if user.organisation_id != organisation_id:
        raise Forbidden(f"只能管理本单位的{spec.zh}", f"You may only manage your own organisation's {spec.en}s")


def owner_org_id(session: Session, *, spec: KindSpec, user: User, requested: int | None) -> int:
    """The organisation a new item belongs to: the caller's own, or (admins) the one named."""
    org_id = requested if requested is not None else user.organisation_id
    if org_id is None:
        raise ValidationFailed("请指定所属单位 organisation_id", "Give the owning organisation_id",
                               detail=[{"column": "organisation_id", "zh": "不属于任何单位的用户须指定", "en": "required for users without an organisation"}])
    if session.get(Organisation, org_id) is None:
        raise NotFound(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist")
    check_can_write(spec=spec, user=user, organisation_id=org_id)
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


def create_item(session: Session, *, spec: KindSpec, user: User, data: BaseModel) -> Item:
    """Create an item for the caller (not committed); logs the change and indexes its terms."""
    values = data.model_dump(exclude={"organisation_id"})
    org_id = owner_org_id(session, spec=spec, user=user, requested=getattr(data, "organisation_id", None))
    serialise_writes(session)
    item = spec.table(**values, organisation_id=org_id)
    item.language = detect_language(f"{item.title} {getattr(item, spec.text_field)}")
    session.add(item)
    session.flush()
    _index_terms(session, spec, item)
    _log(session, spec, ChangeOp.create, item)
    return item


def apply_update(session: Session, *, item: Item, user: User, values: dict[str, Any],
                 expected_version: int | None) -> bool:
    """Change an item's fields (not committed); returns False when nothing changed."""
    spec = spec_of(item)
    check_can_write(spec=spec, user=user, organisation_id=item.organisation_id)
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
        raise ValidationFailed("预算下限不能高于上限", "budget_min_yuan must not exceed budget_max_yuan",
                               detail=[{"column": "budget_min_yuan", "zh": "不能高于预算上限", "en": "must not exceed budget_max_yuan"}])


def delete_item(session: Session, *, item: Item, user: User) -> None:
    """Delete an item (not committed) and log it."""
    spec = spec_of(item)
    check_can_write(spec=spec, user=user, organisation_id=item.organisation_id)
    _lock_current(session, spec, item)
    session.exec(delete(SearchTerm).where(col(SearchTerm.kind) == spec.kind, col(SearchTerm.item_id) == item.id))
    item_id = item.id
    session.delete(item)
    session.flush()
    assert item_id is not None
    append_change(session, op=ChangeOp.delete, kind=spec.kind, item_id=item_id, item=None)
