"""Progress against the plan in one year: problems solved (host-confirmed) against the target, experts
dispatched, visits and hours by county and town, the counties and towns no expert has visited yet, and each
expert's year for the assessment."""

import statistics
from collections.abc import Iterable

from sqlmodel import Session, col, func, select

from services.catalog.experts import repository as repo
from services.catalog.experts.models import Dispatch, Expert, Visit, VisitProblem
from services.catalog.experts.regions import COUNTIES, all_towns
from services.catalog.experts.schemas import AreaFigures, ExpertStats, ExpertYear
from services.catalog.experts.vocab import DispatchStatus, ProblemStatus


def _in_year(year: int, dispatch: Dispatch) -> bool:
    return dispatch.start_on.year <= year <= dispatch.end_on.year


def _area(key: tuple[str, str | None], dispatches: list[Dispatch], visits: list[Visit],
          solved: Iterable[VisitProblem]) -> AreaFigures:
    return AreaFigures(county=key[0], town=key[1], dispatches=len(dispatches),
                       experts=len({d.expert_id for d in dispatches}), visits=len(visits),
                       hours=round(sum(v.hours for v in visits), 2), problems_solved=sum(1 for _ in solved))


def expert_stats(session: Session, *, year: int, target: int) -> ExpertStats:
    """The plan's figures for `year`: dispatches running that year that both sides have confirmed, visits on its
    days, and the problems of those visits confirmed solved by the host."""
    dispatches = [d for d in session.exec(select(Dispatch).where(Dispatch.status == DispatchStatus.confirmed)).all()
                  if _in_year(year, d)]
    by_id = {d.id: d for d in session.exec(select(Dispatch)).all()}
    visits = [v for v in repo.visits_of(session, dispatch_ids=[i for i in by_id if i is not None])
              if v.visit_on.year == year]
    problems = repo.problems_of(session, visit_ids=[v.id for v in visits if v.id is not None])
    visit_of = {v.id: v for v in visits}
    confirmed = [p for p in problems if p.status == ProblemStatus.confirmed]

    def place(d: Dispatch) -> tuple[str, str | None]:
        return d.county or "未填", d.town

    def figures(key: tuple[str, str | None]) -> AreaFigures:
        """A county's figures (town None) or one town's."""
        def within(d: Dispatch) -> bool:
            return place(d) == key if key[1] is not None else place(d)[0] == key[0]
        return _area(key, [d for d in dispatches if within(d)], [v for v in visits if within(by_id[v.dispatch_id])],
                     [p for p in confirmed if within(by_id[p.dispatch_id])])

    touched = ({place(d) for d in dispatches} | {place(by_id[v.dispatch_id]) for v in visits}
               | {place(by_id[p.dispatch_id]) for p in confirmed})
    by_county = [figures((c, None)) for c in sorted({k[0] for k in touched})]
    by_town = [figures(k) for k in sorted((k for k in touched if k[1] is not None), key=lambda k: (k[0], k[1] or ""))]
    visited_towns = {place(by_id[v.dispatch_id]) for v in visits}
    visited_counties = {k[0] for k in visited_towns}
    towns_without = [AreaFigures(county=c, town=t) for c, t in all_towns() if (c, t) not in visited_towns]
    experts = list(session.exec(select(Expert).order_by(col(Expert.name), col(Expert.id))).all())
    pool = session.exec(select(func.count()).select_from(Expert).where(col(Expert.active))).one()
    solved_count = len(confirmed)
    return ExpertStats(
        year=year, target=target, problems_solved=solved_count, share_of_target=round(solved_count / target, 4),
        experts=pool, experts_dispatched=len({d.expert_id for d in dispatches}), dispatches=len(dispatches),
        visits=len(visits), hours=round(sum(v.hours for v in visits), 2), by_county=by_county, by_town=by_town,
        counties_without_visit=[c for c in COUNTIES if c not in visited_counties], towns_without_visit=towns_without,
        by_expert=_by_expert(experts, dispatches, visits, problems, visit_of))


def _by_expert(experts: list[Expert], dispatches: list[Dispatch], visits: list[Visit], problems: list[VisitProblem],
               visit_of: dict[int | None, Visit]) -> list[ExpertYear]:
    """Each expert with a dispatch or a visit in the year."""
    rows = []
    for e in experts:
        mine = [v for v in visits if v.expert_id == e.id]
        sent = [d for d in dispatches if d.expert_id == e.id]
        if not mine and not sent:
            continue
        raised = [p for p in problems if visit_of[p.visit_id].expert_id == e.id]
        ratings = [v.rating for v in mine if v.rating is not None]
        rows.append(ExpertYear(
            expert_id=e.id or 0, name=e.name, organisation_name=e.organisation_name, dispatches=len(sent),
            visits=len(mine), visits_confirmed=sum(1 for v in mine if v.host_confirmed_at is not None),
            hours=round(sum(v.hours for v in mine), 2), problems_raised=len(raised),
            problems_solved=sum(1 for p in raised if p.status != ProblemStatus.open),
            problems_confirmed=sum(1 for p in raised if p.status == ProblemStatus.confirmed), ratings=len(ratings),
            mean_rating=round(statistics.fmean(ratings), 2) if ratings else None))
    return rows
