"""Response bodies of the import, export and job endpoints."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class RowError(BaseModel):
    """One problem in an uploaded file: data row number (header = row 1), the column as headed, and what is wrong."""

    row: int
    column: str
    message: str


class ImportResult(BaseModel):
    """What an import did: rows read, valid, written (created/updated/unchanged) and the rows refused."""

    kind: str
    total: int
    valid: int
    failed: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool
    dry_run: bool = False
    errors: list[RowError] = []
    ignored_columns: list[str] = []


class JobAccepted(BaseModel):
    """A large import accepted to run in the background."""

    job_id: str
    status: str
    total: int
    url: str


class JobPublic(BaseModel):
    """Progress and outcome of a background import."""

    id: str
    kind: str
    status: str
    total: int
    processed: int
    percent: float
    result: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
