"""The bureau's dispatch board (admins and brokers): the pool with links to its profiles, a dispatch to an
enterprise, a town or village from the region list, or a work station, every dispatch with its state, and new
work stations."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.catalog.accounts.models import Organisation
from services.catalog.accounts.vocab import STAFF, OrgKind
from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError, Conflict
from services.catalog.experts import dispatches
from services.catalog.experts import repository as repo
from services.catalog.experts.schemas import DispatchCreate, StationCreate
from services.catalog.experts.vocab import HostKind
from services.catalog.portal.challenge_view import form_errors, refusal
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.expert_view import labels, read_place
from services.catalog.portal.routing import PortalRoute

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
DISPATCH = ("expert_id", "host_kind", "host_org_id", "place", "station_id", "village", "start_on", "end_on",
            "days_per_month", "goals")
STATION = ("name", "place")
POOL_SHOWN = 500  # the pool is thousands at most; the board lists it for choosing


def _blank(page: PageContext) -> dict[str, str]:
    values = {name: "" for name in DISPATCH} | {"host_kind": HostKind.enterprise.value, "days_per_month": "2"}
    chosen = page.request.query_params.get("expert_id") or ""
    values["expert_id"] = chosen if chosen.isdigit() else ""
    return values


@router.get("/bureau/dispatches")
def board_page(page: PageDep) -> Response:
    """The pool, the dispatch form, every dispatch and the work stations."""
    return board(page)


def board(page: PageContext, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          station: dict[str, str] | None = None, station_errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    """The board, with the values and errors of a refused form if any."""
    user = page.require(*STAFF)
    pool, _ = repo.list_experts(page.session, user=user, kind=None, cluster=None, county=None, q=None, page=1,
                                page_size=POOL_SHOWN)
    rows = repo.list_dispatches(page.session, user=user, expert_id=None, status=None, county=None)
    firms = page.session.exec(select(Organisation).where(Organisation.kind == OrgKind.enterprise)
                              .order_by(col(Organisation.name))).all()
    return page.render("dispatch_board.html", status_code=status_code, **labels(page.lang), pool=pool,
                       dispatches=dispatches.present(page.session, dispatches=rows, user=user), firms=firms,
                       stations=dispatches.list_stations(page.session), host_kinds=[k.value for k in HostKind],
                       values=values or _blank(page), errors=errors or {}, station=station or {"name": "", "place": ""},
                       station_errors=station_errors or {}, done=page.request.query_params.get("done"))


def _dispatch_data(values: dict[str, str]) -> dict[str, Any]:
    """The form as a DispatchCreate: only the fields of the chosen kind of host."""
    county, town = read_place(values["place"])
    data: dict[str, Any] = {name: values[name] for name in ("expert_id", "host_kind", "start_on", "end_on",
                                                            "days_per_month", "goals")}
    if values["host_kind"] == HostKind.enterprise:
        data |= {"host_org_id": values["host_org_id"] or None, "county": county, "town": town}
    elif values["host_kind"] == HostKind.town:
        data |= {"county": county, "town": town, "village": values["village"] or None}
    elif values["host_kind"] == HostKind.station:
        data |= {"station_id": values["station_id"] or None}
    return {k: v for k, v in data.items() if v is not None and v != ""}


def _place_errors(errors: dict[str, str]) -> dict[str, str]:
    """A county's or town's error is shown beside the region select."""
    for name in ("county", "town"):
        if name in errors:
            errors.setdefault("place", errors[name])
    return errors


@router.post("/bureau/dispatches")
async def create_dispatch(page: PageDep) -> Response:
    """Dispatch an expert; refused beyond their availability or to a place not on the list, explained."""
    user = page.require(*STAFF)
    form = await page.request.form()
    values = {name: str(form.get(name) or "").strip() for name in DISPATCH}
    try:
        body = DispatchCreate.model_validate(_dispatch_data(values))
        dispatch = dispatches.create_dispatch(page.session, user=user, data=body, clock=page.request.app.state.clock)
        page.session.commit()
        return page.redirect(f"/bureau/dispatches?done=created#dispatch-{dispatch.id}")
    except ValidationError as exc:
        errors, status = form_errors(exc, page.lang, "__all__"), 422
    except AppError as exc:
        page.session.rollback()
        errors, status = refusal(page, exc), exc.status_code
    return board(page, values=values, errors=_place_errors(errors), status_code=status)


@router.post("/bureau/dispatches/{dispatch_id}/cancel")
def cancel(dispatch_id: IdPath, page: PageDep) -> Response:
    """Cancel a dispatch; its visits stay on record."""
    user = page.require(*STAFF)
    dispatch = repo.get_dispatch(page.session, dispatch_id=dispatch_id, user=user, for_update=True)
    try:
        dispatches.cancel_dispatch(page.session, dispatch=dispatch, user=user, clock=page.request.app.state.clock)
    except AppError as exc:
        page.session.rollback()
        return board(page, errors=refusal(page, exc), status_code=exc.status_code)
    page.session.commit()
    return page.redirect("/bureau/dispatches?done=cancelled")


@router.post("/bureau/stations")
async def create_station(page: PageDep) -> Response:
    """Open a work station in a county and town from the list."""
    user = page.require(*STAFF)
    form = await page.request.form()
    values = {name: str(form.get(name) or "").strip() for name in STATION}
    county, town = read_place(values["place"])
    try:
        body = StationCreate.model_validate({"name": values["name"], "county": county or "", "town": town or ""})
        dispatches.create_station(page.session, user=user, data=body, clock=page.request.app.state.clock)
        try:
            page.session.commit()
        except IntegrityError as exc:
            raise Conflict("该镇街已有同名工作站", "A work station of that name exists in that town") from exc
        return page.redirect("/bureau/dispatches?done=station#stations")
    except ValidationError as exc:
        errors, status = form_errors(exc, page.lang, "__all__"), 422
    except AppError as exc:
        page.session.rollback()
        errors, status = refusal(page, exc), exc.status_code
    return board(page, station=values, station_errors=_place_errors(errors), status_code=status)
