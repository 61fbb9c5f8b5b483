"""Request and response bodies of the catalog API (never the tables themselves)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from stdnum.cn import uscc

from services.catalog.vocab import OrgKind, Role
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

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2),
                  AfterValidator(lambda d: d.quantize(Decimal("0.01")))]  # stored as it will read back
Title = Annotated[str, Field(min_length=2, max_length=300)]
Keywords = Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=30)]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(_has_nul(v) for v in value)


class _Input(BaseModel):
    """A request body: unknown fields refused, text trimmed, NUL characters and nulls for required columns refused."""

    model_config = _STRICT
    # Fields an update may leave out but may not set to null (their columns are NOT NULL).
    not_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul_and_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("不能为空 (must not be null)")
        if _has_nul(value):
            # PostgreSQL cannot store NUL in text; refuse it on every database alike.
            raise ValueError("不能包含空字符 NUL (must not contain NUL characters)")
        return value


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"


class ApiTokenCreated(BaseModel):
    """A new API token; the secret is shown only this once."""

    id: int
    name: str
    token: str


class OrganisationCreate(_Input):
    """A new organisation."""

    name: Annotated[str, Field(min_length=2, max_length=200)]
    kind: OrgKind
    region: Annotated[str | None, Field(max_length=50)] = None
    credit_code: str | None = None

    @field_validator("credit_code")
    @classmethod
    def _valid_uscc(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not uscc.is_valid(value):
            raise ValueError("统一社会信用代码无效 (invalid unified social credit code)")
        return uscc.compact(value)


class OrganisationUpdate(_Input):
    """Fields of an organisation to change."""

    not_null = frozenset({"name"})
    name: Annotated[str | None, Field(min_length=2, max_length=200)] = None
    region: Annotated[str | None, Field(max_length=50)] = None


class OrganisationPublic(BaseModel):
    """An organisation as shown to callers."""

    id: int
    name: str
    kind: str
    region: str | None
    credit_code: str | None


class UserCreate(_Input):
    """A new user account (admins only)."""

    login: Annotated[str, Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: Role
    organisation_id: RowId | None = None
    display_name: Annotated[str | None, Field(max_length=100)] = None
    email: Annotated[str | None, Field(max_length=200)] = None


class UserUpdate(_Input):
    """Fields of a user to change."""

    not_null = frozenset({"password", "role", "is_active"})
    password: Annotated[str | None, Field(min_length=8, max_length=200)] = None
    role: Role | None = None
    organisation_id: RowId | None = None
    display_name: Annotated[str | None, Field(max_length=100)] = None
    email: Annotated[str | None, Field(max_length=200)] = None
    is_active: bool | None = None


class UserPublic(BaseModel):
    """A user without secrets."""

    id: int
    login: str
    role: str
    organisation_id: int | None
    display_name: str | None
    email: str | None
    is_active: bool


class _OutputFields(_Input):
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


class OutputUpdate(_Input):
    """Fields of an output to change; `version` must match the stored one."""

    not_null = frozenset({"title", "summary", "keywords", "patent_numbers", "cooperation_modes", "status"})
    version: Annotated[int, Field(ge=1, le=MAX_ID)]
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


class _NeedFields(_Input):
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


class NeedUpdate(_Input):
    """Fields of a need to change; `version` must match the stored one."""

    not_null = frozenset({"title", "description", "keywords", "cooperation_modes", "confidentiality", "status"})
    version: Annotated[int, Field(ge=1, le=MAX_ID)]
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
