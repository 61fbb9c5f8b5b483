"""Tables of the broker workflow: matches and their history, inbox, e-mail outbox, contracts, feedback."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from services.catalog.core.tables import UtcDateTime, utcnow
from services.catalog.workflow.vocab import MatchStatus, OutboxStatus, Response

_TS = UtcDateTime()


class Match(SQLModel, table=True):
    """A (need, output) pair with the matcher's verdict frozen when proposed, its broker and its status."""

    __tablename__ = "tech_match"
    __table_args__ = (
        sa.UniqueConstraint("need_id", "output_id", name="uq_match_pair"),
        sa.Index("ix_tech_match_need_status_score", "need_id", "status", "score"),
        sa.Index("ix_tech_match_broker_status", "broker_id", "status"),
        sa.Index("ix_tech_match_status_exit", "status", "declined_from", "decline_reason"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="tech_need.id", ondelete="CASCADE")
    output_id: int = Field(foreign_key="research_output.id", ondelete="CASCADE", index=True)
    score: float
    explanation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    components: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    model: str | None = Field(default=None, max_length=100)
    status: str = Field(default=MatchStatus.proposed, sa_type=sa.String(16))
    broker_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    proposed_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    need_response: str = Field(default=Response.pending, sa_type=sa.String(16))
    output_response: str = Field(default=Response.pending, sa_type=sa.String(16))
    decline_reason: str | None = Field(default=None, sa_type=sa.String(16))
    decline_note: str | None = Field(default=None, sa_type=sa.Text)
    declined_from: str | None = Field(default=None, sa_type=sa.String(16))
    # When the pair entered each step: the funnel's medians are computed from these in SQL.
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=_TS, index=True)
    shortlisted_at: datetime | None = Field(default=None, sa_type=_TS)
    introduced_at: datetime | None = Field(default=None, sa_type=_TS)
    negotiating_at: datetime | None = Field(default=None, sa_type=_TS)
    signed_at: datetime | None = Field(default=None, sa_type=_TS)
    declined_at: datetime | None = Field(default=None, sa_type=_TS)
    # Days each step took (from entering the previous step), kept so medians are an indexed ORDER BY.
    shortlist_days: float | None = Field(default=None, index=True)
    introduce_days: float | None = Field(default=None, index=True)
    negotiate_days: float | None = Field(default=None, index=True)
    sign_days: float | None = Field(default=None, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    version: int = 1


class MatchEvent(SQLModel, table=True):
    """One row of a match's history: a transition, note, assignment or a party's answer."""

    __tablename__ = "match_event"
    __table_args__ = (sa.Index("ix_match_event_actor_at", "actor_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="tech_match.id", ondelete="CASCADE", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    kind: str = Field(sa_type=sa.String(16))
    from_status: str | None = Field(default=None, sa_type=sa.String(16))
    to_status: str | None = Field(default=None, sa_type=sa.String(16))
    reason: str | None = Field(default=None, sa_type=sa.String(16))
    note: str | None = Field(default=None, sa_type=sa.Text)


class Notification(SQLModel, table=True):
    """An entry in one user's in-app inbox."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    match_id: int | None = Field(default=None, foreign_key="tech_match.id", ondelete="SET NULL")
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    read_at: datetime | None = Field(default=None, sa_type=_TS)


class OutboxEmail(SQLModel, table=True):
    """An e-mail written in the same transaction as its event, sent later by the outbox sender."""

    __tablename__ = "outbox_email"
    __table_args__ = (sa.Index("ix_outbox_email_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int | None = Field(default=None, foreign_key="notification.id", ondelete="SET NULL")
    to_addr: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    status: str = Field(default=OutboxStatus.pending, sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    lease_until: datetime | None = Field(default=None, sa_type=_TS)
    claim_token: str | None = Field(default=None, max_length=36)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    sent_at: datetime | None = Field(default=None, sa_type=_TS)


class TechContract(SQLModel, table=True):
    """A registered technology contract (技术合同登记)."""

    __tablename__ = "tech_contract"
    # Covering indexes: turnover by month, district, cluster and type is read from the index alone.
    __table_args__ = tuple(
        sa.Index(f"ix_tech_contract_{key}_amount", key, "amount_yuan")
        for key in ("sign_month", "region", "cluster", "contract_type")
    )

    id: int | None = Field(default=None, primary_key=True)
    registration_no: str = Field(max_length=64, unique=True)
    title: str | None = Field(default=None, max_length=300)
    contract_type: str = Field(sa_type=sa.String(16))
    amount_yuan: Decimal = Field(max_digits=16, decimal_places=2)
    signed_on: date = Field(index=True)
    sign_month: str = Field(max_length=7)
    buyer_org_id: int = Field(foreign_key="organisation.id", index=True)
    seller_org_id: int = Field(foreign_key="organisation.id", index=True)
    region: str | None = Field(default=None, max_length=50)
    field: str | None = Field(default=None, max_length=100)
    cluster: str | None = Field(default=None, sa_type=sa.String(32))
    match_id: int | None = Field(default=None, foreign_key="tech_match.id", ondelete="SET NULL", unique=True)
    need_id: int | None = Field(default=None, foreign_key="tech_need.id", ondelete="SET NULL", index=True)
    registered_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class MatchFeedback(SQLModel, table=True):
    """A broker's judgement of a pair kept as a labelled example (texts frozen when judged)."""

    __tablename__ = "match_feedback"

    id: int | None = Field(default=None, primary_key=True)
    match_id: int | None = Field(default=None, foreign_key="tech_match.id", ondelete="SET NULL", unique=True)
    need_id: int
    output_id: int
    label: int
    stage: str = Field(sa_type=sa.String(16))
    reason: str | None = Field(default=None, sa_type=sa.String(16))
    note: str | None = Field(default=None, sa_type=sa.Text)
    need_text: str = Field(sa_type=sa.Text)
    output_text: str = Field(sa_type=sa.Text)
    score: float | None = None
    decided_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime = Field(default_factory=utcnow, sa_type=_TS, index=True)
