"""Rules of events: create and move an event, register with availability, check in at the door, request
meetings, pin and schedule them (CP-SAT, `events.schedule`), turn a meeting into a broker match, report.

Every function writes through the session it is given and never commits: the caller ends the transaction.
Times come from `clock` (`core.tables.utcnow` unless a test moves it), so deadlines are judged on the server.
Match scores are asked by the route beforehand (`matching.service.need_output_scores`) and passed in, so no
transaction is open while the matcher answers.
"""

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import Role
from services.catalog.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.catalog.core.tables import Clock, utcnow
from services.catalog.events import repository as repo
from services.catalog.events import schedule as cpsat
from services.catalog.events.models import Event, EventInvitation, EventRegistration, Meeting, MeetingRequest
from services.catalog.events.schemas import (
    EventCreate,
    EventPublic,
    EventUpdate,
    InvitationCreate,
    LineupItem,
    MeetingPublic,
    MeetingRequestCreate,
    MeetingRequestPublic,
    PinCreate,
    RegistrationCreate,
    RegistrationPublic,
    ReportPublic,
    Suggestion,
)
from services.catalog.events.vocab import (
    FALLBACK_SCORE,
    MUTUAL_WEIGHT,
    NEXT,
    EventStatus,
    RequestStatus,
    label,
)
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.present import organisations_by_id
from services.catalog.items.repository import get_visible as get_visible_item
from services.catalog.workflow import service as workflow
from services.catalog.workflow.models import Match
from services.catalog.workflow.notifications import notify, org_users
from services.catalog.workflow.stats import match_outcomes

# a requested pair the matcher ranks nowhere still counts a little: both sides asked to meet
UNRANKED_SCORE = 0.1
PARTICIPANT_ROLES = (Role.enterprise, Role.university)
Scores = dict[tuple[int, int], float] | None  # (need id, output id) → score; None when the matcher was unavailable


def _invalid(zh: str, en: str, column: str) -> ValidationFailed:
    return ValidationFailed(zh, en, detail=[{"column": column, "zh": zh, "en": en}])


def ends_at(event: Event) -> datetime:
    """When the last meeting slot ends."""
    return event.starts_at + timedelta(minutes=event.slot_minutes * event.slot_count)


def slot_start(event: Event, slot: int) -> datetime:
    """When a slot starts."""
    return event.starts_at + timedelta(minutes=event.slot_minutes * slot)


# --- events -----------------------------------------------------------------------------------------------


def create_event(session: Session, *, user: User, data: EventCreate, clock: Clock = utcnow) -> Event:
    """Create a draft event (organisers only); not committed."""
    repo.require_manager(user)
    now = clock()
    if data.registration_deadline > data.starts_at:
        raise _invalid("报名截止时间不能晚于活动开始时间", "Registration must close before the event starts",
                       "registration_deadline")
    if data.starts_at <= now:
        raise _invalid("活动开始时间应晚于现在", "The event must start in the future", "starts_at")
    org_id = data.organiser_org_id or user.organisation_id
    if org_id is not None and session.get(Organisation, org_id) is None:
        raise _invalid(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist", "organiser_org_id")
    values = data.model_dump(mode="json", exclude={"starts_at", "registration_deadline", "organiser_org_id"})
    event = Event(**values, starts_at=data.starts_at, registration_deadline=data.registration_deadline,
                  organiser_org_id=org_id, created_by=user.id, created_at=now, updated_at=now)
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, *, event: Event, user: User, data: EventUpdate, clock: Clock = utcnow) -> Event:
    """Change an event's place, capacity or deadline (organisers); not committed."""
    repo.require_manager(user)
    if data.version != event.version:
        raise Conflict(f"活动 {event.id} 已被他人修改（当前版本 {event.version}），请刷新后重试",
                       f"Event {event.id} was changed meanwhile (now version {event.version}); reload and retry")
    values = data.model_dump(exclude_unset=True, exclude={"version"})
    deadline = values.get("registration_deadline") or event.registration_deadline
    if deadline > event.starts_at:
        raise _invalid("报名截止时间不能晚于活动开始时间", "Registration must close before the event starts",
                       "registration_deadline")
    if data.capacity is not None and data.capacity < len(repo.registrations(session, event_id=event.id or 0)):
        raise _invalid("容量不能少于已报名的单位数", "Capacity cannot be below the registrations already made", "capacity")
    event.sqlmodel_update(values)
    event.updated_at = clock()
    event.version += 1
    session.add(event)
    return event


