"""The change feed the matcher follows (service token only)."""

from fastapi import APIRouter, Query

from services.catalog.api.deps import ServiceAuth, SessionDep
from services.catalog.core.inputs import MAX_ID
from services.catalog.items.changes import read_changes
from shared.schemas import ChangesPage

router = APIRouter(prefix="/changes", tags=["changes"], dependencies=[ServiceAuth])


@router.get("", response_model=ChangesPage)
def changes(session: SessionDep, after: int = Query(0, ge=0, le=MAX_ID), limit: int = Query(500, ge=1, le=5000)) -> ChangesPage:
    """Every change after sequence number `after`, oldest first."""
    return read_changes(session, after=after, limit=limit)
