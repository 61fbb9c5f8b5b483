"""Helpers every table definition uses: the clock, timestamp columns and short enum-valued text columns."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def utcnow() -> datetime:
    """Current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


# What a rule that depends on the time of day reads it from: `utcnow` in service, a hand-moved one in tests
# (the app's clock is `app.state.clock`, read by `api.deps.ClockDep`).
Clock = Callable[[], datetime]


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp written in UTC and read back timezone-aware from every database (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)


def _as_utc(moment: datetime) -> datetime:
    # a naive value is UTC by this project's convention (it is what SQLite hands back)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def enum_col(length: int = 32) -> Any:
    """A short text column holding an enum value (kept as text, so new values need no migration)."""
    return sa.String(length)
