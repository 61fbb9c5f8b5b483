"""Acceptance in headless Chromium: a need goes from posting to a registered contract on the bureau's dashboard."""

import re
from typing import Any

import pytest

from tests.portal.conftest import PHONE, Stack, readme_shot

pytestmark = pytest.mark.browser
NEED_TITLE = "废旧三元锂电池镍钴锰湿法回收工艺引进"
RECYCLING_OUTPUT = "废旧锂离子电池正极材料湿法回收技术"


def _yuan(text: str) -> float:
    """The amount in a KPI such as '1,700,000.00 元'."""
    return float(re.sub(r"[^0-9.]", "", text) or 0)


def test_need_to_contract_journey(person: Any, stack: Stack) -> None:
    if stack.matcher_error:
        pytest.fail(f"the matcher did not start: {stack.matcher_error}")
    if stack.matcher_url is None:
        pytest.skip("the matcher service is not part of this build")
    # the demo's own contracts (an awarded challenge) are on the dashboard already: the journey adds its amount
    bureau = person("admin")
    bureau.go("/bureau")
    before = _yuan(bureau.page.inner_text("#kpi-amount"))
    # 1. An enterprise posts a need; a server-side error shows next to its field first.
    ent = person("battery")
    ent.go("/needs/new")
    ent.page.fill("input[name=title]", NEED_TITLE)
    ent.page.fill("textarea[name=description]", "太短")
    assert "还差 8 个字" in ent.page.locator("label", has=ent.page.locator("textarea")).inner_text()  # hint as you type
    ent.click_and_wait("form.form button[type=submit]")
    assert ent.page.locator("#err-description").is_visible()
    assert "至少" in ent.page.locator("#err-description").inner_text()
    ent.shot("01-need-form-error")
    ent.page.fill("textarea[name=description]", "我司每年产生约600吨废旧三元锂电池和正极边角料，希望引进回收率高、"
                                                  "污染低的湿法回收工艺，把镍、钴、锰再生为前驱体。")
    ent.page.fill("input[name=keywords]", "锂电池，回收、湿法冶金、镍钴锰")
    ent.page.select_option("select[name=cluster]", "新能源电池")
    ent.page.check("input[name=cooperation_modes][value=技术转让]")
    ent.page.fill("input[name=contact]", "王工 0750-1234567")
    ent.page.click("form.form button[type=submit]")
    ent.page.wait_for_url(re.compile(r"/needs/\d+\?posted=1"))
    need_id = int(re.search(r"/needs/(\d+)", ent.page.url).group(1))  # type: ignore[union-attr]
    # 2. The ranked outputs appear at once, with explanations whose matched terms are highlighted.
    candidates = ent.page.locator("#ranked .candidate")
    assert candidates.count() >= 3
    assert RECYCLING_OUTPUT in candidates.first.inner_text()
    assert candidates.first.locator(".explanation mark").count() >= 1
    ent.shot("02-need-posted-ranked-outputs")
    phone = person("battery", PHONE)
    phone.go(f"/needs/{need_id}#ranked")
    assert phone.fits_width()
    readme_shot(phone, "need-ranked-outputs-phone")

    # 3. A broker finds it in the queue, shortlists and introduces the best candidate.
    stack.wait_for_matcher()
    broker = person("broker")
    broker.go("/broker")
    assert broker.page.locator(f".queue-need[data-id='{need_id}']").count() == 1
    broker.shot("03-broker-queue")
    broker.go(f"/broker/needs/{need_id}")
    best = broker.page.locator(".candidates-side .candidate").first
    assert RECYCLING_OUTPUT in best.inner_text()
    output_id = int(best.get_attribute("data-output"))
    broker.click_and_wait(best.locator("button.act-shortlist"))
    row = broker.page.locator(f"#output-{output_id}")
    assert row.get_attribute("data-status") == "shortlisted"
    broker.click_and_wait(row.locator("button.act-introduce"))
    assert broker.page.locator(f"#output-{output_id}").get_attribute("data-status") == "introduced"
    broker.go(f"/broker/needs/{need_id}")
    readme_shot(broker, "broker-side-by-side")

    # 4. Both sides accept the introduction from their inboxes.
    ent.go("/inbox")
    ent.click_and_wait(ent.page.locator(".introduction", has_text=NEED_TITLE).locator("button.accept"))
    assert "已接受引荐" in ent.page.inner_text("main")
    ent.shot("04-enterprise-accepts")
    uni = person("wyu")
    uni.go("/inbox")
    uni.click_and_wait(uni.page.locator(".introduction", has_text=NEED_TITLE).locator("button.accept"))
    assert "已接受引荐" in uni.page.inner_text("main")
    uni.shot("05-university-accepts")
    uni.go(f"/outputs/{output_id}")  # signed in, the university sees the needs its output could serve
    assert NEED_TITLE in uni.page.locator(".related .candidate").first.inner_text()
    ent.go(f"/my/needs/{need_id}")
    assert "五邑大学" in ent.page.inner_text("table")  # contacts are shared once both accepted

    # 5. The broker starts negotiation and registers the contract.
    broker.go(f"/broker/needs/{need_id}")
    broker.click_and_wait(f"#output-{output_id} button.act-negotiate")
    broker.click_and_wait(f"#output-{output_id} a.act-contract")
    broker.page.fill("input[name=registration_no]", "2026440700000123")
    broker.page.select_option("select[name=contract_type]", "技术转让")
    broker.page.fill("input[name=amount_yuan]", "1200000")
    broker.shot("06-contract-form")
    broker.page.click("form.form button[type=submit]")
    broker.page.wait_for_url(re.compile(r"/broker/pipeline\?registered="))
    assert broker.page.locator(".column[data-status=signed] .card").count() >= 1
    broker.shot("07-pipeline")

    # 6. The bureau's dashboard shows the amount.
    bureau.go("/bureau")
    assert _yuan(bureau.page.inner_text("#kpi-amount")) == before + 1_200_000
    assert bureau.page.locator("#chart-month svg").count() == 1
    assert "新会区" in bureau.page.inner_text("#chart-region")
    readme_shot(bureau, "bureau-dashboard")
    bureau.shot("08-bureau-dashboard")