def move(session: Session, *, event: Event, user: User, to: EventStatus, clock: Clock = utcnow) -> Event:
    """Move an event one step along draft → open → closed → held → reported (organisers); not committed."""
    repo.require_manager(user)
    if to not in NEXT[EventStatus(event.status)]:
        raise Conflict(f"活动 {event.id} 当前为“{label(event.status)}”，不能改为“{label(to)}”",
                       f"Event {event.id} is {event.status}; it cannot move to {to}")
    event.status = to
    event.updated_at = clock()
    event.version += 1
    session.add(event)
    return event


def present(session: Session, *, events: list[Event]) -> list[EventPublic]:
    """Events as callers see them, with how many registered."""
    counts = repo.count_registrations(session, event_ids=[e.id or 0 for e in events])
    return [EventPublic(**e.model_dump(exclude={"lineup"}), ends_at=ends_at(e), registered=counts.get(e.id or 0, 0),
                        lineup=[LineupItem.model_validate(x) for x in e.lineup]) for e in events]


# --- registration and check-in ----------------------------------------------------------------------------


def _own_items(session: Session, *, user: User, org_id: int, need_ids: list[int], output_ids: list[int]) -> None:
    for spec, ids, column in ((NEEDS, need_ids, "need_ids"), (OUTPUTS, output_ids, "output_ids")):
        for item_id in ids:
            table: Any = spec.table
            item = session.get(table, item_id)
            if item is None or item.organisation_id != org_id:
                raise _invalid(f"{spec.zh} {item_id} 不存在或不属于报名单位",
                               f"{spec.en.capitalize()} {item_id} does not exist or is not the registering "
                               "organisation's", column)


def register(session: Session, *, event: Event, user: User, data: RegistrationCreate,
             clock: Clock = utcnow) -> EventRegistration:
    """Register an organisation (the caller's; organisers: any) before the deadline and within capacity."""
    if repo.can_manage(user):
        org_id = data.organisation_id or user.organisation_id
    elif user.role in PARTICIPANT_ROLES and user.organisation_id is not None:
        if data.organisation_id not in (None, user.organisation_id):
            raise Forbidden("只能为本单位报名", "You may only register your own organisation")
        org_id = user.organisation_id
    else:
        raise Forbidden("只有企业、高校院所和组织方可以报名", "Only enterprises, universities and organisers register")
    if org_id is None or session.get(Organisation, org_id) is None:
        raise _invalid("请指定报名单位 organisation_id", "Name the registering organisation (organisation_id)",
                       "organisation_id")
    if event.status != EventStatus.open:
        raise Conflict(f"活动 {event.id} 当前为“{label(event.status)}”，不在报名期", f"Event {event.id} is "
                       f"{event.status}; registration is closed")
    if clock() > event.registration_deadline:
        raise Conflict("报名已截止", "Registration closed at the deadline")
    taken = repo.registrations(session, event_id=event.id or 0)
    if any(r.organisation_id == org_id for r in taken):
        raise Conflict("该单位已报名本活动", "This organisation is already registered for this event")
    if len(taken) >= event.capacity:
        raise Conflict(f"活动已满员（容量 {event.capacity}）", f"The event is full (capacity {event.capacity})")
    _check_slots(event, data.available_slots)
    _own_items(session, user=user, org_id=org_id, need_ids=data.need_ids, output_ids=data.output_ids)
    row = EventRegistration(event_id=event.id or 0, organisation_id=org_id, registered_by=user.id,
                            need_ids=data.need_ids, output_ids=data.output_ids,
                            available_slots=sorted(data.available_slots), contact=data.contact,
                            token=secrets.token_urlsafe(24), created_at=clock())
    session.add(row)
    session.flush()
    return row


