"""Tables of research outputs, technology needs, their search terms and the change log."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from services.catalog.core.tables import UtcDateTime, enum_col, utcnow


class CatalogItemColumns(SQLModel):
    """The columns research outputs and technology needs have in common."""

    # Each table builds its own columns from these fields, so none may be a shared Column object (sa_column).
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=300)
    keywords: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    language: str = Field(default="zh", sa_type=enum_col(8))
    field: str | None = Field(default=None, max_length=100, index=True)
    industry_section: str | None = Field(default=None, sa_type=enum_col(40))
    cluster: str | None = Field(default=None, sa_type=enum_col(), index=True)
    cooperation_modes: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    contact: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime(), index=True)
    version: int = 1


class ResearchOutput(CatalogItemColumns, table=True):
    """A research output (科技成果) published by a university or institute."""

    __tablename__ = "research_output"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "external_id", name="uq_output_external_id"),)

    summary: str = Field(default="", sa_type=sa.Text)
    maturity: str | None = Field(default=None, sa_type=enum_col())
    ip_form: str | None = Field(default=None, sa_type=enum_col())
    patent_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    status: str = Field(default="draft", sa_type=enum_col(), index=True)


class TechNeed(CatalogItemColumns, table=True):
    """A technology need (企业技术需求) posted by an enterprise."""

    __tablename__ = "tech_need"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "external_id", name="uq_need_external_id"),)

    description: str = Field(default="", sa_type=sa.Text)
    region: str | None = Field(default=None, max_length=50, index=True)
    budget_min_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    budget_max_yuan: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    deadline: date | None = None
    confidentiality: str = Field(default="public", sa_type=enum_col(), index=True)
    status: str = Field(default="open", sa_type=enum_col(), index=True)


class ChangeLog(SQLModel, table=True):
    """One create/update/delete of an output or need; `seq` is gap-free and in commit order."""

    __tablename__ = "change_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    op: str = Field(sa_type=enum_col(8))
    kind: str = Field(sa_type=enum_col(8))
    item_id: int = Field(index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime())
    item: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SearchTerm(SQLModel, table=True):
    """Inverted index row: an item contains a segmented search term."""

    __tablename__ = "search_term"
    __table_args__ = (sa.Index("ix_search_term_kind_term", "kind", "term"),)

    kind: str = Field(primary_key=True, sa_type=enum_col(8))
    item_id: int = Field(primary_key=True)
    term: str = Field(primary_key=True, max_length=64)
