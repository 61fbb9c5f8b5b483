"""Tables of experts and 科技特派员: profiles, work stations, dispatches (选派), visits and the problems raised."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from services.catalog.core.tables import UtcDateTime, enum_col, utcnow
from services.catalog.experts.vocab import DispatchStatus, ProblemStatus

_TS = UtcDateTime()


def _json(default: Any = list) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Expert(SQLModel, table=True):
    """An expert of the bureau's pool: who they are, what they know, where and how often they can serve."""

    __tablename__ = "expert"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    organisation_name: str = Field(max_length=200)
    # the platform organisation they belong to, when it has one; their linked outputs are that organisation's
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", ondelete="SET NULL", index=True)
    title: str | None = Field(default=None, max_length=100)  # 职称, e.g. 教授
    rank: str | None = Field(default=None, max_length=50)  # 级别, e.g. 正高级
    kinds: list[str] = _json()
    fields: list[str] = _json()
    clusters: list[str] = _json()
    keywords: list[str] = _json()
    biography: str = Field(default="", sa_type=sa.Text)
    languages: list[str] = _json()
    counties: list[str] = _json()
    towns: list[str] = _json()
    availability_days: int = 4  # days a month the expert can give to dispatches
    output_ids: list[int] = _json()
    # the account that speaks for this profile (role expert); one profile per account
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL", unique=True)
    # shown to staff and the expert, and to the hosts of the expert's confirmed dispatches
    contact: str | None = Field(default=None, max_length=200)
    # the bureau's own number for the expert: importing the same one again updates the profile
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    active: bool = True
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    version: int = 1


class WorkStation(SQLModel, table=True):
    """A 特派员工作站: a place in a county and town where commissioners serve."""

    __tablename__ = "expert_station"
    __table_args__ = (sa.UniqueConstraint("county", "town", "name", name="uq_expert_station"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    county: str = Field(max_length=50)
    town: str = Field(max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class Dispatch(SQLModel, table=True):
    """An expert sent to a host (an enterprise, a town or village, a work station) for a period, with goals."""

    __tablename__ = "expert_dispatch"

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(foreign_key="expert.id", ondelete="CASCADE", index=True)
    host_kind: str = Field(sa_type=enum_col(16))
    host_org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    station_id: int | None = Field(default=None, foreign_key="expert_station.id")
    county: str | None = Field(default=None, max_length=50, index=True)
    town: str | None = Field(default=None, max_length=50)
    village: str | None = Field(default=None, max_length=100)
    start_on: date
    end_on: date
    days_per_month: int
    goals: str = Field(default="", sa_type=sa.Text)
    status: str = Field(default=DispatchStatus.pending, sa_type=enum_col(16), index=True)
    expert_confirmed_at: datetime | None = Field(default=None, sa_type=_TS)
    host_confirmed_at: datetime | None = Field(default=None, sa_type=_TS)
    host_confirmed_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class Visit(SQLModel, table=True):
    """One day of service an expert logged on a dispatch; the host confirms it and may rate it."""

    __tablename__ = "expert_visit"

    id: int | None = Field(default=None, primary_key=True)
    dispatch_id: int = Field(foreign_key="expert_dispatch.id", ondelete="CASCADE", index=True)
    expert_id: int = Field(foreign_key="expert.id", ondelete="CASCADE", index=True)
    visit_on: date = Field(index=True)
    hours: float
    place: str = Field(max_length=200)
    work_done: str = Field(sa_type=sa.Text)
    host_confirmed_at: datetime | None = Field(default=None, sa_type=_TS)
    host_confirmed_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    rating: int | None = None
    rating_comment: str | None = Field(default=None, sa_type=sa.Text)
    rated_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    rated_at: datetime | None = Field(default=None, sa_type=_TS)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)


class VisitProblem(SQLModel, table=True):
    """A problem raised on a visit; solved by the expert's word, counted only once the host confirms it."""

    __tablename__ = "expert_problem"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="expert_visit.id", ondelete="CASCADE", index=True)
    dispatch_id: int = Field(foreign_key="expert_dispatch.id", ondelete="CASCADE", index=True)
    text: str = Field(sa_type=sa.Text)
    status: str = Field(default=ProblemStatus.open, sa_type=enum_col(16))
    solved_at: datetime | None = Field(default=None, sa_type=_TS)
    confirmed_at: datetime | None = Field(default=None, sa_type=_TS)
    confirmed_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # the technology need it became, if it did
    need_id: int | None = Field(default=None, foreign_key="tech_need.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=_TS)
