"""Request and response bodies of challenge calls, applications, reviews, awards and milestones."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, WithJsonSchema, field_validator

from services.catalog.accounts.vocab import OrgKind
from services.catalog.challenges.vocab import (
    DEFAULT_CRITERIA,
    ApplicationStatus,
    ChallengeStatus,
    FundingSource,
    MilestoneStatus,
    ReviewStage,
)
from services.catalog.core.inputs import Money, RowId, StrictInput, Title, Version
from shared.schemas import Explanation
from shared.vocab import Cluster

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Short = Annotated[str, Field(min_length=1, max_length=100)]
LongText = Annotated[str, Field(max_length=20000)]
Bounty = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2, description="元, at most two decimals")]


def _score(value: int) -> int:
    if not 1 <= value <= 5:
        raise ValueError(f"评分应为 1 到 5 的整数，收到 {value} (a score is a whole number from 1 to 5, got {value})")
    return value


# Checked by our own validator so the refusal says what a score is, in both languages.
Score = Annotated[int, AfterValidator(_score), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 5})]


class Indicator(StrictInput):
    """A measurable technical indicator: what is measured, the target, its unit and how it is verified."""

    name: Short
    target: Short
    unit: Annotated[str, Field(max_length=30)] = ""
    verification: Annotated[str, Field(max_length=500)] = ""


class Criterion(StrictInput):
    """A review criterion and its weight in percent."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    name_zh: Short
    name_en: Short
    weight: Annotated[int, Field(ge=1, le=100, description="percent; the weights of a challenge sum to 100")]


def default_criteria() -> list[Criterion]:
    """Technical fit, team capability, feasibility of plan, budget and local transfer commitment."""
    return [Criterion(key=k, name_zh=zh, name_en=en, weight=w) for k, zh, en, w in DEFAULT_CRITERIA]


def _check_criteria(criteria: list[Criterion]) -> list[Criterion]:
    total = sum(c.weight for c in criteria)
    if total != 100:
        raise ValueError(f"评审指标权重之和应为 100%，现为 {total}% (the criteria weights must sum to 100 %, not {total} %)")
    if len({c.key for c in criteria}) != len(criteria):
        raise ValueError("评审指标的 key 不能重复 (criterion keys must be unique)")
    return criteria


Criteria = Annotated[list[Criterion], Field(min_length=1, max_length=12), AfterValidator(_check_criteria)]


def _unique_indicators(indicators: list[Indicator]) -> list[Indicator]:
    if len({i.name for i in indicators}) != len(indicators):
        raise ValueError("技术指标名称不能重复 (indicator names must be unique)")
    return indicators


Indicators = Annotated[list[Indicator], Field(max_length=30), AfterValidator(_unique_indicators)]


# a name, phone or e-mail to reach someone by; revealed as the parties' contacts are (see service.present)
Contact = Annotated[str | None, Field(max_length=200)]


class Eligibility(StrictInput):
    """Who may apply: organisation kinds and regions (empty: any) and whether joint bids are allowed."""

    org_kinds: Annotated[list[OrgKind], Field(max_length=5)] = []
    regions: Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=30)] = []
    joint_bids: bool = True


class _ChallengeFields(StrictInput):
    indicators: Indicators = []
    funding_source: FundingSource = FundingSource.government
    eligibility: Eligibility = Field(default_factory=Eligibility)
    criteria: Criteria = Field(default_factory=default_criteria)
    cluster: Cluster | None = None
    field: Annotated[str | None, Field(max_length=100)] = None
    region: Annotated[str | None, Field(max_length=50, description="county/district")] = None
    contact: Contact = None


class ChallengeCreate(_ChallengeFields):
    """A new challenge call (a draft until published)."""

    title: Title
    problem: LongText = ""
    bounty_yuan: Bounty
    deadline: AwareDatetime = Field(description="applications close at this moment (with its time zone)")
    need_ids: Annotated[list[RowId], Field(max_length=10)] = []
    owner_org_id: RowId | None = Field(None, description="admins: the owning organisation; default the caller's")
    external_id: Annotated[str | None, Field(max_length=100, description="the owner's own number, unique per owner")] = None


class ChallengeFromNeed(StrictInput):
    """What a need does not say when it becomes a challenge: bounty, deadline, indicators and the rest."""

    bounty_yuan: Bounty
    deadline: AwareDatetime
    indicators: Indicators = []
    funding_source: FundingSource = FundingSource.enterprise
    eligibility: Eligibility = Field(default_factory=Eligibility)
    criteria: Criteria = Field(default_factory=default_criteria)
    title: Title | None = Field(None, description="default: the need's title")
    contact: Contact = Field(None, description="default: the need's contact")


