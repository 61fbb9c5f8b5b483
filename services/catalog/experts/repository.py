"""Who sees which expert, dispatch and visit, and the queries over them.

Staff (brokers and admins) manage the pool and see everything. An expert account sees its own profile's
dispatches and visits. The host of an enterprise dispatch is any user of that organisation; a town's or a work
station's dispatch has no organisation, so staff speak for it."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role, is_staff
from services.catalog.core.errors import NotFound
from services.catalog.experts.models import Dispatch, Expert, Visit, VisitProblem, WorkStation
from services.catalog.experts.vocab import DispatchStatus, HostKind


def own_expert(session: Session, user: User | None) -> Expert | None:
    """The profile an expert account speaks for, if any."""
    if user is None or user.id is None or user.role != Role.expert:
        return None
    return session.exec(select(Expert).where(Expert.user_id == user.id)).first()


def is_self(user: User | None, expert: Expert) -> bool:
    """The caller is the expert this profile belongs to."""
    return user is not None and user.id is not None and expert.user_id == user.id and user.role == Role.expert


def can_edit(user: User | None, expert: Expert) -> bool:
    """Staff edit any profile; an expert only their own."""
    return is_staff(user) or is_self(user, expert)


def expert_not_found(expert_id: int | None) -> NotFound:
    return NotFound(f"找不到专家 {expert_id}", f"No expert {expert_id}")


def _expert_clause(user: User | None) -> Any:
    if is_staff(user):
        return sa.true()
    mine = col(Expert.user_id) == (user.id if user is not None and user.role == Role.expert else -1)
    return sa.or_(col(Expert.active), mine)


def get_expert(session: Session, *, expert_id: int, user: User | None, for_update: bool = False) -> Expert:
    """An expert the caller may read: anyone reads the pool; one taken out of it only staff and the expert."""
    stmt = select(Expert).where(col(Expert.id) == expert_id, _expert_clause(user))
    expert = session.exec(stmt.with_for_update() if for_update else stmt).first()
    if expert is None:
        raise expert_not_found(expert_id)
    return expert


def active_by_ids(session: Session, *, expert_ids: list[int]) -> dict[int, Expert]:
    """The experts of the pool among these ids (those taken out of it are left out), by id."""
    if not expert_ids:
        return {}
    rows = session.exec(select(Expert).where(col(Expert.id).in_(expert_ids), col(Expert.active))).all()
    return {e.id: e for e in rows if e.id is not None}


def lock_expert(session: Session, *, expert_id: int) -> Expert | None:
    """An expert's row, locked until the transaction ends: dispatches and visits of one expert are checked
    against their time one after another."""
    return session.exec(select(Expert).where(col(Expert.id) == expert_id).with_for_update()).first()


def list_experts(session: Session, *, user: User | None, kind: str | None, cluster: str | None, county: str | None,
                 q: str | None, page: int, page_size: int) -> tuple[list[Expert], int]:
    """One page of the experts the caller may read, by name, and the total; `q` matches the name, organisation,
    fields or keywords; kind, cluster and county match one of the expert's."""
    rows = session.exec(select(Expert).where(_expert_clause(user)).order_by(col(Expert.name), col(Expert.id))).all()

    def keep(e: Expert) -> bool:
        text = " ".join([e.name, e.organisation_name, *e.fields, *e.keywords]).lower()
        return ((kind is None or kind in e.kinds) and (cluster is None or cluster in e.clusters)
                and (county is None or county in e.counties) and (not q or q.lower() in text))

    # JSON list columns are filtered here, the same way on SQLite and PostgreSQL; the pool is thousands at most
    found = [e for e in rows if keep(e)]
    return found[(page - 1) * page_size: page * page_size], len(found)


def by_external_id(session: Session, *, external_ids: list[str]) -> dict[str, Expert]:
    """The experts with these external ids, by external id."""
    if not external_ids:
        return {}
    rows = session.exec(select(Expert).where(col(Expert.external_id).in_(external_ids))).all()
    return {e.external_id: e for e in rows if e.external_id is not None}


def get_station(session: Session, *, station_id: int) -> WorkStation | None:
    """A work station by id."""
    return session.get(WorkStation, station_id)


def is_host(user: User | None, dispatch: Dispatch) -> bool:
    """The caller speaks for the dispatch's host: a user of the enterprise, or staff for a town or station."""
    if user is None:
        return False
    if dispatch.host_kind == HostKind.enterprise:
        return user.organisation_id is not None and user.organisation_id == dispatch.host_org_id
    return is_staff(user)


def is_dispatched(session: Session, user: User | None, dispatch: Dispatch) -> bool:
    """The caller is the dispatched expert."""
    mine = own_expert(session, user)
    return mine is not None and mine.id == dispatch.expert_id