def _check_slots(event: Event, slots: list[int]) -> None:
    outside = sorted({s for s in slots if s >= event.slot_count})
    if outside:
        raise _invalid(f"时段 {outside} 超出活动范围（共 {event.slot_count} 个时段，编号 0–{event.slot_count - 1}）",
                       f"Slots {outside} are outside the event ({event.slot_count} slots, numbered 0–"
                       f"{event.slot_count - 1})", "available_slots")
    if len(set(slots)) != len(slots):
        raise _invalid("空闲时段有重复", "The available slots overlap (a slot is listed twice)", "available_slots")


def check_in(session: Session, *, event: Event, user: User, token: str, clock: Clock = utcnow) -> EventRegistration:
    """Staff at the door check a registration in by its QR token; checking in twice is refused."""
    repo.require_manager(user)
    row = session.exec(select(EventRegistration).where(EventRegistration.event_id == event.id,
                                                       EventRegistration.token == token)).first()
    if row is None:
        raise NotFound("二维码无效：本活动没有此报名", "Invalid QR code: no such registration for this event")
    if row.checked_in_at is not None:
        raise Conflict(f"该单位已于 {row.checked_in_at:%H:%M} 签到", f"Already checked in at {row.checked_in_at:%H:%M}")
    row.checked_in_at = clock()
    session.add(row)
    return row


def present_registrations(session: Session, *, rows: list[EventRegistration],
                          viewer: User | None) -> list[RegistrationPublic]:
    """Registrations with their organisations; contact and check-in only for the organisation and organisers."""
    orgs = organisations_by_id(session, {r.organisation_id for r in rows})
    result = []
    for r in rows:
        own = repo.may_act_for(viewer, r)
        org = orgs.get(r.organisation_id)
        result.append(RegistrationPublic(
            id=r.id or 0, event_id=r.event_id, organisation_id=r.organisation_id,
            organisation_name=org.name if org else None, organisation_kind=org.kind if org else None,
            need_ids=r.need_ids, output_ids=r.output_ids, available_slots=r.available_slots if own else [],
            contact=r.contact if own else None, checked_in_at=r.checked_in_at if own else None))
    return result


def participants(session: Session, *, event: Event, user: User) -> list[EventRegistration]:
    """The participants of an event: for organisers and for participants (who see names and profiles only)."""
    if not repo.can_manage(user) and repo.own_registration(session, event=event, user=user) is None:
        raise Forbidden("只有活动参与方和组织方可以查看参与名单", "Only participants and organisers see who takes part")
    return repo.registrations(session, event_id=event.id or 0)


def readable_registration(session: Session, *, event: Event, user: User, registration_id: int) -> EventRegistration:
    """A registration its organisation or an organiser may act on (403 for anyone else)."""
    row = repo.get_registration(session, event=event, registration_id=registration_id)
    if not repo.may_act_for(user, row):
        raise Forbidden("只能查看本单位的报名", "You may only see your own organisation's registration")
    return row


# --- meeting requests -------------------------------------------------------------------------------------


def request_meeting(session: Session, *, event: Event, user: User, data: MeetingRequestCreate,
                    clock: Clock = utcnow) -> MeetingRequest:
    """A participant asks another for a meeting (organisers may ask on a participant's behalf)."""
    if data.from_id is not None:
        mine = readable_registration(session, event=event, user=user, registration_id=data.from_id)
    else:
        found = repo.own_registration(session, event=event, user=user)
        if found is None:
            raise Forbidden("只有活动参与方可以申请洽谈", "Only participants request meetings")
        mine = found
    other = session.get(EventRegistration, data.to_id)
    if other is None or other.event_id != event.id:
        raise _invalid(f"报名 {data.to_id} 不是本活动的参与方", f"Registration {data.to_id} is not a participant of "
                       "this event", "to_id")
    if other.id == mine.id:
        raise _invalid("不能与自己预约洽谈", "You cannot request a meeting with yourself", "to_id")
    if event.status not in (EventStatus.open, EventStatus.closed):
        raise Conflict(f"活动 {event.id} 当前为“{label(event.status)}”，不能再预约洽谈",
                       f"Event {event.id} is {event.status}; meetings are requested before it is held")
    existing = session.exec(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.from_id == mine.id, MeetingRequest.to_id == other.id)).first()
    if existing is not None:
        raise Conflict("已向该参与方发出过洽谈申请", "You already asked this participant for a meeting")
    row = MeetingRequest(event_id=event.id or 0, from_id=mine.id or 0, to_id=other.id or 0, note=data.note,
                         created_at=clock())
    session.add(row)
    session.flush()
    orgs = organisations_by_id(session, {mine.organisation_id})
    notify(session, users=org_users(session, other.organisation_id), kind="event_meeting_request",
           subject=f"洽谈邀约：{event.title}",
           body=f"{orgs[mine.organisation_id].name if mine.organisation_id in orgs else '一位参与方'}希望在活动"
                f"“{event.title}”中与贵单位一对一洽谈。")
    return row


