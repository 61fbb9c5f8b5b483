"""Request and response bodies of events (never the tables)."""

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from services.catalog.core.inputs import MAX_ID, RowId, StrictInput, Title, Version
from services.catalog.events.vocab import EventKind, EventStatus, RequestStatus
from shared.vocab import Cluster

Slot = Annotated[int, Field(ge=0, le=999, description="a slot number, from 0")]
Ids = Annotated[list[RowId], Field(max_length=50)]
Text300 = Annotated[str | None, Field(max_length=300)]
Contact = Annotated[str | None, Field(max_length=200)]


class EventCreate(StrictInput):
    """A new event (a draft until opened): its theme, place, capacity and slot grid."""

    title: Title
    kind: EventKind
    cluster: Cluster | None = None
    field: Annotated[str | None, Field(max_length=100)] = None
    theme: Text300 = None
    region: Annotated[str | None, Field(max_length=50)] = None
    starts_at: AwareDatetime = Field(description="the first meeting slot starts here (with its time zone)")
    slot_minutes: Annotated[int, Field(ge=5, le=240)] = 20
    slot_count: Annotated[int, Field(ge=1, le=48)] = 8
    tables: Annotated[int, Field(ge=1, le=200)] = 3
    venue: Text300 = None
    online_link: Annotated[str | None, Field(max_length=500)] = None
    capacity: Annotated[int, Field(ge=1, le=5000)]
    registration_deadline: AwareDatetime
    organiser_org_id: RowId | None = Field(None, description="default: the organiser's own organisation")


class EventUpdate(StrictInput):
    """Fields of an event to change; `version` must match the stored one."""

    not_null = frozenset({"title", "capacity", "registration_deadline"})
    version: Version
    title: Title | None = None
    venue: Text300 = None
    online_link: Annotated[str | None, Field(max_length=500)] = None
    capacity: Annotated[int | None, Field(ge=1, le=5000)] = None
    registration_deadline: AwareDatetime | None = None


class EventTransition(StrictInput):
    """Move an event to its next status."""

    to: EventStatus


class LineupItem(BaseModel):
    """One output of the line-up, with why."""

    output_id: int
    title: str | None = None
    organisation_name: str | None = None
    needs_served: int = 0
    score: float = 0.0
    reason_zh: str = ""
    reason_en: str = ""


class LineupEntry(StrictInput):
    """One output the organiser keeps in the line-up, with the reason shown."""

    output_id: RowId
    title: Annotated[str | None, Field(max_length=300)] = None
    organisation_name: Annotated[str | None, Field(max_length=200)] = None
    needs_served: Annotated[int, Field(ge=0, le=10_000)] = 0
    score: Annotated[float, Field(ge=0, le=1)] = 0.0
    reason_zh: Annotated[str, Field(max_length=500)] = ""
    reason_en: Annotated[str, Field(max_length=500)] = ""


class LineupUpdate(StrictInput):
    """The line-up as the organiser edited it."""

    items: Annotated[list[LineupEntry], Field(max_length=50)]


class ProposedGuest(BaseModel):
    """An enterprise worth inviting: its need the line-up serves best, and why."""

    organisation_id: int
    organisation_name: str | None
    score: float
    need_id: int
    output_id: int
    reason_zh: str
    reason_en: str


class ProgrammePublic(BaseModel):
    """The proposed programme: the open needs of the theme, the line-up and the invitation list."""

    needs: int
    lineup: list[LineupItem]
    invitations: list[ProposedGuest]


class EventPublic(BaseModel):
    """An event as callers see it."""

    id: int
    title: str
    kind: EventKind
    cluster: str | None
    field: str | None
    theme: str | None
    region: str | None
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int
    slot_count: int
    tables: int
    venue: str | None
    online_link: str | None
    capacity: int
    registration_deadline: datetime
    organiser_org_id: int | None
    status: EventStatus
    registered: int
    lineup: list[LineupItem]
    version: int


