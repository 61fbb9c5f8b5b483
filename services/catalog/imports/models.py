"""The table of background import jobs."""

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel

from services.catalog.core.tables import UtcDateTime, enum_col, utcnow


class ImportJob(SQLModel, table=True):
    """A bulk upload run in the background, with its progress and outcome."""

    __tablename__ = "import_job"

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(sa_type=enum_col(8))
    status: str = Field(default="pending", sa_type=enum_col(16))
    total: int = 0
    processed: int = 0
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime())
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime())
    # written with every chunk's progress: a job in flight whose heartbeat stops was cut off by a restart
    heartbeat_at: datetime | None = Field(default=None, sa_type=UtcDateTime())
