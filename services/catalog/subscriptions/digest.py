"""Daily and weekly digests: the alerts of digest subscriptions gathered into one inbox message and one e-mail
per subscriber, at 08:00 Beijing time (weekly: on Mondays), judged by the clock passed in."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from services.catalog.accounts.models import User
from services.catalog.core.config import CatalogSettings
from services.catalog.subscriptions import repository as repo
from services.catalog.subscriptions import service
from services.catalog.subscriptions.models import Subscription, SubscriptionAlert
from services.catalog.subscriptions.vocab import DIGEST_HOUR_UTC, DIGEST_KIND, DIGEST_WEEKDAY, Frequency
from services.catalog.workflow.notifications import notify

MAX_ALERTS = 500  # per pass; the rest wait for the next one


def latest_digest(now: datetime, frequency: str) -> datetime:
    """The last digest time at or before `now`: 08:00 Beijing time (weekly: on a Monday). An alert made before it
    is due; one made after waits for the next."""
    moment = now.astimezone(UTC)
    day = moment.replace(hour=DIGEST_HOUR_UTC, minute=0, second=0, microsecond=0)
    if day > moment:
        day -= timedelta(days=1)
    if frequency == Frequency.weekly:
        day -= timedelta(days=(day.weekday() - DIGEST_WEEKDAY) % 7)
    return day


def run_digests(*, engine: sa.Engine, settings: CatalogSettings, now: datetime, limit: int = MAX_ALERTS) -> int:
    """Send every digest that is due by `now`, one short transaction each; returns how many went out."""
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    with Session(engine) as session:
        for frequency in (Frequency.daily, Frequency.weekly):
            due = repo.undelivered(session, frequency=frequency, before=latest_digest(now, frequency), limit=limit)
            for alert, user in due:
                groups[user.id or 0, frequency].append(alert.id or 0)
    return sum(_send(engine=engine, settings=settings, user_id=user_id, frequency=frequency, alert_ids=ids, now=now)
               for (user_id, frequency), ids in groups.items())


def _send(*, engine: sa.Engine, settings: CatalogSettings, user_id: int, frequency: str, alert_ids: list[int],
          now: datetime) -> int:
    with Session(engine) as session:
        taken = session.exec(update(SubscriptionAlert).where(  # type: ignore[call-overload]
            col(SubscriptionAlert.id).in_(alert_ids), col(SubscriptionAlert.delivered_at).is_(None)
        ).values(delivered_at=now))
        if taken.rowcount != len(alert_ids):  # another pass sent some of them meanwhile: leave it to the next one
            session.rollback()
            return 0
        rows = session.exec(select(SubscriptionAlert, Subscription)
                            .join(Subscription, col(Subscription.id) == col(SubscriptionAlert.subscription_id))
                            .where(col(SubscriptionAlert.id).in_(alert_ids))
                            .order_by(col(Subscription.id), col(SubscriptionAlert.score).desc())).all()
        user = session.get(User, user_id)
        if user is None or not rows:
            session.rollback()
            return 0
        zh = rows[0][1].language != "en"
        lines: list[str] = []
        by_sub: dict[int, list[SubscriptionAlert]] = defaultdict(list)
        subs = {}
        for alert, sub in rows:
            by_sub[sub.id or 0].append(alert)
            subs[sub.id or 0] = sub
        for sub_id, alerts in by_sub.items():
            sub = subs[sub_id]
            what = service.describe(session=session, subscription=sub, zh=zh)
            lines += [f"{what}：" if zh else f"For {what}:", ""]
            for alert in alerts:
                lines += [*service.alert_lines(settings=settings, alert=alert, zh=zh), ""]
            lines += [*service.footer(settings=settings, subscription=sub, zh=zh), "", ""]
        daily = frequency == Frequency.daily
        n = len(rows)
        subject = (f"{'每日' if daily else '每周'}订阅摘要：{n} 条新匹配" if zh
                   else f"Your {'daily' if daily else 'weekly'} digest: {n} new match{'es' if n > 1 else ''}")
        notes = notify(session, users=[user], kind=DIGEST_KIND, subject=subject, body="\n".join(lines).strip())
        if notes:
            session.exec(update(SubscriptionAlert).where(  # type: ignore[call-overload]
                col(SubscriptionAlert.id).in_(alert_ids)).values(notification_id=notes[0].id))
        session.commit()
        return 1
