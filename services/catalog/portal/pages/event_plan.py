"""Planning an event in the portal (brokers and admins): create it, see the programme proposed for its theme (the
line-up and the invitation list, each with its reason), keep or remove line-up outputs, send the invitations and
open registration."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError
from services.catalog.events import programme as programme_rules
from services.catalog.events import repository as repo
from services.catalog.events import service
from services.catalog.events.schemas import EventCreate, InvitationCreate, LineupEntry, LineupUpdate
from services.catalog.events.vocab import KIND_LABELS, EventKind, EventStatus
from services.catalog.matching import service as matching
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.pages.events import labels
from services.catalog.portal.routing import PortalRoute
from services.catalog.workflow.contracts import CHINA
from shared.vocab import Cluster

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
FIELDS = ("title", "kind", "cluster", "theme", "starts_at", "slot_minutes", "slot_count", "tables", "venue",
          "capacity", "registration_deadline")


def _new_form(page: PageContext, *, values: dict[str, str], error: str | None = None,
              status_code: int = 200) -> Response:
    return page.render("event_form.html", status_code=status_code, values=values, error=error,
                       kinds=[(k.value, KIND_LABELS.get(k.value, (k.value, k.value))) for k in EventKind],
                       clusters=[c.value for c in Cluster])


@router.get("/events/new")
def new_event(page: PageDep) -> Response:
    """The form for a new event (organisers)."""
    repo.require_manager(page.require())
    return _new_form(page, values={"kind": EventKind.matchmaking.value, "slot_minutes": "20", "slot_count": "8",
                                   "tables": "3", "capacity": "40", "starts_at": "", "registration_deadline": ""})


def _china(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=CHINA)


@router.post("/events/new")
async def create(page: PageDep) -> Response:
    """Create the event as a draft, then show its proposed programme."""
    user = page.require()
    repo.require_manager(user)
    form = await page.request.form()
    values = {name: str(form.get(name) or "").strip()[:300] for name in FIELDS}
    try:
        data = EventCreate(title=values["title"], kind=EventKind(values["kind"]), cluster=values["cluster"] or None,
                           theme=values["theme"] or None, starts_at=_china(values["starts_at"]),
                           slot_minutes=int(values["slot_minutes"]), slot_count=int(values["slot_count"]),
                           tables=int(values["tables"]), venue=values["venue"] or None,
                           capacity=int(values["capacity"]),
                           registration_deadline=_china(values["registration_deadline"]))
        event = service.create_event(page.session, user=user, data=data, clock=page.request.app.state.clock)
        page.session.commit()
    except (ValidationError, ValueError):
        page.session.rollback()
        return _new_form(page, values=values, status_code=422, error=page.tr(
            "请检查填写内容：标题、开始时间、报名截止时间和容量为必填项", "Check the form: title, start, registration "
            "deadline and capacity are required"))
    except AppError as exc:
        page.session.rollback()
        return _new_form(page, values=values, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event.id}/plan")


def _plan(page: PageContext, event_id: int, *, error: str | None = None, status_code: int = 200) -> Response:
    user = page.require()
    repo.require_manager(user)
    event = repo.get_visible(page.session, event_id=event_id, user=user)
    needs = programme_rules.theme_needs(page.session, event=event, user=user)
    if page.organisation is not None:
        page.session.refresh(page.organisation)  # read again after a rolled-back write, kept for the header
    page.end_transaction()
    scores = matching.need_output_scores(settings=page.settings, needs=needs)
    user = page.reload_reader()
    event = repo.get_visible(page.session, event_id=event_id, user=user)
    proposal = programme_rules.propose(page.session, needs=needs, scores=scores) if scores is not None else None
    if proposal is None and error is None:
        error = page.tr("匹配服务暂不可用，暂时无法推荐路演成果和邀请名单", "The matcher is unavailable: no programme "
                        "can be proposed right now")
    kept = {item["output_id"] for item in event.lineup}
    return page.render("event_plan.html", status_code=status_code, event=service.present(page.session,
                       events=[event])[0], proposal=proposal, kept=kept, error=error, **labels(page))


@router.get("/events/{event_id}/plan")
def plan(event_id: IdPath, page: PageDep) -> Response:
    """The proposed programme for the event's theme: line-up and invitations, each with its reason."""
    return _plan(page, event_id)


@router.post("/events/{event_id}/plan/lineup")
async def keep_lineup(event_id: IdPath, page: PageDep) -> Response:
    """Keep the checked outputs (proposed or already kept) as the line-up."""
    user = page.require()
    repo.require_manager(user)
    form = await page.request.form()
    chosen = {str(v) for v in form.getlist("output_id")}
    event = repo.get_visible(page.session, event_id=event_id, user=user)
    needs = programme_rules.theme_needs(page.session, event=event, user=user)
    page.end_transaction()
    scores = matching.need_output_scores(settings=page.settings, needs=needs)
    user = page.reload_reader()
    event = repo.get_visible(page.session, event_id=event_id, user=user, for_update=True)
    items: dict[int, dict[str, Any]] = {int(i["output_id"]): i for i in event.lineup}
    if scores is not None:
        for item in programme_rules.propose(page.session, needs=needs, scores=scores).lineup:
            items.setdefault(item.output_id, item.model_dump())
    entries = [LineupEntry.model_validate(v) for k, v in items.items() if str(k) in chosen]
    programme_rules.set_lineup(page.session, event=event, data=LineupUpdate(items=entries))
    page.session.commit()
    return page.redirect(f"/events/{event_id}/plan?done=lineup#lineup")


@router.post("/events/{event_id}/plan/invite")
async def invite(event_id: IdPath, page: PageDep) -> Response:
    """Send the invitations to the checked organisations (an inbox message and an e-mail each)."""
    user = page.require()
    repo.require_manager(user)
    form = await page.request.form()
    try:
        data = InvitationCreate(organisation_ids=[int(str(v)) for v in form.getlist("organisation_id")],
                                reason=str(form.get("reason") or "").strip()[:2000] or None)
        event = repo.get_visible(page.session, event_id=event_id, user=user, for_update=True)
        service.invite(page.session, event=event, user=user, data=data, clock=page.request.app.state.clock)
        page.session.commit()
    except (ValidationError, ValueError):
        page.session.rollback()
        return _plan(page, event_id, status_code=422, error=page.tr("请至少选择一家要邀请的单位",
                                                                     "Choose at least one organisation to invite"))
    except AppError as exc:
        page.session.rollback()
        return _plan(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}/plan?done=invited")


@router.post("/events/{event_id}/plan/open")
def open_registration(event_id: IdPath, page: PageDep) -> Response:
    """Open the draft event for registration."""
    user = page.require()
    repo.require_manager(user)
    try:
        event = repo.get_visible(page.session, event_id=event_id, user=user, for_update=True)
        service.move(page.session, event=event, user=user, to=EventStatus.open, clock=page.request.app.state.clock)
        page.session.commit()
    except AppError as exc:
        page.session.rollback()
        return _plan(page, event_id, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    return page.redirect(f"/events/{event_id}?done=opened")

