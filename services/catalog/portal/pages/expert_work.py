"""The expert's workspace (role expert): my profile, my dispatches to confirm, and the service log, with a visit
logged from a phone (date, hours, place, what was done, the problems raised and those solved there)."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role
from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError, NotFound
from services.catalog.experts import dispatches, service, visits
from services.catalog.experts import repository as repo
from services.catalog.experts.models import Dispatch, Expert
from services.catalog.experts.schemas import VisitCreate
from services.catalog.portal.challenge_view import form_errors, refusal
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.expert_view import labels
from services.catalog.portal.routing import PortalRoute

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
VISIT = ("visit_on", "hours", "place", "work_done", "raised", "solved")


def _render(page: PageContext, template: str, status_code: int = 200, **values: Any) -> Response:
    return page.render(template, status_code=status_code, **labels(page.lang), **values)


def _me(page: PageContext) -> tuple[User, Expert | None]:
    user = page.require(Role.expert)
    return user, repo.own_expert(page.session, user)


@router.get("/expert")
def workspace_page(page: PageDep) -> Response:
    """My profile, my dispatches (confirm them) and the visits logged on each."""
    return workspace(page)


def workspace(page: PageContext, error: str | None = None, status_code: int = 200) -> Response:
    """The workspace, with the reason a write was refused if any."""
    user, expert = _me(page)
    rows = repo.list_dispatches(page.session, user=user, expert_id=expert.id, status=None, county=None) \
        if expert is not None else []
    logged = visits.present(page.session, visits=repo.visits_of(page.session, dispatch_ids=[d.id or 0 for d in rows]))
    by_dispatch: dict[int, list[Any]] = {}
    for v in reversed(logged):
        by_dispatch.setdefault(v.dispatch_id, []).append(v)
    return _render(page, "expert_workspace.html", status_code=status_code, error=error,
                   e=service.present(page.session, experts=[expert], user=user)[0] if expert else None,
                   dispatches=dispatches.present(page.session, dispatches=rows, user=user), visits=by_dispatch,
                   done=page.request.query_params.get("done"))


def _write(page: PageContext, write: Any, done: str) -> Response:
    """Run one write of the workspace; on a refusal, the workspace again with the reason."""
    try:
        write()
    except AppError as exc:
        page.session.rollback()
        return workspace(page, error=page.tr(exc.zh, exc.en), status_code=exc.status_code)
    page.session.commit()
    return page.redirect(f"/expert?done={done}")


@router.post("/expert/dispatches/{dispatch_id}/confirm")
def confirm(dispatch_id: IdPath, page: PageDep) -> Response:
    """The dispatched expert accepts the dispatch."""
    user, _ = _me(page)
    dispatch = repo.get_dispatch(page.session, dispatch_id=dispatch_id, user=user, for_update=True)
    return _write(page, lambda: dispatches.confirm_dispatch(page.session, dispatch=dispatch, user=user,
                                                            clock=page.request.app.state.clock), "confirmed")


@router.post("/expert/visits/{visit_id}/problems/{problem_id}/solve")
def solve(visit_id: IdPath, problem_id: IdPath, page: PageDep) -> Response:
    """Mark a problem raised earlier as solved (it counts once the host confirms)."""
    user, _ = _me(page)
    visit, dispatch = repo.get_visit(page.session, visit_id=visit_id, user=user)
    problem = repo.get_problem(page.session, visit=visit, problem_id=problem_id, for_update=True)
    return _write(page, lambda: visits.solve_problem(page.session, problem=problem, dispatch=dispatch, user=user,
                                                     clock=page.request.app.state.clock), "solved")


def _own_dispatch(page: PageContext, dispatch_id: int) -> tuple[User, Dispatch]:
    user, _ = _me(page)
    dispatch = repo.get_dispatch(page.session, dispatch_id=dispatch_id, user=user)
    if not repo.is_dispatched(page.session, user, dispatch):
        raise NotFound(f"找不到选派记录 {dispatch_id}", f"No dispatch {dispatch_id} of yours")
    return user, dispatch


def _visit_page(page: PageContext, dispatch: Dispatch, *, values: dict[str, str], errors: dict[str, str],
                status_code: int = 200) -> Response:
    shown = dispatches.present(page.session, dispatches=[dispatch], user=page.user)[0]
    return _render(page, "visit_form.html", status_code=status_code, d=shown, values=values, errors=errors)


@router.get("/expert/dispatches/{dispatch_id}/visit")
def visit_form(dispatch_id: IdPath, page: PageDep) -> Response:
    """The form to log a visit on a dispatch, made for a phone."""
    _, dispatch = _own_dispatch(page, dispatch_id)
    shown = dispatches.present(page.session, dispatches=[dispatch], user=page.user)[0]
    today = visits.today(page.request.app.state.clock)
    values = {name: "" for name in VISIT} | {"visit_on": today.isoformat(), "place": shown.host_name or ""}
    return _visit_page(page, dispatch, values=values, errors={})


@router.post("/expert/dispatches/{dispatch_id}/visit")
async def log_visit(dispatch_id: IdPath, page: PageDep) -> Response:
    """Log the visit; a day in the future, outside the dispatch or past 24 hours is explained on the form."""
    user, dispatch = _own_dispatch(page, dispatch_id)
    form = await page.request.form()
    values = {name: str(form.get(name) or "").strip() for name in VISIT}
    problems = [{"text": t, "solved": False} for t in split_lines(values["raised"])]
    problems += [{"text": t, "solved": True} for t in split_lines(values["solved"])]
    try:
        body = VisitCreate.model_validate({"visit_on": values["visit_on"], "hours": values["hours"],
                                           "place": values["place"], "work_done": values["work_done"],
                                           "problems": problems})
        dispatch = repo.get_dispatch(page.session, dispatch_id=dispatch_id, user=user, for_update=True)
        visits.log_visit(page.session, dispatch=dispatch, user=user, data=body, clock=page.request.app.state.clock)
        page.session.commit()
        return page.redirect(f"/expert?done=logged#dispatch-{dispatch_id}")
    except ValidationError as exc:
        errors, status = form_errors(exc, page.lang, "__all__"), 422
    except AppError as exc:
        page.session.rollback()
        errors, status = refusal(page, exc), exc.status_code
    return _visit_page(page, dispatch, values=values, errors=errors, status_code=status)


def split_lines(text: str) -> list[str]:
    """Problems typed one a line (blank lines left out)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
