"""Expert tests sign in many people (cheap password hashing) and judge days by a clock moved by hand."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from services.catalog.core import security
from tests.challenges.helpers import Clock
from tests.conftest import Catalog
from tests.experts.helpers import People, make_people


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield


@pytest.fixture
def clock(catalog: Catalog) -> Clock:
    """The app's clock at noon in China on 15 June 2026."""
    fake = Clock(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    catalog.client.app.state.clock = fake  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def people(catalog: Catalog, clock: Clock) -> People:
    return make_people(catalog)
