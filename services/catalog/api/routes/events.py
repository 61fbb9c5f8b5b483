"""Roadshows and 对接会: events, registrations, check-in, meeting requests, the schedule, follow-up and report."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from services.catalog.api.deps import (
    ClockDep,
    CurrentUser,
    OptionalUser,
    SessionDep,
    SettingsDep,
    StaffUser,
    StaffUserApart,
)
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.core.db import commit_or_conflict
from services.catalog.events import documents, service
from services.catalog.events import programme as programme_rules
from services.catalog.events import repository as repo
from services.catalog.events.models import Event
from services.catalog.events.schemas import (
    CheckIn,
    EventCreate,
    EventPublic,
    EventsPublic,
    EventStatsRow,
    EventTransition,
    EventUpdate,
    InvitationCreate,
    InvitationPublic,
    LineupUpdate,
    MeetingMatch,
    MeetingPublic,
    MeetingRequestCreate,
    MeetingRequestPublic,
    PinCreate,
    ProgrammePublic,
    RegistrationCreate,
    RegistrationPublic,
    RegistrationsPublic,
    ReportPublic,
    RequestAnswer,
    SchedulePublic,
    Suggestion,
)
from services.catalog.events.stats import event_stats
from services.catalog.events.vocab import EventStatus
from services.catalog.matching import service as matching
from services.catalog.workflow.schemas import MatchPublic
from services.catalog.workflow.service import present as present_matches
from shared.openapi import error_responses
from shared.vocab import Cluster

router = APIRouter(prefix="/events", tags=["events"])
stats_router = APIRouter(prefix="/stats", tags=["stats"])
READ = error_responses(404, s404="no such event, or a draft and the caller no organiser")
MINE = error_responses(403, 404, s403="neither a participant nor an organiser", s404="no such event or registration")
WRITE = error_responses(403, 404, 409, 422, s403="only organisers (brokers and admins) or the participant concerned",
                        s404="no such event, registration, request or meeting",
                        s409="illegal transition, past the deadline, full, duplicate or overlapping a pinned meeting",
                        s422="invalid input: slots outside the event, a meeting with oneself or a non-participant")
REG = "/{event_id}/registrations/{registration_id}"



def _one(session: Session, event: Event) -> EventPublic:
    session.refresh(event)
    return service.present(session, events=[event])[0]


@router.get("", response_model=EventsPublic)
def list_events(user: OptionalUser, session: SessionDep, status: EventStatus | None = None,
                cluster: Cluster | None = None, page: PageQuery = 1,
                page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> Any:
    """Events, soonest first: anyone sees those past their draft, organisers every one."""
    rows, total = repo.list_events(session, user=user, status=status, cluster=cluster, page=page, page_size=page_size)
    return EventsPublic(data=service.present(session, events=rows), count=total)


@router.post("", response_model=EventPublic, status_code=201, responses=WRITE)
def create(body: EventCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Plan a draft event (organisers)."""
    event = service.create_event(session, user=user, data=body, clock=clock)
    session.commit()
    return _one(session, event)


@router.get("/{event_id}", response_model=EventPublic, responses=READ)
def get_event(event_id: IdPath, user: OptionalUser, session: SessionDep) -> Any:
    """One event."""
    return service.present(session, events=[repo.get_visible(session, event_id=event_id, user=user)])[0]


