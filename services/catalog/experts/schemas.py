"""Request and response bodies of experts, work stations, dispatches, visits, problems and the plan's figures."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from services.catalog.core.inputs import Keywords, RowId, StrictInput, Version
from services.catalog.experts.vocab import DispatchStatus, ExpertKind, HostKind, ProblemStatus
from shared.schemas import BestPassage, Explanation
from shared.vocab import Cluster

Name = Annotated[str, Field(min_length=1, max_length=100)]
Short = Annotated[str, Field(min_length=1, max_length=50)]
Place = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Contact = Annotated[str | None, Field(max_length=200, description="shown to staff, the expert and the hosts of "
                                                                   "their confirmed dispatches")]
FieldName = Annotated[str, Field(min_length=1, max_length=100)]
Availability = Annotated[int, Field(ge=0, le=31, description="days a month the expert can give to dispatches")]


def _score(value: int) -> int:
    if not 1 <= value <= 5:
        raise ValueError(f"评分应为 1 到 5 的整数，收到 {value} (a rating is a whole number from 1 to 5, got {value})")
    return value


Rating = Annotated[int, AfterValidator(_score), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 5})]


def _hours(value: float) -> float:
    if not 0 < value <= 24:
        raise ValueError(f"服务时长应大于 0 且不超过 24 小时，收到 {value} (hours must be more than 0 and at most 24, "
                         f"got {value})")
    return value


Hours = Annotated[float, AfterValidator(_hours), WithJsonSchema({"type": "number", "exclusiveMinimum": 0,
                                                                 "maximum": 24})]


class _ExpertFields(StrictInput):
    title: Annotated[str | None, Field(max_length=100, description="职称, e.g. 教授")] = None
    rank: Annotated[str | None, Field(max_length=50, description="级别, e.g. 正高级")] = None
    kinds: Annotated[list[ExpertKind], Field(max_length=4)] = []
    fields: Annotated[list[FieldName], Field(max_length=10, description="technical fields, e.g. 新能源-电池回收")] = []
    clusters: Annotated[list[Cluster], Field(max_length=11)] = []
    keywords: Keywords = []
    biography: Annotated[str, Field(max_length=20000)] = ""
    languages: Annotated[list[Short], Field(max_length=10)] = []
    counties: Annotated[list[Short], Field(max_length=10, description="counties served (see /experts/regions)")] = []
    towns: Annotated[list[Short], Field(max_length=50, description="towns served, within those counties")] = []
    output_ids: Annotated[list[RowId], Field(max_length=30, description="research outputs of their organisation")] = []
    contact: Contact = None


class ExpertCreate(_ExpertFields):
    """A new expert of the pool (staff for anyone; an expert account for itself)."""

    name: Name
    organisation_name: Annotated[str | None, Field(max_length=200, description="default: the organisation's name")] = None
    organisation_id: RowId | None = Field(None, description="the platform organisation; an expert's own by default")
    availability_days: Availability = 4
    user_id: RowId | None = Field(None, description="staff: the expert account it belongs to; an expert: itself")
    external_id: Annotated[str | None, Field(max_length=100, description="the bureau's own number, unique")] = None


class ExpertUpdate(StrictInput):
    """Fields of a profile to change; `version` must match the stored one."""

    not_null = frozenset({"name", "organisation_name", "kinds", "fields", "clusters", "keywords", "biography",
                          "languages", "counties", "towns", "output_ids", "availability_days", "active"})
    version: Version
    name: Name | None = None
    organisation_name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    title: Annotated[str | None, Field(max_length=100)] = None
    rank: Annotated[str | None, Field(max_length=50)] = None
    kinds: Annotated[list[ExpertKind], Field(max_length=4)] | None = None
    fields: Annotated[list[FieldName], Field(max_length=10)] | None = None
    clusters: Annotated[list[Cluster], Field(max_length=11)] | None = None
    keywords: Keywords | None = None
    biography: Annotated[str | None, Field(max_length=20000)] = None
    languages: Annotated[list[Short], Field(max_length=10)] | None = None
    counties: Annotated[list[Short], Field(max_length=10)] | None = None
    towns: Annotated[list[Short], Field(max_length=50)] | None = None
    output_ids: Annotated[list[RowId], Field(max_length=30)] | None = None
    availability_days: Availability | None = None
    contact: Contact = None
    active: bool | None = Field(None, description="staff only: whether the expert is in the pool")
    user_id: RowId | None = Field(None, description="staff only: link the expert account that speaks for it")


class ExpertPublic(BaseModel):
    """An expert's profile; the contact only for staff, the expert and the hosts of their confirmed dispatches."""

    id: int
    name: str
    organisation_name: str
    organisation_id: int | None
    title: str | None
    rank: str | None
    kinds: list[ExpertKind]
    kinds_zh: list[str]
    fields: list[str]
    clusters: list[str]
    keywords: list[str]
    biography: str
    languages: list[str]
    counties: list[str]
    towns: list[str]
    availability_days: int
    output_ids: list[int]
    user_id: int | None = Field(None, description="for staff and the expert")
    external_id: str | None = Field(None, description="for staff")
    contact: str | None = None
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int
    can_edit: bool = Field(False, description="the caller is staff or this expert")


class ExpertMatch(BaseModel):
    """An expert ranked for a need: the profile as the reader may see it, the score and why."""

    expert: ExpertPublic
    score: float = Field(description="in [0, 1], comparable across queries")
    components: dict[str, float]
    explanation: Explanation
    best_passage: BestPassage | None = Field(None, description="the expert's sentence most similar to the need")
    account_id: int | None = Field(None, description="the expert's account, to assign as a reviewer (for the "
                                                     "challenge's owner and admins)")


