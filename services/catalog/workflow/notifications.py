"""The in-app inbox, and e-mails queued in the outbox within the same transaction as the event."""

from sqlmodel import Session, col, func, select, update

from services.catalog.accounts.models import User
from services.catalog.core.errors import NotFound
from services.catalog.core.tables import utcnow
from services.catalog.workflow.models import Notification, OutboxEmail

SUBJECT_PREFIX = "【产学研对接】"


def org_users(session: Session, organisation_id: int) -> list[User]:
    """The active users of an organisation."""
    return list(session.exec(
        select(User).where(User.organisation_id == organisation_id, User.is_active == True)  # noqa: E712
    ).all())


def notify(session: Session, *, users: list[User], kind: str, subject: str, body: str,
           match_id: int | None = None) -> list[Notification]:
    """Put a message in each user's inbox and queue an e-mail to those with an address (not committed)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.id is None or user.id in seen:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, match_id=match_id, kind=kind, subject=subject, body=body)
        session.add(note)
        session.flush()
        if user.email:
            session.add(OutboxEmail(notification_id=note.id, to_addr=user.email,
                                    subject=SUBJECT_PREFIX + subject, body=body))
        rows.append(note)
    return rows


def list_inbox(session: Session, *, user: User, unread_only: bool, page: int,
               page_size: int) -> tuple[list[Notification], int, int]:
    """One page of a user's inbox (newest first), its total, and the unread count."""
    mine = col(Notification.user_id) == user.id
    stmt = select(Notification).where(mine)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    unread = session.exec(select(func.count()).where(mine, col(Notification.read_at).is_(None))).one()
    rows = session.exec(stmt.order_by(col(Notification.id).desc()).offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total, unread


def mark_read(session: Session, *, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (404 for anyone else's)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound(f"找不到通知 {notification_id}", f"No notification {notification_id}")
    if note.read_at is None:
        note.read_at = utcnow()
        session.add(note)
    return note


def mark_all_read(session: Session, *, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = session.exec(  # type: ignore[call-overload]
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)
