"""Acceptance 2 of issue 14 in headless Chromium, at 1440 px and 390 px: the bureau dispatches the demo expert to
an enterprise → the expert confirms on a phone and logs a visit there (a problem raised, one solved; too many hours
explained first) → the host confirms the dispatch, the visit and the solved problem, and rates it → the
dashboard's problems-solved figure grows by exactly one. No page overflows sideways at 390 px.

The catalog runs in this process over the demo dataset, its clock fixed by hand (the day a visit is judged by)."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from sqlmodel import Session, select

from services.catalog.core.config import CatalogSettings
from services.catalog.demo import DEMO_PASSWORD
from services.catalog.experts.models import Expert
from services.catalog.main import create_app
from tests.challenges.helpers import Clock
from tests.portal.conftest import ARTIFACTS, DESKTOP, PHONE, Person, _free_port, _seed_demo, _wait
from tests.portal.test_challenge_journey import WIDEST, _Server

pytestmark = pytest.mark.browser
CHINA = ZoneInfo("Asia/Shanghai")
EXPERT, HOST = "陈立新", "新会锂能电池有限公司"  # the demo expert account speaks for 陈立新; battery works at the host


@pytest.fixture(scope="module")
def expert_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Clock, Any]]:
    """The demo catalog served from this process with a clock set by hand (no matcher: no page here ranks)."""
    data = tmp_path_factory.mktemp("expert-journey")
    _seed_demo(data)
    port = _free_port()
    settings = CatalogSettings(data_dir=data, database_url=None, environment="development",  # type: ignore[call-arg]
                               matcher_url="http://127.0.0.1:9", _env_file=None)
    app = create_app(settings)
    clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0))
    app.state.clock = clock
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="expert-journey-catalog", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base_url}/healthz", _Alive(thread), data / "missing.log")
        yield base_url, clock, app
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class _Alive:
    """The serving thread, shaped as the process `_wait` watches."""

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread

    def poll(self) -> int | None:
        return None if self.thread.is_alive() else 1


@pytest.fixture
def people(browser: Any, expert_stack: tuple[str, Clock, Any]) -> Iterator[Any]:
    """`people(login, viewport)`: a person signed in through the form (None: anonymous), in their own context."""
    contexts: list[Any] = []

    def make(login: str | None, viewport: dict[str, int] | None = None) -> Person:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN")
        context.set_default_timeout(20_000)
        contexts.append(context)
        who = Person(page=context.new_page(), base_url=expert_stack[0])
        if login is not None:
            who.go("/login")
            who.page.fill("input[name=login]", login)
            who.page.fill("input[name=password]", DEMO_PASSWORD)
            who.click_and_wait("form.form button[type=submit]")
            assert "/login" not in who.page.url, f"{login} could not sign in"
        return who

    yield make
    for context in contexts:
        context.close()


def _fits(phone: Person, path: str) -> None:
    assert phone.fits_width(), f"{path} overflows at 390 px: {phone.page.evaluate(WIDEST)}"


def _both(who: Person, phone: Person, path: str, name: str) -> None:
    """Screenshots of a page at 1440 px and 390 px; at 390 px nothing overflows sideways."""
    who.go(path)
    who.shot(f"expert-{name}")
    phone.go(path)
    _fits(phone, path)
    phone.shot(f"expert-{name}-phone")


def test_dispatch_to_a_confirmed_solved_problem_on_the_dashboard(people: Any,
                                                                 expert_stack: tuple[str, Clock, Any]) -> None:
    _, clock, app = expert_stack
    with Session(app.state.engine) as session:
        expert_id = session.exec(select(Expert.id).where(Expert.name == EXPERT)).one()
    today = clock.now.astimezone(CHINA).date()
    bureau, bureau_phone = people("admin"), people("admin", PHONE)
    bureau.go("/bureau")
    solved_before = int(bureau.page.inner_text("#kpi-problems-solved"))
    visits_before = int(bureau.page.inner_text("#kpi-visits"))

    # The public directory and a profile: no contact for the anonymous.
    anon, anon_phone = people(None), people(None, PHONE)
    _both(anon, anon_phone, "/experts", "01-directory")
    anon.go("/experts?kind=commissioner&county=新会区")
    assert EXPERT in anon.page.inner_text(".expert-list")
    _both(anon, anon_phone, f"/experts/{expert_id}", "02-profile")
    assert "0750-" not in anon.page.inner_text("main") and "仅向派驻单位和科技局显示" in anon.page.inner_text("#contact")

    # 1. The bureau dispatches the expert to the enterprise, from the board's form.
    bureau.go("/bureau/dispatches")
    bureau.page.select_option("select[name=expert_id]", value=str(expert_id))
    bureau.page.check("input[name=host_kind][value=enterprise]")
    bureau.page.select_option("select[name=host_org_id]", label=HOST)
    bureau.page.select_option("#new-dispatch select[name=place]", value="新会区|会城街道")
    bureau.page.fill("input[name=start_on]", (today - timedelta(days=7)).isoformat())
    bureau.page.fill("input[name=end_on]", (today + timedelta(days=90)).isoformat())
    bureau.page.fill("input[name=days_per_month]", "2")
    bureau.page.fill("textarea[name=goals]", "萃取段降本增效技术指导")
    bureau.click_and_wait("#create-dispatch")
    assert "选派已创建" in bureau.page.inner_text("main")
    dispatch_id = int(bureau.page.url.rsplit("dispatch-", 1)[1])
    assert bureau.page.get_attribute(f"#dispatch-{dispatch_id}", "data-status") == "pending"
    _both(bureau, bureau_phone, "/bureau/dispatches", "03-dispatch-board")

    # 2. The expert accepts it on a phone; the host accepts it at a desk.
    expert_phone = people("expert", PHONE)
    expert_phone.go("/expert")
    expert_phone.click_and_wait(f"#dispatch-{dispatch_id} .act-confirm")
    assert "已确认选派" in expert_phone.page.inner_text("main")
    host, host_phone = people("battery"), people("battery", PHONE)
    host.go("/host")
    host.click_and_wait(f"#dispatch-{dispatch_id} .act-confirm")
    assert host.page.inner_text(f"#dispatch-{dispatch_id} .dispatch-status") == "执行中"

    # 3. The expert logs the visit at 390 px: 25 hours is explained first, then the visit is logged.
    expert_phone.go("/expert")
    expert_phone.click_and_wait(f"#dispatch-{dispatch_id} .act-log")
    form_path = f"/expert/dispatches/{dispatch_id}/visit"
    _fits(expert_phone, form_path)
    assert expert_phone.page.input_value("input[name=visit_on]") == today.isoformat()
    expert_phone.page.fill("input[name=hours]", "25")
    expert_phone.page.fill("input[name=place]", "新会锂能萃取车间")
    expert_phone.page.fill("textarea[name=work_done]", "萃取段参数复核，培训操作员")
    expert_phone.page.fill("textarea[name=raised]", "萃取槽乳化导致分相慢")
    expert_phone.page.fill("textarea[name=solved]", "有机相夹带损耗偏高")
    expert_phone.click_and_wait("#save-visit")
    assert "不超过 24 小时" in expert_phone.page.inner_text("#err-hours")
    _fits(expert_phone, form_path)
    expert_phone.shot("expert-04-visit-error-phone")
    expert_phone.page.fill("input[name=hours]", "4.5")
    expert_phone.click_and_wait("#save-visit")
    assert "服务记录已登记" in expert_phone.page.inner_text("main")
    _fits(expert_phone, "/expert")
    expert_phone.shot("expert-05-workspace-phone")
    expert = people("expert")
    expert.go("/expert")
    expert.shot("expert-05-workspace")
    expert.go(form_path)
    expert.shot("expert-04-visit-form")

    # 4. The host confirms the visit and the solved problem, and rates the service.
    host.go("/host")
    card = f"#dispatch-{dispatch_id}"
    host.click_and_wait(f"{card} .act-confirm-visit")
    assert host.page.locator(f"{card} .visit-confirmed").count() == 1
    host.click_and_wait(f"{card} .act-confirm-problem")
    assert host.page.locator(f"{card} .problem[data-status=confirmed]").count() == 1
    assert host.page.locator(f"{card} .problem[data-status=open]").count() == 1  # the one raised, not solved
    host.page.check(f"{card} input[name=rating][value='5']")
    host.page.fill(f"{card} input[name=comment]", "现场解决夹带问题")
    host.click_and_wait(f"{card} .act-rate")
    assert "现场解决夹带问题" in host.page.inner_text(card)
    _both(host, host_phone, "/host", "06-host")

    # 5. The dashboard: exactly one more problem solved, one more visit.
    bureau.go("/bureau")
    assert int(bureau.page.inner_text("#kpi-problems-solved")) == solved_before + 1
    assert int(bureau.page.inner_text("#kpi-visits")) == visits_before + 1
    assert bureau.page.inner_text("#kpi-problem-target") == "1000"
    assert EXPERT in bureau.page.inner_text("#expert-years")
    _both(bureau, bureau_phone, "/bureau#experts", "07-dashboard")
    bureau.go("/bureau")
    bureau.page.locator("#experts").screenshot(path=str(ARTIFACTS / "expert-07-dashboard-plan.png"))
