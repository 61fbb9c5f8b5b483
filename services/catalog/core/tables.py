"""Helpers every table definition uses: the clock and short enum-valued text columns."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def utcnow() -> datetime:
    """Current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


def enum_col(length: int = 32) -> Any:
    """A short text column holding an enum value (kept as text, so new values need no migration)."""
    return sa.String(length)
