"""Request and response bodies of accounts: tokens, organisations and users."""

from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from stdnum.cn import uscc

from services.catalog.accounts.vocab import OrgKind, Role
from services.catalog.core.inputs import RowId, StrictInput


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"


class ApiTokenCreated(BaseModel):
    """A new API token; the secret is shown only this once."""

    id: int
    name: str
    token: str


class OrganisationCreate(StrictInput):
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


class OrganisationUpdate(StrictInput):
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


class UserCreate(StrictInput):
    """A new user account (admins only)."""

    login: Annotated[str, Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: Role
    organisation_id: RowId | None = None
    display_name: Annotated[str | None, Field(max_length=100)] = None
    email: Annotated[str | None, Field(max_length=200)] = None


class UserUpdate(StrictInput):
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
