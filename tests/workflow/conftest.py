"""Workflow tests sign in many people; cheap password hashing keeps them fast (hashing is not under test)."""

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from services.catalog.core import security


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield
