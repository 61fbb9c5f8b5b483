"""Tables of challenge calls (揭榜挂帅): the call and its history, applications and their PDFs, reviewers and
their scores, task agreements with paid milestones, and the solvers invited."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from services.catalog.challenges.vocab import ApplicationStatus, ChallengeStatus, MilestoneStatus, ReviewStage
from services.catalog.core.tables import UtcDateTime, enum_col, utcnow

_TS = UtcDateTime()


def _json(default: Any = list) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Challenge(SQLModel, table=True):
    """A challenge call: a key technical problem with measurable indicators, a bounty and a deadline."""

    __tablename__ = "challenge"
    __table_args__ = (sa.UniqueConstraint("owner_org_id", "external_id", name="uq_challenge_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    problem: str = Field(default="", sa_type=sa.Text)
    # [{name, target, unit, verification}]
    indicators: list[dict[str, Any]] = _json()
    bounty_yuan: Decimal = Field(max_digits=16, decimal_places=2)
    funding_source: str = Field(sa_type=enum_col(16))
    deadline: datetime = Field(sa_type=_TS)
    # {org_kinds: [...], regions: [...], joint_bids: bool}; empty lists admit every kind and region
    eligibility: dict[str, Any] = _json(dict)
    # [{key, name_zh, name_en, weight}], the weights summing to 100
    criteria: list[dict[str, Any]] = _json()
    cluster: str | None = Field(default=None, sa_type=enum_col(), index=True)
    field: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=50, index=True)
    need_ids: list[int] = _json()
    owner_org_id: int = Field(foreign_key="organisation.id", index=True)
    # the owner's own number for the call: importing the same one again updates it instead of adding another
    external_id: str | None = Field(default=None, max_length=100)
    # who to call about it: shown to the owner and admins, and to the winners once awarded
    contact: str | None = Field(default=None, max_length=200)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status: str = Field(default=ChallengeStatus.draft, sa_type=enum_col(16), index=True)
    published_at: datetime | None = Field(default=None, sa_type=_TS)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    version: int = 1


class ChallengeEvent(SQLModel, table=True):
    """One transition of a challenge: who moved it, when, and why."""

    __tablename__ = "challenge_event"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    from_status: str | None = Field(default=None, sa_type=enum_col(16))
    to_status: str = Field(sa_type=enum_col(16))
    note: str | None = Field(default=None, sa_type=sa.Text)


class ChallengeApplication(SQLModel, table=True):
    """An application (揭榜) by a lead organisation and its team; one per organisation and challenge."""

    __tablename__ = "challenge_application"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "lead_org_id", name="uq_challenge_application_lead"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    lead_org_id: int = Field(foreign_key="organisation.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    team: list[dict[str, Any]] = _json()  # [{name, role, organisation}]
    approach: str = Field(default="", sa_type=sa.Text)
    responses: list[dict[str, Any]] = _json()  # [{indicator, response}], one per indicator of the challenge
    milestones: list[dict[str, Any]] = _json()  # [{due_on, deliverable, amount_yuan}]
    budget_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    output_ids: list[int] = _json()
    # the team's contact: shown to its organisation and admins, and to the owner once it has won
    contact: str | None = Field(default=None, max_length=200)
    status: str = Field(default=ApplicationStatus.draft, sa_type=enum_col(16))
    stage: str = Field(default=ReviewStage.screen, sa_type=enum_col(16))
    submitted_at: datetime | None = Field(default=None, sa_type=_TS)
    withdrawn_at: datetime | None = Field(default=None, sa_type=_TS)
    winner: bool = False
    award_reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    version: int = 1


class ChallengeAttachment(SQLModel, table=True):
    """A PDF attached to an application, kept as a file under the data dir."""

    __tablename__ = "challenge_attachment"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="challenge_application.id", ondelete="CASCADE", index=True)
    filename: str = Field(max_length=200)
    size_bytes: int
    sha256: str = Field(max_length=64)
    stored_as: str = Field(max_length=200)  # relative to the data dir
    uploaded_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class ChallengeReviewer(SQLModel, table=True):
    """An expert assigned to review a challenge's applications."""

    __tablename__ = "challenge_reviewer"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "reviewer_id", name="uq_challenge_reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    reviewer_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    assigned_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class ChallengeReview(SQLModel, table=True):
    """One reviewer's scores of one application at one stage (each criterion 1–5 with a comment)."""

    __tablename__ = "challenge_review"
    __table_args__ = (sa.UniqueConstraint("application_id", "reviewer_id", "stage", name="uq_challenge_review"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    application_id: int = Field(foreign_key="challenge_application.id", ondelete="CASCADE", index=True)
    reviewer_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    stage: str = Field(sa_type=enum_col(16))
    scores: list[dict[str, Any]] = _json()  # [{criterion, score, comment}]
    weighted: float  # Σ weight × score / 100, on the 1–5 scale
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class TaskAgreement(SQLModel, table=True):
    """The task agreement with a winner: its milestone plan, the bounty committed, the contract registered."""

    __tablename__ = "challenge_agreement"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    application_id: int = Field(foreign_key="challenge_application.id", ondelete="CASCADE", unique=True)
    contract_id: int | None = Field(default=None, foreign_key="tech_contract.id", ondelete="SET NULL")
    committed_yuan: Decimal = Field(max_digits=16, decimal_places=2)
    signed_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class ChallengeMilestone(SQLModel, table=True):
    """One milestone of a task agreement; its amount is released when the owner accepts it."""

    __tablename__ = "challenge_milestone"

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="challenge_agreement.id", ondelete="CASCADE", index=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    seq: int
    due_on: date
    deliverable: str = Field(sa_type=sa.Text)
    amount_yuan: Decimal = Field(max_digits=16, decimal_places=2)
    status: str = Field(default=MilestoneStatus.pending, sa_type=enum_col(16))
    evidence: str | None = Field(default=None, sa_type=sa.Text)
    decided_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=_TS)


class ChallengeInvitation(SQLModel, table=True):
    """A proposed solver's organisation invited by the owner to apply."""

    __tablename__ = "challenge_invitation"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "organisation_id", name="uq_challenge_invitation"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", ondelete="CASCADE", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    output_id: int | None = Field(default=None, foreign_key="research_output.id", ondelete="SET NULL")
    invited_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    invited_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