class ChallengeUpdate(StrictInput):
    """Fields of a draft challenge to change; `version` must match the stored one."""

    not_null = frozenset({"title", "problem", "indicators", "bounty_yuan", "deadline", "funding_source",
                          "eligibility", "criteria", "need_ids"})
    version: Version
    title: Title | None = None
    problem: LongText | None = None
    indicators: Indicators | None = None
    bounty_yuan: Bounty | None = None
    funding_source: FundingSource | None = None
    deadline: AwareDatetime | None = None
    eligibility: Eligibility | None = None
    criteria: Criteria | None = None
    cluster: Cluster | None = None
    field: Annotated[str | None, Field(max_length=100)] = None
    region: Annotated[str | None, Field(max_length=50)] = None
    need_ids: Annotated[list[RowId], Field(max_length=10)] | None = None
    contact: Contact = None


class ChallengePublic(BaseModel):
    """A challenge call as anyone allowed to read it sees it."""

    id: int
    title: str
    problem: str
    indicators: list[Indicator]
    bounty_yuan: Decimal
    funding_source: FundingSource
    deadline: datetime
    eligibility: Eligibility
    criteria: list[Criterion]
    cluster: str | None
    field: str | None
    region: str | None
    need_ids: list[int]
    owner_org_id: int
    owner_name: str | None
    external_id: str | None = None
    contact: str | None = Field(None, description="the owner's contact: for the owner and admins, and the winners "
                                                  "once awarded")
    status: ChallengeStatus
    status_zh: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    can_manage: bool = Field(False, description="the caller is the owner or an admin")


class ChallengesPublic(BaseModel):
    """A page of challenges and the total."""

    data: list[ChallengePublic]
    count: int


class ChallengeTransition(StrictInput):
    """Move a challenge to its next status, saying why."""

    to: ChallengeStatus
    note: Annotated[str | None, Field(max_length=2000)] = None


class ChallengeEventPublic(BaseModel):
    """One recorded transition: who, when, from and to what, why."""

    at: datetime
    actor_id: int | None
    actor_name: str | None
    from_status: str | None
    to_status: str
    note: str | None


class TeamMember(StrictInput):
    """A member of the applying team and their role in it."""

    name: Short
    role: Short
    organisation: Annotated[str | None, Field(max_length=200, description="default: the lead organisation")] = None


class IndicatorResponse(StrictInput):
    """The team's answer to one indicator of the challenge."""

    indicator: Short
    response: Text


class Milestone(StrictInput):
    """A step of the plan: when, what is delivered, how much of the bounty it releases."""

    due_on: date
    deliverable: Text
    amount_yuan: Money


class _ApplicationFields(StrictInput):
    approach: LongText = ""
    team: Annotated[list[TeamMember], Field(max_length=50)] = []
    responses: Annotated[list[IndicatorResponse], Field(max_length=30)] = []
    milestones: Annotated[list[Milestone], Field(max_length=20)] = []
    budget_yuan: Money | None = None
    output_ids: Annotated[list[RowId], Field(max_length=20, description="the team's research outputs")] = []
    contact: Contact = None


class ApplicationCreate(_ApplicationFields):
    """A new application (a draft until submitted) from the caller's organisation."""


class ApplicationUpdate(StrictInput):
    """Fields of a draft application to change; `version` must match the stored one."""

    not_null = frozenset({"approach", "team", "responses", "milestones", "output_ids"})
    version: Version
    approach: LongText | None = None
    team: Annotated[list[TeamMember], Field(max_length=50)] | None = None
    responses: Annotated[list[IndicatorResponse], Field(max_length=30)] | None = None
    milestones: Annotated[list[Milestone], Field(max_length=20)] | None = None
    budget_yuan: Money | None = None
    output_ids: Annotated[list[RowId], Field(max_length=20)] | None = None
    contact: Contact = None


class VersionBody(StrictInput):
    """The version the caller last read (a changed application answers 409)."""

    version: Version


class AttachmentPublic(BaseModel):
    """A PDF attached to an application."""

    id: int
    filename: str
    size_bytes: int
    sha256: str
    created_at: datetime


class ApplicationPublic(BaseModel):
    """An application as its team, the owner, its reviewers and admins see it."""

    id: int
    challenge_id: int
    lead_org_id: int
    lead_org_name: str | None
    team: list[TeamMember]
    approach: str
    responses: list[IndicatorResponse]
    milestones: list[Milestone]
    milestone_total_yuan: Decimal
    budget_yuan: Decimal | None
    output_ids: list[int]
    contact: str | None = Field(None, description="the team's contact: for its organisation and admins, and the "
                                                  "owner once it has won")
    status: ApplicationStatus
    stage: ReviewStage
    submitted_at: datetime | None
    withdrawn_at: datetime | None
    winner: bool
    award_reason: str | None
    attachments: list[AttachmentPublic]
    created_at: datetime
    updated_at: datetime
    version: int


class ApplicationsPublic(BaseModel):
    """The applications of a challenge the caller may see, and how many those are."""

    data: list[ApplicationPublic]
    count: int


class ReviewerAssign(StrictInput):
    """An expert to review the challenge's applications."""

    user_id: RowId


