"""The service log: a visit's confirmation and rating by the host, and its problems (solved, confirmed, or
turned into a technology need)."""

from typing import Any

from fastapi import APIRouter
from sqlmodel import Session

from services.catalog.api.deps import ClockDep, CurrentUser, SessionDep
from services.catalog.api.params import IdPath
from services.catalog.experts import repository as repo
from services.catalog.experts import visits as service
from services.catalog.experts.models import Visit
from services.catalog.experts.schemas import NeedFromProblem, ProblemPublic, RatingCreate, VisitPublic
from services.catalog.items.present import present_needs
from services.catalog.items.schemas import NeedPublic
from shared.openapi import error_responses

router = APIRouter(prefix="/visits", tags=["experts"])
WRITE = error_responses(403, 404, 409, 422, s403="only the host (staff for a town or station), or the expert",
                        s404="no such visit or problem, or not visible to the caller",
                        s409="confirmed or rated already, not yet marked solved, not at an enterprise")
PROBLEM = "/{visit_id}/problems/{problem_id}"


def _visit(session: Session, visit: Visit) -> VisitPublic:
    session.refresh(visit)
    return service.present(session, visits=[visit])[0]


@router.get("/{visit_id}", response_model=VisitPublic, responses=error_responses(404))
def read(visit_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """One visit with its problems (staff, the expert and the host)."""
    visit, _ = repo.get_visit(session, visit_id=visit_id, user=user)
    return _visit(session, visit)


@router.post("/{visit_id}/confirm", response_model=VisitPublic, responses=WRITE)
def confirm(visit_id: IdPath, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """The host confirms the visit took place."""
    visit, dispatch = repo.get_visit(session, visit_id=visit_id, user=user, for_update=True)
    service.confirm_visit(session, visit=visit, dispatch=dispatch, user=user, clock=clock)
    session.commit()
    return _visit(session, visit)


@router.post("/{visit_id}/rating", response_model=VisitPublic, responses=WRITE)
def rate(visit_id: IdPath, body: RatingCreate, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """The host rates the service once: 1–5 and a comment."""
    visit, dispatch = repo.get_visit(session, visit_id=visit_id, user=user, for_update=True)
    service.rate_visit(session, visit=visit, dispatch=dispatch, user=user, data=body, clock=clock)
    session.commit()
    return _visit(session, visit)


@router.post(PROBLEM + "/solve", response_model=ProblemPublic, responses=WRITE)
def solve(visit_id: IdPath, problem_id: IdPath, user: CurrentUser, session: SessionDep, clock: ClockDep) -> Any:
    """The dispatched expert marks a problem solved (it counts once the host confirms)."""
    visit, dispatch = repo.get_visit(session, visit_id=visit_id, user=user)
    problem = repo.get_problem(session, visit=visit, problem_id=problem_id, for_update=True)
    service.solve_problem(session, problem=problem, dispatch=dispatch, user=user, clock=clock)
    session.commit()
    session.refresh(problem)
    return ProblemPublic.model_validate(problem.model_dump())


@router.post(PROBLEM + "/confirm", response_model=ProblemPublic, responses=WRITE)
def confirm_problem(visit_id: IdPath, problem_id: IdPath, user: CurrentUser, session: SessionDep,
                    clock: ClockDep) -> Any:
    """The host confirms a problem solved: only then does it count against the plan."""
    visit, dispatch = repo.get_visit(session, visit_id=visit_id, user=user)
    problem = repo.get_problem(session, visit=visit, problem_id=problem_id, for_update=True)
    service.confirm_problem(session, problem=problem, dispatch=dispatch, user=user, clock=clock)
    session.commit()
    session.refresh(problem)
    return ProblemPublic.model_validate(problem.model_dump())


@router.post(PROBLEM + "/need", response_model=NeedPublic, status_code=201, responses=WRITE)
def to_need(visit_id: IdPath, problem_id: IdPath, body: NeedFromProblem, user: CurrentUser,
            session: SessionDep) -> Any:
    """Turn a problem raised at an enterprise into its technology need in one step (the host or an admin)."""
    visit, dispatch = repo.get_visit(session, visit_id=visit_id, user=user)
    problem = repo.get_problem(session, visit=visit, problem_id=problem_id, for_update=True)
    need = service.problem_to_need(session, problem=problem, visit=visit, dispatch=dispatch, user=user, data=body)
    session.commit()
    session.refresh(need)
    return present_needs(session, needs=[need], viewer=user)[0]
