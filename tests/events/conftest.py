"""Event tests sign in many people (cheap password hashing), judge deadlines by a clock moved by hand, and, but for
the end-to-end test, run with the matcher down (every requested meeting then worth 0.5)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from argon2 import PasswordHasher

from services.catalog.core import security
from services.catalog.matching import client as matcher_client
from tests.challenges.helpers import Clock
from tests.conftest import Catalog
from tests.events.helpers import People, make_people


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield


@pytest.fixture
def clock(catalog: Catalog) -> Clock:
    """The app's clock, started 30 days ago (so a contract signed after the event is never in the future)."""
    fake = Clock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=30))
    catalog.client.app.state.clock = fake  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher cannot be reached."""
    def down(**_: object) -> None:
        raise httpx.ConnectError("matcher down")

    monkeypatch.setattr(matcher_client, "post_match", down)


@pytest.fixture
def people(catalog: Catalog, clock: Clock) -> People:
    """The organisers, participants and outsiders of an event."""
    return make_people(catalog, clock)
