"""Work stations (特派员工作站) that experts are dispatched to."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.exc import IntegrityError

from services.catalog.api.deps import ClockDep, SessionDep, StaffUser
from services.catalog.core.errors import Conflict
from services.catalog.experts import dispatches
from services.catalog.experts.schemas import StationCreate, StationPublic
from shared.openapi import error_responses

router = APIRouter(prefix="/stations", tags=["experts"])


@router.get("", response_model=list[StationPublic])
def list_stations(session: SessionDep, county: Annotated[str | None, Query(max_length=50)] = None) -> Any:
    """Every work station, by county and name."""
    return dispatches.list_stations(session, county=county)


@router.post("", response_model=StationPublic, status_code=201,
             responses=error_responses(409, 422, s409="a station of that name in that town exists"))
def create_station(body: StationCreate, user: StaffUser, session: SessionDep, clock: ClockDep) -> Any:
    """Open a work station in a county and town (staff)."""
    station = dispatches.create_station(session, user=user, data=body, clock=clock)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("该镇街已有同名工作站", "A work station of that name exists in that town") from exc
    session.refresh(station)
    return StationPublic.model_validate(station.model_dump())
