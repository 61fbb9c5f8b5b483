"""Expert workbooks filled in as a clerk would: the template from the API, cells by their Chinese header."""

import io
from typing import Any

from openpyxl import load_workbook

from tests.conftest import Catalog

COUNTY_TOWNS = [("新会区", "双水镇"), ("台山市", "斗山镇"), ("开平市", "赤坎镇"), ("恩平市", "圣堂镇"), ("鹤山市", "址山镇")]


def workbook(catalog: Catalog, rows: list[dict[str, Any]]) -> bytes:
    """The expert template downloaded from the API with these rows appended."""
    r = catalog.client.get("/api/v1/experts/import/template")
    assert r.status_code == 200 and r.content.startswith(b"PK"), r.text
    book = load_workbook(io.BytesIO(r.content))
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    for row in rows:
        assert set(row) <= set(headers), set(row) - set(headers)
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pool(n: int = 50) -> list[dict[str, Any]]:
    """`n` valid experts spread over five counties, each with its own external id."""
    rows = []
    for i in range(1, n + 1):
        county, town = COUNTY_TOWNS[i % len(COUNTY_TOWNS)]
        rows.append({"姓名": f"专家{i:02d}", "工作单位": "五邑大学" if i % 2 else "华南农业大学", "职称": "研究员",
                     "级别": "正高级", "专家类型": "科技特派员、评审专家" if i % 3 else "产业导师",
                     "技术领域": "现代农业-柑橘种植、食品加工", "产业集群": "现代农业与食品", "关键词": "陈皮，保鲜；病害",
                     "个人简介": f"第 {i} 位专家，长期服务{county}{town}", "工作语言": "普通话、粤语",
                     "服务区县": county, "服务镇街": town, "每月可服务天数": 6, "联系方式": f"1380000{i:04d}",
                     "外部编号": f"KP-{i:03d}"})
    return rows


def upload(catalog: Catalog, headers: dict[str, str], content: bytes, **params: Any) -> Any:
    """POST the workbook to the expert import."""
    return catalog.client.post("/api/v1/experts/import", params=params, headers=headers,
                               files={"file": ("专家.xlsx", content, "application/octet-stream")})