def answer_request(session: Session, *, event: Event, user: User, request_id: int, accept: bool) -> MeetingRequest:
    """The asked participant accepts or declines (organisers may answer for it)."""
    row = session.get(MeetingRequest, request_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"找不到洽谈申请 {request_id}", f"No meeting request {request_id}")
    asked = session.get(EventRegistration, row.to_id)
    assert asked is not None  # cascades remove a request with either registration
    if not repo.may_act_for(user, asked):
        raise Forbidden("只有被邀约方可以答复洽谈申请", "Only the participant asked answers a meeting request")
    row.status = RequestStatus.accepted if accept else RequestStatus.declined
    session.add(row)
    return row


def visible_requests(session: Session, *, event: Event, user: User) -> list[MeetingRequestPublic]:
    """Meeting requests: all for organisers, a participant's own (sent or received) for it."""
    rows = repo.requests(session, event_id=event.id or 0)
    regs = {r.id: r for r in repo.registrations(session, event_id=event.id or 0)}
    if not repo.can_manage(user):
        mine = repo.own_registration(session, event=event, user=user)
        if mine is None:
            raise Forbidden("只有活动参与方和组织方可以查看洽谈申请", "Only participants and organisers see meeting requests")
        rows = [r for r in rows if mine.id in (r.from_id, r.to_id)]
    orgs = organisations_by_id(session, {r.organisation_id for r in regs.values()})

    def name(reg_id: int) -> str | None:
        org = orgs.get(regs[reg_id].organisation_id) if reg_id in regs else None
        return org.name if org else None

    return [MeetingRequestPublic(id=r.id or 0, from_id=r.from_id, to_id=r.to_id, from_name=name(r.from_id),
                                 to_name=name(r.to_id), status=RequestStatus(r.status), note=r.note) for r in rows]


# --- match values -----------------------------------------------------------------------------------------


def needs_to_score(session: Session, *, event: Event) -> list[TechNeed]:
    """The needs participants bring (what the route asks the matcher about before scheduling)."""
    ids = sorted({n for r in repo.registrations(session, event_id=event.id or 0) for n in r.need_ids})
    if not ids:
        return []
    return list(session.exec(select(TechNeed).where(col(TechNeed.id).in_(ids))).all())


def pair_score(first: EventRegistration, second: EventRegistration,
               scores: Scores) -> tuple[float, int | None, int | None]:
    """The best score between one side's needs and the other's outputs, and that (need, output) pair."""
    best: tuple[float, int | None, int | None] = (-1.0, None, None)
    for needs, outputs in ((first.need_ids, second.output_ids), (second.need_ids, first.output_ids)):
        for n in needs:
            for o in outputs:
                s = FALLBACK_SCORE if scores is None else scores.get((n, o), UNRANKED_SCORE)
                if s > best[0]:
                    best = (s, n, o)
    if best[0] < 0:  # nothing to pair (two buyers, or two sellers)
        return (FALLBACK_SCORE if scores is None else UNRANKED_SCORE, None, None)
    return best


def suggestions(session: Session, *, event: Event, registration: EventRegistration, scores: Scores,
                k: int = 10) -> list[Suggestion]:
    """Other participants worth meeting, best match score first, marking those already asked."""
    regs = [r for r in repo.registrations(session, event_id=event.id or 0) if r.id != registration.id]
    asked = {r.to_id for r in repo.requests(session, event_id=event.id or 0) if r.from_id == registration.id}
    orgs = organisations_by_id(session, {r.organisation_id for r in regs})
    ranked = sorted(((pair_score(registration, r, scores)[0], r) for r in regs), key=lambda x: (-x[0], x[1].id or 0))
    return [Suggestion(registration_id=r.id or 0, organisation_name=orgs[r.organisation_id].name
                       if r.organisation_id in orgs else None, score=round(s, 4), requested=r.id in asked)
            for s, r in ranked[:k]]


