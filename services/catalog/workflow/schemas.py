"""Request and response bodies of the workflow API."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.catalog.core.inputs import RowId, Version
from services.catalog.workflow.vocab import ContractType, DeclineReason, MatchStatus
from shared.vocab import Cluster

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
Note = Annotated[str, Field(max_length=2000)]


class MatchCreate(BaseModel):
    """Propose a pair; without a score the catalog asks the matcher for it."""

    model_config = STRICT
    need_id: RowId
    output_id: RowId
    score: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    explanation: dict[str, Any] | None = Field(None, description="the matcher's explanation as the broker saw it")
    components: dict[str, float] = {}
    model: Annotated[str | None, Field(max_length=100)] = None
    broker_id: RowId | None = Field(None, description="the broker in charge; defaults to the caller")
    note: Note | None = None


class Contacts(BaseModel):
    """Who to call, shown to both parties once both accepted the introduction."""

    need_organisation: str | None
    need_contact: str | None
    output_organisation: str | None
    output_contact: str | None


class MatchPublic(BaseModel):
    """A pair as its broker or one of its parties sees it."""

    id: int
    need_id: int
    need_title: str
    output_id: int
    output_title: str
    score: float
    explanation: dict[str, Any]
    components: dict[str, float]
    model: str | None
    status: str
    status_label: str
    broker_id: int | None
    broker_name: str | None
    need_response: str
    output_response: str
    decline_reason: str | None
    decline_note: str | None
    proposed_at: datetime
    shortlisted_at: datetime | None
    introduced_at: datetime | None
    negotiating_at: datetime | None
    signed_at: datetime | None
    declined_at: datetime | None
    updated_at: datetime
    version: int
    contacts: Contacts | None = Field(None, description="null until both parties accepted the introduction")


class MatchesPublic(BaseModel):
    """A page of matches and the total count."""

    data: list[MatchPublic]
    count: int


class TransitionRequest(BaseModel):
    """Move a match to another status (declining needs a reason)."""

    model_config = STRICT
    to: MatchStatus
    reason: DeclineReason | None = None
    note: Note | None = None
    version: Version | None = Field(None, description="the version you read; 409 if it changed meanwhile")


class BulkShortlist(BaseModel):
    """Shortlist several proposed matches at once."""

    model_config = STRICT
    match_ids: Annotated[list[RowId], Field(min_length=1, max_length=200)]
    note: Note | None = None


class BulkResult(BaseModel):
    """What a bulk action did to each match."""

    shortlisted: list[int]
    refused: list[dict[str, Any]]


class AssignRequest(BaseModel):
    """Hand a match to a broker (yourself or a colleague)."""

    model_config = STRICT
    broker_id: RowId


class NoteCreate(BaseModel):
    """A note on a match's history."""

    model_config = STRICT
    note: Annotated[str, Field(min_length=1, max_length=2000)]


class IntroductionResponse(BaseModel):
    """A party's answer to an introduction."""

    model_config = STRICT
    accept: bool
    reason: DeclineReason | None = Field(None, description="why, when declining")
    note: Note | None = None


class EventPublic(BaseModel):
    """One row of a match's history."""

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    kind: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    note: str | None


class QueueNeed(BaseModel):
    """A need awaiting a broker's review, with its best candidates."""

    need_id: int
    title: str
    organisation_name: str | None
    cluster: str | None
    region: str | None
    confidentiality: str
    created_at: datetime
    age_days: float
    best_score: float | None
    proposed_count: int
    candidates: list[MatchPublic]


class QueuePublic(BaseModel):
    """A page of the broker queue and the number of needs waiting."""

    data: list[QueueNeed]
    count: int


class NotificationPublic(BaseModel):
    """An inbox entry."""

    id: int
    kind: str
    subject: str
    body: str
    match_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationsPublic(BaseModel):
    """A page of the inbox, its total and how many are unread."""

    data: list[NotificationPublic]
    count: int
    unread: int


Amount = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2, description="元, at most two decimals")]


class ContractCreate(BaseModel):
    """A technology contract to register."""

    model_config = STRICT
    registration_no: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[0-9A-Za-z\-_/]+$")]
    title: Annotated[str | None, Field(max_length=300)] = None
    contract_type: ContractType
    amount_yuan: Amount
    signed_on: date
    buyer_org_id: RowId
    seller_org_id: RowId
    region: Annotated[str | None, Field(max_length=50, description="county/district; defaults to the need's")] = None
    field: Annotated[str | None, Field(max_length=100)] = None
    cluster: Cluster | None = None
    match_id: RowId | None = None
    need_id: RowId | None = None
    mark_need_solved: bool = Field(True, description="also mark the need solved")


