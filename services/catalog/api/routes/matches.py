"""Ranked matches from the matcher, filtered by what the caller may see.

Each route does its blocking work in one worker thread (with sync dependencies, a sync endpoint and
response validation a request hops between threads six times), and holds no database transaction
(with SQLite, its write lock) while it waits for the matcher.
"""

from collections.abc import Callable
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Path, Query, Request
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from services.catalog import matcher_client
from services.catalog.config import CatalogSettings
from services.catalog.deps import TokenDep, engine_for, get_optional_user
from services.catalog.errors import AppError
from services.catalog.items import NEEDS, OUTPUTS, KindSpec, get_visible, visible_clause
from services.catalog.models import ResearchOutput, TechNeed, User
from services.catalog.schemas import MAX_ID
from services.catalog.vocab import Role
from shared.schemas import MatchRequest, MatchResponse

router = APIRouter(tags=["matches"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"description": "no such item, or not visible to the caller"},
          503: {"description": "the matcher is unavailable"}}
K = Annotated[int, Query(ge=1, le=100, description="how many matches")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
Ask = Callable[[Session, User | None], MatchRequest]


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


def _ranked(request: Request, token: str | None, spec: KindSpec, ask: Ask) -> MatchResponse:
    """Sign the caller in and build the question, ask the matcher, keep what the caller may see."""
    settings: CatalogSettings = request.app.state.settings
    engine = engine_for(request)
    with Session(engine) as session:
        user = get_optional_user(request, session, settings, token)
        question = ask(session, user)
    # the session is closed: `user` stays loaded (detached) and no transaction waits on the matcher
    try:
        ranking = matcher_client.match(settings=settings, request=question)
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    with Session(engine) as session:
        return _visible_only(session, spec, user, ranking)


@router.get("/needs/{need_id}/matches", response_model=MatchResponse, responses=ERRORS)
async def outputs_for_need(request: Request, need_id: ItemId, token: TokenDep, k: K = 10) -> MatchResponse:
    """Research outputs most likely to solve a need, best first, each with why."""
    def ask(session: Session, user: User | None) -> MatchRequest:
        need = get_visible(session, NEEDS, need_id, user)
        assert isinstance(need, TechNeed)
        return matcher_client.outputs_for_need_request(need, k)

    return await run_in_threadpool(_ranked, request, token, OUTPUTS, ask)


@router.get("/outputs/{output_id}/matches", response_model=MatchResponse, responses=ERRORS)
async def needs_for_output(request: Request, output_id: ItemId, token: TokenDep, k: K = 10) -> MatchResponse:
    """Technology needs an output could serve; brokers-only needs appear to brokers and admins only."""
    def ask(session: Session, user: User | None) -> MatchRequest:
        output = get_visible(session, OUTPUTS, output_id, user)
        assert isinstance(output, ResearchOutput)
        return matcher_client.needs_for_output_request(output, k, include_brokers_only=_is_staff(user))

    return await run_in_threadpool(_ranked, request, token, NEEDS, ask)


@router.get("/search/outputs", response_model=MatchResponse, responses=ERRORS)
async def search_outputs(request: Request, token: TokenDep,
                         q: Annotated[str, Query(min_length=1, max_length=2000, description="free text, zh or en")],
                         k: K = 10) -> MatchResponse:
    """Research outputs matching a free-text description of a problem."""
    return await run_in_threadpool(_ranked, request, token, OUTPUTS,
                                   lambda session, user: matcher_client.search_outputs_request(q, k))
