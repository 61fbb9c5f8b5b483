"""Roadshows and 对接会 in the portal: upcoming events for anyone; an event's page where participants register
with their free slots, request meetings and reach their agenda and QR code; the organiser's board (the schedule
by slot and table, solve, check-in at the door, the report)."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from services.catalog.accounts.vocab import Role
from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError
from services.catalog.events import repository as repo
from services.catalog.events import service
from services.catalog.events.schemas import MeetingRequestCreate, RegistrationCreate
from services.catalog.events.vocab import KIND_LABELS, STATUS_LABELS, EventStatus
from services.catalog.matching import service as matching
from services.catalog.portal.challenge_view import local_time
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.routing import PortalRoute
from services.catalog.workflow.contracts import CHINA

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


def labels(page: PageContext) -> dict[str, Any]:
    """Kind and status in the reader's language; times in China time."""
    zh = page.lang == "zh"
    return {"kind_label": lambda k: KIND_LABELS.get(k, (k, k))[0 if zh else 1],
            "status_label": lambda s: STATUS_LABELS.get(s, (s, s))[0 if zh else 1],
            "local_time": local_time, "clock_time": lambda m: m.astimezone(CHINA).strftime("%H:%M")}


@router.get("/events")
def upcoming(page: PageDep) -> Response:
    """Events open to all: upcoming first, then those held."""
    rows, total = repo.list_events(page.session, user=None, status=None, cluster=None, page=1, page_size=100)
    return page.render("events.html", events=service.present(page.session, events=rows), total=total,
                       organiser=repo.can_manage(page.user), **labels(page))


def _event_page(page: PageContext, event_id: int, *, error: str | None = None, status_code: int = 200) -> Response:
    event = repo.get_visible(page.session, event_id=event_id, user=page.user)
    mine = repo.own_registration(page.session, event=event, user=page.user)
    others = []
    if mine is not None or repo.can_manage(page.user):
        rows = [r for r in repo.registrations(page.session, event_id=event_id) if mine is None or r.id != mine.id]
        others = service.present_registrations(page.session, rows=rows, viewer=page.user)
    asked = {r.to_id for r in repo.requests(page.session, event_id=event_id) if mine and r.from_id == mine.id}
    agenda = service.present_meetings(page.session, event=event, viewer=page.user, registration=mine) if mine else []
    can_register = event.status == EventStatus.open and mine is None and page.user is not None
    needs, outputs = repo.items_to_bring(page.session, org_id=page.user.organisation_id) \
        if can_register and page.user is not None else ([], [])
    return page.render("event.html", status_code=status_code, event=service.present(page.session, events=[event])[0],
                       needs=needs, outputs=outputs,
                       mine=mine, others=others, asked=asked, agenda=agenda, error=error,
                       can_register=can_register,
                       organiser=repo.can_manage(page.user), slots=[
                           (s, service.slot_start(event, s)) for s in range(event.slot_count)], **labels(page))


@router.get("/events/{event_id}")
def event_page(event_id: IdPath, page: PageDep) -> Response:
    """One event: its programme; for participants their registration, agenda and the others to meet."""
    return _event_page(page, event_id)


@router.post("/events/{event_id}/register")
async def register(event_id: IdPath, page: PageDep) -> Response:
    """Register the reader's organisation with its free slots."""
    user = page.require()
    form = await page.request.form()
    try:
        body = RegistrationCreate(available_slots=[int(str(s)) for s in form.getlist("slot")],
                                  need_ids=[int(str(i)) for i in form.getlist("need_id")],
                                  output_ids=[int(str(i)) for i in form.getlist("output_id")],
                                  contact=str(form.get("contact") or "").strip() or None)
        event = repo.get_visible(page.session, event_id=event_id, user=user, for_update=True)
        service.register(page.session, event=event, user=user, data=body, clock=page.request.app.state.clock)
        page.session.commit()
    except (ValidationError, ValueError):
        return _event_page(page, event_id, error=page.tr("请检查填写内容", "Check what you entered"), status_code=422)
    except AppError as exc:
        page.session.rollback()
        return _event_page(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}?done=registered")


@router.post("/events/{event_id}/request/{to_id}")
def request_meeting(event_id: IdPath, to_id: IdPath, page: PageDep) -> Response:
    """Ask another participant for a meeting."""
    user = page.require()
    try:
        event = repo.get_visible(page.session, event_id=event_id, user=user)
        service.request_meeting(page.session, event=event, user=user, data=MeetingRequestCreate(to_id=to_id),
                                clock=page.request.app.state.clock)
        page.session.commit()
    except AppError as exc:
        page.session.rollback()
        return _event_page(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}?done=requested#participants")


def _board(page: PageContext, event_id: int, *, error: str | None = None, status_code: int = 200) -> Response:
    user = page.require()
    repo.require_manager(user)
    event = repo.get_visible(page.session, event_id=event_id, user=user)
    meetings = service.present_meetings(page.session, event=event, viewer=user)
    grid = {(m.slot, m.table_no): m for m in meetings}
    regs = service.present_registrations(page.session, rows=repo.registrations(page.session, event_id=event_id),
                                         viewer=user)
    return page.render("event_board.html", status_code=status_code,
                       event=service.present(page.session, events=[event])[0], grid=grid, registrations=regs,
                       report=service.report(page.session, event=event), error=error,
                       slots=[(s, service.slot_start(event, s)) for s in range(event.slot_count)],
                       tables=list(range(event.tables)), **labels(page))


@router.get("/events/{event_id}/board")
def board(event_id: IdPath, page: PageDep) -> Response:
    """The organiser's board: the schedule by slot and table, check-in, the report."""
    return _board(page, event_id)


@router.post("/events/{event_id}/board/solve")
def solve(event_id: IdPath, page: PageDep) -> Response:
    """Compute the schedule (the matcher asked with no transaction open)."""
    user = page.require()
    repo.require_manager(user)
    event = repo.get_visible(page.session, event_id=event_id, user=user)
    needs = service.needs_to_score(page.session, event=event)
    page.end_transaction()
    scores = matching.need_output_scores(settings=page.settings, needs=needs)
    user = page.reload_reader()
    try:
        event = repo.get_visible(page.session, event_id=event_id, user=user, for_update=True)
        service.solve_schedule(page.session, event=event, user=user, scores=scores)
        page.session.commit()
    except AppError as exc:
        page.session.rollback()
        return _board(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}/board?done=solved")


@router.post("/events/{event_id}/board/check-in")
async def check_in(event_id: IdPath, page: PageDep) -> Response:
    """Check a participant in by the code its QR carries (a scanner types it into the field)."""
    user = page.require()
    form = await page.request.form()
    try:
        event = repo.get_visible(page.session, event_id=event_id, user=user)
        service.check_in(page.session, event=event, user=user, token=str(form.get("token") or "").strip()[:64],
                         clock=page.request.app.state.clock)
        page.session.commit()
    except AppError as exc:
        page.session.rollback()
        return _board(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}/board?done=checked_in")


@router.post("/events/{event_id}/board/meetings/{meeting_id}/match")
def to_match(event_id: IdPath, meeting_id: IdPath, page: PageDep) -> Response:
    """Turn a meeting into a broker match (its need and output, the reader as the broker when one)."""
    user = page.require()
    try:
        event = repo.get_visible(page.session, event_id=event_id, user=user, for_update=True)
        service.meeting_to_match(page.session, event=event, user=user, meeting_id=meeting_id, note=None,
                                 broker_id=user.id if user.role == Role.broker else None)
        page.session.commit()
    except AppError as exc:
        page.session.rollback()
        return _board(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}/board?done=matched#board")
