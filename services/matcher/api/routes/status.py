"""Health and progress endpoints."""

from fastapi import APIRouter, Depends

from services.matcher.api.deps import MatcherDep, require_service
from shared.schemas import MatcherStatus

router = APIRouter(tags=["status"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness probe (no token needed)."""
    return {"status": "ok"}


@router.get("/v1/status", response_model=MatcherStatus, dependencies=[Depends(require_service)])
def matcher_status(matcher: MatcherDep) -> MatcherStatus:
    """Item counts, change-feed cursor, lag behind the catalog and the model in use."""
    return matcher.status()