def _dispatch_clause(session: Session, user: User | None) -> Any:
    if is_staff(user):
        return sa.true()
    if user is None:
        return sa.false()
    conds = []
    mine = own_expert(session, user)
    if mine is not None:
        conds.append(col(Dispatch.expert_id) == mine.id)
    if user.organisation_id is not None:
        conds.append(sa.and_(col(Dispatch.host_kind) == HostKind.enterprise,
                             col(Dispatch.host_org_id) == user.organisation_id))
    return sa.or_(*conds) if conds else sa.false()


def dispatch_not_found(dispatch_id: int | None) -> NotFound:
    return NotFound(f"找不到选派记录 {dispatch_id}，或您无权查看", f"No dispatch {dispatch_id}, or you may not see it")


def get_dispatch(session: Session, *, dispatch_id: int, user: User | None, for_update: bool = False) -> Dispatch:
    """A dispatch the caller may see (staff, its expert, its host); 404 for any other."""
    stmt = select(Dispatch).where(col(Dispatch.id) == dispatch_id, _dispatch_clause(session, user))
    dispatch = session.exec(stmt.with_for_update() if for_update else stmt).first()
    if dispatch is None:
        raise dispatch_not_found(dispatch_id)
    return dispatch


def list_dispatches(session: Session, *, user: User | None, expert_id: int | None, status: str | None,
                    county: str | None) -> list[Dispatch]:
    """The dispatches the caller may see, newest first."""
    stmt = select(Dispatch).where(_dispatch_clause(session, user))
    for column, value in ((Dispatch.expert_id, expert_id), (Dispatch.status, status), (Dispatch.county, county)):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    return list(session.exec(stmt.order_by(col(Dispatch.start_on).desc(), col(Dispatch.id).desc())).all())


def live_dispatches(session: Session, *, expert_id: int) -> list[Dispatch]:
    """An expert's dispatches that are not cancelled (for the availability rule)."""
    return list(session.exec(select(Dispatch).where(Dispatch.expert_id == expert_id,
                                                    Dispatch.status != DispatchStatus.cancelled)).all())


def confirmed_host_orgs(session: Session, *, expert_ids: list[int]) -> dict[int, set[int]]:
    """The enterprises each expert has a confirmed dispatch to."""
    found: dict[int, set[int]] = {}
    if expert_ids:
        for expert_id, org_id in session.exec(select(Dispatch.expert_id, Dispatch.host_org_id).where(
                col(Dispatch.expert_id).in_(expert_ids), Dispatch.status == DispatchStatus.confirmed,
                col(Dispatch.host_org_id).is_not(None))).all():
            found.setdefault(expert_id, set()).add(org_id or 0)
    return found


def visit_not_found(visit_id: int | None) -> NotFound:
    return NotFound(f"找不到服务记录 {visit_id}，或您无权查看", f"No visit {visit_id}, or you may not see it")


def get_visit(session: Session, *, visit_id: int, user: User | None,
              for_update: bool = False) -> tuple[Visit, Dispatch]:
    """A visit and its dispatch, if the caller may see the dispatch; 404 otherwise."""
    stmt = select(Visit).where(col(Visit.id) == visit_id)
    visit = session.exec(stmt.with_for_update() if for_update else stmt).first()
    if visit is None:
        raise visit_not_found(visit_id)
    try:
        dispatch = get_dispatch(session, dispatch_id=visit.dispatch_id, user=user)
    except NotFound as exc:
        raise visit_not_found(visit_id) from exc
    return visit, dispatch


def get_problem(session: Session, *, visit: Visit, problem_id: int, for_update: bool = False) -> VisitProblem:
    """A problem of this visit; 404 for any other."""
    stmt = select(VisitProblem).where(col(VisitProblem.id) == problem_id, col(VisitProblem.visit_id) == visit.id)
    problem = session.exec(stmt.with_for_update() if for_update else stmt).first()
    if problem is None:
        raise NotFound(f"找不到问题 {problem_id}", f"No problem {problem_id} on visit {visit.id}")
    return problem


def visits_of(session: Session, *, dispatch_ids: list[int]) -> list[Visit]:
    """The visits of these dispatches, by date."""
    if not dispatch_ids:
        return []
    return list(session.exec(select(Visit).where(col(Visit.dispatch_id).in_(dispatch_ids))
                             .order_by(col(Visit.visit_on), col(Visit.id))).all())


def problems_of(session: Session, *, visit_ids: list[int]) -> list[VisitProblem]:
    """The problems raised on these visits."""
    if not visit_ids:
        return []
    return list(session.exec(select(VisitProblem).where(col(VisitProblem.visit_id).in_(visit_ids))
                             .order_by(col(VisitProblem.id))).all())


def hours_on(session: Session, *, expert_id: int, day: Any) -> float:
    """The hours an expert has logged on a day, over all their dispatches."""
    return float(session.exec(select(func.coalesce(func.sum(Visit.hours), 0)).where(
        Visit.expert_id == expert_id, Visit.visit_on == day)).one())
