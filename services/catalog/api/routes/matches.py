"""Ranked matches from the matcher, filtered by what the caller may see."""

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Path, Query
from sqlmodel import Session, col, select

from services.catalog import matcher_client
from services.catalog.deps import OptionalUser, SessionDep, SettingsDep
from services.catalog.errors import AppError
from services.catalog.items import NEEDS, OUTPUTS, KindSpec, get_visible, visible_clause
from services.catalog.models import ResearchOutput, TechNeed, User
from services.catalog.schemas import MAX_ID
from services.catalog.vocab import Role
from shared.schemas import MatchResponse

router = APIRouter(tags=["matches"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"description": "no such item, or not visible to the caller"},
          503: {"description": "the matcher is unavailable"}}
K = Annotated[int, Query(ge=1, le=100, description="how many matches")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _unavailable() -> AppError:
    return AppError("匹配服务暂时不可用，请稍后重试", "The matcher is unavailable; please retry later",
                    status_code=503, code="matcher_unavailable")


def _is_staff(user: User | None) -> bool:
    return user is not None and user.role in (Role.broker, Role.admin)


def _visible_only(session: Session, spec: KindSpec, user: User | None, ranking: MatchResponse) -> MatchResponse:
    """Drop results the caller may not see (the matcher may also lag a just-hidden item)."""
    ids = [r.id for r in ranking.results]
    if not ids:
        return ranking
    table = spec.table
    visible = set(session.exec(select(table.id).where(col(table.id).in_(ids), visible_clause(spec, user))).all())
    return MatchResponse(results=[r for r in ranking.results if r.id in visible], model=ranking.model)


@router.get("/needs/{need_id}/matches", response_model=MatchResponse, responses=ERRORS)
def outputs_for_need(need_id: ItemId, session: SessionDep, settings: SettingsDep, user: OptionalUser,
                     k: K = 10) -> MatchResponse:
    """Research outputs most likely to solve a need, best first, each with why."""
    need = get_visible(session, NEEDS, need_id, user)
    assert isinstance(need, TechNeed)
    try:
        ranking = matcher_client.rank_outputs_for_need(settings=settings, need=need, k=k)
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    return _visible_only(session, OUTPUTS, user, ranking)


@router.get("/outputs/{output_id}/matches", response_model=MatchResponse, responses=ERRORS)
def needs_for_output(output_id: ItemId, session: SessionDep, settings: SettingsDep, user: OptionalUser,
                     k: K = 10) -> MatchResponse:
    """Technology needs an output could serve; brokers-only needs appear to brokers and admins only."""
    output = get_visible(session, OUTPUTS, output_id, user)
    assert isinstance(output, ResearchOutput)
    try:
        ranking = matcher_client.rank_needs_for_output(settings=settings, output=output, k=k,
                                                       include_brokers_only=_is_staff(user))
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    return _visible_only(session, NEEDS, user, ranking)


@router.get("/search/outputs", response_model=MatchResponse, responses=ERRORS)
def search_outputs(q: Annotated[str, Query(min_length=1, max_length=2000, description="free text, zh or en")],
                   session: SessionDep, settings: SettingsDep, user: OptionalUser, k: K = 10) -> MatchResponse:
    """Research outputs matching a free-text description of a problem."""
    try:
        ranking = matcher_client.search_outputs(settings=settings, text=q, k=k)
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    return _visible_only(session, OUTPUTS, user, ranking)
