"""Health and progress endpoints."""

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from services.matcher import handover
from services.matcher.api.deps import MatcherDep, require_service
from services.matcher.api.errors import MatcherError
from shared.openapi import error_responses
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


@router.get("/v1/snapshot", dependencies=[Depends(require_service)], response_class=StreamingResponse,
            responses={200: {"content": {"application/x-tar": {}}, "description": "the snapshot as a tar"},
                       **error_responses(409, s409="nothing indexed yet")})
def snapshot(matcher: MatcherDep) -> StreamingResponse:
    """The index's current snapshot, for a new replica to start from (`DUIJIE_SNAPSHOT_FROM`)."""
    matcher.save(force=True)  # what is applied now, not what the last periodic save held
    pinned = handover.pin_snapshot(matcher.settings.data_dir, matcher.index.lock)
    if pinned is None:
        raise MatcherError("索引尚为空，没有可提供的快照", "nothing is indexed yet: no snapshot to give",
                           status_code=409, code="conflict")
    manifest, directory = pinned
    return StreamingResponse(handover.stream_snapshot(manifest, directory), media_type="application/x-tar",
                             headers={"X-Duijie-Cursor": str(manifest["cursor"])})
