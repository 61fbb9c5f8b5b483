"""Queries over subscriptions: the caller's own, their alerts, who is subscribed, the follower's cursor."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import User
from services.catalog.core.errors import NotFound
from services.catalog.items.kinds import SPECS
from services.catalog.items.repository import visible_clause
from services.catalog.subscriptions.models import AlertCursor, Subscription, SubscriptionAlert
from services.catalog.subscriptions.vocab import Frequency
from shared.vocab import ItemKind


def get_own(session: Session, *, user: User, subscription_id: int) -> Subscription:
    """One of the caller's subscriptions; 404 for anyone else's, so its existence stays private."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound(f"找不到订阅 {subscription_id}", f"No subscription {subscription_id}")
    return sub


def list_mine(session: Session, *, user: User, page: int, page_size: int) -> tuple[list[Subscription], int]:
    """One page of the caller's subscriptions, newest first, and their total."""
    mine = col(Subscription.user_id) == user.id
    total = session.exec(select(func.count()).select_from(Subscription).where(mine)).one()
    rows = session.exec(select(Subscription).where(mine).order_by(col(Subscription.id).desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), int(total)


def count_mine(session: Session, *, user: User) -> int:
    """How many subscriptions the caller has."""
    return int(session.exec(select(func.count()).select_from(Subscription)
                            .where(col(Subscription.user_id) == user.id)).one())


def alert_counts(session: Session, *, subscription_ids: list[int]) -> dict[int, int]:
    """How many alerts each subscription has fired."""
    if not subscription_ids:
        return {}
    rows = session.exec(select(SubscriptionAlert.subscription_id, func.count())
                        .where(col(SubscriptionAlert.subscription_id).in_(subscription_ids))
                        .group_by(col(SubscriptionAlert.subscription_id))).all()
    return {int(sid): int(n) for sid, n in rows}


def list_alerts(session: Session, *, subscription_id: int, page: int,
                page_size: int) -> tuple[list[SubscriptionAlert], int]:
    """One page of a subscription's alerts, newest first, and their total."""
    of = col(SubscriptionAlert.subscription_id) == subscription_id
    total = session.exec(select(func.count()).select_from(SubscriptionAlert).where(of)).one()
    rows = session.exec(select(SubscriptionAlert).where(of).order_by(col(SubscriptionAlert.id).desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), int(total)


def active(session: Session) -> list[tuple[Subscription, User]]:
    """Every subscription not paused whose subscriber is still active."""
    rows = session.exec(select(Subscription, User).join(User, col(User.id) == col(Subscription.user_id))
                        .where(col(Subscription.paused).is_(False), col(User.is_active).is_(True))
                        .order_by(col(Subscription.id))).all()
    return [(s, u) for s, u in rows]


def visible_ids(session: Session, *, kind: ItemKind, user: User, ids: list[int]) -> set[int]:
    """The items among `ids` the subscriber may see now (a brokers-only need only for staff)."""
    if not ids:
        return set()
    spec = SPECS[kind]
    table: Any = spec.table
    return {int(i) for i in session.exec(select(table.id).where(col(table.id).in_(ids), visible_clause(spec, user)))}


def alerted_ids(session: Session, *, subscription_id: int, kind: ItemKind, ids: list[int]) -> set[int]:
    """The items among `ids` that already fired this subscription."""
    if not ids:
        return set()
    return {int(i) for i in session.exec(select(SubscriptionAlert.item_id).where(
        col(SubscriptionAlert.subscription_id) == subscription_id, col(SubscriptionAlert.item_kind) == kind,
        col(SubscriptionAlert.item_id).in_(ids)))}


def undelivered(session: Session, *, frequency: Frequency, before: datetime,
                limit: int) -> list[tuple[SubscriptionAlert, User]]:
    """Alerts of digest subscriptions of this frequency made before `before` and not sent yet, of subscriptions not
    paused and subscribers still active, oldest first."""
    rows = session.exec(
        select(SubscriptionAlert, User)
        .join(Subscription, col(Subscription.id) == col(SubscriptionAlert.subscription_id))
        .join(User, col(User.id) == col(Subscription.user_id))
        .where(col(SubscriptionAlert.delivered_at).is_(None), col(SubscriptionAlert.created_at) < before,
               col(Subscription.paused).is_(False), col(User.is_active).is_(True),
               col(Subscription.frequency) == frequency)
        .order_by(col(SubscriptionAlert.id)).limit(limit)).all()
    return [(a, u) for a, u in rows]


def cursor(session: Session, *, name: str) -> int:
    """How far the named follower has read the change feed (0 before its first pass)."""
    row = session.get(AlertCursor, name)
    return row.seq if row is not None else 0
