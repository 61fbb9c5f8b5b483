"""The plan's figures as an XLSX workbook with Chinese headers: the overview, counties, towns, the towns not
visited yet, and each expert's year for the assessment."""

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from services.catalog.experts.schemas import AreaFigures, ExpertStats
from services.catalog.imports.export import neutralise

AREA_HEADERS = ["选派数", "专家数", "服务次数", "服务时长（小时）", "已确认解决问题数"]


def _area(a: AreaFigures) -> list[Any]:
    return [a.dispatches, a.experts, a.visits, a.hours, a.problems_solved]


def sheets(s: ExpertStats) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Every sheet as (title, Chinese headers, rows)."""
    overview: list[list[Any]] = [["年度", s.year], ["目标：解决技术问题数", s.target], ["已解决（企业/接收方确认）", s.problems_solved],
                ["完成比例", s.share_of_target], ["专家库人数", s.experts], ["已选派专家", s.experts_dispatched],
                ["选派数", s.dispatches], ["服务次数", s.visits], ["服务时长（小时）", s.hours],
                ["尚无服务的区县", "、".join(s.counties_without_visit)],
                ["尚无服务的镇街数", len(s.towns_without_visit)]]
    experts = [[e.name, e.organisation_name, e.dispatches, e.visits, e.visits_confirmed, e.hours, e.problems_raised,
                e.problems_solved, e.problems_confirmed, e.ratings, e.mean_rating] for e in s.by_expert]
    return [
        ("概况", ["指标", "数值"], overview),
        ("按区县", ["区县", *AREA_HEADERS], [[a.county, *_area(a)] for a in s.by_county]),
        ("按镇街", ["区县", "镇街", *AREA_HEADERS], [[a.county, a.town, *_area(a)] for a in s.by_town]),
        ("尚无服务的镇街", ["区县", "镇街"], [[a.county, a.town] for a in s.towns_without_visit]),
        ("专家年度考核", ["专家", "工作单位", "选派数", "服务次数", "接收方确认次数", "服务时长（小时）", "提出问题数",
                    "专家标记解决数", "接收方确认解决数", "评价次数", "平均评分"], experts),
    ]


def to_xlsx(s: ExpertStats) -> bytes:
    """The figures as one workbook, one sheet each."""
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets(s):
        ws = wb.create_sheet(title[:31])
        for i, h in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, len(h) * 2 + 2)
        ws.append(headers)
        for row in rows:
            ws.append([neutralise(v) for v in row])  # names are user text: never a live formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
