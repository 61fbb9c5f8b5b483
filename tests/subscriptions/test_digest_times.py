"""When digests go out: 08:00 Beijing time (00:00 UTC) each day, and on Mondays for weekly ones."""

from datetime import UTC, datetime, timedelta

from services.catalog.subscriptions.digest import latest_digest


def test_the_latest_digest_time_by_frequency() -> None:
    thursday = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    assert thursday.weekday() == 3
    assert latest_digest(thursday, "daily") == datetime(2026, 12, 3, tzinfo=UTC)
    assert latest_digest(thursday - timedelta(minutes=121), "daily") == datetime(2026, 12, 2, tzinfo=UTC)
    assert latest_digest(thursday, "weekly") == datetime(2026, 11, 30, tzinfo=UTC)  # the Monday before
    monday_8am_beijing = datetime(2026, 12, 7, tzinfo=UTC)
    assert latest_digest(monday_8am_beijing, "weekly") == monday_8am_beijing
    assert latest_digest(monday_8am_beijing - timedelta(seconds=1), "weekly") == datetime(2026, 11, 30, tzinfo=UTC)
    beijing = datetime(2026, 12, 7, 8, 30).replace(tzinfo=UTC) - timedelta(hours=8)  # a zone-aware time in any zone
    assert latest_digest(beijing.astimezone(), "daily") == monday_8am_beijing
