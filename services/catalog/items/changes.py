"""The change log: every write to an output or need appends one gap-free, commit-ordered row."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.core.tables import utcnow
from services.catalog.items.models import ChangeLog
from shared.schemas import CatalogItem, ChangeEvent, ChangesPage
from shared.vocab import ChangeOp, ItemKind

_CHANGE_LOCK_KEY = 7_331_001


def serialise_writes(session: Session) -> None:
    """Queue behind other catalog writers until this transaction ends (PostgreSQL; SQLite's write lock does it)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held until commit: writers take numbers one at a time, in commit order, so a reader
        # paging with after=SEQ can never see seq N+1 before N is committed. Item writes take it
        # before any row lock, so it never closes a lock cycle with a row lock. Re-taking it is free.
        session.exec(sa.select(func.pg_advisory_xact_lock(_CHANGE_LOCK_KEY)))  # type: ignore[call-overload]


def append_change(session: Session, *, op: ChangeOp, kind: ItemKind, item_id: int,
                  item: CatalogItem | None) -> ChangeLog:
    """Append a change in the caller's transaction; call it after the item's own write is flushed."""
    serialise_writes(session)
    # On SQLite the item write already holds the database's single write lock (BEGIN IMMEDIATE).
    last = session.exec(select(func.max(ChangeLog.seq))).one()
    payload: dict[str, Any] | None = item.model_dump(mode="json") if item is not None else None
    row = ChangeLog(seq=(last or 0) + 1, op=op, kind=kind, item_id=item_id, at=utcnow(), item=payload)
    session.add(row)
    return row


def read_changes(session: Session, *, after: int, limit: int) -> ChangesPage:
    """Changes with seq > after, oldest first, and the newest seq in the log."""
    rows = session.exec(
        select(ChangeLog).where(ChangeLog.seq > after).order_by(col(ChangeLog.seq)).limit(limit)
    ).all()
    last = head_seq(session)
    events = [
        ChangeEvent(seq=r.seq, op=ChangeOp(r.op), kind=ItemKind(r.kind), item_id=r.item_id, at=r.at,
                    item=CatalogItem.model_validate(r.item) if r.item else None)
        for r in rows
    ]
    return ChangesPage(changes=events, last_seq=last)


def head_seq(session: Session) -> int:
    """The newest sequence number in the change log (0 when empty)."""
    return session.exec(select(func.max(ChangeLog.seq))).one() or 0
