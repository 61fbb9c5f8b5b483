"""The change feed the matcher follows (service token only)."""

from fastapi import APIRouter, Query

from services.catalog.changes import read_changes
from services.catalog.deps import ServiceAuth, SessionDep
from shared.schemas import ChangesPage

router = APIRouter(prefix="/changes", tags=["changes"], dependencies=[ServiceAuth])


@router.get("", response_model=ChangesPage)
def changes(session: SessionDep, after: int = Query(0, ge=0), limit: int = Query(500, ge=1, le=5000)) -> ChangesPage:
    """Every change after sequence number `after`, oldest first."""
    return read_changes(session, after=after, limit=limit)
