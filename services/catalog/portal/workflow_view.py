"""The broker workflow as the portal reads it: a need's or an output's matches, answers awaited, the inbox."""

from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role
from services.catalog.portal.filters import PAGE_SIZE
from services.catalog.workflow import notifications, service
from services.catalog.workflow.models import Notification
from services.catalog.workflow.schemas import MatchPublic
from services.catalog.workflow.vocab import MatchStatus, Response

PAGE = 200


def _matches(session: Session, user: User, *, need_id: int | None = None, output_id: int | None = None,
             status: MatchStatus | None = None) -> list[MatchPublic]:
    rows, _ = service.list_matches(session, user=user, need_id=need_id, output_id=output_id, status=status,
                                   broker_id=None, page=1, page_size=PAGE)
    return service.present(session, rows)


def matches_of_need(session: Session, user: User, need_id: int) -> list[MatchPublic]:
    """The matches of a need the reader may see (parties: only introduced ones), newest first."""
    return _matches(session, user, need_id=need_id)


def matches_of_output(session: Session, user: User, output_id: int) -> list[MatchPublic]:
    """The matches of an output the reader may see, newest first."""
    return _matches(session, user, output_id=output_id)


def awaiting_answer(session: Session, user: User) -> list[MatchPublic]:
    """Introductions to the reader's organisation that still wait for its answer."""
    side = "need_response" if user.role == Role.enterprise else "output_response"
    return [m for m in _matches(session, user, status=MatchStatus.introduced) if getattr(m, side) == Response.pending]


def inbox(session: Session, user: User, *, page: int) -> tuple[list[Notification], int, int]:
    """One page of the reader's notifications (newest first), how many there are, and how many are unread."""
    return notifications.list_inbox(session, user=user, unread_only=False, page=page, page_size=PAGE_SIZE)
