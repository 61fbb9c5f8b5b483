"""The signed-in user's inbox."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.catalog.api.deps import CurrentUser, SessionDep
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.workflow import notifications
from services.catalog.workflow.schemas import NotificationPublic, NotificationsPublic
from shared.openapi import error_responses

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationsPublic)
def inbox(user: CurrentUser, session: SessionDep, unread: bool = False,
          page: PageQuery = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 20) -> Any:
    """Your notifications, newest first, with the unread count."""
    rows, total, unread_count = notifications.list_inbox(session, user=user, unread_only=unread, page=page,
                                                         page_size=page_size)
    return NotificationsPublic(data=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows],
                               count=total, unread=unread_count)


@router.post("/{notification_id}/read", response_model=NotificationPublic, responses=error_responses(404, s404="no such notification, or not yours"))
def mark_read(notification_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """Mark one of your notifications read."""
    note = notifications.mark_read(session, user=user, notification_id=notification_id)
    session.commit()
    session.refresh(note)
    return NotificationPublic.model_validate(note, from_attributes=True)


@router.post("/read-all", response_model=dict[str, int])
def mark_all_read(user: CurrentUser, session: SessionDep) -> Any:
    """Mark all your notifications read."""
    n = notifications.mark_all_read(session, user=user)
    session.commit()
    return {"marked": n}