# --- the schedule -----------------------------------------------------------------------------------------


def _pairs(session: Session, *, event: Event, regs: dict[int, EventRegistration],
           scores: Scores) -> dict[tuple[int, int], tuple[float, float, int | None, int | None]]:
    wanted: dict[tuple[int, int], int] = {}
    for r in repo.requests(session, event_id=event.id or 0):
        if r.status == RequestStatus.declined:
            continue
        key = (min(r.from_id, r.to_id), max(r.from_id, r.to_id))
        # both asked, or the one asked accepted: a mutual meeting
        wanted[key] = 2 if r.status == RequestStatus.accepted else wanted.get(key, 0) + 1
    for m in repo.meetings(session, event_id=event.id or 0):
        if m.pinned:
            wanted.setdefault((m.first_id, m.second_id), 1)
    result = {}
    for (a, b), sides in wanted.items():
        score, need_id, output_id = pair_score(regs[a], regs[b], scores)
        result[a, b] = (score * (MUTUAL_WEIGHT if sides >= 2 else 1.0), score, need_id, output_id)
    return result


def pin(session: Session, *, event: Event, user: User, data: PinCreate) -> Meeting:
    """The organiser fixes a meeting to a slot and table; unpinned meetings in its way are dropped until re-solved."""
    repo.require_manager(user)
    if data.first_id == data.second_id:
        raise _invalid("不能安排与自己洽谈", "A participant cannot meet itself", "second_id")
    for reg_id, column in ((data.first_id, "first_id"), (data.second_id, "second_id")):
        reg = session.get(EventRegistration, reg_id)
        if reg is None or reg.event_id != event.id:
            raise _invalid(f"报名 {reg_id} 不是本活动的参与方", f"Registration {reg_id} is not a participant of this "
                           "event", column)
    if data.slot >= event.slot_count or data.table_no >= event.tables:
        raise _invalid(f"时段或桌号超出活动范围（{event.slot_count} 个时段 × {event.tables} 张桌）",
                       f"Slot or table outside the event ({event.slot_count} slots × {event.tables} tables)", "slot")
    a, b = sorted((data.first_id, data.second_id))
    existing = repo.meetings(session, event_id=event.id or 0)
    for m in existing:
        if not m.pinned:
            continue
        if (m.first_id, m.second_id) == (a, b):
            raise Conflict("这两方的洽谈已固定在另一时段", "These two already have a pinned meeting")
        if m.slot == data.slot and (m.table_no == data.table_no or {a, b} & {m.first_id, m.second_id}):
            raise Conflict("该时段与已固定的洽谈重叠（同一桌或同一参与方）",
                           "The slot overlaps a pinned meeting (same table or same participant)")
    for m in existing:
        if not m.pinned and ((m.first_id, m.second_id) == (a, b) or (m.slot == data.slot and (
                m.table_no == data.table_no or {a, b} & {m.first_id, m.second_id}))):
            session.delete(m)
    session.flush()
    row = Meeting(event_id=event.id or 0, first_id=a, second_id=b, slot=data.slot, table_no=data.table_no,
                  value=0.0, score=0.0, pinned=True)
    session.add(row)
    session.flush()
    return row


def unpin(session: Session, *, event: Event, user: User, meeting_id: int) -> None:
    """Release a pinned meeting (it goes with the next solve like any other)."""
    repo.require_manager(user)
    row = session.get(Meeting, meeting_id)
    if row is None or row.event_id != event.id:
        raise NotFound(f"找不到洽谈 {meeting_id}", f"No meeting {meeting_id}")
    session.delete(row)


