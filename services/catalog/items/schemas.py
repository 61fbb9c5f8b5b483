"""Request and response bodies of research outputs and technology needs."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from services.catalog.core.inputs import Keywords, Money, RowId, StrictInput, Title, Version
from shared.vocab import (
    Cluster,
    Confidentiality,
    CooperationMode,
    IndustrySection,
    IpForm,
    Maturity,
    NeedStatus,
    OutputStatus,
)


class _OutputFields(StrictInput):
    summary: Annotated[str, Field(max_length=20000)] = ""
    keywords: Keywords = []
    field: Annotated[str | None, Field(max_length=100)] = None
    industry_section: IndustrySection | None = None
    cluster: Cluster | None = None
    maturity: Maturity | None = None
    ip_form: IpForm | None = None
    patent_numbers: list[Annotated[str, Field(max_length=40)]] = []
    cooperation_modes: list[CooperationMode] = []
    price_yuan: Money | None = Field(None, description="asking price in 元; null means 面议 (negotiable)")
    contact: Annotated[str | None, Field(max_length=200)] = None
    status: OutputStatus = OutputStatus.published
    external_id: Annotated[str | None, Field(max_length=100)] = None


class OutputCreate(_OutputFields):
    """A new research output."""

    title: Title
    organisation_id: RowId | None = Field(None, description="defaults to the caller's organisation")


class OutputUpdate(StrictInput):
    """Fields of an output to change; `version` must match the stored one."""

    not_null = frozenset({"title", "summary", "keywords", "patent_numbers", "cooperation_modes", "status"})
    version: Version
    title: Title | None = None
    summary: Annotated[str | None, Field(max_length=20000)] = None
    keywords: Keywords | None = None
    field: Annotated[str | None, Field(max_length=100)] = None
    industry_section: IndustrySection | None = None
    cluster: Cluster | None = None
    maturity: Maturity | None = None
    ip_form: IpForm | None = None
    patent_numbers: list[Annotated[str, Field(max_length=40)]] | None = None
    cooperation_modes: list[CooperationMode] | None = None
    price_yuan: Money | None = None
    contact: Annotated[str | None, Field(max_length=200)] = None
    status: OutputStatus | None = None
    external_id: Annotated[str | None, Field(max_length=100)] = None


class OutputPublic(BaseModel):
    """A research output as shown to callers."""

    id: int
    organisation_id: int
    organisation_name: str | None = None
    region: str | None = None
    title: str
    summary: str
    keywords: list[str]
    language: str
    field: str | None
    industry_section: str | None
    cluster: str | None
    maturity: str | None
    ip_form: str | None
    patent_numbers: list[str]
    cooperation_modes: list[str]
    price_yuan: Decimal | None
    price_label: str
    contact: str | None
    status: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class OutputsPublic(BaseModel):
    """A page of outputs and the total number matching the filters."""

    data: list[OutputPublic]
    count: int


class _NeedFields(StrictInput):
    description: Annotated[str, Field(max_length=20000)] = ""
    keywords: Keywords = []
    field: Annotated[str | None, Field(max_length=100)] = None
    industry_section: IndustrySection | None = None
    cluster: Cluster | None = None
    region: Annotated[str | None, Field(max_length=50)] = None
    budget_min_yuan: Money | None = None
    budget_max_yuan: Money | None = None
    deadline: date | None = None
    cooperation_modes: list[CooperationMode] = []
    confidentiality: Confidentiality = Confidentiality.public
    status: NeedStatus = NeedStatus.open
    contact: Annotated[str | None, Field(max_length=200)] = None
    external_id: Annotated[str | None, Field(max_length=100)] = None

    @field_validator("budget_max_yuan")
    @classmethod
    def _budget_range(cls, high: Decimal | None, info: ValidationInfo) -> Decimal | None:
        low = info.data.get("budget_min_yuan")  # declared first, so already validated
        if low is not None and high is not None and low > high:
            raise ValueError("预算上限不能低于下限 (budget_max_yuan must not be below budget_min_yuan)")
        return high


class NeedCreate(_NeedFields):
    """A new technology need."""

    title: Title
    organisation_id: RowId | None = Field(None, description="defaults to the caller's organisation")


class NeedUpdate(StrictInput):
    """Fields of a need to change; `version` must match the stored one."""

    not_null = frozenset({"title", "description", "keywords", "cooperation_modes", "confidentiality", "status"})
    version: Version
    title: Title | None = None
    description: Annotated[str | None, Field(max_length=20000)] = None
    keywords: Keywords | None = None
    field: Annotated[str | None, Field(max_length=100)] = None
    industry_section: IndustrySection | None = None
    cluster: Cluster | None = None
    region: Annotated[str | None, Field(max_length=50)] = None
    budget_min_yuan: Money | None = None
    budget_max_yuan: Money | None = None
    deadline: date | None = None
    cooperation_modes: list[CooperationMode] | None = None
    confidentiality: Confidentiality | None = None
    status: NeedStatus | None = None
    contact: Annotated[str | None, Field(max_length=200)] = None
    external_id: Annotated[str | None, Field(max_length=100)] = None


class NeedPublic(BaseModel):
    """A technology need as shown to callers."""

    id: int
    organisation_id: int
    organisation_name: str | None = None
    title: str
    description: str
    keywords: list[str]
    language: str
    field: str | None
    industry_section: str | None
    cluster: str | None
    region: str | None
    budget_min_yuan: Decimal | None
    budget_max_yuan: Decimal | None
    deadline: date | None
    cooperation_modes: list[str]
    confidentiality: str
    status: str
    contact: str | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class NeedsPublic(BaseModel):
    """A page of needs and the total number matching the filters."""

    data: list[NeedPublic]
    count: int
