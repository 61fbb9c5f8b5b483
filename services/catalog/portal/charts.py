"""Charts drawn on the server as inline SVG with pygal: no script, nothing fetched by the browser."""

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif'
STYLE = Style(background="transparent", plot_background="transparent", foreground="#1d2433",
              foreground_strong="#1d2433", foreground_subtle="#8a93a3", colors=("#0b5cad", "#6ea0d8", "#1b7f4b"),
              font_family=FONT, label_font_size=14, major_label_font_size=14, title_font_size=17,
              value_font_size=13, value_label_font_size=14, tooltip_font_size=13, legend_font_size=13)
EMPTY_ZH_EN = "暂无数据 / no data"
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _config(chart: pygal.graph.graph.Graph, title: str) -> None:
    chart.config.js = []  # pygal's tooltips load a script from the internet; the portal works offline
    chart.config.disable_xml_declaration = True
    chart.config.title = title
    chart.config.no_data_text = EMPTY_ZH_EN


def _empty(title: str) -> Markup:
    """A chart with nothing to draw: its title and a quiet line of text in the chart's box, at the page's font size
    (pygal's own no-data text is 64 px and runs out of a 520-wide chart scaled to a phone)."""
    return Markup('<div class="chart-empty"><p class="chart-title">{}</p><p class="chart-none">{}</p></div>').format(
        title, EMPTY_ZH_EN)


def _render(chart: pygal.graph.graph.Graph) -> Markup:
    svg = chart.render(is_unicode=True)
    # pygal embeds a config blob for its (unused) tooltip script; the charts need no script at all.
    return Markup(_SCRIPT.sub("", svg))


def bar_chart(title: str, data: list[tuple[str, float]], horizontal: bool = False) -> Markup:
    """A bar chart of labelled values (vertical for time series, horizontal for categories)."""
    if not data:
        return _empty(title)
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(style=STYLE, show_legend=False, width=520, height=max(220, 40 * len(data) + 110) if horizontal else 300,
                 print_values=True, print_values_position="top", value_formatter=lambda v: f"{v:,.1f}",
                 # a year of months side by side would run into each other: slanted beyond six bars
                 x_label_rotation=0 if horizontal or len(data) <= 6 else 40, truncate_label=-1, margin=12,
                 margin_left=140 if horizontal else 12)
    _config(chart, title)
    chart.x_labels = [label for label, _ in data]
    chart.add(title, [value for _, value in data])
    return _render(chart)


def funnel_chart(title: str, steps: list[tuple[str, int]]) -> Markup:
    """The matching funnel as horizontal bars, one per step, widest first."""
    if not steps:
        return _empty(title)
    chart = pygal.HorizontalBar(style=STYLE, show_legend=False, width=520, height=50 * len(steps) + 90,
                                print_values=True, value_formatter=lambda v: f"{v:,.0f}", truncate_label=-1,
                                margin=12, margin_left=110, show_x_labels=False)
    _config(chart, title)
    chart.x_labels = [label for label, _ in reversed(steps)]
    chart.add(title, [value for _, value in reversed(steps)])
    return _render(chart)