class EventsPublic(BaseModel):
    """A page of events and how many there are."""

    data: list[EventPublic]
    count: int


class RegistrationCreate(StrictInput):
    """Register an organisation with the needs or outputs it brings and the slots it is free."""

    organisation_id: RowId | None = Field(None, description="staff: the organisation; default the caller's")
    need_ids: Ids = []
    output_ids: Ids = []
    available_slots: Annotated[list[Slot], Field(max_length=200)] = []
    contact: Contact = None


class RegistrationPublic(BaseModel):
    """A registration: contact and check-in only for its organisation and the organisers."""

    id: int
    event_id: int
    organisation_id: int
    organisation_name: str | None
    organisation_kind: str | None
    need_ids: list[int]
    output_ids: list[int]
    available_slots: list[int]
    contact: str | None = None
    checked_in_at: datetime | None = None


class RegistrationsPublic(BaseModel):
    """The participants of an event."""

    data: list[RegistrationPublic]
    count: int


class CheckIn(StrictInput):
    """What the QR code at the door carries."""

    token: Annotated[str, Field(min_length=8, max_length=64)]


class MeetingRequestCreate(StrictInput):
    """Ask another participant for a meeting."""

    to_id: RowId = Field(description="the other participant's registration")
    from_id: RowId | None = Field(None, description="staff: on behalf of this registration")
    note: Annotated[str | None, Field(max_length=500)] = None


class RequestAnswer(StrictInput):
    """Accept or decline a meeting request."""

    accept: bool


class MeetingRequestPublic(BaseModel):
    """A meeting request between two participants."""

    id: int
    from_id: int
    to_id: int
    from_name: str | None
    to_name: str | None
    status: RequestStatus
    note: str | None


class Suggestion(BaseModel):
    """Another participant worth meeting, ranked by match score."""

    registration_id: int
    organisation_name: str | None
    score: float
    requested: bool


class PinCreate(StrictInput):
    """Fix a meeting between two participants to a slot and table."""

    first_id: RowId
    second_id: RowId
    slot: Slot
    table_no: Annotated[int, Field(ge=0, le=199)]


class MeetingPublic(BaseModel):
    """A scheduled meeting; the partner's contact only once both sides want it."""

    id: int
    first_id: int
    second_id: int
    first_name: str | None
    second_name: str | None
    slot: int
    table_no: int
    starts_at: datetime
    ends_at: datetime
    value: float
    score: float
    need_id: int | None
    output_id: int | None
    pinned: bool
    held: bool = Field(description="both sides checked in")
    match_id: int | None
    first_contact: str | None = None
    second_contact: str | None = None


class SchedulePublic(BaseModel):
    """The schedule and, once solved, the solver's figures."""

    meetings: list[MeetingPublic]
    total_value: float
    optimal: bool | None = None
    bound: float | None = None
    seconds: float | None = None


class MeetingMatch(StrictInput):
    """Turn a meeting into a broker match."""

    broker_id: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


class InvitationCreate(StrictInput):
    """Invite organisations to the event, each with why."""

    organisation_ids: Annotated[list[RowId], Field(min_length=1, max_length=200)]
    reason: Annotated[str | None, Field(max_length=2000)] = None


class InvitationPublic(BaseModel):
    """An organisation invited to the event."""

    id: int
    organisation_id: int
    organisation_name: str | None
    reason: str
    invited_at: datetime


class ReportPublic(BaseModel):
    """What came of an event."""

    event_id: int
    participants: int
    checked_in: int
    meetings_scheduled: int
    meetings_held: int
    matches_proposed: int
    introductions: int
    contracts: int
    contract_amount_yuan: str


class EventStatsRow(BaseModel):
    """The events of one county and cluster and what came of them."""

    region: str | None
    cluster: str | None
    events: int = 0
    participants: int = 0
    checked_in: int = 0
    meetings_held: int = 0
    matches_proposed: int = 0
    introductions: int = 0
    contracts: int = 0
    contract_amount_yuan: str = "0.00"
