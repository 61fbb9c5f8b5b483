"""The bureau's challenge figures, by SQL aggregation: the funnel and the bounty offered, committed and released."""

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.challenges.models import (
    Challenge,
    ChallengeApplication,
    ChallengeMilestone,
    ChallengeReview,
    TaskAgreement,
)
from services.catalog.challenges.schemas import BountyFigures, ChallengeStats, FunnelStep
from services.catalog.challenges.vocab import PUBLIC, ApplicationStatus, ChallengeStatus, MilestoneStatus
from services.catalog.workflow.stats import StatsFilter

CENT = Decimal("0.01")
AWARDED = (ChallengeStatus.awarded, ChallengeStatus.in_execution, ChallengeStatus.accepted, ChallengeStatus.failed)
EXECUTED = (ChallengeStatus.in_execution, ChallengeStatus.accepted, ChallengeStatus.failed)
STEPS = [("published", "已发布榜单", "challenges published"), ("applications", "揭榜申请", "applications submitted"),
         ("reviewed", "已评审申请", "applications reviewed"), ("awarded", "已定榜", "challenges awarded"),
         ("in_execution", "攻关中及之后", "challenges in execution"), ("accepted", "已验收", "challenges accepted")]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _scope(f: StatsFilter) -> list[Any]:
    """Published challenges (any status past draft) in the filter's county, cluster and publishing dates."""
    conds = [col(Challenge.status).in_([s.value for s in PUBLIC]), *f.time_range(col(Challenge.published_at))]
    if f.region:
        conds.append(col(Challenge.region) == f.region)
    if f.cluster:
        conds.append(col(Challenge.cluster) == f.cluster)
    return conds


def funnel(session: Session, f: StatsFilter) -> list[FunnelStep]:
    """Published → applications → reviewed → awarded → in execution → accepted."""
    in_scope = select(Challenge.id).where(*_scope(f))
    by_status = dict(session.exec(select(col(Challenge.status), func.count()).where(*_scope(f))
                                  .group_by(col(Challenge.status))).all())
    submitted = (select(ChallengeApplication.id).where(col(ChallengeApplication.challenge_id).in_(in_scope),
                                                       ChallengeApplication.status == ApplicationStatus.submitted))
    applications = session.exec(select(func.count()).select_from(submitted.subquery())).one()
    reviewed = session.exec(select(func.count(func.distinct(ChallengeReview.application_id))).where(
        col(ChallengeReview.application_id).in_(submitted))).one()
    counts = {"published": sum(by_status.values()), "applications": applications, "reviewed": reviewed,
              "awarded": sum(by_status.get(s.value, 0) for s in AWARDED),
              "in_execution": sum(by_status.get(s.value, 0) for s in EXECUTED),
              "accepted": by_status.get(ChallengeStatus.accepted.value, 0)}
    return [FunnelStep(step=key, label_zh=zh, label_en=en, count=int(counts[key])) for key, zh, en in STEPS]


def _bounty(session: Session, f: StatsFilter, key: Any) -> list[BountyFigures]:
    """Bounty figures grouped by `key` (a column, or a constant for the total)."""
    offered = session.execute(sa.select(key, func.count(), func.sum(Challenge.bounty_yuan))
                              .where(*_scope(f)).group_by(key)).all()
    committed: dict[Any, Any] = dict(session.execute(  # type: ignore[arg-type]
        sa.select(key, func.sum(TaskAgreement.committed_yuan))
        .join(Challenge, col(Challenge.id) == col(TaskAgreement.challenge_id)).where(*_scope(f)).group_by(key)).all())
    released: dict[Any, Any] = dict(session.execute(  # type: ignore[arg-type]
        sa.select(key, func.sum(ChallengeMilestone.amount_yuan))
        .join(Challenge, col(Challenge.id) == col(ChallengeMilestone.challenge_id))
        .where(*_scope(f), col(ChallengeMilestone.status) == MilestoneStatus.accepted).group_by(key)).all())
    rows = [BountyFigures(key=k if k is not None else "未填", challenges=int(n), offered_yuan=_money(amount),
                          committed_yuan=_money(committed.get(k)), released_yuan=_money(released.get(k)))
            for k, n, amount in offered]
    return sorted(rows, key=lambda r: r.key)


def challenge_stats(session: Session, f: StatsFilter) -> ChallengeStats:
    """The challenge funnel and the bounty offered, committed and released: in total, by cluster and by county."""
    total = _bounty(session, f, sa.literal(""))
    return ChallengeStats(funnel=funnel(session, f), bounty=total[0] if total else BountyFigures(),
                          by_cluster=_bounty(session, f, col(Challenge.cluster)),
                          by_region=_bounty(session, f, col(Challenge.region)))