class ExpertMatchesPublic(BaseModel):
    """Experts ranked for a need, best first; those of the need owner's organisation are left out."""

    results: list[ExpertMatch]
    model: str


class ExpertsPublic(BaseModel):
    """A page of experts and the total."""

    data: list[ExpertPublic]
    count: int


class RegionPublic(BaseModel):
    """A county and its towns."""

    county: str
    towns: list[str]


class StationCreate(StrictInput):
    """A new 特派员工作站 in a county and town."""

    name: Annotated[str, Field(min_length=2, max_length=200)]
    county: Short
    town: Short


class StationPublic(BaseModel):
    """A work station."""

    id: int
    name: str
    county: str
    town: str


class DispatchCreate(StrictInput):
    """Send an expert to a host for a period, with goals and the days a month it takes."""

    expert_id: RowId
    host_kind: HostKind
    host_org_id: RowId | None = Field(None, description="for an enterprise: the organisation")
    station_id: RowId | None = Field(None, description="for a work station")
    county: Annotated[str | None, Field(max_length=50, description="for a town; for an enterprise, default its "
                                                                    "region")] = None
    town: Annotated[str | None, Field(max_length=50, description="for a town (required); optional for an "
                                                                  "enterprise")] = None
    village: Annotated[str | None, Field(max_length=100, description="a village of the town, if any")] = None
    start_on: date
    end_on: date
    days_per_month: Annotated[int, Field(ge=1, le=31, description="days a month the dispatch plans to take")]
    goals: Annotated[str, Field(min_length=1, max_length=5000)]


class DispatchPublic(BaseModel):
    """A dispatch as the bureau, the expert and the host see it."""

    id: int
    expert_id: int
    expert_name: str | None
    host_kind: HostKind
    host_org_id: int | None
    host_name: str | None
    station_id: int | None
    county: str | None
    town: str | None
    village: str | None
    start_on: date
    end_on: date
    days_per_month: int
    goals: str
    status: DispatchStatus
    expert_confirmed_at: datetime | None
    host_confirmed_at: datetime | None
    created_at: datetime
    is_expert: bool = Field(False, description="the caller is the dispatched expert")
    is_host: bool = Field(False, description="the caller speaks for the host")


class DispatchesPublic(BaseModel):
    """The dispatches the caller may see and how many those are."""

    data: list[DispatchPublic]
    count: int


class ProblemCreate(StrictInput):
    """A problem met on a visit, and whether the expert solved it there."""

    text: Annotated[str, Field(min_length=1, max_length=2000)]
    solved: bool = False


class VisitCreate(StrictInput):
    """One day of service: when, how long, where, what was done, the problems raised and solved."""

    visit_on: date
    hours: Hours
    place: Place
    work_done: Text
    problems: Annotated[list[ProblemCreate], Field(max_length=30)] = []


class ProblemPublic(BaseModel):
    """A problem raised on a visit and where it stands."""

    id: int
    visit_id: int
    dispatch_id: int
    text: str
    status: ProblemStatus
    solved_at: datetime | None
    confirmed_at: datetime | None
    need_id: int | None


class VisitPublic(BaseModel):
    """A logged visit with its problems, the host's confirmation and rating."""

    id: int
    dispatch_id: int
    expert_id: int
    visit_on: date
    hours: float
    place: str
    work_done: str
    host_confirmed_at: datetime | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime | None
    problems: list[ProblemPublic]
    created_at: datetime


class RatingCreate(StrictInput):
    """The host's rating of a visit (1–5) and a comment."""

    rating: Rating
    comment: Annotated[str, Field(max_length=2000)] = ""


class NeedFromProblem(StrictInput):
    """What the problem does not say when it becomes a technology need."""

    title: Annotated[str | None, Field(min_length=2, max_length=300, description="default: the problem's text")] = None
    description: Annotated[str | None, Field(max_length=20000, description="default: the problem and the visit")] = None
    keywords: Keywords = []
    cluster: Cluster | None = None


class AreaFigures(BaseModel):
    """The plan's figures for one county, or one town of a county."""

    county: str
    town: str | None = None
    dispatches: int = 0
    experts: int = 0
    visits: int = 0
    hours: float = 0.0
    problems_solved: int = Field(0, description="confirmed by the host")


class ExpertYear(BaseModel):
    """One expert's year for the assessment (日常管理和考核评价)."""

    expert_id: int
    name: str
    organisation_name: str
    dispatches: int
    visits: int
    visits_confirmed: int
    hours: float
    problems_raised: int
    problems_solved: int = Field(description="by the expert's word")
    problems_confirmed: int = Field(description="confirmed solved by the host")
    ratings: int
    mean_rating: float | None


class ExpertStats(BaseModel):
    """Progress against the plan in one year: problems solved against the target, experts dispatched, visits and
    hours by county and town, the towns not visited yet, and each expert's year."""

    year: int
    target: int
    problems_solved: int = Field(description="confirmed by the host")
    share_of_target: float
    experts: int = Field(description="experts in the pool")
    experts_dispatched: int
    dispatches: int
    visits: int
    hours: float
    by_county: list[AreaFigures]
    by_town: list[AreaFigures]
    counties_without_visit: list[str]
    towns_without_visit: list[AreaFigures]
    by_expert: list[ExpertYear]
