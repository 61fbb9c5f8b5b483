"""Guessing passwords: repeated failures per login (and per address) wait longer and longer, with 429 and
Retry-After; an unknown login costs a password check like a known one, so timing does not tell them apart."""

from typing import Any

import pytest

from services.catalog.accounts import service as accounts
from services.catalog.accounts.throttle import SignInThrottle
from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, portal_client

API = "/api/v1"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(catalog: Catalog) -> Clock:
    fake = Clock()
    guard = catalog.client.app.state.sign_in_guard  # type: ignore[attr-defined]
    guard.by_login.clock = guard.by_address.clock = fake
    return fake


def _sign_in(catalog: Catalog, password: str, login: str = "ent_t") -> Any:
    return catalog.client.post(f"{API}/auth/token", data={"username": login, "password": password},
                               headers={"Accept-Language": "en"})


def test_repeated_failures_wait_longer_and_longer_then_the_right_password_works(catalog: Catalog, clock: Clock) -> None:
    catalog.user("ent_t", "enterprise", "甲公司")
    assert [_sign_in(catalog, "wrong-password").status_code for _ in range(5)] == [401] * 5
    refused = _sign_in(catalog, PASSWORD)  # even the right one, while it must wait
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert refused.json()["error"] == "too_many_attempts" and "try again in 1 seconds" in refused.json()["message"]
    clock.now += 1.5
    assert _sign_in(catalog, "wrong-password").status_code == 401
    assert _sign_in(catalog, PASSWORD).headers["retry-after"] == "2"
    clock.now += 2.5
    assert _sign_in(catalog, PASSWORD).status_code == 200
    assert _sign_in(catalog, "wrong-password").status_code == 401  # a success starts the count afresh


def test_the_portal_sign_in_is_throttled_too(catalog: Catalog, clock: Clock) -> None:
    catalog.user("ent_t", "enterprise", "甲公司")
    browser = portal_client(catalog.client.app)
    for expected in [401] * 5 + [429]:
        token = csrf_token(browser.get("/login").text)
        r = browser.post("/login", data={"login": "ent_t", "password": "wrong", "csrf_token": token})
        assert r.status_code == expected
    assert r.headers["retry-after"] == "1" and "尝试次数过多" in r.text


def test_one_address_trying_many_logins_is_throttled() -> None:
    clock = Clock()
    throttle = SignInThrottle(free=30, clock=clock)
    for _ in range(30):
        throttle.failed("10.0.0.7")
    assert throttle.wait("10.0.0.7") == 1.0 and throttle.wait("10.0.0.8") == 0.0
    clock.now += 901
    assert throttle.wait("10.0.0.7") == 0.0  # forgotten after the window


def test_an_unknown_login_is_checked_against_a_stand_in_hash(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog.user("ent_t", "enterprise", "甲公司")
    checked: list[str] = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda password, stored: checked.append(stored) or real(password, stored))
    assert _sign_in(catalog, PASSWORD, login="nobody").status_code == 401
    assert _sign_in(catalog, "wrong-password").status_code == 401
    assert len(checked) == 2 and all(h.startswith("$argon2") for h in checked)
