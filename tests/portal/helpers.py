"""Helpers for driving the portal through plain HTTP: CSRF tokens and signing in."""

import re
import threading

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


def finish_imports() -> None:
    """Wait until every background import job of this process has finished writing (joins their threads)."""
    for thread in threading.enumerate():
        if thread.name.startswith("import-"):
            thread.join(timeout=300)  # a bound against hanging, not a speed assertion
            assert not thread.is_alive(), f"{thread.name} did not finish"


def read_pages(client: TestClient, url: str, row: str, *, count: int = 3) -> tuple[list[str], list[list[str]]]:
    """The first `count` pages of a paginated list and the row ids on each (`row`: a regex with one group),
    checked to hold 10 rows a page with none repeated and to link to their neighbours."""
    pages = [client.get(url, params={"page": n}).text for n in range(1, count + 1)]
    ids = [re.findall(row, page) for page in pages]
    assert all(len(x) == 10 for x in ids[:-1]), [len(x) for x in ids]
    assert len({i for x in ids for i in x}) == sum(len(x) for x in ids)
    assert 'rel="next"' in pages[0] and 'rel="prev"' in pages[-1] and 'rel="next"' not in pages[-1]
    return pages, ids
