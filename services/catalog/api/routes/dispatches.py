"""Dispatches (选派) of experts to enterprises, towns and work stations, and the visits logged on them."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session

from services.catalog.api.deps import ClockDep, CurrentUser, SessionDep
from services.catalog.api.params import IdPath, IdQuery
from services.catalog.experts import dispatches as service
from services.catalog.experts import repository as repo
from services.catalog.experts import visits
from services.catalog.experts.models import Dispatch
from services.catalog.experts.schemas import (
    DispatchCreate,
    DispatchesPublic,
    DispatchPublic,
    VisitCreate,
    VisitPublic,
)
from services.catalog.experts.vocab import DispatchStatus
from shared.openapi import error_responses

router = APIRouter(prefix="/dispatches", tags=["experts"])
WRITE = error_responses(403, 404, 409, 422, s403="only staff, the dispatched expert or the host, as the step needs",
                        s404="no such dispatch, or not visible to the caller",
                        s409="beyond the expert's availability, confirmed already, cancelled or not yet confirmed",
                        s422="invalid host, region, period, date or hours")


def _one(session: Session, dispatch: Dispatch, user: Any) -> DispatchPublic:
    session.refresh(dispatch)
    return service.present(session, dispatches=[dispatch], user=user)[0]


@router.get("", response_model=DispatchesPublic)
def list_dispatches(user: CurrentUser, session: SessionDep, expert_id: IdQuery = None,
                    status: DispatchStatus | None = None,
                    county: Annotated[str | None, Query(max_length=50)] = None) -> Any:
    """The dispatches the caller may see: all for staff, their own for an expert, those to them for a host."""
    rows = repo.list_dispatches(session, user=user, expert_id=expert_id, status=status, county=county)
    return DispatchesPublic(data=service.present(session, dispatches=rows, user=user), count=len(rows))


@router.post("", response_model=DispatchPublic, status_code=201, responses=WRITE)
def create(body: DispatchCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Dispatch an expert to an enterprise, a town or a work station (staff); both sides then confirm."""
    dispatch = service.create_dispatch(session, user=user, data=body, clock=clock)
    session.commit()
    return _one(session, dispatch, user)


@router.get("/{dispatch_id}", response_model=DispatchPublic, responses=error_responses(404))
def read(dispatch_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """One dispatch (staff, its expert and its host)."""
    return _one(session, repo.get_dispatch(session, dispatch_id=dispatch_id, user=user), user)


@router.post("/{dispatch_id}/confirm", response_model=DispatchPublic, responses=WRITE)
def confirm(dispatch_id: IdPath, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """The expert or the host confirms; the dispatch runs once both have."""
    dispatch = repo.get_dispatch(session, dispatch_id=dispatch_id, user=user, for_update=True)
    service.confirm_dispatch(session, dispatch=dispatch, user=user, clock=clock)
    session.commit()
    return _one(session, dispatch, user)


@router.post("/{dispatch_id}/cancel", response_model=DispatchPublic, responses=WRITE)
def cancel(dispatch_id: IdPath, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """Cancel a dispatch (staff); its visits stay on record."""
    dispatch = repo.get_dispatch(session, dispatch_id=dispatch_id, user=user, for_update=True)
    service.cancel_dispatch(session, dispatch=dispatch, user=user, clock=clock)
    session.commit()
    return _one(session, dispatch, user)


@router.get("/{dispatch_id}/visits", response_model=list[VisitPublic], responses=error_responses(404))
def list_visits(dispatch_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """The visits logged on a dispatch, by date, with their problems."""
    dispatch = repo.get_dispatch(session, dispatch_id=dispatch_id, user=user)
    return visits.present(session, visits=repo.visits_of(session, dispatch_ids=[dispatch.id or 0]))


@router.post("/{dispatch_id}/visits", response_model=VisitPublic, status_code=201, responses=WRITE)
def log_visit(dispatch_id: IdPath, body: VisitCreate, user: CurrentUser, session: SessionDep,
              clock: ClockDep) -> Any:
    """The dispatched expert logs a visit: date, hours, place, what was done, problems raised and solved."""
    dispatch = repo.get_dispatch(session, dispatch_id=dispatch_id, user=user, for_update=True)
    visit = visits.log_visit(session, dispatch=dispatch, user=user, data=body, clock=clock)
    session.commit()
    session.refresh(visit)
    return visits.present(session, visits=[visit])[0]
