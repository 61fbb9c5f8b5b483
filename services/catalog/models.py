"""Database tables of the catalog (SQLModel)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel


def utcnow() -> datetime:
    """Current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


def _enum_col(length: int = 32) -> Any:
    return sa.String(length)


class Organisation(SQLModel, table=True):
    """A university, institute, enterprise, broker agency or government body."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(sa_type=_enum_col())
    region: str | None = Field(default=None, max_length=50)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class User(SQLModel, table=True):
    """A person who signs in, with one role and (except admins) one organisation."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=100, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(sa_type=_enum_col())
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    display_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ApiToken(SQLModel, table=True):
    """A long-lived token for scripts acting on a user's behalf (only its hash is kept)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    revoked: bool = False


class ResearchOutput(SQLModel, table=True):
    """A research output (科技成果) published by a university or institute."""

    __tablename__ = "research_output"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "external_id", name="uq_output_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_type=sa.Text)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="zh", sa_type=_enum_col(8))
    field: str | None = Field(default=None, max_length=100, index=True)
    industry_section: str | None = Field(default=None, sa_type=_enum_col(40))
    cluster: str | None = Field(default=None, sa_type=_enum_col(), index=True)
    maturity: str | None = Field(default=None, sa_type=_enum_col())
    ip_form: str | None = Field(default=None, sa_type=_enum_col())
    patent_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cooperation_modes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    contact: str | None = Field(default=None, max_length=200)
    status: str = Field(default="draft", sa_type=_enum_col(), index=True)
    external_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)
    version: int = 1


class TechNeed(SQLModel, table=True):
    """A technology need (企业技术需求) posted by an enterprise."""

    __tablename__ = "tech_need"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "external_id", name="uq_need_external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=sa.Text)
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="zh", sa_type=_enum_col(8))
    field: str | None = Field(default=None, max_length=100, index=True)
    industry_section: str | None = Field(default=None, sa_type=_enum_col(40))
    cluster: str | None = Field(default=None, sa_type=_enum_col(), index=True)
    region: str | None = Field(default=None, max_length=50, index=True)
    budget_min_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    budget_max_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    deadline: date | None = None
    cooperation_modes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confidentiality: str = Field(default="public", sa_type=_enum_col(), index=True)
    status: str = Field(default="open", sa_type=_enum_col(), index=True)
    contact: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)
    version: int = 1


class ChangeLog(SQLModel, table=True):
    """One create/update/delete of an output or need; `seq` is gap-free and in commit order."""

    __tablename__ = "change_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    op: str = Field(sa_type=_enum_col(8))
    kind: str = Field(sa_type=_enum_col(8))
    item_id: int = Field(index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    item: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SearchTerm(SQLModel, table=True):
    """Inverted index row: an item contains a segmented search term."""

    __tablename__ = "search_term"
    __table_args__ = (sa.Index("ix_search_term_kind_term", "kind", "term"),)

    kind: str = Field(primary_key=True, sa_type=_enum_col(8))
    item_id: int = Field(primary_key=True)
    term: str = Field(primary_key=True, max_length=64)


class ImportJob(SQLModel, table=True):
    """A bulk upload run in the background, with its progress and outcome."""

    __tablename__ = "import_job"

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(sa_type=_enum_col(8))
    status: str = Field(default="pending", sa_type=_enum_col(16))
    total: int = 0
    processed: int = 0
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # written with every chunk's progress: a job in flight whose heartbeat stops was cut off by a restart
    heartbeat_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
