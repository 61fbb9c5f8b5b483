"""Issue 15 in headless Chromium, at 1440 px and 390 px: the broker plans a 对接会 (the proposed line-up kept, the
invitations sent) and opens it → participants register with their free slots (one on a phone) and request a meeting
→ the broker solves the schedule on the board → a participant opens its agenda (China time) and downloads the
iCalendar file, parsed back here → check-in at the door by the QR code → the meeting becomes a match. No page
overflows sideways at 390 px.

The catalog runs in this process over the demo dataset, its clock set by hand. The matcher's scores are replaced
by a fixed table (the one pair worth most: battery-electrode inspection × machine vision), so the programme and
the schedule are the same on every run; the matcher itself is exercised by tests/events/test_end_to_end.py."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from icalendar import Calendar
from sqlmodel import Session, select

from services.catalog.core.config import CatalogSettings
from services.catalog.core.db import make_engine
from services.catalog.demo import DEMO_PASSWORD
from services.catalog.events.models import EventRegistration
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.main import create_app
from services.catalog.matching import service as matching
from services.catalog.workflow.contracts import CHINA
from tests.challenges.helpers import Clock
from tests.portal.conftest import DESKTOP, PHONE, Person, _free_port, _seed_demo, _wait
from tests.portal.test_challenge_journey import WIDEST, _Server
from tests.portal.test_expert_journey import _Alive

pytestmark = pytest.mark.browser
BATTERY, WYU = "新会锂能电池有限公司", "五邑大学"
BEST_NEED, BEST_OUTPUT = "极片涂布缺陷自动检测", "基于机器视觉的电池极片表面缺陷在线检测系统"


@pytest.fixture(scope="module")
def event_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Clock, Any]]:
    """The demo catalog served from this process with a hand-set clock and fixed match scores."""
    data = tmp_path_factory.mktemp("event-journey")
    _seed_demo(data)
    port = _free_port()
    settings = CatalogSettings(data_dir=data, database_url=None, environment="development",  # type: ignore[call-arg]
                               matcher_url="http://127.0.0.1:9", _env_file=None)
    app = create_app(settings)
    clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0))
    app.state.clock = clock
    engine = make_engine(settings.db_url)
    with Session(engine) as session:
        outputs = {o.id: o.title for o in session.exec(select(ResearchOutput)).all()}
    engine.dispose()

    def scores(*, settings: Any, needs: list[TechNeed], **_: Any) -> dict[tuple[int, int], float]:
        return {(n.id or 0, oid): 0.9 if (n.title, title) == (BEST_NEED, BEST_OUTPUT) else 0.2
                for n in needs for oid, title in outputs.items() if oid is not None}

    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="event-journey-catalog", daemon=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matching, "need_output_scores", scores)
        thread.start()
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base_url}/healthz", _Alive(thread), data / "missing.log")
            yield base_url, clock, app
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture
def people(browser: Any, event_stack: tuple[str, Clock, Any]) -> Iterator[Any]:
    """`people(login, viewport)`: a person signed in through the form, in a browser context of their own."""
    contexts: list[Any] = []

    def make(login: str, viewport: dict[str, int] | None = None) -> Person:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(20_000)
        contexts.append(context)
        who = Person(page=context.new_page(), base_url=event_stack[0])
        who.go("/login")
        who.page.fill("input[name=login]", login)
        who.page.fill("input[name=password]", DEMO_PASSWORD)
        who.click_and_wait("form.form button[type=submit]")
        assert "/login" not in who.page.url, f"{login} could not sign in"
        return who

    yield make
    for context in contexts:
        context.close()


def _both(who: Person, phone: Person, path: str, name: str) -> None:
    """Screenshots of a page at 1440 px and 390 px; at 390 px nothing overflows sideways."""
    who.go(path)
    who.shot(f"event-{name}")
    phone.go(path)
    assert phone.fits_width(), f"{path} overflows at 390 px: {phone.page.evaluate(WIDEST)}"
    phone.shot(f"event-{name}-phone")


def test_plan_invite_register_schedule_agenda_check_in_and_match(people: Any,
                                                                 event_stack: tuple[str, Clock, Any]) -> None:
    _, clock, app = event_stack
    broker, broker_phone = people("broker"), people("broker", PHONE)

    # 1. The broker plans a 对接会 for the electronics cluster: a bad form first, then the proposed programme.
    broker.go("/events")
    broker.click_and_wait("#new-event")
    starts = (clock.now + timedelta(days=10)).astimezone(CHINA).replace(hour=9, minute=0, second=0, microsecond=0)
    broker.page.fill("input[name=title]", "电池极片检测专场对接会")
    broker.page.select_option("select[name=kind]", "matchmaking")
    broker.page.select_option("select[name=cluster]", "新一代电子信息")
    broker.page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT09:00"))
    broker.page.fill("input[name=capacity]", "很多")
    broker.page.fill("input[name=slot_count]", "4")
    broker.page.fill("input[name=tables]", "2")
    broker.click_and_wait("#create-event")
    assert "请检查填写内容" in broker.page.inner_text("#form-errors")
    broker.shot("event-01-form-error")
    broker.page.fill("input[name=capacity]", "30")
    broker.page.fill("input[name=registration_deadline]", (starts - timedelta(days=1)).strftime("%Y-%m-%dT18:00"))
    broker.click_and_wait("#create-event")
    plan_path = broker.page.url.split(broker.base_url)[1].split("?")[0]
    event_id = int(plan_path.split("/")[2])
    lineup = broker.page.inner_text("#lineup")
    assert BEST_OUTPUT in lineup and "可服务本主题" in lineup
    assert BATTERY in broker.page.inner_text("#invitations")
    _both(broker, broker_phone, plan_path, "02-plan")
    broker.click_and_wait("#keep-lineup")
    assert broker.page.locator("#lineup li.kept").count() >= 1
    broker.page.fill("textarea[name=reason]", "贵单位需求与本场路演成果匹配")
    broker.click_and_wait("#send-invitations")
    broker.click_and_wait("#open-event")
    assert broker.page.inner_text("#event-status") == "报名中"
    assert "09:00" in broker.page.inner_text("main")  # the start as entered, in China time

    # 2. The battery maker was invited; it registers with its needs and three free slots and asks WYU to meet.
    battery = people("battery")
    battery.go("/inbox")
    assert "活动邀请：电池极片检测专场对接会" in battery.page.inner_text("main")
    wyu_phone = people("wyu", PHONE)  # WYU registers on a phone
    wyu_phone.go(f"/events/{event_id}")
    assert wyu_phone.fits_width(), wyu_phone.page.evaluate(WIDEST)
    wyu_phone.shot("event-03-register-phone")
    wyu_phone.page.locator("input[name=slot]").nth(3).uncheck()
    wyu_phone.click_and_wait("#submit-registration")
    assert wyu_phone.page.locator("#my-registration").count() == 1
    battery.go(f"/events/{event_id}")
    battery.page.locator("input[name=slot]").nth(0).uncheck()
    battery.click_and_wait("#submit-registration")
    battery.click_and_wait(battery.page.locator("#participants li", has_text=WYU).locator("button"))
    assert "已申请洽谈" in battery.page.inner_text("#participants")
    battery.shot("event-04-registered")

    # 3. The broker solves the schedule on the board.
    board_path = f"/events/{event_id}/board"
    broker.go(board_path)
    broker.click_and_wait("#solve")
    meeting = broker.page.locator("#board .meeting")
    assert meeting.count() == 1 and {BATTERY, WYU} <= set(meeting.inner_text().split(" × "))
    _both(broker, broker_phone, board_path, "05-board")

    # 4. The battery maker's agenda in China time, and the same meeting in the iCalendar file it downloads.
    battery.go(f"/events/{event_id}")
    row = battery.page.locator("#agenda tbody tr").first
    shown_time, table, partner = (row.locator("td").nth(i).inner_text() for i in range(3))
    assert partner == WYU and table in ("1", "2")
    assert shown_time in ("09:00", "09:20", "09:40", "10:00")  # four slots of 20 minutes from 09:00 China time
    with battery.page.expect_download() as download:
        battery.page.click("text=导入日历")
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1 and WYU in str(events[0]["summary"]) and WYU in str(events[0]["description"])
    start, end = events[0].decoded("dtstart"), events[0].decoded("dtend")
    assert start.tzinfo is not None and end - start == timedelta(minutes=20)
    assert start.astimezone(CHINA).strftime("%H:%M") == shown_time
    assert start.astimezone(CHINA).date() == starts.date()
    battery.shot("event-06-agenda")

    # 5. At the door: the battery maker's QR code is scanned into the check-in field.
    qr_src = battery.page.locator("#my-registration img").get_attribute("src") or ""
    registration_id = int(qr_src.split("/registrations/")[1].split("/")[0])
    with Session(app.state.engine) as session:
        token = session.exec(select(EventRegistration.token).where(
            EventRegistration.event_id == event_id, EventRegistration.id == registration_id)).one()
    clock.now = starts.astimezone(UTC) - timedelta(minutes=10)
    broker.go(board_path)
    broker.page.fill("input[name=token]", token)
    broker.click_and_wait("#check-in-button")
    assert "已签到" in broker.page.locator("#check-in li", has_text=BATTERY).inner_text()

    # 6. The meeting becomes a match, counted in the report.
    broker.click_and_wait("#board button.to-match")
    assert broker.page.locator("#board .matched").count() == 1
    assert "转为对接 1" in broker.page.inner_text("#report")
    broker.shot("event-07-matched")
    _both(broker, broker_phone, "/events", "08-list")
