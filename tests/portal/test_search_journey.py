"""Issue 17 in headless Chromium, at 390 px and 1440 px: an anonymous visitor types an English query into the home
page's search box and finds the demo's Chinese-only battery-recycling output on the first page of results, ranked
by the matcher with its score and why; no page overflows sideways."""

from typing import Any

import pytest

from tests.portal.conftest import DESKTOP, PHONE, Stack, readme_shot

pytestmark = pytest.mark.browser
RECYCLING_OUTPUT = "废旧锂离子电池正极材料湿法回收技术"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1440px"])
def test_an_english_query_from_the_home_box_finds_the_chinese_output(person: Any, stack: Stack,
                                                                      viewport: dict[str, int]) -> None:
    if stack.matcher_error:
        pytest.fail(f"the matcher did not start: {stack.matcher_error}")
    if stack.matcher_url is None:
        pytest.skip("the matcher service is not part of this build")
    visitor = person(None, viewport)
    visitor.go("/")
    assert visitor.fits_width()
    visitor.page.fill("form.searchbar input[name=q]", "battery recycling")
    visitor.click_and_wait("form.searchbar button[type=submit]")
    assert "/outputs?q=battery+recycling" in visitor.page.url
    count = visitor.page.locator(".result-count")
    assert count.get_attribute("data-ranking") == "matcher", count.inner_text()
    assert "智能匹配" in count.inner_text()  # the page says how it ranked
    first_page = visitor.page.locator(".results article.item h3").all_inner_texts()
    assert RECYCLING_OUTPUT in first_page, first_page
    card = visitor.page.locator(".results article.item", has_text=RECYCLING_OUTPUT)
    why = visitor.page.locator(f'.hit-why[data-id="{card.get_attribute("data-id")}"]')
    assert why.is_visible() and "匹配度" in why.inner_text()
    # the sentence of the output that matched best, highlighted: what an English reader sees matched in Chinese
    assert why.locator("mark.passage").count() == 1 and why.locator("mark.passage").inner_text().strip()
    # outputs under the relevance floor wait behind "show weaker matches"
    weaker = visitor.page.locator("a.weaker-link")
    assert weaker.count() == 1, "the demo holds outputs only weakly related to battery recycling"
    strong = visitor.page.locator(".hit-why").count()
    assert visitor.fits_width(), "the results page overflows sideways"
    visitor.shot(f"search-{viewport['width']}")
    if viewport is DESKTOP:
        readme_shot(visitor, "search-cross-lingual")
    visitor.click_and_wait("a.weaker-link")
    assert "weak=1" in visitor.page.url and visitor.page.locator("a.weaker-link").count() == 0
    assert visitor.page.locator(".hit-why").count() >= strong
    # the English switch keeps the query and the ranking
    visitor.go("/outputs?q=battery+recycling&lang=en")
    assert RECYCLING_OUTPUT in visitor.page.locator(".results article.item h3").all_inner_texts()
    assert "ranked by the matcher" in visitor.page.locator(".result-count").inner_text()
