"""The service log: the dispatched expert logs visits with the problems raised and solved; the host confirms the
visit and each solved problem, and rates the service; a problem can become a technology need in one step.

Days are judged in China time by `clock` (`core.tables.utcnow` unless a test moves it). Every function writes
through the session it is given and never commits: the caller ends the transaction."""

from datetime import date

from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role
from services.catalog.core.errors import Conflict, Forbidden
from services.catalog.core.tables import Clock, utcnow
from services.catalog.experts import repository as repo
from services.catalog.experts.models import Dispatch, Visit, VisitProblem
from services.catalog.experts.schemas import (
    NeedFromProblem,
    ProblemPublic,
    RatingCreate,
    VisitCreate,
    VisitPublic,
)
from services.catalog.experts.service import invalid
from services.catalog.experts.vocab import DispatchStatus, HostKind, ProblemStatus
from services.catalog.items.kinds import NEEDS
from services.catalog.items.models import TechNeed
from services.catalog.items.schemas import NeedCreate
from services.catalog.items.service import create_item
from services.catalog.workflow.contracts import CHINA

MAX_HOURS_A_DAY = 24


def today(clock: Clock) -> date:
    """The current day in China, where every visit takes place."""
    return clock().astimezone(CHINA).date()


def _require_host(user: User, dispatch: Dispatch) -> None:
    if not repo.is_host(user, dispatch):
        raise Forbidden("只有接收方可以确认和评价服务（镇村和工作站由科技局或经纪人代表）",
                        "Only the host confirms and rates the service (staff for a town or work station)")


def log_visit(session: Session, *, dispatch: Dispatch, user: User, data: VisitCreate, clock: Clock = utcnow) -> Visit:
    """The dispatched expert logs a visit on a confirmed dispatch: within its period, not in the future, at most
    24 hours that day over all their visits; not committed."""
    if not repo.is_dispatched(session, user, dispatch):
        raise Forbidden("只有被选派的专家本人可以登记服务", "Only the dispatched expert logs visits on this dispatch")
    if dispatch.status != DispatchStatus.confirmed:
        raise Conflict(f"选派 {dispatch.id} 尚未经双方确认或已取消，不能登记服务",
                       f"Dispatch {dispatch.id} is not confirmed by both sides (or is cancelled); no visits yet")
    if not dispatch.start_on <= data.visit_on <= dispatch.end_on:
        raise invalid(f"服务日期应在选派期内（{dispatch.start_on} 至 {dispatch.end_on}）",
                      f"The visit must fall within the dispatch ({dispatch.start_on} to {dispatch.end_on})", "visit_on")
    if data.visit_on > today(clock):
        raise invalid("服务日期不能晚于今天", "A visit cannot be logged for a day in the future", "visit_on")
    repo.lock_expert(session, expert_id=dispatch.expert_id)  # one expert's visits of a day are summed in turn
    logged = repo.hours_on(session, expert_id=dispatch.expert_id, day=data.visit_on)
    if logged + data.hours > MAX_HOURS_A_DAY:
        raise invalid(f"{data.visit_on} 已登记 {logged:g} 小时，加上本次 {data.hours:g} 小时超过每天 24 小时",
                      f"{data.visit_on} already has {logged:g} hours logged; {data.hours:g} more exceed 24 hours a day",
                      "hours")
    now = clock()
    visit = Visit(dispatch_id=dispatch.id or 0, expert_id=dispatch.expert_id, visit_on=data.visit_on,
                  hours=data.hours, place=data.place, work_done=data.work_done, created_at=now)
    session.add(visit)
    session.flush()
    for p in data.problems:
        session.add(VisitProblem(visit_id=visit.id or 0, dispatch_id=dispatch.id or 0, text=p.text, created_at=now,
                                 status=ProblemStatus.solved if p.solved else ProblemStatus.open,
                                 solved_at=now if p.solved else None))
    session.flush()
    return visit


def confirm_visit(session: Session, *, visit: Visit, dispatch: Dispatch, user: User, clock: Clock = utcnow) -> Visit:
    """The host confirms a visit took place; not committed."""
    _require_host(user, dispatch)
    if visit.host_confirmed_at is not None:
        raise Conflict(f"服务记录 {visit.id} 已确认", f"Visit {visit.id} is confirmed already")
    visit.host_confirmed_at, visit.host_confirmed_by = clock(), user.id
    session.add(visit)
    return visit