def solve_schedule(session: Session, *, event: Event, user: User, scores: Scores,
                   time_limit: float = 10.0) -> cpsat.Solution:
    """Schedule the requested meetings over slots × tables with CP-SAT, maximising their total match value;
    pinned meetings stay where the organiser put them. Replaces the unpinned ones; not committed."""
    repo.require_manager(user)
    if event.status not in (EventStatus.open, EventStatus.closed):
        raise Conflict(f"活动 {event.id} 当前为“{label(event.status)}”，不能再排程",
                       f"Event {event.id} is {event.status}; the schedule is made before it is held")
    regs = {r.id or 0: r for r in repo.registrations(session, event_id=event.id or 0)}
    pairs = _pairs(session, event=event, regs=regs, scores=scores)
    old = repo.meetings(session, event_id=event.id or 0)
    pins = [cpsat.Pin(m.first_id, m.second_id, m.slot, m.table_no) for m in old if m.pinned]
    solution = cpsat.solve(pairs=[cpsat.Pair(a, b, v[0]) for (a, b), v in pairs.items()],
                           available={i: set(r.available_slots) for i, r in regs.items()},
                           slots=event.slot_count, tables=event.tables, pins=pins, time_limit=time_limit)
    session.exec(delete(Meeting).where(col(Meeting.event_id) == event.id, col(Meeting.pinned) == False))  # type: ignore[call-overload]  # noqa: E712
    pinned = {(m.first_id, m.second_id): m for m in old if m.pinned}
    for placed in solution.meetings:
        value, score, need_id, output_id = pairs[placed.a, placed.b]
        row = pinned.get((placed.a, placed.b)) or Meeting(event_id=event.id or 0, first_id=placed.a,
                                                           second_id=placed.b, slot=placed.slot,
                                                           table_no=placed.table, pinned=False, value=0.0, score=0.0)
        row.value, row.score, row.need_id, row.output_id = round(value, 4), round(score, 4), need_id, output_id
        session.add(row)
    session.flush()
    return solution


def _accepted(session: Session, *, event: Event) -> set[tuple[int, int]]:
    mutual: dict[tuple[int, int], int] = {}
    for r in repo.requests(session, event_id=event.id or 0):
        key = (min(r.from_id, r.to_id), max(r.from_id, r.to_id))
        if r.status == RequestStatus.accepted:
            mutual[key] = 2
        elif r.status == RequestStatus.requested:
            mutual[key] = mutual.get(key, 0) + 1
    return {k for k, n in mutual.items() if n >= 2}


def present_meetings(session: Session, *, event: Event, viewer: User | None,
                     registration: EventRegistration | None = None) -> list[MeetingPublic]:
    """Meetings (all, or one registration's), each side's contact only to organisers and, once both sides want
    the meeting, to the other side."""
    rows = repo.meetings(session, event_id=event.id or 0)
    if registration is not None:
        rows = [m for m in rows if registration.id in (m.first_id, m.second_id)]
    regs = {r.id: r for r in repo.registrations(session, event_id=event.id or 0)}
    orgs = organisations_by_id(session, {r.organisation_id for r in regs.values()})
    agreed = _accepted(session, event=event)
    staff = repo.can_manage(viewer)
    result = []
    for m in rows:
        first, second = regs[m.first_id], regs[m.second_id]
        both = (m.first_id, m.second_id) in agreed
        own_first, own_second = repo.may_act_for(viewer, first), repo.may_act_for(viewer, second)
        result.append(MeetingPublic(
            id=m.id or 0, first_id=m.first_id, second_id=m.second_id,
            first_name=orgs[first.organisation_id].name if first.organisation_id in orgs else None,
            second_name=orgs[second.organisation_id].name if second.organisation_id in orgs else None,
            slot=m.slot, table_no=m.table_no, starts_at=slot_start(event, m.slot),
            ends_at=slot_start(event, m.slot + 1), value=m.value, score=m.score, need_id=m.need_id,
            output_id=m.output_id, pinned=m.pinned, match_id=m.match_id,
            held=first.checked_in_at is not None and second.checked_in_at is not None,
            first_contact=first.contact if staff or own_first or (own_second and both) else None,
            second_contact=second.contact if staff or own_second or (own_first and both) else None))
    return result


# --- after the event --------------------------------------------------------------------------------------


