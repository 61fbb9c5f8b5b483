"""The inbox of enterprises and universities: notifications and introductions awaiting an answer."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import Response

from services.catalog.accounts.vocab import Role
from services.catalog.api.params import IdPath
from services.catalog.portal.context import PageDep
from services.catalog.portal.filters import PortalPage, SearchForm, page_count
from services.catalog.portal.routing import PortalRoute
from services.catalog.portal.workflow_view import awaiting_answer, inbox
from services.catalog.workflow import notifications, service
from services.catalog.workflow.vocab import DeclineReason

router = APIRouter(route_class=PortalRoute, include_in_schema=False)


@router.get("/inbox")
def inbox_page(page: PageDep, pg: PortalPage = 1) -> Response:
    """Introductions to answer and the notifications, newest first, a page at a time."""
    user = page.require(Role.enterprise, Role.university, Role.broker, Role.admin)
    notes, total, unread = inbox(page.session, user, page=pg)
    pending = awaiting_answer(page.session, user) if user.role in (Role.enterprise, Role.university) else []
    return page.render("inbox.html", notes=notes, total=total, unread=unread, pages=page_count(total),
                       form=SearchForm(values={}, page=pg), pending=pending, reasons=[r.value for r in DeclineReason],
                       answered=page.request.query_params.get("answered"))


def _back(pg: int, **params: str) -> str:
    """The inbox page a form was sent from (its forms carry `?page=` past the first)."""
    query = urlencode({**params, **({"page": str(pg)} if pg > 1 else {})})
    return "/inbox" + (f"?{query}" if query else "")


@router.post("/inbox/matches/{match_id}/respond")
def respond(match_id: IdPath, page: PageDep, answer: Annotated[str, Form()],
            reason: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "", pg: PortalPage = 1) -> Response:
    """Accept or decline an introduction for the reader's side."""
    user = page.require(Role.enterprise, Role.university)
    match = service.get_match(page.session, match_id=match_id, user=user, for_update=True)
    accept = answer == "accept"
    code = reason if reason in [r.value for r in DeclineReason] else DeclineReason.other.value
    service.respond(page.session, match=match, user=user, accept=accept, reason=None if accept else code,
                    note=note.strip()[:2000] or None)
    page.session.commit()
    return page.redirect(_back(pg, answered="accepted" if accept else "declined"))


@router.post("/inbox/read-all")
def read_all(page: PageDep, pg: PortalPage = 1) -> Response:
    """Mark every notification read, back on the inbox page the reader was on."""
    user = page.require()
    notifications.mark_all_read(page.session, user=user)
    page.session.commit()
    return page.redirect(_back(pg))
