"""Tables of events: the event and its slot grid, registrations (with their check-in token), meeting requests,
the meetings scheduled and the organisations invited."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from services.catalog.core.tables import UtcDateTime, enum_col, utcnow
from services.catalog.events.vocab import EventStatus, RequestStatus

_TS = UtcDateTime()


def _json(default: Any = list) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Event(SQLModel, table=True):
    """A roadshow or 对接会: its theme, place, capacity and a grid of `tables` × `slot_count` meeting slots."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    kind: str = Field(sa_type=enum_col(16))
    cluster: str | None = Field(default=None, sa_type=enum_col(), index=True)
    field: str | None = Field(default=None, max_length=100)
    theme: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, max_length=50, index=True)
    # the meeting slots run back to back from starts_at, slot_minutes each
    starts_at: datetime = Field(sa_type=_TS)
    slot_minutes: int
    slot_count: int
    tables: int
    venue: str | None = Field(default=None, max_length=300)
    online_link: str | None = Field(default=None, max_length=500)
    capacity: int
    registration_deadline: datetime = Field(sa_type=_TS)
    organiser_org_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status: str = Field(default=EventStatus.draft, sa_type=enum_col(16), index=True)
    # the proposed line-up the organiser kept: [{output_id, reason_zh, reason_en}]
    lineup: list[dict[str, Any]] = _json()
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    version: int = 1


class EventRegistration(SQLModel, table=True):
    """An organisation registered for an event with what it brings and the slots it is free."""

    __tablename__ = "event_registration"
    __table_args__ = (sa.UniqueConstraint("event_id", "organisation_id", name="uq_event_registration"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    registered_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    need_ids: list[int] = _json()
    output_ids: list[int] = _json()
    available_slots: list[int] = _json()  # slot numbers from 0
    contact: str | None = Field(default=None, max_length=200)
    # what the QR code at the door carries; random, so a registration's id alone checks nobody in
    token: str = Field(max_length=64, unique=True)
    checked_in_at: datetime | None = Field(default=None, sa_type=_TS)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class MeetingRequest(SQLModel, table=True):
    """One participant asks another for a 1-on-1 meeting; the other accepts or declines."""

    __tablename__ = "event_meeting_request"
    __table_args__ = (sa.UniqueConstraint("event_id", "from_id", "to_id", name="uq_event_meeting_request"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    from_id: int = Field(foreign_key="event_registration.id", ondelete="CASCADE")
    to_id: int = Field(foreign_key="event_registration.id", ondelete="CASCADE")
    status: str = Field(default=RequestStatus.requested, sa_type=enum_col(16))
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class Meeting(SQLModel, table=True):
    """A meeting scheduled in one slot at one table (pinned by the organiser or placed by the solver)."""

    __tablename__ = "event_meeting"
    __table_args__ = (sa.UniqueConstraint("event_id", "slot", "table_no", name="uq_event_meeting_seat"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    first_id: int = Field(foreign_key="event_registration.id", ondelete="CASCADE")
    second_id: int = Field(foreign_key="event_registration.id", ondelete="CASCADE")
    slot: int
    table_no: int
    value: float  # the match score, weighted up when both sides asked
    score: float  # the best match score between one side's needs and the other's outputs
    # the (need, output) pair behind the score: what the meeting becomes as a broker match
    need_id: int | None = Field(default=None, foreign_key="tech_need.id", ondelete="SET NULL")
    output_id: int | None = Field(default=None, foreign_key="research_output.id", ondelete="SET NULL")
    pinned: bool = False
    match_id: int | None = Field(default=None, foreign_key="tech_match.id", ondelete="SET NULL")


class EventInvitation(SQLModel, table=True):
    """An organisation invited to an event, with why."""

    __tablename__ = "event_invitation"
    __table_args__ = (sa.UniqueConstraint("event_id", "organisation_id", name="uq_event_invitation"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    reason: str = Field(default="", sa_type=sa.Text)
    invited_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    invited_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