class ReviewerPublic(BaseModel):
    """An expert assigned to a challenge."""

    user_id: int
    name: str
    organisation_id: int | None
    assigned_at: datetime


class CriterionScore(StrictInput):
    """The score of one criterion (1–5) and why."""

    criterion: Annotated[str, Field(min_length=1, max_length=40)]
    score: Score
    comment: Annotated[str, Field(max_length=2000)] = ""


class ReviewCreate(StrictInput):
    """A reviewer's scores of one application at its current stage, each criterion once."""

    scores: Annotated[list[CriterionScore], Field(min_length=1, max_length=12)]
    no_conflict: bool = Field(description="the reviewer declares no conflict of interest with this applicant")

    @field_validator("no_conflict")
    @classmethod
    def _declared(cls, value: bool) -> bool:
        if not value:
            raise ValueError("有利益冲突的评审专家不能评分，请联系榜单发布方回避 (a reviewer with a conflict of interest "
                             "may not score; ask the owner to be recused)")
        return value


class ReviewPublic(BaseModel):
    """One reviewer's scores of an application at one stage."""

    id: int
    application_id: int
    reviewer_id: int
    reviewer_name: str | None
    stage: ReviewStage
    scores: list[CriterionScore]
    weighted: float
    submitted_at: datetime


class StageRequest(StrictInput):
    """The review stage an application moves on to (screen → assess → finalist)."""

    stage: ReviewStage


class RankingRow(BaseModel):
    """An application's standing at one stage: the weighted mean of its reviews and their spread."""

    application_id: int
    lead_org_id: int
    lead_org_name: str | None
    stage: ReviewStage
    reviews: int
    weighted_mean: float | None
    std_dev: float | None = Field(description="population standard deviation of the reviewers' weighted scores")
    min: float | None
    max: float | None
    by_criterion: dict[str, float]


class Winner(StrictInput):
    """An application chosen, and the recorded reason."""

    application_id: RowId
    reason: Text


class AwardRequest(StrictInput):
    """The winner(s) of a challenge."""

    winners: Annotated[list[Winner], Field(min_length=1, max_length=10)]


class MilestonePublic(BaseModel):
    """A milestone of a task agreement and the owner's decision on it."""

    id: int
    seq: int
    due_on: date
    deliverable: str
    amount_yuan: Decimal
    status: MilestoneStatus
    evidence: str | None
    decided_by: int | None
    decided_at: datetime | None


class AgreementPublic(BaseModel):
    """A task agreement: the winner, the contract registered, the bounty committed and released."""

    id: int
    challenge_id: int
    application_id: int
    lead_org_id: int
    lead_org_name: str | None
    contract_id: int | None
    committed_yuan: Decimal
    released_yuan: Decimal
    signed_at: datetime
    milestones: list[MilestonePublic]


class MilestoneDecision(StrictInput):
    """The owner accepts or rejects a delivered milestone, with the evidence seen."""

    accept: bool
    evidence: Text


class SolverPublic(BaseModel):
    """A research output the matcher proposes for a challenge, with its organisation and the reasons."""

    output_id: int
    title: str
    organisation_id: int
    organisation_name: str | None
    score: float
    components: dict[str, float]
    explanation: Explanation
    invited: bool


class SolversPublic(BaseModel):
    """Who could solve this: the proposed solvers, best first, and the model that ranked them."""

    data: list[SolverPublic]
    model: str


class InvitationCreate(StrictInput):
    """Invite the organisations behind these outputs to apply."""

    output_ids: Annotated[list[RowId], Field(min_length=1, max_length=20)]
    note: Annotated[str | None, Field(max_length=2000)] = None


class InvitationPublic(BaseModel):
    """An organisation invited to apply."""

    id: int
    organisation_id: int
    organisation_name: str | None
    output_id: int | None
    invited_at: datetime


class FunnelStep(BaseModel):
    """One step of the challenge funnel and how many reached it."""

    step: str
    label_zh: str
    label_en: str
    count: int


class BountyFigures(BaseModel):
    """Bounty on offer, committed to winners and released by accepted milestones (元)."""

    key: str = Field("", description="the cluster or county the figures are for; empty for the total")
    challenges: int = 0
    offered_yuan: Decimal = Decimal("0.00")
    committed_yuan: Decimal = Decimal("0.00")
    released_yuan: Decimal = Decimal("0.00")


class ChallengeStats(BaseModel):
    """The challenge funnel (published → applications → reviewed → awarded → in execution → accepted) and the
    bounty committed vs released, in total, by cluster and by county."""

    funnel: list[FunnelStep]
    bounty: BountyFigures
    by_cluster: list[BountyFigures]
    by_region: list[BountyFigures]


def as_dicts(models: list[Any]) -> list[dict[str, Any]]:
    """Pydantic models as the JSON a column stores (dates and money as text)."""
    return [m.model_dump(mode="json") for m in models]
