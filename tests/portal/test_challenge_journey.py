"""Acceptance 2 of issue 13 in headless Chromium, at 1440 px and 390 px: the bureau turns a need into a challenge
and publishes it (the matcher proposes solvers, one is invited) → a university applies with a PDF and submits →
the deadline passes → an expert scores → award → a milestone accepted → the dashboard shows it.

The catalog runs in this process (so its clock can be moved past the deadline without waiting), the matcher as
its own process following it, both over the demo dataset."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from sqlmodel import Session, select

from duijie.supervise import stop_processes
from services.catalog.core.config import CatalogSettings
from services.catalog.demo import DEMO_PASSWORD
from services.catalog.items.models import TechNeed
from services.catalog.main import create_app
from tests.challenges.helpers import PDF, Clock
from tests.portal.conftest import (
    DESKTOP,
    PHONE,
    Person,
    Stack,
    _free_port,
    _matcher_available,
    _seed_demo,
    _wait,
)

pytestmark = pytest.mark.browser
NEED_TITLE = "退役动力电池中镍钴锰的高效回收"
CHINA = ZoneInfo("Asia/Shanghai")
# The elements reaching past the viewport's right edge, to say what overflows.
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test process keeps its own handlers
        pass


@pytest.fixture(scope="module")
def journey_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Clock, Any]]:
    """The demo catalog served from this process with a hand-moved clock, and the matcher following it."""
    data = tmp_path_factory.mktemp("challenge-journey")
    _seed_demo(data)
    catalog_port, matcher_port = _free_port(), _free_port()
    base_url = f"http://127.0.0.1:{catalog_port}"
    matcher_url = f"http://127.0.0.1:{matcher_port}" if _matcher_available() else None
    settings = CatalogSettings(data_dir=data, database_url=None, environment="development",  # type: ignore[call-arg]
                               matcher_url=matcher_url or "http://127.0.0.1:9", _env_file=None)
    app = create_app(settings)
    clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=30))
    app.state.clock = clock
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=catalog_port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="journey-catalog", daemon=True)
    procs: list[subprocess.Popen[bytes]] = []
    thread.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
        env.update(PYTHONUNBUFFERED="1", DUIJIE_ENVIRONMENT="development")
        matcher_error = None
        if matcher_url is not None:
            log = data / "matcher.log"
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "duijie.cli", "matcher", "--data-dir", str(data / "matcher"), "--port",
                 str(matcher_port), "--catalog-url", base_url], cwd=data, env=env, stdout=log.open("wb"),
                stderr=subprocess.STDOUT))
            try:
                _wait(f"{matcher_url}/healthz", procs[0], log)
            except RuntimeError as exc:
                matcher_error, matcher_url = str(exc), None
        stack = Stack(base_url=base_url, matcher_url=matcher_url, data_dir=data, matcher_error=matcher_error)
        stack.wait_for_matcher(timeout=120)
        yield stack, clock, app
    finally:
        stop_processes(procs)
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def people(browser: Any, journey_stack: tuple[Stack, Clock, Any]) -> Iterator[Any]:
    """`people(login, viewport)`: a person signed in through the form, in a browser context of their own."""
    stack = journey_stack[0]
    contexts: list[Any] = []

    def make(login: str, viewport: dict[str, int] | None = None) -> Person:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN")
        context.set_default_timeout(20_000)
        contexts.append(context)
        who = Person(page=context.new_page(), base_url=stack.base_url)
        who.go("/login")
        who.page.fill("input[name=login]", login)
        who.page.fill("input[name=password]", DEMO_PASSWORD)
        who.click_and_wait("form.form button[type=submit]")
        assert "/login" not in who.page.url, f"{login} could not sign in"
        return who

    yield make
    for context in contexts:
        context.close()


def _both(who: Any, phone: Any, path: str, name: str) -> None:
    """Screenshots of a page at 1440 px and 390 px; at 390 px nothing overflows sideways."""
    who.go(path)
    who.shot(f"challenge-{name}")
    phone.go(path)
    assert phone.fits_width(), f"{path} overflows at 390 px: {phone.page.evaluate(WIDEST)}"
    phone.shot(f"challenge-{name}-phone")


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def test_need_to_challenge_to_accepted_milestone(people: Any, journey_stack: tuple[Stack, Clock, Any],
                                                 tmp_path: Path) -> None:
    stack, clock, app = journey_stack
    if stack.matcher_error:
        pytest.fail(f"the matcher did not start: {stack.matcher_error}")
    with Session(app.state.engine) as session:
        need_id = session.exec(select(TechNeed.id).where(TechNeed.title == NEED_TITLE)).one()
    bureau, bureau_phone = people("admin"), people("admin", PHONE)
    bureau.go("/bureau")
    released_before = _money(bureau.page.inner_text("#kpi-bounty-released"))
    committed_before = _money(bureau.page.inner_text("#kpi-bounty-committed"))

    # 1. The bureau turns the need into a challenge in one step; a bad weight is explained first.
    bureau.go(f"/needs/{need_id}")
    bureau.click_and_wait("#to-challenge")
    assert bureau.page.input_value("input[name=title]") == NEED_TITLE
    deadline = (clock.now + timedelta(days=10)).astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")
    bureau.page.fill("input[name=bounty_yuan]", "1000000")
    bureau.page.fill("input[name=deadline]", deadline)
    names, targets, units = ["镍钴锰回收率", "处理成本"], ["≥98", "≤8000"], ["%", "元/吨"]
    for i, (name, target, unit) in enumerate(zip(names, targets, units, strict=True)):
        bureau.page.locator("input[name=ind_name]").nth(i).fill(name)
        bureau.page.locator("input[name=ind_target]").nth(i).fill(target)
        bureau.page.locator("input[name=ind_unit]").nth(i).fill(unit)
        bureau.page.locator("input[name=ind_verification]").nth(i).fill("第三方检测报告")
    bureau.page.locator("input[name=cr_weight]").first.fill("40")
    bureau.click_and_wait("#save-challenge")
    assert "权重之和应为 100%，现为 110%" in bureau.page.inner_text("#err-criteria")
    bureau.shot("challenge-01-from-need-error")
    bureau.page.locator("input[name=cr_weight]").first.fill("30")
    bureau.click_and_wait("#save-challenge")
    assert "榜单草稿已创建" in bureau.page.inner_text("main")
    challenge_path = bureau.page.url.split(stack.base_url)[1].split("?")[0]
    challenge_id = int(challenge_path.rsplit("/", 1)[1])
    bureau.click_and_wait("button.move-published")
    assert bureau.page.inner_text("#challenge-status") == "揭榜中"
    # Who could solve this: the matcher's proposals, each with an invite button for the owner.
    solvers = bureau.page.locator("#solvers .solver")
    if stack.matcher_url is not None:
        assert solvers.count() >= 1 and "五邑大学" in bureau.page.inner_text("#solvers")
        bureau.click_and_wait(solvers.first.locator("button.act-invite"))
        assert bureau.page.locator("#solvers .solver").first.locator(".invited").count() == 1
    else:
        assert "匹配服务暂不可用" in bureau.page.inner_text("#solvers")
    _both(bureau, bureau_phone, challenge_path, "02-published")
    _both(bureau, bureau_phone, "/challenges", "03-hall")
    bureau.go("/challenges?lang=en")
    assert "Challenge calls" in bureau.page.inner_text("h1")
    bureau.shot("challenge-03-hall-en")
    bureau.go("/challenges?lang=zh")

    # 2. A university applies: team, approach, a response per indicator, milestones, a PDF; then submits.
    uni, uni_phone = people("wyu"), people("wyu", PHONE)
    uni.go("/challenges")
    uni.click_and_wait(uni.page.locator(f".challenge-card[data-id='{challenge_id}'] h3 a"))
    assert "剩余 10 天" in uni.page.inner_text("#countdown")
    uni.click_and_wait("#apply")
    uni.page.locator("input[name=team_name]").nth(0).fill("李教授")
    uni.page.locator("input[name=team_role]").nth(0).fill("负责人")
    uni.page.fill("textarea[name=approach]", "选择性浸出 + 萃取分离，先小试后中试，回收率 98.5%")
    uni.page.fill("textarea[name=resp_0]", "小试回收率 98.5%")
    uni.page.fill("textarea[name=resp_1]", "约 7500 元/吨")
    for i, (due, what, amount) in enumerate([("2027-03-31", "小试报告", "900000"), ("2027-09-30", "中试线验收", "400000")]):
        uni.page.locator("input[name=ms_due_on]").nth(i).fill(due)
        uni.page.locator("input[name=ms_deliverable]").nth(i).fill(what)
        uni.page.locator("input[name=ms_amount_yuan]").nth(i).fill(amount)
    uni.click_and_wait("#save-application")
    assert "超过榜单悬赏" in uni.page.inner_text("#form-errors")  # 1,300,000 > 1,000,000
    uni.page.locator("input[name=ms_amount_yuan]").nth(0).fill("200000")
    uni.click_and_wait("#save-application")
    assert "申请草稿已保存" in uni.page.inner_text("main")
    application_path = uni.page.url.split(stack.base_url)[1].split("?")[0]
    pdf = tmp_path / "技术方案.pdf"
    pdf.write_bytes(PDF)
    uni.page.set_input_files("input[name=file]", str(pdf))
    uni.click_and_wait("#upload-attachment")
    assert "技术方案.pdf" in uni.page.inner_text("#attachments")
    _both(uni, uni_phone, application_path, "04-application-draft")
    uni.click_and_wait("#submit-application")
    assert uni.page.get_attribute("#application-status", "data-status") == "submitted"
    assert uni.page.locator("#application-form").count() == 0  # frozen
    uni.shot("challenge-05-application-submitted")

    # 3. The deadline passes (the server's clock); the bureau closes the call and assigns the expert.
    clock.advance(days=11)
    bureau.go(challenge_path)
    bureau.click_and_wait("button.move-closed")
    bureau.go(challenge_path + "/board")
    bureau.page.select_option("select[name=user_id]", label="expert")
    bureau.click_and_wait("#assign-reviewer")
    assert "expert" in bureau.page.inner_text("#reviewers")
    bureau.go(challenge_path)
    bureau.click_and_wait("button.move-under_review")

    # 4. The expert declares no conflict and scores every criterion; then sees the scores.
    expert, expert_phone = people("expert"), people("expert", PHONE)
    expert.go("/review")
    expert.click_and_wait(expert.page.locator(f".assigned[data-id='{challenge_id}'] .to-review a").first)
    review_path = expert.page.url.split(stack.base_url)[1]
    for key in ("technical_fit", "team_capability", "plan_feasibility", "budget", "local_transfer"):
        expert.page.check(f"input[name=score_{key}][value='4']")
    expert.page.fill("input[name=comment_technical_fit]", "路线成熟，指标可信")
    expert.click_and_wait("#submit-review")
    assert "有利益冲突" in expert.page.inner_text("#form-errors")  # the declaration was not ticked
    expert.page.check("input[name=no_conflict]")
    expert.click_and_wait("#submit-review")
    assert "评分已提交" in expert.page.inner_text("main")
    assert expert.page.inner_text("#all-reviews .weighted") == "4.00"
    _both(expert, expert_phone, review_path, "06-review-scored")

    # 5. Award with a reason, start execution, accept the first milestone with evidence.
    bureau.go(challenge_path + "/board")
    assert bureau.page.inner_text("#ranking .rank-row .weighted") == "4.00"
    bureau.page.check("#ranking input[name=winner]")
    bureau.page.locator("#ranking input[name^=reason_]").fill("回收率最高，成本可控")
    bureau.click_and_wait("#award")
    assert "已定榜" in bureau.page.inner_text("main")
    bureau.go(challenge_path)
    bureau.page.locator("form.move-form:has(button.move-in_execution) input[name=note]").fill("签订任务书")
    bureau.click_and_wait("button.move-in_execution")
    bureau.go(challenge_path + "/board")
    first = bureau.page.locator(".milestone").first
    first.locator("input[name=evidence]").fill("小试报告及第三方检测：回收率 98.6%")
    bureau.click_and_wait(first.locator("button.act-accept"))
    assert bureau.page.locator(".milestone").first.get_attribute("data-status") == "accepted"
    assert bureau.page.inner_text("#kpi-committed") == "600,000.00"
    assert bureau.page.inner_text("#kpi-released") == "200,000.00"
    _both(bureau, bureau_phone, challenge_path + "/board", "07-owner-board")

    # 6. The dashboard: the funnel and the bounty committed vs released include it.
    bureau.go("/bureau")
    assert _money(bureau.page.inner_text("#kpi-bounty-committed")) == committed_before + 600_000
    assert _money(bureau.page.inner_text("#kpi-bounty-released")) == released_before + 200_000
    assert bureau.page.locator("#chart-challenge-funnel svg").count() == 1
    assert "新会区" in bureau.page.inner_text("#challenge-by-region")
    _both(bureau, bureau_phone, "/bureau", "08-dashboard")
