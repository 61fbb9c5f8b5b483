"""Subscriptions: follow one's own need or output, or save a search; change threshold, frequency, pause; remove;
the signed one-click unsubscribe link and what alerts say."""

import base64
import hashlib
import hmac

from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import is_staff
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import AppError, Conflict, Forbidden
from services.catalog.core.inputs import MAX_ID
from services.catalog.core.tables import utcnow
from services.catalog.items.changes import head_seq
from services.catalog.items.kinds import NEEDS, OUTPUTS, KindSpec
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.repository import get_visible
from services.catalog.subscriptions import repository as repo
from services.catalog.subscriptions.models import Subscription, SubscriptionAlert
from services.catalog.subscriptions.schemas import (
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionUpdate,
    Unsubscribed,
)
from services.catalog.subscriptions.vocab import Frequency, SubscriptionKind
from shared.vocab import ItemKind

MAX_PER_USER = 50  # each subscription costs the follower a question to the matcher per batch of changes


class BadToken(AppError):
    """An unsubscribe link that was altered or never issued."""

    status_code, code = 400, "invalid_token"

    def __init__(self) -> None:
        super().__init__("退订链接无效或已被篡改", "This unsubscribe link is invalid or has been altered")


def create(*, session: Session, user: User, data: SubscriptionCreate, language: str) -> Subscription:
    """A new subscription of the caller's (not committed); alerts only for changes logged from now on."""
    if repo.count_mine(session, user=user) >= MAX_PER_USER:
        raise Conflict(f"每位用户最多 {MAX_PER_USER} 个订阅，请先删除不用的订阅",
                       f"At most {MAX_PER_USER} subscriptions per user; remove one first")
    if data.kind is SubscriptionKind.need:
        _own(session, user=user, spec=NEEDS, item_id=data.need_id or 0)
        target = ItemKind.output
    elif data.kind is SubscriptionKind.output:
        _own(session, user=user, spec=OUTPUTS, item_id=data.output_id or 0)
        target = ItemKind.need
    else:
        target = ItemKind(data.target or ItemKind.output)  # the schema requires it for a search
    sub = Subscription(user_id=user.id or 0, kind=data.kind, target=target, need_id=data.need_id,
                       output_id=data.output_id, query=data.query, field=data.field, cluster=data.cluster,
                       region=data.region, threshold=data.threshold, frequency=data.frequency,
                       language="en" if language == "en" else "zh", since_seq=head_seq(session))
    session.add(sub)
    session.flush()
    return sub


def _own(session: Session, *, user: User, spec: KindSpec, item_id: int) -> None:
    """404 for an item the caller may not see; 403 for one that is not their organisation's (staff: any)."""
    item = get_visible(session, spec=spec, item_id=item_id, user=user)
    if not is_staff(user) and (user.organisation_id is None or item.organisation_id != user.organisation_id):
        raise Forbidden(f"只能关注本单位的{spec.zh}", f"You may follow only your own organisation's {spec.en}s")


def update(*, session: Session, subscription: Subscription, data: SubscriptionUpdate) -> Subscription:
    """Change threshold, frequency or pause (not committed)."""
    changes = data.model_dump(exclude_unset=True)
    subscription.sqlmodel_update(changes)
    subscription.updated_at = utcnow()
    session.add(subscription)
    return subscription


def delete(*, session: Session, subscription: Subscription) -> None:
    """Remove a subscription and its alerts (not committed)."""
    session.delete(subscription)


def present(*, session: Session, subscriptions: list[Subscription]) -> list[SubscriptionPublic]:
    """Subscriptions as their owner sees them, each with what it follows and how many alerts it fired."""
    counts = repo.alert_counts(session, subscription_ids=[s.id for s in subscriptions if s.id is not None])
    return [SubscriptionPublic(id=s.id or 0, kind=SubscriptionKind(s.kind), target=ItemKind(s.target),
                               need_id=s.need_id, output_id=s.output_id, subject=subject(session, s), query=s.query,
                               field=s.field, cluster=s.cluster, region=s.region, threshold=s.threshold,
                               frequency=Frequency(s.frequency), paused=s.paused, language=s.language,
                               created_at=s.created_at, alerts=counts.get(s.id or 0, 0))
            for s in subscriptions]


