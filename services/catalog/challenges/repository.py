"""Who sees which challenge and application, and the queries over them."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import Role
from services.catalog.challenges.models import Challenge, ChallengeApplication, ChallengeReviewer
from services.catalog.challenges.vocab import PUBLIC, ApplicationStatus, ChallengeStatus
from services.catalog.core.errors import NotFound

# The roles that own a challenge for their organisation (a leading enterprise; the bureau's admins).
OWNER_ROLES = (Role.enterprise, Role.admin)
# The roles whose organisations apply (universities, institutes, enterprises and their teams).
APPLICANT_ROLES = (Role.university, Role.enterprise)


def is_admin(user: User | None) -> bool:
    """The bureau's admins see and manage every challenge."""
    return user is not None and user.role == Role.admin


def is_owner(user: User | None, challenge: Challenge) -> bool:
    """The caller speaks for the challenge's owning organisation."""
    return (user is not None and user.role in OWNER_ROLES and user.organisation_id is not None
            and user.organisation_id == challenge.owner_org_id)


def can_manage(user: User | None, challenge: Challenge) -> bool:
    """Only the owner and admins edit or move a challenge, assign reviewers, award and accept milestones."""
    return is_admin(user) or is_owner(user, challenge)


def visible_clause(user: User | None) -> Any:
    """SQL condition for the challenges a caller may read: every published one, drafts only for their owner."""
    if is_admin(user):
        return sa.true()
    public = col(Challenge.status).in_([s.value for s in PUBLIC])
    if user is not None and user.role in OWNER_ROLES and user.organisation_id is not None:
        return sa.or_(public, col(Challenge.owner_org_id) == user.organisation_id)
    return public


def not_found(challenge_id: int | None) -> NotFound:
    return NotFound(f"找不到榜单 {challenge_id}，或您无权查看", f"No challenge {challenge_id}, or you may not see it")


def get_visible(session: Session, *, challenge_id: int, user: User | None, for_update: bool = False) -> Challenge:
    """A challenge the caller may read; 404 (never 403) for a draft of someone else's."""
    stmt = select(Challenge).where(col(Challenge.id) == challenge_id, visible_clause(user))
    if for_update:
        stmt = stmt.with_for_update()
    challenge = session.exec(stmt).first()
    if challenge is None:
        raise not_found(challenge_id)
    return challenge


def is_reviewer(session: Session, *, challenge: Challenge, user: User | None) -> bool:
    """The caller is an expert assigned to this challenge."""
    if user is None or user.id is None or user.role != Role.expert:
        return False
    return session.exec(select(ChallengeReviewer.id).where(
        ChallengeReviewer.challenge_id == challenge.id, ChallengeReviewer.reviewer_id == user.id)).first() is not None


def application_clause(session: Session, *, challenge: Challenge, user: User | None) -> Any:
    """SQL condition for a challenge's applications the caller may see: its own organisation's, every submitted
    one for the owner and the assigned reviewers, all for admins; nothing for anyone else."""
    if is_admin(user):
        return sa.true()
    submitted = col(ChallengeApplication.status) == ApplicationStatus.submitted
    if is_owner(user, challenge) or is_reviewer(session, challenge=challenge, user=user):
        return submitted
    if user is not None and user.role in APPLICANT_ROLES and user.organisation_id is not None:
        return col(ChallengeApplication.lead_org_id) == user.organisation_id
    return sa.false()


def application_not_found(application_id: int | None) -> NotFound:
    return NotFound(f"找不到揭榜申请 {application_id}，或您无权查看",
                    f"No application {application_id}, or you may not see it")


def get_application(session: Session, *, challenge: Challenge, application_id: int, user: User | None,
                    for_update: bool = False) -> ChallengeApplication:
    """An application of this challenge the caller may see; 404 for any other, so its existence stays private."""
    stmt = select(ChallengeApplication).where(
        col(ChallengeApplication.id) == application_id, col(ChallengeApplication.challenge_id) == challenge.id,
        application_clause(session, challenge=challenge, user=user))
    if for_update:
        stmt = stmt.with_for_update()
    application = session.exec(stmt).first()
    if application is None:
        raise application_not_found(application_id)
    return application


def list_applications(session: Session, *, challenge: Challenge, user: User | None) -> list[ChallengeApplication]:
    """The applications of a challenge the caller may see, oldest first."""
    stmt = select(ChallengeApplication).where(col(ChallengeApplication.challenge_id) == challenge.id,
                                              application_clause(session, challenge=challenge, user=user))
    return list(session.exec(stmt.order_by(col(ChallengeApplication.id))).all())


def submitted_applications(session: Session, *, challenge: Challenge) -> list[ChallengeApplication]:
    """Every submitted application of a challenge (for rules, never shown as such)."""
    return list(session.exec(select(ChallengeApplication).where(
        ChallengeApplication.challenge_id == challenge.id,
        ChallengeApplication.status == ApplicationStatus.submitted).order_by(col(ChallengeApplication.id))).all())


def by_external_id(session: Session, *, owner_org_id: int, external_ids: list[str]) -> dict[str, Challenge]:
    """An owner's challenges with these external ids, by external id."""
    if not external_ids:
        return {}
    rows = session.exec(select(Challenge).where(col(Challenge.owner_org_id) == owner_org_id,
                                                col(Challenge.external_id).in_(external_ids))).all()
    return {c.external_id: c for c in rows if c.external_id is not None}


def list_challenges(session: Session, *, user: User | None, status: ChallengeStatus | None, cluster: str | None,
                    region: str | None, mine: bool, reviewing: bool, page: int, page_size: int,
                    field: str | None = None) -> tuple[list[Challenge], int]:
    """One page of the challenges the caller may read (soonest deadline first), and the total; `field` matches
    any part of the technical field, ignoring case."""
    stmt = select(Challenge).where(visible_clause(user))
    for column, value in ((Challenge.status, status), (Challenge.cluster, cluster), (Challenge.region, region)):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if field:
        stmt = stmt.where(col(Challenge.field).icontains(field, autoescape=True))
    if mine:
        stmt = stmt.where(col(Challenge.owner_org_id) == (user.organisation_id if user else None))
    if reviewing:
        assigned = select(ChallengeReviewer.challenge_id).where(ChallengeReviewer.reviewer_id == (user.id if user else 0))
        stmt = stmt.where(col(Challenge.id).in_(assigned))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    order = (col(Challenge.deadline).asc(), col(Challenge.id).asc())
    rows = session.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total
