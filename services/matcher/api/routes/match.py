"""Ranking endpoints."""

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from services.matcher.api.deps import MatcherDep, require_service
from shared.schemas import MatchRequest, MatchResponse

router = APIRouter(prefix="/v1", tags=["match"], dependencies=[Depends(require_service)])


@router.post("/match", response_model=MatchResponse)
async def match(request: MatchRequest, matcher: MatcherDep) -> MatchResponse:
    """Rank items of the target kind for a catalog item or free text, each with its explanation."""
    # the ranking is CPU-bound: one worker thread for it, none for the dependencies or the response
    return await run_in_threadpool(matcher.match, request)
