"""The portal's event pages (issue 15) over HTTP on both databases: upcoming events for anyone, a participant
registers with its free slots and requests a meeting, the organiser's board solves the schedule and checks a
participant in by its QR code; refusals shown in Chinese and English."""

from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher

from services.catalog.core import security
from services.catalog.matching import client as matcher_client
from tests.conftest import Catalog
from tests.events.helpers import People, make_people, open_event
from tests.portal.test_challenge_pages import browser


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

    def down(**_: object) -> None:
        raise httpx.ConnectError("matcher down")

    monkeypatch.setattr(matcher_client, "post_match", down)
    yield


@pytest.fixture
def people(catalog: Catalog) -> People:
    from datetime import UTC, datetime, timedelta

    from tests.challenges.helpers import Clock
    clock = Clock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=30))
    catalog.client.app.state.clock = clock  # type: ignore[attr-defined]
    return make_people(catalog, clock)


def test_register_request_solve_and_check_in_through_the_pages(catalog: Catalog, people: People) -> None:
    p = people
    event = open_event(p)
    eid = event["id"]
    anon = browser(catalog, None)
    listing = anon.get("/events")
    assert listing.status_code == 200 and event["title"] in listing.text and "报名中" in listing.text
    assert "open for registration" in anon.get("/events?lang=en").text
    page = anon.get(f"/events/{eid}")
    assert page.status_code == 200 and 'id="register"' not in page.text  # sign in first

    ent = browser(catalog, "ent1")
    assert 'id="register"' in ent.get(f"/events/{eid}").text
    done = ent.post(f"/events/{eid}/register", {"slot": ["0", "1", "2"], "contact": "王工 0750-1"},
                    follow_redirects=False)
    assert done.status_code == 303
    mine = ent.get(f"/events/{eid}")
    assert 'id="my-registration"' in mine.text and "qr.svg" in mine.text and "尚未排程" in mine.text
    again = ent.post(f"/events/{eid}/register", {"slot": ["0"]})
    assert again.status_code == 409 and "该单位已报名本活动" in again.text

    uni = browser(catalog, "uni1")
    assert uni.post(f"/events/{eid}/register", {"slot": ["1", "2"]}, follow_redirects=False).status_code == 303
    uni_reg = next(r for r in p.ok("bureau", "GET", f"/events/{eid}/registrations")["data"]
                   if r["organisation_name"] == "五邑大学")
    assert ent.post(f"/events/{eid}/request/{uni_reg['id']}", follow_redirects=False).status_code == 303
    assert "已申请洽谈" in ent.get(f"/events/{eid}").text

    assert ent.get(f"/events/{eid}/board").status_code == 403
    broker = browser(catalog, "broker")
    assert broker.post(f"/events/{eid}/board/solve", follow_redirects=False).status_code == 303
    board = broker.get(f"/events/{eid}/board")
    assert board.status_code == 200 and "新会锂能 × 五邑大学" in board.text
    assert "新会锂能" in ent.get(f"/events/{eid}").text and "尚未排程" not in ent.get(f"/events/{eid}").text
    bad = broker.post(f"/events/{eid}/board/check-in", {"token": "not-a-token"})
    assert bad.status_code == 404 and "二维码无效" in bad.text
    with catalog.engine.connect() as conn:
        tokens: dict[int, str] = dict(conn.exec_driver_sql("SELECT id, token FROM event_registration").all())
    token = tokens[uni_reg["id"]]
    assert broker.post(f"/events/{eid}/board/check-in", {"token": token}, follow_redirects=False).status_code == 303
    assert "已签到" in broker.get(f"/events/{eid}/board").text
    dashboard = broker.get("/bureau")
    assert dashboard.status_code == 200 and 'id="events"' in dashboard.text and "新会区" in dashboard.text
    english = broker.post(f"/events/{eid}/board/check-in?lang=en", {"token": token})
    assert english.status_code == 409 and "Already checked in" in english.text
