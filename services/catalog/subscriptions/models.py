"""Tables of subscriptions: the subscription, each alert it fired (once per item) and the follower's cursor."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.catalog.core.tables import UtcDateTime, enum_col, utcnow
from services.catalog.subscriptions.vocab import DEFAULT_THRESHOLD, Frequency

_TS = UtcDateTime()


class Subscription(SQLModel, table=True):
    """A user following one of their needs or outputs, or a saved search, above a score threshold."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    kind: str = Field(sa_type=enum_col(16))
    # the item kind alerts are about: outputs for a need, needs for an output, either for a search
    target: str = Field(sa_type=enum_col(8))
    need_id: int | None = Field(default=None, foreign_key="tech_need.id", ondelete="CASCADE", index=True)
    output_id: int | None = Field(default=None, foreign_key="research_output.id", ondelete="CASCADE", index=True)
    query: str | None = Field(default=None, max_length=500)
    field: str | None = Field(default=None, max_length=100)
    cluster: str | None = Field(default=None, sa_type=enum_col())
    region: str | None = Field(default=None, max_length=50)
    threshold: float = DEFAULT_THRESHOLD
    frequency: str = Field(default=Frequency.instant, sa_type=enum_col(16))
    language: str = Field(default="zh", sa_type=enum_col(8))
    paused: bool = False
    # changes up to this one were logged before the subscription existed: they never fire it
    since_seq: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class SubscriptionAlert(SQLModel, table=True):
    """One item that matched a subscription: fired once per (subscription, item), however often it is edited."""

    __tablename__ = "subscription_alert"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "item_kind", "item_id", name="uq_subscription_alert"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", ondelete="CASCADE", index=True)
    item_kind: str = Field(sa_type=enum_col(8))
    item_id: int
    title: str = Field(max_length=300)
    score: float
    explanation_zh: str = Field(default="", sa_type=sa.Text)
    explanation_en: str = Field(default="", sa_type=sa.Text)
    seq: int  # the change that fired it
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    # when it reached the inbox (and the outbox): at once for instant subscriptions, in the next digest otherwise
    delivered_at: datetime | None = Field(default=None, sa_type=_TS, index=True)
    notification_id: int | None = Field(default=None, foreign_key="notification.id", ondelete="SET NULL")


class AlertCursor(SQLModel, table=True):
    """How far the alert follower has read the change feed (one row per follower name)."""

    __tablename__ = "alert_cursor"

    name: str = Field(primary_key=True, max_length=32)
    seq: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
