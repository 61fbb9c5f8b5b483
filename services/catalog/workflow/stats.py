"""The bureau's statistics, computed with SQL aggregation (GROUP BY), never by looping over rows."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.models import Organisation, ResearchOutput, TechNeed, User
from services.catalog.vocab import Role
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
from services.catalog.workflow.transitions import TIMESTAMP, label
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
    """A select over matches restricted by the filter (joins the need only when it must)."""
    stmt = select(*columns).select_from(Match).where(*f.time_range(col(Match.proposed_at)))
    if f.region or f.cluster:
        stmt = stmt.join(TechNeed, col(TechNeed.id) == col(Match.need_id)).where(*_need_conds(f))
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


def _days_between(session: Session, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return sa.extract("epoch", end - start) / 86400.0


def _median(session: Session, f: StatsFilter, start: Any, end: Any, n: int) -> float | None:
    """Median of (end - start) in days over matches that reached `end`, by ORDER BY ... OFFSET in SQL."""
    if n == 0:
        return None
    days = _days_between(session, start, end).label("days")
    stmt = _matches(f, days).where(end.is_not(None)).order_by(days).offset((n - 1) // 2).limit(2 - n % 2)
    values = [float(v) for v in session.exec(stmt).all()]
    return round(sum(values) / len(values), 2) if values else None


def funnel(session: Session, f: StatsFilter) -> Funnel:
    """How many pairs reached each step, the conversion to the next, median days per step, declines."""
    stamps = [getattr(Match, TIMESTAMP[s]) for s in FUNNEL]
    reached = session.exec(_matches(f, func.count(), *[func.count(c) for c in stamps[1:]])).one()
    declined = dict(session.exec(
        _matches(f, col(Match.declined_from), func.count()).where(col(Match.status) == MatchStatus.declined)
        .group_by(col(Match.declined_from))
    ).all())
    reasons = dict(session.exec(
        _matches(f, col(Match.decline_reason), func.count()).where(col(Match.status) == MatchStatus.declined)
        .group_by(col(Match.decline_reason))
    ).all())
    steps = []
    for i, status in enumerate(FUNNEL):
        nxt = FUNNEL[i + 1] if i + 1 < len(FUNNEL) else None
        here = int(reached[i])
        after = int(reached[i + 1]) if nxt else None
        steps.append(FunnelStep(
            status=status, label=label(status), reached=here, next_status=nxt,
            conversion=round(after / here, 4) if nxt and here and after is not None else None,
            median_days_to_next=_median(session, f, col(stamps[i]), col(stamps[i + 1]), after or 0) if nxt else None,
            declined_here=int(declined.get(status.value, 0)),
        ))
    first, last = int(reached[0]), int(reached[-1])
    return Funnel(steps=steps, overall_conversion=round(last / first, 4) if first else None,
                  decline_reasons={k or "": int(v) for k, v in reasons.items()})


def _buckets(session: Session, f: StatsFilter, key: Any) -> list[Bucket]:
    rows = session.exec(
        _contracts(f, key, func.count(), func.sum(TechContract.amount_yuan)).group_by(key).order_by(key)
    ).all()
    return [Bucket(key=k or "未填", count=n, amount_yuan=_money(a)) for k, n, a in rows]


def contracts(session: Session, f: StatsFilter) -> ContractStats:
    """Contract count and turnover, in total and by month, county/district, cluster and type."""
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
    people = {u.id or 0: u for u in session.exec(select(User).where(col(User.role).in_([Role.broker, Role.admin]))).all()}
    held: dict[int, dict[str, int]] = {}
    for broker_id, status, n in session.exec(
        _matches(f, col(Match.broker_id), col(Match.status), func.count())
        .where(col(Match.broker_id).is_not(None)).group_by(col(Match.broker_id), col(Match.status))
    ).all():
        held.setdefault(broker_id, {})[status] = int(n)
    action_stmt = (select(col(MatchEvent.actor_id), func.count()).where(*f.time_range(col(MatchEvent.at)))
                   .where(col(MatchEvent.actor_id).in_(list(people))))
    if f.region or f.cluster:
        action_stmt = (action_stmt.join(Match, col(Match.id) == col(MatchEvent.match_id))
                       .join(TechNeed, col(TechNeed.id) == col(Match.need_id)).where(*_need_conds(f)))
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


def _best_scores() -> Any:
    """Each need's best frozen match score among pairs not declined."""
    return (select(col(Match.need_id).label("need_id"), func.max(Match.score).label("best"))
            .where(col(Match.status) != MatchStatus.declined).group_by(col(Match.need_id)).subquery())


def coverage(session: Session, f: StatsFilter, *, threshold: float, unmet_limit: int = 100) -> Coverage:
    """Share of open needs whose best match reaches the threshold, by cluster, and the needs left without."""
    best = _best_scores()
    covered_expr = sa.case((best.c.best >= threshold, 1), else_=0)
    base = (select(TechNeed.cluster, func.count(), func.sum(covered_expr)).select_from(TechNeed)
            .join(best, best.c.need_id == col(TechNeed.id), isouter=True)
            .where(col(TechNeed.status) == NeedStatus.open, *_need_conds(f),
                   *f.time_range(col(TechNeed.created_at))))
    by_cluster: dict[str, dict[str, Any]] = {}
    open_needs = covered = 0
    for cluster, n, c in session.exec(base.group_by(col(TechNeed.cluster))).all():
        n, c = int(n), int(c or 0)
        open_needs += n
        covered += c
        by_cluster[cluster or "未填"] = {"open_needs": n, "covered": c, "share": round(c / n, 4) if n else None}
    unmet_cond = sa.or_(best.c.best.is_(None), best.c.best < threshold)
    unmet_stmt = (sa.select(col(TechNeed.id), col(TechNeed.title), col(Organisation.name), col(TechNeed.cluster),
                            col(TechNeed.region), col(TechNeed.created_at), best.c.best)
                  .select_from(TechNeed)
                  .join(best, best.c.need_id == col(TechNeed.id), isouter=True)
                  .join(Organisation, col(Organisation.id) == col(TechNeed.organisation_id))
                  .where(col(TechNeed.status) == NeedStatus.open, unmet_cond, *_need_conds(f),
                         *f.time_range(col(TechNeed.created_at))))
    unmet = [
        UnmetNeed(need_id=i, title=t, organisation_name=o, cluster=c, region=r, created_at=at, best_score=b)
        for i, t, o, c, r, at, b in session.execute(
            unmet_stmt.order_by(col(TechNeed.created_at), col(TechNeed.id)).limit(unmet_limit)).all()
    ]
    return Coverage(threshold=threshold, open_needs=open_needs, covered=covered,
                    share=round(covered / open_needs, 4) if open_needs else None, by_cluster=by_cluster,
                    unmet_count=open_needs - covered, unmet=unmet)


def summary(session: Session, f: StatsFilter, *, threshold: float, unmet_limit: int = 100) -> StatsSummary:
    """Every statistic at once."""
    return StatsSummary(overview=overview(session, f), funnel=funnel(session, f), contracts=contracts(session, f),
                        brokers=brokers(session, f),
                        coverage=coverage(session, f, threshold=threshold, unmet_limit=unmet_limit))
