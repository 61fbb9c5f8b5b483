"""The bureau's statistics, computed with SQL aggregation (GROUP BY), never by looping over rows."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import STAFF
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.workflow.models import Match, MatchEvent, TechContract
from services.catalog.workflow.schemas import (
    BrokerActivity,
    Bucket,
    ContractStats,
    Coverage,
    Funnel,
    FunnelStep,
    Overview,
    StatsSummary,
    UnmetNeed,
)
from services.catalog.workflow.transitions import STEP_DAYS, label
from services.catalog.workflow.vocab import FUNNEL, MatchStatus
from shared.vocab import NeedStatus, OutputStatus

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StatsFilter:
    """Date range (inclusive), county/district and cluster the figures are restricted to."""

    date_from: date | None = None
    date_to: date | None = None
    region: str | None = None
    cluster: str | None = None

    def time_range(self, column: Any) -> list[Any]:
        """Conditions keeping a timestamp column inside the date range."""
        conds = []
        if self.date_from:
            conds.append(column >= datetime.combine(self.date_from, time(), UTC))
        if self.date_to:
            conds.append(column < datetime.combine(self.date_to + timedelta(days=1), time(), UTC))
        return conds


def _no_jit(session: Session) -> None:
    # PostgreSQL's JIT compiles these short aggregate queries for up to a second (their correlated
    # subplans look expensive to the planner) and then runs them in milliseconds: not worth it.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL jit = off"))


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _need_conds(f: StatsFilter) -> list[Any]:
    conds = []
    if f.region:
        conds.append(col(TechNeed.region) == f.region)
    if f.cluster:
        conds.append(col(TechNeed.cluster) == f.cluster)
    return conds


def _matches(f: StatsFilter, *columns: Any) -> Any:
    """A select over matches restricted by the filter (region and cluster are the need's)."""
    stmt = select(*columns).select_from(Match).where(*f.time_range(col(Match.proposed_at)))
    if f.region or f.cluster:
        # IN (not JOIN) lets the planner start from the few needs and use the match index on need_id.
        stmt = stmt.where(col(Match.need_id).in_(select(TechNeed.id).where(*_need_conds(f))))
    return stmt


def _contracts(f: StatsFilter, *columns: Any) -> Any:
    stmt = select(*columns).select_from(TechContract)
    if f.date_from:
        stmt = stmt.where(col(TechContract.signed_on) >= f.date_from)
    if f.date_to:
        stmt = stmt.where(col(TechContract.signed_on) <= f.date_to)
    if f.region:
        stmt = stmt.where(col(TechContract.region) == f.region)
    if f.cluster:
        stmt = stmt.where(col(TechContract.cluster) == f.cluster)
    return stmt


def overview(session: Session, f: StatsFilter) -> Overview:
    """Counts of outputs, needs by status, matches by status and contracts."""
    _no_jit(session)
    out_stmt = (select(col(ResearchOutput.status), func.count()).select_from(ResearchOutput)
                .where(*f.time_range(col(ResearchOutput.created_at))))
    if f.region:
        out_stmt = out_stmt.join(Organisation, col(Organisation.id) == col(ResearchOutput.organisation_id)).where(
            col(Organisation.region) == f.region)
    if f.cluster:
        out_stmt = out_stmt.where(col(ResearchOutput.cluster) == f.cluster)
    outputs = dict(session.exec(out_stmt.group_by(col(ResearchOutput.status))).all())
    need_rows = session.exec(
        select(col(TechNeed.status), func.count()).where(*f.time_range(col(TechNeed.created_at)), *_need_conds(f))
        .group_by(col(TechNeed.status))
    ).all()
    needs = {s.value: 0 for s in NeedStatus} | dict(need_rows)
    by_status = {s.value: 0 for s in MatchStatus} | dict(
        session.exec(_matches(f, col(Match.status), func.count()).group_by(col(Match.status))).all())
    count, amount = session.exec(_contracts(f, func.count(), func.sum(TechContract.amount_yuan))).one()
    return Overview(
        outputs={"total": sum(outputs.values()), **{s.value: outputs.get(s.value, 0) for s in OutputStatus}},
        needs={"total": sum(needs.values()), **needs},
        matches_by_status=by_status, contracts=count, contract_amount_yuan=_money(amount),
    )


def _median(session: Session, f: StatsFilter, column: Any, n: int) -> float | None:
    """Median of a step-duration column by ORDER BY ... OFFSET in SQL (an index scan when unfiltered)."""
    if n == 0:
        return None
    stmt = _matches(f, column).where(column.is_not(None)).order_by(column).offset((n - 1) // 2).limit(2 - n % 2)
    values = [float(v) for v in session.exec(stmt).all()]
    return round(sum(values) / len(values), 2) if values else None


def funnel(session: Session, f: StatsFilter) -> Funnel:
    """How many pairs reached each step, the conversion to the next, median days per step, declines."""
    _no_jit(session)
    # A pair reached a step if it stands there or further on, or was declined there or further on.
    where: dict[str, int] = {}
    declined: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for status, exit_from, reason, n in session.exec(
        _matches(f, col(Match.status), col(Match.declined_from), col(Match.decline_reason), func.count())
        .group_by(col(Match.status), col(Match.declined_from), col(Match.decline_reason))
    ).all():
        if status == MatchStatus.declined:
            declined[exit_from or ""] = declined.get(exit_from or "", 0) + n
            reasons[reason or ""] = reasons.get(reason or "", 0) + n
        else:
            where[status] = where.get(status, 0) + n
    reached = [sum(where.get(s, 0) + declined.get(s, 0) for s in FUNNEL[i:]) for i in range(len(FUNNEL))]
    steps = []
    for i, status in enumerate(FUNNEL):
        nxt = FUNNEL[i + 1] if i + 1 < len(FUNNEL) else None
        here, after = reached[i], reached[i + 1] if nxt else 0
        steps.append(FunnelStep(
            status=status, label=label(status), reached=here, next_status=nxt,
            conversion=round(after / here, 4) if nxt and here else None,
            median_days_to_next=_median(session, f, col(getattr(Match, STEP_DAYS[nxt][0])), after) if nxt else None,
            declined_here=declined.get(status.value, 0),
        ))
    first, last = reached[0], reached[-1]
    return Funnel(steps=steps, overall_conversion=round(last / first, 4) if first else None,
                  decline_reasons=reasons)


def _buckets(session: Session, f: StatsFilter, key: Any) -> list[Bucket]:
    rows = session.exec(
        _contracts(f, key, func.count(), func.sum(TechContract.amount_yuan)).group_by(key).order_by(key)
    ).all()
    return [Bucket(key=k or "未填", count=n, amount_yuan=_money(a)) for k, n, a in rows]


def contracts(session: Session, f: StatsFilter) -> ContractStats:
    """Contract count and turnover, in total and by month, county/district, cluster and type."""
    _no_jit(session)
    count, amount = session.exec(_contracts(f, func.count(), func.sum(TechContract.amount_yuan))).one()
    return ContractStats(
        count=count, amount_yuan=_money(amount),
        by_month=_buckets(session, f, col(TechContract.sign_month)),
        by_region=_buckets(session, f, col(TechContract.region)),
        by_cluster=_buckets(session, f, col(TechContract.cluster)),
        by_type=_buckets(session, f, col(TechContract.contract_type)),
    )


def brokers(session: Session, f: StatsFilter) -> list[BrokerActivity]:
    """Per broker: matches in hand by status, actions taken in the period, contracts registered."""
    _no_jit(session)
    people = {u.id or 0: u for u in session.exec(select(User).where(col(User.role).in_(STAFF))).all()}
    held: dict[int, dict[str, int]] = {}
    for broker_id, status, n in session.exec(
        _matches(f, col(Match.broker_id), col(Match.status), func.count())
        .where(col(Match.broker_id).is_not(None)).group_by(col(Match.broker_id), col(Match.status))
    ).all():
        held.setdefault(broker_id, {})[status] = int(n)
    action_stmt = (select(col(MatchEvent.actor_id), func.count()).where(*f.time_range(col(MatchEvent.at)))
                   .where(col(MatchEvent.actor_id).in_(list(people))))
    if f.region or f.cluster:
        in_scope = select(Match.id).where(col(Match.need_id).in_(select(TechNeed.id).where(*_need_conds(f))))
        action_stmt = action_stmt.where(col(MatchEvent.match_id).in_(in_scope))
    actions: dict[int, int] = {k or 0: v for k, v in session.exec(action_stmt.group_by(col(MatchEvent.actor_id))).all()}
    registered: dict[int, int] = dict(session.exec(
        _contracts(f, col(TechContract.registered_by), func.count()).group_by(col(TechContract.registered_by))
    ).all())
    result = []
    ids: set[int] = set(held) | set(actions) | {k for k in registered if k in people}
    for uid in sorted(ids):
        user = people.get(uid)
        if user is None:
            continue
        counts = held.get(uid, {})
        result.append(BrokerActivity(
            broker_id=uid, name=user.display_name or user.login, matches=sum(counts.values()),
            by_status={s.value: counts.get(s.value, 0) for s in MatchStatus},
            actions=int(actions.get(uid, 0)), contracts_registered=int(registered.get(uid, 0)),
        ))
    return sorted(result, key=lambda b: (-b.matches, -b.actions, b.broker_id))


def _open_needs_with_best(session: Session, f: StatsFilter) -> Any:
    """Open needs in scope with their best frozen match score among pairs not declined."""
    live = col(Match.status) != MatchStatus.declined
    columns: list[Any] = [col(TechNeed.id).label("id"), col(TechNeed.title).label("title"),
               col(TechNeed.organisation_id).label("organisation_id"), col(TechNeed.cluster).label("cluster"),
               col(TechNeed.region).label("region"), col(TechNeed.created_at).label("created_at")]
    scope = [col(TechNeed.status) == NeedStatus.open, *_need_conds(f), *f.time_range(col(TechNeed.created_at))]
    if session.get_bind().dialect.name == "sqlite":
        # SQLite: one covering-index seek per need beats grouping every match.
        best = (select(func.max(Match.score)).where(col(Match.need_id) == col(TechNeed.id), live)
                .correlate(TechNeed).scalar_subquery())
        return sa.select(*columns, best.label("best")).where(*scope).subquery()
    # PostgreSQL: one hash aggregate over the matches beats thousands of subplan runs.
    grouped_stmt: Any = select(col(Match.need_id).label("need_id"), func.max(Match.score).label("best")).where(live)
    if f.region or f.cluster or f.date_from or f.date_to:
        grouped_stmt = grouped_stmt.where(col(Match.need_id).in_(select(TechNeed.id).where(*scope)))
    grouped = grouped_stmt.group_by(col(Match.need_id)).subquery()
    return (sa.select(*columns, grouped.c.best)
            .join(grouped, grouped.c.need_id == col(TechNeed.id), isouter=True).where(*scope).subquery())


def coverage(session: Session, f: StatsFilter, *, threshold: float, unmet_limit: int = 100) -> Coverage:
    """Share of open needs whose best match reaches the threshold, by cluster, and the needs left without."""
    _no_jit(session)
    needs = _open_needs_with_best(session, f)
    covered_expr = sa.case((needs.c.best >= threshold, 1), else_=0)
    by_cluster: dict[str, dict[str, Any]] = {}
    open_needs = covered = 0
    for cluster, n, c in session.execute(
        sa.select(needs.c.cluster, func.count(), func.sum(covered_expr)).group_by(needs.c.cluster)
    ).all():
        n, c = int(n), int(c or 0)
        open_needs += n
        covered += c
        by_cluster[cluster or "未填"] = {"open_needs": n, "covered": c, "share": round(c / n, 4) if n else None}
    unmet_stmt = (sa.select(needs.c.id, needs.c.title, col(Organisation.name), needs.c.cluster, needs.c.region,
                            needs.c.created_at, needs.c.best)
                  .join(Organisation, col(Organisation.id) == needs.c.organisation_id)
                  .where(sa.or_(needs.c.best.is_(None), needs.c.best < threshold))
                  .order_by(needs.c.id).limit(unmet_limit))  # posting order: oldest first, stops early
    unmet = [
        UnmetNeed(need_id=i, title=t, organisation_name=o, cluster=c, region=r, created_at=at, best_score=b)
        for i, t, o, c, r, at, b in session.execute(unmet_stmt).all()
    ]
    return Coverage(threshold=threshold, open_needs=open_needs, covered=covered,
                    share=round(covered / open_needs, 4) if open_needs else None, by_cluster=by_cluster,
                    unmet_count=open_needs - covered, unmet=unmet)


def summary(session: Session, f: StatsFilter, *, threshold: float, unmet_limit: int = 100) -> StatsSummary:
    """Every statistic at once."""
    return StatsSummary(overview=overview(session, f), funnel=funnel(session, f), contracts=contracts(session, f),
                        brokers=brokers(session, f),
                        coverage=coverage(session, f, threshold=threshold, unmet_limit=unmet_limit))


@dataclass(frozen=True)
class Outcomes:
    """What came of a set of matches: how many, introduced (or further), contracts and their amount."""

    matches: int
    introductions: int
    contracts: int
    amount_yuan: Decimal


def match_outcomes(session: Session, *, match_ids: list[int]) -> Outcomes:
    """The introductions and contracts that came of these matches (one query each)."""
    if not match_ids:
        return Outcomes(0, 0, 0, Decimal("0.00"))
    introduced = session.exec(select(func.count()).where(
        col(Match.id).in_(match_ids), col(Match.introduced_at).is_not(None))).one()
    count, amount = session.exec(select(func.count(), func.coalesce(func.sum(TechContract.amount_yuan), 0)).where(
        col(TechContract.match_id).in_(match_ids))).one()
    return Outcomes(len(match_ids), int(introduced), int(count), Decimal(str(amount)).quantize(CENT))
