"""Request and response bodies of subscriptions (never the tables)."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from services.catalog.core.inputs import RowId, StrictInput
from services.catalog.subscriptions.vocab import DEFAULT_THRESHOLD, Frequency, SubscriptionKind
from shared.vocab import Cluster, ItemKind

Threshold = Annotated[float, Field(ge=0.0, le=1.0, description="the matcher's calibrated score from which to alert")]


class SubscriptionCreate(StrictInput):
    """Follow one of your needs (`need_id`) or outputs (`output_id`), or save a search (`query` and filters)."""

    kind: SubscriptionKind
    need_id: RowId | None = None
    output_id: RowId | None = None
    target: ItemKind | None = Field(None, description="a saved search: which kind of item to alert on")
    query: Annotated[str | None, Field(min_length=2, max_length=500)] = None
    field: Annotated[str | None, Field(max_length=100)] = None
    cluster: Cluster | None = None
    region: Annotated[str | None, Field(max_length=50, description="the county")] = None
    threshold: Threshold = DEFAULT_THRESHOLD
    frequency: Frequency = Frequency.instant

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        search = (self.target, self.query, self.field, self.cluster, self.region)
        if self.kind is SubscriptionKind.need and (self.need_id is None or self.output_id is not None or any(search)):
            raise ValueError("关注需求时只需给出 need_id (following a need takes need_id alone)")
        if self.kind is SubscriptionKind.output and (self.output_id is None or self.need_id is not None
                                                     or any(search)):
            raise ValueError("关注成果时只需给出 output_id (following an output takes output_id alone)")
        if self.kind is SubscriptionKind.search:
            if self.need_id is not None or self.output_id is not None:
                raise ValueError("保存检索时不能给出 need_id 或 output_id (a saved search takes no need_id or output_id)")
            if self.target not in (ItemKind.output, ItemKind.need) or not self.query:
                raise ValueError("保存检索需要检索文字 query 和对象 target：output 或 need "
                                 "(a saved search needs a query and a target: output or need)")
        return self


class SubscriptionUpdate(StrictInput):
    """What a subscriber may change: threshold, frequency, pause."""

    not_null = frozenset({"threshold", "frequency", "paused"})
    threshold: Threshold | None = None
    frequency: Frequency | None = None
    paused: bool | None = None


class SubscriptionPublic(BaseModel):
    """A subscription as its owner sees it."""

    id: int
    kind: SubscriptionKind
    target: ItemKind
    need_id: int | None
    output_id: int | None
    subject: str = Field(description="the followed item's title, or the saved search's text")
    query: str | None
    field: str | None
    cluster: str | None
    region: str | None
    threshold: float
    frequency: Frequency
    paused: bool
    language: str
    created_at: datetime
    alerts: int = Field(description="how many alerts it has fired")


class SubscriptionsPublic(BaseModel):
    """A page of subscriptions and their total."""

    data: list[SubscriptionPublic]
    count: int


class AlertPublic(BaseModel):
    """One item that matched a subscription."""

    id: int
    subscription_id: int
    item_kind: ItemKind
    item_id: int
    title: str
    score: float
    explanation_zh: str
    explanation_en: str
    created_at: datetime
    delivered_at: datetime | None


class AlertsPublic(BaseModel):
    """A page of a subscription's alerts, newest first, and their total."""

    data: list[AlertPublic]
    count: int


class Unsubscribed(BaseModel):
    """The answer to a one-click unsubscribe."""

    subscription_id: int
    removed: bool = Field(description="false when it had already been removed")