def meeting_to_match(session: Session, *, event: Event, user: User, meeting_id: int, broker_id: int | None,
                     note: str | None) -> Match:
    """Turn a meeting into a broker match in one step: its (need, output) with the score frozen; not committed."""
    repo.require_manager(user)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        raise NotFound(f"找不到洽谈 {meeting_id}", f"No meeting {meeting_id}")
    if meeting.match_id is not None:
        raise Conflict(f"洽谈 {meeting_id} 已转为对接 {meeting.match_id}",
                       f"Meeting {meeting_id} already became match {meeting.match_id}")
    if meeting.need_id is None or meeting.output_id is None:
        raise _invalid("这次洽谈的双方没有可对接的需求和成果", "This meeting pairs no need with an output", "meeting_id")
    need = get_visible_item(session, spec=NEEDS, item_id=meeting.need_id, user=user)
    output = get_visible_item(session, spec=OUTPUTS, item_id=meeting.output_id, user=user)
    assert isinstance(need, TechNeed) and isinstance(output, ResearchOutput)
    explanation = {"zh": f"来自活动“{event.title}”的一对一洽谈（第 {meeting.slot + 1} 时段）",
                   "en": f"From a 1-on-1 meeting at '{event.title}' (slot {meeting.slot + 1})", "matched_terms": []}
    match = workflow.propose(session, user=user, need=need, output=output, score=meeting.score,
                             explanation=explanation, components={"event": meeting.score}, model=None,
                             broker_id=broker_id, note=note or f"活动 {event.id} 洽谈 {meeting.id}")
    meeting.match_id = match.id
    session.add(meeting)
    return match


def report(session: Session, *, event: Event) -> ReportPublic:
    """What came of an event: participants, check-ins, meetings held, matches, introductions, contracts."""
    regs = repo.registrations(session, event_id=event.id or 0)
    present_ids = {r.id for r in regs if r.checked_in_at is not None}
    meetings = repo.meetings(session, event_id=event.id or 0)
    outcomes = match_outcomes(session, match_ids=[m.match_id for m in meetings if m.match_id is not None])
    return ReportPublic(event_id=event.id or 0, participants=len(regs), checked_in=len(present_ids),
                        meetings_scheduled=len(meetings),
                        meetings_held=sum(1 for m in meetings if {m.first_id, m.second_id} <= present_ids),
                        matches_proposed=outcomes.matches, introductions=outcomes.introductions,
                        contracts=outcomes.contracts, contract_amount_yuan=str(outcomes.amount_yuan))


# --- invitations ------------------------------------------------------------------------------------------


def invite(session: Session, *, event: Event, user: User, data: InvitationCreate,
           clock: Clock = utcnow) -> list[EventInvitation]:
    """Invite organisations through the outbox (an inbox message and an e-mail); those invited before are skipped."""
    repo.require_manager(user)
    if event.status not in (EventStatus.draft, EventStatus.open):
        raise Conflict("活动开放报名前后才能发邀请", "Invitations go out before registration closes")
    invited = set(session.exec(select(EventInvitation.organisation_id).where(
        EventInvitation.event_id == event.id)).all())
    orgs = organisations_by_id(session, set(data.organisation_ids))
    rows = []
    for org_id in data.organisation_ids:
        if org_id not in orgs:
            raise _invalid(f"单位 {org_id} 不存在", f"Organisation {org_id} does not exist", "organisation_ids")
        if org_id in invited:
            continue
        invited.add(org_id)
        row = EventInvitation(event_id=event.id or 0, organisation_id=org_id, reason=data.reason or "",
                              invited_by=user.id, invited_at=clock())
        session.add(row)
        notify(session, users=org_users(session, org_id), kind="event_invitation", subject=f"活动邀请：{event.title}",
               body=f"诚邀贵单位参加“{event.title}”，{event.starts_at:%Y-%m-%d %H:%M} (UTC)，"
                    f"{event.venue or event.online_link or ''}。报名截止 {event.registration_deadline:%Y-%m-%d %H:%M}。"
                    + (f"\n{data.reason}" if data.reason else ""))
        rows.append(row)
    session.flush()
    return rows


def organisation_names(session: Session, *, org_ids: list[int]) -> list[str | None]:
    """The names of these organisations, in order."""
    orgs = organisations_by_id(session, set(org_ids))
    return [orgs[i].name if i in orgs else None for i in org_ids]
