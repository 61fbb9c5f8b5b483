"""Schemas on the wire between the catalog and the matcher (the only code both services import)."""

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from shared.vocab import ChangeOp, ItemKind

SERVICE_TOKEN_HEADER = "Authorization"


# the status in which each kind is offered as a candidate
MATCHABLE_STATUS = {ItemKind.output: "published", ItemKind.need: "open", ItemKind.expert: "active"}


class CatalogItem(BaseModel):
    """What the matcher needs to know about one research output or technology need."""

    kind: ItemKind
    id: int
    title: str
    text: str = Field("", description="summary of an output / description of a need")
    keywords: list[str] = []
    language: str = "zh"
    field: str | None = None
    industry_section: str | None = None
    cluster: str | None = None
    region: str | None = None
    maturity: str | None = None
    cooperation_modes: list[str] = []
    status: str
    confidentiality: str = "public"
    organisation_id: int | None = None
    deadline: date | None = None
    updated_at: datetime | None = None

    @property
    def matchable(self) -> bool:
        """Only published outputs, open needs and active experts are ever offered as candidates."""
        return self.status == MATCHABLE_STATUS[self.kind]


class ChangeEvent(BaseModel):
    """One row of the catalog's change feed; `item` is the state right after the change."""

    seq: int
    op: ChangeOp
    kind: ItemKind
    item_id: int
    at: datetime
    item: CatalogItem | None = None


class ChangesPage(BaseModel):
    """A page of the change feed, oldest first, and the newest sequence number in the catalog."""

    changes: list[ChangeEvent]
    last_seq: int


class MatchRequest(BaseModel):
    """Rank items of `target` kind for a catalog item or for free text."""

    target: ItemKind
    item: CatalogItem | None = None
    text: str | None = None
    k: int = Field(10, ge=1, le=100)
    include_brokers_only: bool = False
    restrict_to: list[int] | None = Field(None, max_length=100, description="score only these items of the target "
                                          "kind (those it still holds and may offer) instead of searching them all")

    @model_validator(mode="after")
    def _item_or_text(self) -> Self:
        if self.item is None and not (self.text or "").strip():
            raise ValueError("请给出条目 item 或非空文本 text (give either an item or a non-empty text)")
        return self


class Explanation(BaseModel):
    """Why a candidate ranks where it does, readable by a broker in Chinese and English."""

    zh: str
    en: str
    matched_terms: list[str] = []
    notes_zh: list[str] = []
    notes_en: list[str] = []


class MatchResult(BaseModel):
    """One ranked candidate with its overall score in [0, 1] and the components behind it."""

    kind: ItemKind
    id: int
    title: str
    score: float = Field(ge=0.0, le=1.0)
    components: dict[str, float]
    explanation: Explanation


class MatchResponse(BaseModel):
    """Ranked candidates and the model that produced the dense scores."""

    results: list[MatchResult]
    model: str


class MatcherStatus(BaseModel):
    """How far the matcher's index has followed the catalog."""

    items: dict[str, int]
    cursor: int
    catalog_seq: int | None = Field(None, description="the catalog's newest change as seen at the last poll "
                                                      "(null until the first poll after a start)")
    lag: int | None = Field(None, description="changes seen but not yet applied (null while unknown)")
    items_per_second: float | None = Field(None, description="recent indexing throughput")
    eta_seconds: float | None = Field(None, description="time to catch up at that throughput")
    model: str
    dimension: int
    index_type: str