def subject(session: Session, subscription: Subscription) -> str:
    """What a subscription follows, in a few words: the item's title or the search text."""
    item = (session.get(TechNeed, subscription.need_id) if subscription.need_id is not None
            else session.get(ResearchOutput, subscription.output_id) if subscription.output_id is not None else None)
    return item.title if item is not None else subscription.query or ""


# ----- the one-click unsubscribe link -----

def _signature(settings: CatalogSettings, subscription_id: int, user_id: int) -> str:
    key = hmac.new(settings.secret_key.encode(), b"duijie-unsubscribe", hashlib.sha256).digest()  # never a JWT key
    mac = hmac.new(key, f"{subscription_id}.{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def unsubscribe_token(*, settings: CatalogSettings, subscription: Subscription) -> str:
    """The signed token of a subscription's unsubscribe link (no sign-in needed to use it)."""
    sid, uid = subscription.id or 0, subscription.user_id
    return f"{sid}.{uid}.{_signature(settings, sid, uid)}"


def unsubscribe(*, session: Session, settings: CatalogSettings, token: str) -> Unsubscribed:
    """Remove the subscription a signed token names (not committed); 400 for a token altered or never issued."""
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts[:2]):
        raise BadToken()
    sid, uid = int(parts[0]), int(parts[1])
    if not (1 <= sid <= MAX_ID and 1 <= uid <= MAX_ID) or not hmac.compare_digest(
            parts[2].encode(), _signature(settings, sid, uid).encode()):
        raise BadToken()
    sub = session.get(Subscription, sid)
    if sub is None or sub.user_id != uid:
        return Unsubscribed(subscription_id=sid, removed=False)  # removed already: the link stays harmless
    session.delete(sub)
    return Unsubscribed(subscription_id=sid, removed=True)


def links(*, settings: CatalogSettings, subscription: Subscription) -> tuple[str, str]:
    """The page to manage one's subscriptions and the subscription's one-click unsubscribe link."""
    base = settings.public_url.rstrip("/")
    return f"{base}/subscriptions", f"{base}/unsubscribe?token={unsubscribe_token(settings=settings, subscription=subscription)}"


def item_url(*, settings: CatalogSettings, alert: SubscriptionAlert) -> str:
    """Where the matching item is shown in the portal."""
    path = "outputs" if alert.item_kind == ItemKind.output else "needs"
    return f"{settings.public_url.rstrip('/')}/{path}/{alert.item_id}"


def describe(*, session: Session, subscription: Subscription, zh: bool) -> str:
    """"Your need «…»" or "your saved search «…»" in the subscriber's language."""
    what = subject(session, subscription)
    if subscription.kind == SubscriptionKind.need:
        return f"您关注的需求「{what}」" if zh else f"your need “{what}”"
    if subscription.kind == SubscriptionKind.output:
        return f"您关注的成果「{what}」" if zh else f"your output “{what}”"
    return f"您保存的检索「{what}」" if zh else f"your saved search “{what}”"


def alert_lines(*, settings: CatalogSettings, alert: SubscriptionAlert, zh: bool) -> list[str]:
    """One alert as lines of an e-mail or inbox message: title, score, why, where to see it."""
    why = alert.explanation_zh if zh else (alert.explanation_en or alert.explanation_zh)
    score = round(alert.score * 100)
    return [f"「{alert.title}」 匹配度 {score}%" if zh else f"“{alert.title}” score {score}%",
            (f"理由：{why}" if zh else f"Why: {why}"),
            (f"查看：{item_url(settings=settings, alert=alert)}" if zh
             else f"See it: {item_url(settings=settings, alert=alert)}")]


def footer(*, settings: CatalogSettings, subscription: Subscription, zh: bool) -> list[str]:
    """The lines every alert e-mail ends with: manage, and the one-click unsubscribe link."""
    manage, unsubscribe_link = links(settings=settings, subscription=subscription)
    if zh:
        return [f"管理订阅：{manage}", f"退订（无需登录，一键完成）：{unsubscribe_link}"]
    return [f"Manage subscriptions: {manage}", f"Unsubscribe (one click, no sign-in): {unsubscribe_link}"]