class ContractPublic(BaseModel):
    """A registered technology contract."""

    id: int
    registration_no: str
    title: str | None
    contract_type: str
    amount_yuan: Decimal
    signed_on: date
    buyer_org_id: int
    buyer_name: str | None
    seller_org_id: int
    seller_name: str | None
    region: str | None
    field: str | None
    cluster: str | None
    match_id: int | None
    need_id: int | None
    registered_by: int | None
    created_at: datetime


class ContractsPublic(BaseModel):
    """A page of contracts and the total count."""

    data: list[ContractPublic]
    count: int


class Bucket(BaseModel):
    """Contracts counted under one key (a month, district, cluster or type) and their turnover in 元."""

    key: str
    count: int
    amount_yuan: Decimal


class ContractStats(BaseModel):
    """Contract count and turnover, in total and by month, county/district, cluster and type."""

    count: int
    amount_yuan: Decimal
    by_month: list[Bucket]
    by_region: list[Bucket]
    by_cluster: list[Bucket]
    by_type: list[Bucket]


class Overview(BaseModel):
    """Headline counts for the bureau."""

    outputs: dict[str, int]
    needs: dict[str, int]
    matches_by_status: dict[str, int]
    contracts: int
    contract_amount_yuan: Decimal


class FunnelStep(BaseModel):
    """One step of the funnel: how many pairs reached it, and how they went on to the next."""

    status: str
    label: str
    reached: int
    next_status: str | None
    conversion: float | None = Field(None, description="share of pairs reaching this step that reached the next")
    median_days_to_next: float | None
    declined_here: int


class Funnel(BaseModel):
    """The funnel from proposed to signed, and why pairs were declined."""

    steps: list[FunnelStep]
    overall_conversion: float | None
    decline_reasons: dict[str, int]


class BrokerActivity(BaseModel):
    """What one broker has in hand and has done."""

    broker_id: int
    name: str
    matches: int
    by_status: dict[str, int]
    actions: int
    contracts_registered: int


class UnmetNeed(BaseModel):
    """An open need with no adequate supply: candidates for a 揭榜挂帅 challenge (no need text)."""

    need_id: int
    title: str
    organisation_name: str | None
    cluster: str | None
    region: str | None
    created_at: datetime
    best_score: float | None


class Coverage(BaseModel):
    """Supply–demand coverage: open needs whose best frozen match score reaches the threshold."""

    threshold: float
    open_needs: int
    covered: int
    share: float | None
    by_cluster: dict[str, dict[str, Any]]
    unmet_count: int
    unmet: list[UnmetNeed]


class StatsSummary(BaseModel):
    """All statistics at once."""

    overview: Overview
    funnel: Funnel
    contracts: ContractStats
    brokers: list[BrokerActivity]
    coverage: Coverage


class ThemeNeed(BaseModel):
    """One need of an unmet-need theme (no need text)."""

    need_id: int
    title: str
    organisation_name: str | None
    cluster: str | None
    region: str | None
    budget_yuan: Decimal | None = Field(None, description="the need's stated budget (its upper bound if given)")


class ThemeOutput(BaseModel):
    """An output close to a theme (the caller may see it), with the cosine to the theme's centroid."""

    output_id: int
    title: str
    score: float


class GapTheme(BaseModel):
    """Open needs without adequate supply that belong together, labelled by their most distinctive terms."""

    key: str = Field(description="stable for the same needs: a hash of their sorted ids")
    label_zh: str
    label_en: str
    terms_zh: list[str]
    terms_en: list[str]
    size: int
    needs: list[ThemeNeed]
    counties: dict[str, int]
    clusters: dict[str, int]
    budget_total_yuan: Decimal
    budget_median_yuan: Decimal | None
    budgets_stated: int
    supply: list[ThemeOutput]
    coherence: float = Field(description="mean cosine between two of its needs")


class GapThemes(BaseModel):
    """The gap analysis: themes of the unmet needs (when the matcher answers) beside the flat list of them."""

    threshold: float
    unmet_count: int
    analysed: int = Field(description="unmet needs grouped (at most the limit)")
    matcher_available: bool
    message_zh: str | None = None
    message_en: str | None = None
    themes: list[GapTheme]
    unclustered: list[ThemeNeed]
    coherence: float | None = Field(None, description="size-weighted mean coherence of the themes")
    baseline: float | None = Field(None, description="the same for random groups of the same sizes")
    model: str | None = None
    unmet: list[UnmetNeed]


class ThemeDraft(BaseModel):
    """A theme to turn into a draft: its needs (the key must be theirs) and optionally its terms and owner."""

    model_config = STRICT
    need_ids: Annotated[list[RowId], Field(min_length=1, max_length=500)]
    terms_zh: Annotated[list[Annotated[str, Field(min_length=1, max_length=30)]], Field(max_length=10)] = []
    owner_org_id: RowId | None = Field(None, description="challenges: the owning organisation (admins without one)")


class DraftCreated(BaseModel):
    """The draft a theme became and where to edit it."""

    kind: str
    id: int
    title: str
    url: str
