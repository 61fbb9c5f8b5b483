"""The broker workflow as the portal reads it; None when the workflow is not installed in this catalog."""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from services.catalog.models import User

log = logging.getLogger(__name__)
T = TypeVar("T")


def guarded(session: Session, read: Callable[[], T]) -> T | None:
    """Run a workflow read; None (and a clean session) if the workflow's tables are missing."""
    try:
        return read()
    except (ImportError, OperationalError, ProgrammingError):
        session.rollback()
        log.warning("broker workflow unavailable", exc_info=True)
        return None


def matches_of_need(session: Session, user: User, need_id: int) -> list[Any] | None:
    """The matches of a need the reader may see (parties: only introduced ones), newest first."""

    def read() -> list[Any]:
        from services.catalog.workflow import service

        rows, _ = service.list_matches(session, user=user, need_id=need_id, output_id=None, status=None,
                                       broker_id=None, page=1, page_size=200)
        return list(service.present(session, rows))

    return guarded(session, read)


def matches_of_output(session: Session, user: User, output_id: int) -> list[Any] | None:
    """The matches of an output the reader may see, newest first."""

    def read() -> list[Any]:
        from services.catalog.workflow import service

        rows, _ = service.list_matches(session, user=user, need_id=None, output_id=output_id, status=None,
                                       broker_id=None, page=1, page_size=200)
        return list(service.present(session, rows))

    return guarded(session, read)


def awaiting_answer(session: Session, user: User) -> list[Any] | None:
    """Introductions to the reader's organisation that still wait for its answer."""

    def read() -> list[Any]:
        from services.catalog.workflow import service
        from services.catalog.workflow.vocab import MatchStatus, Response

        rows, _ = service.list_matches(session, user=user, need_id=None, output_id=None,
                                       status=MatchStatus.introduced, broker_id=None, page=1, page_size=200)
        side = "need_response" if user.role == "enterprise" else "output_response"
        return [m for m in service.present(session, rows) if getattr(m, side) == Response.pending]

    return guarded(session, read)


def inbox(session: Session, user: User) -> tuple[list[Any], int] | None:
    """The reader's newest notifications and the unread count."""

    def read() -> tuple[list[Any], int]:
        from services.catalog.workflow import notifications

        rows, _, unread = notifications.list_inbox(session, user=user, unread_only=False, page=1, page_size=50)
        return list(rows), unread

    return guarded(session, read)
