"""Headless Chromium: the overflow check the browser journeys run on every page fails where text leaves its box."""

from typing import Any

import pytest

from services.catalog.portal.charts import bar_chart
from tests.conftest import PROJECT_ROOT
from tests.portal.helpers import assert_no_overflow, overflowing

pytestmark = pytest.mark.browser
CSS = "<style>body{margin:0;font-size:15px} .box{width:120px;border:1px solid}</style>"


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    yield context.new_page()
    context.close()


def test_text_cut_off_or_running_out_of_its_box_is_named(page: Any) -> None:
    page.set_content(CSS + '<div class="box"><button style="white-space:nowrap;width:60px">搜索一下全部成果</button></div>'
                     '<p class="box" style="overflow:hidden;white-space:nowrap">很长很长很长很长很长很长很长的一行字</p>'
                     '<div style="width:1600px">wider than the phone</div>')
    problems = "\n".join(overflowing(page))
    assert "button “搜索一下全部成果”: text runs" in problems
    assert "p.box “很长很长" in problems and "text cut off" in problems
    assert "div “wider than the phone”: box runs" in problems
    with pytest.raises(AssertionError, match="at 390 px"):
        assert_no_overflow(page)
    assert page.viewport_size == {"width": 390, "height": 800}  # restored after checking both widths


def test_a_scrolling_table_and_wrapped_text_pass(page: Any) -> None:
    page.set_content(CSS + '<div style="overflow-x:auto;width:200px"><table><tr><td style="white-space:nowrap">'
                     + "列" * 80 + '</td></tr></table></div><p class="box">' + "会换行的文字" * 20 + "</p>")
    assert overflowing(page) == []
    assert_no_overflow(page)


def test_a_chart_with_no_data_is_a_placeholder_inside_its_box(page: Any) -> None:
    # pygal's own no-data text (64 px) ran out of a chart scaled to a phone; the portal draws a placeholder instead
    import pygal

    from services.catalog.portal.charts import STYLE

    raw = pygal.Bar(style=STYLE, width=520, height=300, no_data_text="暂无数据 / no data").render(is_unicode=True)
    page.set_content(CSS + f'<figure style="width:150px;margin:0">{raw}</figure>')
    assert any("runs out of its chart" in p for p in overflowing(page))
    empty = bar_chart("合同成交额（按月，万元）", [])
    assert "<svg" not in empty and "暂无数据" in empty
    portal_css = (PROJECT_ROOT / "services" / "catalog" / "portal" / "static" / "portal.css").read_text(encoding="utf-8")
    page.set_content(f'<style>{portal_css}</style><div class="charts"><figure class="chart" style="width:150px">'
                     f"{empty}</figure></div>")
    assert overflowing(page) == []
    box = page.locator(".chart").bounding_box()
    none = page.locator(".chart-none").bounding_box()
    assert box["x"] <= none["x"] and none["x"] + none["width"] <= box["x"] + box["width"]  # inside the chart's box
    assert page.locator(".chart-none").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < 16
