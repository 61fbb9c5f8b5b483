"""Issue 16 in headless Chromium over the demo dataset and the real matcher, at 1440 px and 390 px: the bureau
opens the unmet-need themes from its dashboard, exports them, and turns a theme into a draft 揭榜挂帅 challenge in
one click; a broker on a phone turns one into a draft 对接会 (brokers get no challenge button). Nothing overflows
sideways at 390 px; the English switch translates the page."""

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.portal.conftest import PHONE, Stack

pytestmark = pytest.mark.browser


def _themes(who: Any) -> list[str]:
    return [str(k) for k in who.page.locator("article.theme").evaluate_all("els => els.map(e => e.dataset.key)")]


def test_a_theme_becomes_a_draft_challenge_and_a_draft_event(person: Any, stack: Stack) -> None:
    if stack.matcher_error:
        pytest.fail(f"the matcher did not start: {stack.matcher_error}")
    if stack.matcher_url is None:
        pytest.skip("the matcher service is not part of this build")
    stack.wait_for_matcher()
    bureau = person("admin")
    bureau.go("/bureau")
    bureau.click_and_wait("#to-gaps")
    assert bureau.page.url.endswith("/bureau/gaps")
    assert int(bureau.page.inner_text("#unmet-count")) >= 2
    keys = _themes(bureau)
    assert keys, "the demo's needs without adequate supply form no theme"
    first = bureau.page.locator("article.theme").first
    label = first.locator("h2").inner_text()
    assert label.strip() and "项需求" in label
    assert "随机分组" in bureau.page.inner_text("#coherence")
    bureau.shot("gaps-01-themes")
    with bureau.page.expect_download() as download:
        bureau.page.click("#gaps-export")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book["未满足需求主题"].max_row == len(keys) + 1

    # 1. The bureau: one click, a draft challenge listing the theme's needs.
    needs = first.locator("details li a").all_inner_texts()
    bureau.click_and_wait(first.locator("button.to-challenge"))
    assert "/challenges/" in bureau.page.url
    text = bureau.page.inner_text("main")
    assert "揭榜挂帅：" in text and "草稿" in text and all(title in text for title in needs)
    bureau.shot("gaps-02-draft-challenge")

    # 2. A broker on a phone: no challenge button, one click to a draft 对接会 with the theme as its theme.
    broker = person("broker", PHONE)
    broker.go("/bureau/gaps")
    assert broker.fits_width()
    assert broker.page.locator("button.to-challenge").count() == 0
    broker.shot("gaps-03-phone")
    broker.click_and_wait(broker.page.locator("article.theme").first.locator("button.to-event"))
    assert broker.page.url.endswith("/plan")
    assert "专题对接会" in broker.page.inner_text("main")

    broker.go("/bureau/gaps?lang=en")
    assert "Unmet-need themes" in broker.page.inner_text("h1") and broker.fits_width()
