"""The host's page: the experts dispatched to my enterprise (staff speak for towns and work stations), with the
visits to us: confirm a dispatch and a visit, confirm a problem solved, rate 1–5, turn a problem into a need."""

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import ValidationError

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import STAFF, Role
from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError
from services.catalog.experts import dispatches, visits
from services.catalog.experts import repository as repo
from services.catalog.experts.schemas import NeedFromProblem, RatingCreate
from services.catalog.portal.challenge_view import form_errors, refusal
from services.catalog.portal.context import PageContext, PageDep
from services.catalog.portal.expert_view import labels
from services.catalog.portal.routing import PortalRoute

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
HOSTS = (Role.enterprise, *STAFF)


def _host(page: PageContext) -> User:
    return page.require(*HOSTS)


@router.get("/host")
def host_page(page: PageDep) -> Response:
    """Dispatches to my organisation (for staff: to towns and work stations) and the visits on each."""
    return show(page)


def show(page: PageContext, errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """The host's page, with the errors of a refused write if any."""
    user = _host(page)
    rows = [d for d in repo.list_dispatches(page.session, user=user, expert_id=None, status=None, county=None)
            if repo.is_host(user, d)]
    logged = visits.present(page.session, visits=repo.visits_of(page.session, dispatch_ids=[d.id or 0 for d in rows]))
    by_dispatch: dict[int, list[Any]] = {}
    for v in reversed(logged):
        by_dispatch.setdefault(v.dispatch_id, []).append(v)
    return page.render("host_page.html", status_code=status_code, **labels(page.lang), visits=by_dispatch,
                       dispatches=dispatches.present(page.session, dispatches=rows, user=user), errors=errors or {},
                       done=page.request.query_params.get("done"), staff=page.role_is(*STAFF))


def _write(page: PageContext, write: Any, done: str, field: str = "__all__") -> Response:
    """Run one write; on a refusal, the page again with the reason (also beside `field`)."""
    try:
        write()
    except ValidationError as exc:
        page.session.rollback()
        errors = form_errors(exc, page.lang, field)
        message = next(iter(errors.values()))
        return show(page, errors={"__all__": message, field: message}, status_code=422)
    except AppError as exc:
        page.session.rollback()
        errors = refusal(page, exc)
        return show(page, errors={**errors, field: errors["__all__"]}, status_code=exc.status_code)
    page.session.commit()
    return page.redirect(f"/host?done={done}")


@router.post("/host/dispatches/{dispatch_id}/confirm")
def confirm_dispatch(dispatch_id: IdPath, page: PageDep) -> Response:
    """The host accepts the expert sent to it."""
    user = _host(page)
    dispatch = repo.get_dispatch(page.session, dispatch_id=dispatch_id, user=user, for_update=True)
    return _write(page, lambda: dispatches.confirm_dispatch(page.session, dispatch=dispatch, user=user,
                                                            clock=page.request.app.state.clock), "dispatch")


@router.post("/host/visits/{visit_id}/confirm")
def confirm_visit(visit_id: IdPath, page: PageDep) -> Response:
    """The host confirms the visit took place."""
    user = _host(page)
    visit, dispatch = repo.get_visit(page.session, visit_id=visit_id, user=user, for_update=True)
    return _write(page, lambda: visits.confirm_visit(page.session, visit=visit, dispatch=dispatch, user=user,
                                                     clock=page.request.app.state.clock), "visit")


@router.post("/host/visits/{visit_id}/rating")
def rate(visit_id: IdPath, page: PageDep, rating: Annotated[str, Form()] = "",
         comment: Annotated[str, Form()] = "") -> Response:
    """The host rates the visit once: 1–5 and a comment."""
    user = _host(page)
    visit, dispatch = repo.get_visit(page.session, visit_id=visit_id, user=user, for_update=True)
    return _write(page, lambda: visits.rate_visit(
        page.session, visit=visit, dispatch=dispatch, user=user, clock=page.request.app.state.clock,
        data=RatingCreate.model_validate({"rating": rating.strip() or None, "comment": comment.strip()})),
        "rated", field=f"rating_{visit_id}")


@router.post("/host/visits/{visit_id}/problems/{problem_id}/confirm")
def confirm_problem(visit_id: IdPath, problem_id: IdPath, page: PageDep) -> Response:
    """The host confirms the problem solved: only then does it count against the plan."""
    user = _host(page)
    visit, dispatch = repo.get_visit(page.session, visit_id=visit_id, user=user)
    problem = repo.get_problem(page.session, visit=visit, problem_id=problem_id, for_update=True)
    return _write(page, lambda: visits.confirm_problem(page.session, problem=problem, dispatch=dispatch, user=user,
                                                       clock=page.request.app.state.clock), "problem")


@router.post("/host/visits/{visit_id}/problems/{problem_id}/need")
def to_need(visit_id: IdPath, problem_id: IdPath, page: PageDep) -> Response:
    """Turn a problem raised at our enterprise into our technology need in one step; then show the need."""
    user = _host(page)
    visit, dispatch = repo.get_visit(page.session, visit_id=visit_id, user=user)
    problem = repo.get_problem(page.session, visit=visit, problem_id=problem_id, for_update=True)
    try:
        need = visits.problem_to_need(page.session, problem=problem, visit=visit, dispatch=dispatch, user=user,
                                      data=NeedFromProblem())
    except AppError as exc:
        page.session.rollback()
        return show(page, errors=refusal(page, exc), status_code=exc.status_code)
    page.session.commit()
    return page.redirect(f"/needs/{need.id}")