@router.patch("/{event_id}", response_model=EventPublic, responses=WRITE)
def update(event_id: IdPath, body: EventUpdate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Change an event's place, capacity or deadline (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
    service.update_event(session, event=event, user=user, data=body, clock=clock)
    session.commit()
    return _one(session, event)


@router.post("/{event_id}/transitions", response_model=EventPublic, responses=WRITE)
def transition(event_id: IdPath, body: EventTransition, user: CurrentUser, session: SessionDep,
               clock: ClockDep) -> Any:
    """Move an event along draft → open → closed → held → reported (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
    service.move(session, event=event, user=user, to=body.to, clock=clock)
    session.commit()
    return _one(session, event)


@router.post("/{event_id}/invitations", response_model=list[InvitationPublic], status_code=201, responses=WRITE)
def invite(event_id: IdPath, body: InvitationCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Invite organisations through the notifications outbox (organisers); those invited before are skipped."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    rows = service.invite(session, event=event, user=user, data=body, clock=clock)
    commit_or_conflict(session, "该单位已被邀请", "This organisation is already invited")
    names = {r.organisation_id: n for r, n in zip(rows, service.organisation_names(
        session, org_ids=[r.organisation_id for r in rows]), strict=True)}
    return [InvitationPublic(id=r.id or 0, organisation_id=r.organisation_id, organisation_name=names[r.organisation_id],
                             reason=r.reason, invited_at=r.invited_at) for r in rows]


@router.get("/{event_id}/programme", response_model=ProgrammePublic, responses=error_responses(
    401, 403, 404, 503, s403="organisers only", s503="the matcher is unavailable"))
def programme(request: Request, event_id: IdPath, user: StaffUserApart) -> Any:
    """The proposed line-up (outputs serving the most open needs of the theme) and invitation list, with reasons."""
    with Session(request.app.state.read_engine) as session:
        event = repo.get_visible(session, event_id=event_id, user=user)
        needs = programme_rules.theme_needs(session, event=event, user=user)
    scores = matching.need_output_scores(settings=request.app.state.settings, needs=needs)
    if scores is None:
        raise matching.MatcherUnavailable()
    with Session(request.app.state.read_engine) as session:
        return programme_rules.propose(session, needs=needs, scores=scores)


@router.put("/{event_id}/lineup", response_model=EventPublic, responses=WRITE)
def set_lineup(event_id: IdPath, body: LineupUpdate, user: StaffUser, session: SessionDep) -> Any:
    """Keep the line-up as the organiser edited it (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
    programme_rules.set_lineup(session, event=event, data=body)
    session.commit()
    return _one(session, event)


# --- registrations ----------------------------------------------------------------------------------------


@router.post("/{event_id}/registrations", response_model=RegistrationPublic, status_code=201, responses=WRITE)
def register(event_id: IdPath, body: RegistrationCreate, user: CurrentUser, session: SessionDep,
             clock: ClockDep) -> Any:
    """Register an organisation with the needs or outputs it brings and the slots it is free."""
    event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
    row = service.register(session, event=event, user=user, data=body, clock=clock)
    commit_or_conflict(session, "该单位已报名本活动", "This organisation is already registered for this event")
    session.refresh(row)
    return service.present_registrations(session, rows=[row], viewer=user)[0]


@router.get("/{event_id}/registrations", response_model=RegistrationsPublic, responses=MINE)
def registrations(event_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """Who takes part: organisers see everything; participants the others' names and profiles, never contacts."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    rows = service.participants(session, event=event, user=user)
    return RegistrationsPublic(data=service.present_registrations(session, rows=rows, viewer=user), count=len(rows))


@router.get(REG, response_model=RegistrationPublic, responses=MINE)
def registration(event_id: IdPath, registration_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """One registration (its organisation and organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.readable_registration(session, event=event, user=user, registration_id=registration_id)
    return service.present_registrations(session, rows=[row], viewer=user)[0]


@router.get(REG + "/qr.svg", response_class=Response, responses={**MINE, 200: {"content": {"image/svg+xml": {}}}})
def qr(event_id: IdPath, registration_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    """The registration's QR code for the door (its organisation and organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.readable_registration(session, event=event, user=user, registration_id=registration_id)
    return Response(documents.qr_svg(row.token), media_type="image/svg+xml")


@router.post("/{event_id}/check-in", response_model=RegistrationPublic, responses=WRITE)
def check_in(event_id: IdPath, body: CheckIn, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Staff at the door check a participant in by the token its QR code carries."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.check_in(session, event=event, user=user, token=body.token, clock=clock)
    session.commit()
    session.refresh(row)
    return service.present_registrations(session, rows=[row], viewer=user)[0]


@router.get(REG + "/suggestions", response_model=list[Suggestion], responses=MINE)
def suggestions(request: Request, event_id: IdPath, registration_id: IdPath, user: CurrentUser, session: SessionDep,
                settings: SettingsDep, k: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
    """Other participants worth meeting, ranked by match score (0.5 for all when the matcher is unavailable)."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.readable_registration(session, event=event, user=user, registration_id=registration_id)
    scores = matching.need_output_scores(settings=settings, needs=service.needs_to_score(session, event=event))
    return service.suggestions(session, event=event, registration=row, scores=scores, k=k)


@router.get(REG + "/agenda", response_model=list[MeetingPublic], responses=MINE)
def agenda(event_id: IdPath, registration_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """A participant's meetings, in order."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.readable_registration(session, event=event, user=user, registration_id=registration_id)
    return service.present_meetings(session, event=event, viewer=user, registration=row)


@router.get(REG + "/agenda.ics", response_class=Response, responses={**MINE, 200: {"content": {"text/calendar": {}}}})
def agenda_ics(event_id: IdPath, registration_id: IdPath, user: CurrentUser, session: SessionDep,
               clock: ClockDep) -> Response:
    """A participant's meetings as an iCalendar file."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.readable_registration(session, event=event, user=user, registration_id=registration_id)
    meetings = service.present_meetings(session, event=event, viewer=user, registration=row)
    body = documents.agenda_ics(event=event, registration_id=row.id or 0, meetings=meetings, now=clock())
    return Response(body, media_type="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}-agenda.ics"'})


@router.get(REG + "/agenda.html", response_class=HTMLResponse, responses={**MINE, 200: {"content": {"text/html": {}}}})
def agenda_html(event_id: IdPath, registration_id: IdPath, user: CurrentUser, session: SessionDep) -> HTMLResponse:
    """A participant's agenda, printable."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.readable_registration(session, event=event, user=user, registration_id=registration_id)
    meetings = service.present_meetings(session, event=event, viewer=user, registration=row)
    name = service.organisation_names(session, org_ids=[row.organisation_id])[0] or ""
    return HTMLResponse(documents.agenda_html(event=event, organisation=name, registration_id=row.id or 0,
                                              meetings=meetings))


# --- meeting requests -------------------------------------------------------------------------------------


@router.post("/{event_id}/requests", response_model=MeetingRequestPublic, status_code=201, responses=WRITE)
def request_meeting(event_id: IdPath, body: MeetingRequestCreate, user: CurrentUser, session: SessionDep,
                    clock: ClockDep) -> Any:
    """Ask another participant for a 1-on-1 meeting."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    row = service.request_meeting(session, event=event, user=user, data=body, clock=clock)
    commit_or_conflict(session, "已向该参与方发出过洽谈申请", "You already asked this participant for a meeting")
    return next(r for r in service.visible_requests(session, event=event, user=user) if r.id == row.id)


@router.get("/{event_id}/requests", response_model=list[MeetingRequestPublic], responses=MINE)
def requests(event_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """Meeting requests: a participant's own, or all for organisers."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    return service.visible_requests(session, event=event, user=user)


@router.post("/{event_id}/requests/{request_id}/answer", response_model=MeetingRequestPublic, responses=WRITE)
def answer(event_id: IdPath, request_id: IdPath, body: RequestAnswer, user: CurrentUser, session: SessionDep) -> Any:
    """The participant asked accepts or declines."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    service.answer_request(session, event=event, user=user, request_id=request_id, accept=body.accept)
    session.commit()
    return next(r for r in service.visible_requests(session, event=event, user=user) if r.id == request_id)


# --- the schedule -----------------------------------------------------------------------------------------


@router.get("/{event_id}/schedule", response_model=SchedulePublic, responses=error_responses(
    401, 403, 404, s403="organisers only"))
def schedule(event_id: IdPath, user: StaffUser, session: SessionDep) -> Any:
    """The schedule board: every meeting by slot and table (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    meetings = service.present_meetings(session, event=event, viewer=user)
    return SchedulePublic(meetings=meetings, total_value=round(sum(m.value for m in meetings), 4))


@router.post("/{event_id}/schedule", response_model=SchedulePublic, responses={**WRITE, **error_responses(
    401, 403, s403="organisers only")})
def solve(request: Request, event_id: IdPath, user: StaffUserApart) -> Any:
    """Compute the schedule with CP-SAT: the most match value over slots × tables, pins kept (organisers)."""
    settings = request.app.state.settings
    with Session(request.app.state.read_engine) as session:
        event = repo.get_visible(session, event_id=event_id, user=user)
        needs = service.needs_to_score(session, event=event)
    scores = matching.need_output_scores(settings=settings, needs=needs)  # no transaction waits on the matcher
    with Session(request.app.state.engine) as session:
        event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
        solution = service.solve_schedule(session, event=event, user=user, scores=scores)
        session.commit()
        meetings = service.present_meetings(session, event=event, viewer=user)
    return SchedulePublic(meetings=meetings, total_value=round(solution.total, 4), optimal=solution.optimal,
                          bound=round(solution.bound, 4), seconds=round(solution.seconds, 3))


@router.post("/{event_id}/pins", response_model=MeetingPublic, status_code=201, responses=WRITE)
def pin(event_id: IdPath, body: PinCreate, user: CurrentUser, session: SessionDep) -> Any:
    """Pin a meeting to a slot and table; the next solve keeps it there (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
    row = service.pin(session, event=event, user=user, data=body)
    commit_or_conflict(session, "该桌该时段已有洽谈", "That table is taken in that slot")
    return next(m for m in service.present_meetings(session, event=event, viewer=user) if m.id == row.id)


@router.delete("/{event_id}/meetings/{meeting_id}", status_code=204, responses=WRITE)
def unpin(event_id: IdPath, meeting_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a meeting from the schedule (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user, for_update=True)
    service.unpin(session, event=event, user=user, meeting_id=meeting_id)
    session.commit()
    return Response(status_code=204)


@router.post("/{event_id}/meetings/{meeting_id}/match", response_model=MatchPublic, status_code=201, responses=WRITE)
def meeting_to_match(event_id: IdPath, meeting_id: IdPath, body: MeetingMatch, user: CurrentUser,
                     session: SessionDep) -> Any:
    """Turn a meeting into a broker match in one step (organisers)."""
    event = repo.get_visible(session, event_id=event_id, user=user)
    match = service.meeting_to_match(session, event=event, user=user, meeting_id=meeting_id,
                                     broker_id=body.broker_id, note=body.note)
    commit_or_conflict(session, "该需求与该成果已有对接", "This need and output already form a match")
    session.refresh(match)
    return present_matches(session, [match])[0]


@router.get("/{event_id}/report", response_model=ReportPublic, responses=error_responses(
    401, 403, 404, s403="organisers only"))
def report(event_id: IdPath, user: StaffUser, session: SessionDep) -> Any:
    """What came of the event: participants, check-ins, meetings held, matches, introductions, contracts."""
    return service.report(session, event=repo.get_visible(session, event_id=event_id, user=user))


@stats_router.get("/events", response_model=list[EventStatsRow], responses=error_responses(
    401, 403, s403="brokers and admins only"))
def stats(user: StaffUser, session: SessionDep) -> Any:
    """Events and what came of them, by county and cluster."""
    return event_stats(session)


