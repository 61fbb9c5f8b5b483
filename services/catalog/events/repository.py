"""Who sees which event and registration: drafts only staff; a registration its organisation and the organisers;
other participants only their names and public profile."""

from typing import Any

from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import is_staff
from services.catalog.core.errors import Forbidden, NotFound
from services.catalog.events.models import Event, EventRegistration, Meeting, MeetingRequest
from services.catalog.events.vocab import PUBLIC, EventStatus
from services.catalog.items.models import ResearchOutput, TechNeed
from shared.vocab import NeedStatus, OutputStatus


def can_manage(user: User | None) -> bool:
    """Organisers are brokers and admins."""
    return user is not None and is_staff(user)


def require_manager(user: User | None) -> None:
    """403 unless the caller organises events."""
    if not can_manage(user):
        raise Forbidden("只有技术经纪人和管理员可以组织活动", "Only brokers and admins organise events")


def get_visible(session: Session, *, event_id: int, user: User | None, for_update: bool = False) -> Event:
    """One event: drafts only for organisers (404 for anyone else)."""
    stmt = select(Event).where(col(Event.id) == event_id)
    if for_update:
        stmt = stmt.with_for_update()
    event = session.exec(stmt).first()
    if event is None or (event.status == EventStatus.draft and not can_manage(user)):
        raise NotFound(f"找不到活动 {event_id}", f"No event {event_id}")
    return event


def list_events(session: Session, *, user: User | None, status: str | None, cluster: str | None,
                page: int, page_size: int) -> tuple[list[Event], int]:
    """A page of events, soonest first; drafts only for organisers."""
    stmt: Any = select(Event)
    if not can_manage(user):
        stmt = stmt.where(col(Event.status).in_(PUBLIC))
    if status is not None:
        stmt = stmt.where(col(Event.status) == status)
    if cluster is not None:
        stmt = stmt.where(col(Event.cluster) == cluster)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(col(Event.starts_at), col(Event.id))
                        .offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), int(total)


def registrations(session: Session, *, event_id: int) -> list[EventRegistration]:
    """Every registration of an event, in order."""
    return list(session.exec(select(EventRegistration).where(EventRegistration.event_id == event_id)
                             .order_by(col(EventRegistration.id))).all())


def count_registrations(session: Session, *, event_ids: list[int]) -> dict[int, int]:
    """How many registered for each event."""
    if not event_ids:
        return {}
    rows = session.exec(select(EventRegistration.event_id, func.count()).where(
        col(EventRegistration.event_id).in_(event_ids)).group_by(col(EventRegistration.event_id))).all()
    return {e: int(n) for e, n in rows}


def own_registration(session: Session, *, event: Event, user: User | None) -> EventRegistration | None:
    """The caller's organisation's registration for the event, if any."""
    if user is None or user.organisation_id is None:
        return None
    return session.exec(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.organisation_id == user.organisation_id)).first()


def get_registration(session: Session, *, event: Event, registration_id: int) -> EventRegistration:
    """One registration of this event (404 otherwise)."""
    row = session.get(EventRegistration, registration_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"活动 {event.id} 没有报名 {registration_id}",
                       f"Event {event.id} has no registration {registration_id}")
    return row


def may_act_for(user: User | None, registration: EventRegistration) -> bool:
    """Organisers and the registered organisation's users act for a registration."""
    return can_manage(user) or (user is not None and user.organisation_id == registration.organisation_id)


def requests(session: Session, *, event_id: int) -> list[MeetingRequest]:
    """Every meeting request of an event."""
    return list(session.exec(select(MeetingRequest).where(MeetingRequest.event_id == event_id)
                             .order_by(col(MeetingRequest.id))).all())


def meetings(session: Session, *, event_id: int) -> list[Meeting]:
    """Every scheduled meeting of an event, by slot and table."""
    return list(session.exec(select(Meeting).where(Meeting.event_id == event_id)
                             .order_by(col(Meeting.slot), col(Meeting.table_no))).all())


def items_to_bring(session: Session, *, org_id: int | None) -> tuple[list[TechNeed], list[ResearchOutput]]:
    """An organisation's open needs and published outputs, the ones it may bring to an event (newest first)."""
    if org_id is None:
        return [], []
    needs = session.exec(select(TechNeed).where(TechNeed.organisation_id == org_id, TechNeed.status == NeedStatus.open)
                         .order_by(col(TechNeed.id).desc()).limit(20)).all()
    outputs = session.exec(select(ResearchOutput).where(ResearchOutput.organisation_id == org_id,
                                                        ResearchOutput.status == OutputStatus.published)
                           .order_by(col(ResearchOutput.id).desc()).limit(20)).all()
    return list(needs), list(outputs)
