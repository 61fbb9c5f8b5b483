"""Helpers for driving the portal through plain HTTP: CSRF tokens and signing in."""

import re

from fastapi.testclient import TestClient

from services.catalog.portal.csrf import CSRF_FIELD

_TOKEN = re.compile(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def portal_client(app: object) -> TestClient:
    """A fresh browser-like client (its own cookies) for an already started app."""
    return TestClient(app, follow_redirects=False)  # type: ignore[arg-type]


def sign_in(client: TestClient, login: str, password: str) -> None:
    """Sign in through the portal's form (the session cookie stays in the client)."""
    token = csrf_token(client.get("/login").text)
    r = client.post("/login", data={"login": login, "password": password, "csrf_token": token, "next": ""})
    assert r.status_code == 303, r.text
