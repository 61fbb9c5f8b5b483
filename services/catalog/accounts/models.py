"""Tables of organisations, users and their API tokens."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from services.catalog.core.tables import UtcDateTime, enum_col, utcnow


class Organisation(SQLModel, table=True):
    """A university, institute, enterprise, broker agency or government body."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(sa_type=enum_col())
    region: str | None = Field(default=None, max_length=50)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime())


class User(SQLModel, table=True):
    """A person who signs in, with one role and (except admins) one organisation."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=100, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(sa_type=enum_col())
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    display_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime())
    # raised by every password change: sign-in tokens carry the number they were issued under
    credentials_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ApiToken(SQLModel, table=True):
    """A long-lived token for scripts acting on a user's behalf (only its hash is kept)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime())
    revoked: bool = False
