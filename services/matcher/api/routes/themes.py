"""Themes of needs: clusters of their stored vectors, for the bureau's gap analysis."""

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from services.matcher.api.deps import MatcherDep, require_service
from shared.schemas import ThemesRequest, ThemesResponse

router = APIRouter(prefix="/v1", tags=["themes"], dependencies=[Depends(require_service)])


@router.post("/themes", response_model=ThemesResponse)
async def themes(request: ThemesRequest, matcher: MatcherDep) -> ThemesResponse:
    """Group the given needs (default: every open need held) into themes with labels, coherence and supply."""
    return await run_in_threadpool(matcher.themes, request)  # clustering is CPU-bound
