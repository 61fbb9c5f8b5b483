"""Ranked matches from the matcher, filtered by what the caller may see.

Each route does its blocking work in one worker thread (with sync dependencies, a sync endpoint and
response validation a request hops between threads six times), and holds no database transaction
(with SQLite, its write lock) while it waits for the matcher.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from services.catalog.accounts.models import User
from services.catalog.api.deps import (
    TokenDep,
    client_address,
    engine_for,
    get_current_user,
    get_optional_user,
)
from services.catalog.api.params import IdPath
from services.catalog.core.config import CatalogSettings
from services.catalog.experts.schemas import ExpertMatchesPublic
from services.catalog.items.kinds import NEEDS, OUTPUTS, KindSpec
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.repository import get_visible
from services.catalog.matching import search
from services.catalog.matching import service as matching
from shared.openapi import error_responses
from shared.schemas import MatchRequest, MatchResponse

router = APIRouter(tags=["matches"])
ERRORS = error_responses(401, 404, 503, s503="the matcher is unavailable")
K = Annotated[int, Query(ge=1, le=100, description="how many matches")]
Ask = Callable[[Session, User | None], MatchRequest]
# off by default: finding each result's best passage costs a match about as much again (README), and API
# callers that show no explanation should not pay for it; the portal's pages ask for it
Passages = Annotated[bool, Query(description="add each result's best-matching passage (`best_passage`)")]


def _ranked(request: Request, token: str | None, ask: Ask, passages: bool = False) -> MatchResponse:
    """Sign the caller in and build the question, ask the matcher, keep what the caller may see."""
    settings: CatalogSettings = request.app.state.settings
    engine = engine_for(request)
    with Session(engine) as session:
        user = get_optional_user(request, session, settings, token)
        question = ask(session, user).model_copy(update={"passages": passages})
    # the session is closed: `user` stays loaded (detached) and no transaction waits on the matcher
    ranking = matching.ask(settings=settings, question=question)
    with Session(engine) as session:
        return matching.visible(session=session, user=user, ranking=ranking).response()


@router.get("/needs/{need_id}/matches", response_model=MatchResponse, responses=ERRORS)
async def outputs_for_need(request: Request, need_id: IdPath, token: TokenDep, k: K = 10, passages: Passages = False) -> MatchResponse:
    """Research outputs most likely to solve a need, best first, each with why."""
    def ask(session: Session, user: User | None) -> MatchRequest:
        need = get_visible(session, spec=NEEDS, item_id=need_id, user=user)
        assert isinstance(need, TechNeed)
        return matching.outputs_for_need(need=need, k=k)

    return await run_in_threadpool(_ranked, request, token, ask, passages)


@router.get("/needs/{need_id}/experts", response_model=ExpertMatchesPublic,
            responses=error_responses(401, 403, 404, 503, s503="the matcher is unavailable"))
async def experts_for_need(request: Request, need_id: IdPath, token: TokenDep, k: K = 10) -> ExpertMatchesPublic:
    """Experts of the pool most likely to serve a need, best first, each with why; for brokers, the bureau and the
    need's owner. Experts of the owner's own organisation are left out (conflict of interest)."""
    def ranked() -> ExpertMatchesPublic:
        settings: CatalogSettings = request.app.state.settings
        engine = engine_for(request)
        with Session(engine) as session:
            user = get_current_user(get_optional_user(request, session, settings, token))
            need = get_visible(session, spec=NEEDS, item_id=need_id, user=user)
            assert isinstance(need, TechNeed)
            matching.may_see_experts_for(user=user, need=need)
            question, owner = matching.experts_for_need(need=need, k=k), need.organisation_id
        ranking = matching.ask(settings=settings, question=question)  # no transaction waits on the matcher
        with Session(engine) as session:
            return matching.ranked_experts(session=session, user=user, ranking=ranking, conflicted={owner}, k=k)

    return await run_in_threadpool(ranked)


@router.get("/outputs/{output_id}/matches", response_model=MatchResponse, responses=ERRORS)
async def needs_for_output(request: Request, output_id: IdPath, token: TokenDep, k: K = 10, passages: Passages = False) -> MatchResponse:
    """Technology needs an output could serve; brokers-only needs appear to brokers and admins only."""
    def ask(session: Session, user: User | None) -> MatchRequest:
        output = get_visible(session, spec=OUTPUTS, item_id=output_id, user=user)
        assert isinstance(output, ResearchOutput)
        return matching.needs_for_output(session=session, output=output, user=user, k=k)

    return await run_in_threadpool(_ranked, request, token, ask, passages)


SEARCH_ERRORS = error_responses(401, 429, 503, s429="an anonymous caller searched too often this minute; retry "
                                                   "after the Retry-After header", s503="the matcher is unavailable")
Text = Annotated[str, Query(min_length=1, max_length=2000, description="free text, zh or en")]


def _text_search(request: Request, spec: KindSpec, q: str, k: int) -> Ask:
    """The free-text question, asked only while an anonymous caller is within their searches a minute."""
    def ask(session: Session, user: User | None) -> MatchRequest:
        wait = search.admit(limit=request.app.state.search_limit, user=user, address=client_address(request))
        if wait:
            raise search.SearchLimited(wait)
        return search.text_question(spec=spec, text=q, user=user, k=k)

    return ask


@router.get("/search/outputs", response_model=MatchResponse, responses=SEARCH_ERRORS)
async def search_outputs(request: Request, token: TokenDep, q: Text, k: K = 10, passages: Passages = False) -> MatchResponse:
    """Published research outputs matching a free-text description of a problem, in any language; open to
    anonymous callers (`DUIJIE_ANON_SEARCH_PER_MINUTE` a minute per address)."""
    return await run_in_threadpool(_ranked, request, token, _text_search(request, OUTPUTS, q, k), passages)


@router.get("/search/needs", response_model=MatchResponse, responses=SEARCH_ERRORS)
async def search_needs(request: Request, token: TokenDep, q: Text, k: K = 10, passages: Passages = False) -> MatchResponse:
    """Technology needs matching free text, in any language: public ones for everyone (anonymous callers
    `DUIJIE_ANON_SEARCH_PER_MINUTE` a minute per address), brokers-only ones for brokers and admins too."""
    return await run_in_threadpool(_ranked, request, token, _text_search(request, NEEDS, q, k), passages)