def rate_visit(session: Session, *, visit: Visit, dispatch: Dispatch, user: User, data: RatingCreate,
               clock: Clock = utcnow) -> Visit:
    """The host rates a visit once (1–5, with a comment); not committed."""
    _require_host(user, dispatch)
    if visit.rating is not None:
        raise Conflict(f"服务记录 {visit.id} 已评价", f"Visit {visit.id} is rated already")
    visit.rating, visit.rating_comment, visit.rated_by, visit.rated_at = data.rating, data.comment, user.id, clock()
    session.add(visit)
    return visit


def solve_problem(session: Session, *, problem: VisitProblem, dispatch: Dispatch, user: User,
                  clock: Clock = utcnow) -> VisitProblem:
    """The dispatched expert marks a problem solved; it counts once the host confirms. Not committed."""
    if not repo.is_dispatched(session, user, dispatch):
        raise Forbidden("只有被选派的专家本人可以标记问题已解决", "Only the dispatched expert marks a problem solved")
    if problem.status != ProblemStatus.open:
        raise Conflict(f"问题 {problem.id} 已标记为解决", f"Problem {problem.id} is marked solved already")
    problem.status, problem.solved_at = ProblemStatus.solved, clock()
    session.add(problem)
    return problem


def confirm_problem(session: Session, *, problem: VisitProblem, dispatch: Dispatch, user: User,
                    clock: Clock = utcnow) -> VisitProblem:
    """The host confirms a problem the expert marked solved: only then does it count. Not committed."""
    _require_host(user, dispatch)
    if problem.status == ProblemStatus.confirmed:
        raise Conflict(f"问题 {problem.id} 已确认解决", f"Problem {problem.id} is confirmed solved already")
    if problem.status != ProblemStatus.solved:
        raise Conflict(f"专家尚未将问题 {problem.id} 标记为已解决", f"The expert has not marked problem {problem.id} solved")
    problem.status, problem.confirmed_at, problem.confirmed_by = ProblemStatus.confirmed, clock(), user.id
    session.add(problem)
    return problem


def problem_to_need(session: Session, *, problem: VisitProblem, visit: Visit, dispatch: Dispatch, user: User,
                    data: NeedFromProblem) -> TechNeed:
    """Turn a problem raised at an enterprise into that enterprise's technology need in one step, written through
    `items.service` (so its rules hold: the enterprise's own users and admins may); not committed."""
    if not repo.is_host(user, dispatch) and user.role != Role.admin:
        raise Forbidden("只有接收企业和管理员可以把问题转为技术需求", "Only the host enterprise and admins turn a problem "
                        "into a need")
    if dispatch.host_kind != HostKind.enterprise or dispatch.host_org_id is None:
        raise Conflict("只有派驻企业时提出的问题可以转为该企业的技术需求",
                       "Only a problem raised at an enterprise becomes that enterprise's need")
    if problem.need_id is not None:
        raise Conflict(f"问题 {problem.id} 已转为需求 {problem.need_id}",
                       f"Problem {problem.id} became need {problem.need_id} already")
    text = problem.text.strip()
    title = data.title or (text if len(text) <= 60 else text[:59] + "…")
    if len(title) < 2:
        title = f"技术问题：{title}"
    need = create_item(session, spec=NEEDS, user=user, data=NeedCreate.model_validate({
        "title": title, "description": data.description or f"{text}\n\n（科技特派员 {visit.visit_on} 服务时提出：{visit.place}）",
        "keywords": data.keywords, "cluster": data.cluster, "region": dispatch.county,
        "organisation_id": dispatch.host_org_id}))
    assert isinstance(need, TechNeed)
    problem.need_id = need.id
    session.add(problem)
    return need


def present(session: Session, *, visits: list[Visit]) -> list[VisitPublic]:
    """Visits with their problems."""
    problems: dict[int, list[ProblemPublic]] = {}
    for p in repo.problems_of(session, visit_ids=[v.id for v in visits if v.id is not None]):
        problems.setdefault(p.visit_id, []).append(ProblemPublic.model_validate(p.model_dump()))
    return [VisitPublic.model_validate({**v.model_dump(), "problems": problems.get(v.id or 0, [])}) for v in visits]

