"""Challenge tests sign in many people (cheap password hashing) and judge deadlines by a clock moved by hand."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from services.catalog.core import security
from tests.challenges.helpers import Clock
from tests.conftest import Catalog


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield


@pytest.fixture
def clock(catalog: Catalog) -> Clock:
    """The app's clock, started 30 days ago (so a contract signed on its day is never in the future)."""
    fake = Clock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=30))
    catalog.client.app.state.clock = fake  # type: ignore[attr-defined]
    return fake
