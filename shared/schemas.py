"""Schemas on the wire between the catalog and the matcher (the only code both services import)."""

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from shared.vocab import ChangeOp, ItemKind

SERVICE_TOKEN_HEADER = "Authorization"
# a question for at most this many results finds each one's best passage unless it says otherwise
PASSAGES_UP_TO_K = 20


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
    passages: bool | None = Field(None, description="find each result's best-matching passage (`best_passage`); "
                                                    "null: only when k ≤ 20, so bulk questions do not pay for it")

    @property
    def wants_passages(self) -> bool:
        """Whether the results carry their best passage: as asked, else for interactive sizes (k ≤ 20)."""
        return self.passages if self.passages is not None else self.k <= PASSAGES_UP_TO_K

    @model_validator(mode="after")
    def _item_or_text(self) -> Self:
        if self.item is None and not (self.text or "").strip():
            raise ValueError("请给出条目 item 或非空文本 text (give either an item or a non-empty text)")
        return self


class BestPassage(BaseModel):
    """The sentence or clause of a candidate most similar to the query, and where it stands in the candidate."""

    text: str
    field: Literal["title", "text"] = Field(description="the candidate's title or its summary/description")
    start: int = Field(ge=0, description="offset of `text` in that field, in characters")
    end: int = Field(ge=0)
    similarity: float = Field(description="cosine of the passage and the query (multilingual model)")


class Explanation(BaseModel):
    """Why a candidate ranks where it does, readable by a broker in Chinese and English."""

    zh: str
    en: str
    matched_terms: list[str] = []
    # an English query's terms that a Chinese candidate holds in translation, "term → 词"
    translated_terms: list[str] = []
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
    best_passage: BestPassage | None = None


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


class ThemesRequest(BaseModel):
    """Group needs into themes by their stored vectors: the given ids, or every open need the matcher holds."""

    need_ids: list[int] | None = Field(None, max_length=20000, description="default: every open need indexed")
    min_size: int = Field(2, ge=2, le=100, description="smallest group reported as a theme")
    supply_k: int = Field(5, ge=0, le=20, description="closest outputs per theme")
    include_brokers_only: bool = False


class ThemeSupply(BaseModel):
    """An output close to a theme's centroid, with the cosine of the two in [0, 1]."""

    id: int
    title: str
    score: float = Field(ge=0.0, le=1.0)


class Theme(BaseModel):
    """Needs that belong together, the terms that set them apart, how alike they are and the closest supply."""

    need_ids: list[int]
    terms_zh: list[str]
    terms_en: list[str]
    coherence: float = Field(description="mean cosine between two of its needs")
    supply: list[ThemeSupply]


class ThemesResponse(BaseModel):
    """Themes, largest first, the needs in none, the ids not indexed, and the coherence against chance."""

    themes: list[Theme]
    unclustered: list[int]
    missing: list[int] = Field(description="asked ids the matcher does not hold (not open, or not yet indexed)")
    coherence: float = Field(description="size-weighted mean coherence of the themes")
    baseline: float = Field(description="the same for random groups of the same sizes")
    method: str
    threshold: float | None = Field(None, description="the cut chosen (cosine distance), for agglomerative")
    model: str
