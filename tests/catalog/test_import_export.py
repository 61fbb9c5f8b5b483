"""Export: same filters and visibility as the list, Chinese headers, no formula ever round-trips, re-imports cleanly."""

import csv
import io

from openpyxl import load_workbook

from services.catalog.imports.export import neutralise
from tests.catalog.fixtures_import import ZH, snapshot, upload
from tests.conftest import Catalog

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A2)", "-40℃ 低温锂电池"]


def _post_output(catalog: Catalog, headers: dict[str, str], **fields: object) -> dict:
    r = catalog.client.post("/api/v1/outputs", json={"summary": "", **fields}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _rows(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_xlsx_export_neutralises_formulas(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    _post_output(catalog, wyu, title=FORMULAS[0], summary=FORMULAS[1], keywords=["正常词"], contact=FORMULAS[2],
                 external_id=FORMULAS[3])
    _post_output(catalog, wyu, title="电池回收", summary=FORMULAS[4], keywords=["锂电池"])
    # as the owner: only owners and staff see the contact column filled in
    r = catalog.client.get("/api/v1/outputs/export", params={"format": "xlsx"}, headers=wyu)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {str(c.value) for c in cells if c.value is not None}
    for formula in FORMULAS:
        assert "'" + formula in texts, formula
        assert formula not in texts
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["编号", "标题", "摘要"] and "价格(元)" in headers and "外部编号" in headers


def test_csv_export_neutralises_formulas_and_opens_in_excel(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    _post_output(catalog, wyu, title="=1+2 公式标题", keywords=["+关键词"])
    r = catalog.client.get("/api/v1/outputs/export", params={"format": "csv"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["编号", "标题"]
    assert rows[1][1] == "'=1+2 公式标题" and rows[1][rows[0].index("关键词")] == "'+关键词"


def test_export_uses_list_filters(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    _post_output(catalog, wyu, title="锂电池回收技术", cluster="新能源电池")
    _post_output(catalog, wyu, title="水产品保鲜技术", cluster="现代农业与食品")
    _post_output(catalog, wyu, title="未发布的草稿成果", status="draft")
    rows = _rows(catalog.client.get("/api/v1/outputs/export", params={"cluster": "新能源电池"}).content)
    assert [r[1] for r in rows[1:]] == ["锂电池回收技术"]
    anonymous = {r[1] for r in _rows(catalog.client.get("/api/v1/outputs/export").content)[1:]}
    assert anonymous == {"锂电池回收技术", "水产品保鲜技术"}
    own = {r[1] for r in _rows(catalog.client.get("/api/v1/outputs/export", headers=wyu).content)[1:]}
    assert "未发布的草稿成果" in own


def test_brokers_only_needs_are_never_exported_to_those_who_may_not_see_them(catalog: Catalog) -> None:
    owner = catalog.user("ent", "enterprise", "甲公司")
    other = catalog.user("ent2", "enterprise", "乙公司")
    broker = catalog.user("broker", "broker", "服务中心")
    for title, confidentiality in (("公开的检测需求", "public"), ("保密的电池配方需求", "brokers_only")):
        r = catalog.client.post("/api/v1/needs", json={"title": title, "confidentiality": confidentiality}, headers=owner)
        assert r.status_code == 201

    def titles(headers: dict[str, str] | None, fmt: str = "xlsx") -> set[str]:
        r = catalog.client.get("/api/v1/needs/export", params={"format": fmt}, headers=headers)
        assert r.status_code == 200
        if fmt == "csv":
            return {row[1] for row in list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]}
        return {str(row[1]) for row in _rows(r.content)[1:]}

    assert titles(None) == {"公开的检测需求"}
    assert titles(None, "csv") == {"公开的检测需求"}
    assert titles(other) == {"公开的检测需求"}
    assert titles(owner) == {"公开的检测需求", "保密的电池配方需求"}
    assert titles(broker) == {"公开的检测需求", "保密的电池配方需求"}
    rows = _rows(catalog.client.get("/api/v1/needs/export", headers=owner).content)
    column = rows[0].index("保密级别")
    assert {r[column] for r in rows[1:]} == {"公开", "仅经纪人"}


def test_export_reimports_without_changes(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    _post_output(catalog, wyu, title="=SUM(1) 锂电池回收", keywords=["回收", "+正极"], maturity="中试",
                 cooperation_modes=["技术转让", "技术许可"], price_yuan="120000.50", external_id="E-1")
    _post_output(catalog, wyu, title="高镍正极包覆", external_id="E-2", status="draft")
    before = snapshot(catalog)
    content = catalog.client.get("/api/v1/outputs/export", headers=wyu).content
    r = upload(catalog, "outputs", "export.xlsx", content, wyu)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 2)
    assert set(r.json()["ignored_columns"]) == {"编号", "更新时间"}
    assert snapshot(catalog) == before


def test_tab_and_carriage_return_starts_are_neutralised_too() -> None:
    assert [neutralise(v) for v in ("\tcmd", "\rcmd", "正常", 12, None)] == ["'\tcmd", "'\rcmd", "正常", 12, None]


def test_export_rejects_unknown_format(catalog: Catalog) -> None:
    r = catalog.client.get("/api/v1/outputs/export", params={"format": "pdf"}, headers=ZH)
    assert r.status_code == 422


def test_exports_reveal_contacts_only_to_owners_and_staff(catalog: Catalog) -> None:
    owner = catalog.user("ent", "enterprise", "甲公司")
    other = catalog.user("ent2", "enterprise", "乙公司")
    broker = catalog.user("broker", "broker", "服务中心")
    wyu = catalog.user("wyu", "university", "五邑大学")
    r = catalog.client.post("/api/v1/needs", json={"title": "公开的检测需求", "contact": "张经理 13800000000"},
                            headers=owner)
    assert r.status_code == 201
    _post_output(catalog, wyu, title="电池回收", contact="李教授 0750-3299000")

    def contacts(kind: str, headers: dict[str, str] | None, fmt: str) -> list[str]:
        r = catalog.client.get(f"/api/v1/{kind}/export", params={"format": fmt}, headers=headers)
        assert r.status_code == 200
        rows = (list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")))) if fmt == "csv"
                else [["" if v is None else str(v) for v in row] for row in _rows(r.content)])
        column = rows[0].index("联系方式")
        return [row[column] for row in rows[1:]]

    for fmt in ("csv", "xlsx"):
        assert contacts("needs", None, fmt) == [""]
        assert contacts("needs", other, fmt) == [""]
        assert contacts("needs", wyu, fmt) == [""]
        assert contacts("needs", owner, fmt) == ["张经理 13800000000"]
        assert contacts("needs", broker, fmt) == ["张经理 13800000000"]
        assert contacts("outputs", None, fmt) == [""]
        assert contacts("outputs", owner, fmt) == [""]
        assert contacts("outputs", wyu, fmt) == ["李教授 0750-3299000"]


def test_control_characters_in_stored_text_do_not_break_the_workbooks(catalog: Catalog) -> None:
    """Text may hold control characters no worksheet can store; both exports drop them instead of failing."""
    wyu = catalog.user("wyu", "university", "五邑\x1f大学")
    ent = catalog.user("ent", "enterprise", "新会\x0c电池厂")
    admin = catalog.user("admin", "admin")
    _post_output(catalog, wyu, title="锂电池\x0b回收", summary="正极\x1b材料")
    r = catalog.client.post("/api/v1/needs", json={"title": "极片\x08检测"}, headers=ent)
    assert r.status_code == 201, r.text
    exported = catalog.client.get("/api/v1/outputs/export", params={"format": "xlsx"}, headers=admin)
    assert exported.status_code == 200, exported.text
    assert _rows(exported.content)[1][1:3] == ["锂电池回收", "正极材料"]
    stats = catalog.client.get("/api/v1/stats/export", headers=admin)
    assert stats.status_code == 200, stats.text
    book = load_workbook(io.BytesIO(stats.content))
    texts = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value}
    assert "极片检测" in texts and "新会电池厂" in texts
