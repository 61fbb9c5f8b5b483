"""Bulk upload of outputs and needs: valid files land, bad files are refused with row and column, nothing half-written."""

import json

from openpyxl import load_workbook

from tests.catalog.fixtures_import import (
    OUTPUT_HEADERS,
    ZH,
    csv_bytes,
    output_row,
    snapshot,
    upload,
    xlsx_bytes,
)
from tests.conftest import Catalog


def _error(response_json: dict, row: int) -> dict:
    return next(d for d in response_json["detail"] if d["row"] == row)


class TestValidUploads:
    def test_xlsx_rows_are_created_with_lists_enums_and_negotiable_price(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        rows = [output_row(1), output_row(2, **{"价格(元)": "50万", "成熟度": "已有样品"})]
        r = upload(catalog, "outputs", "outputs.xlsx", xlsx_bytes(OUTPUT_HEADERS, rows), wyu)
        assert r.status_code == 200, r.text
        assert r.json() | {"errors": []} == r.json() and r.json()["created"] == 2
        items = catalog.client.get("/api/v1/outputs", params={"sort": "title"}).json()["data"]
        assert [i["title"] for i in items] == ["锂电池回收技术1", "锂电池回收技术2"]
        first, second = items
        assert first["keywords"] == ["锂电池", "回收"] and first["cooperation_modes"] == ["技术转让", "技术许可"]
        assert first["price_label"] == "面议" and first["maturity"] == "中试" and first["external_id"] == "WYU-0001"
        assert float(second["price_yuan"]) == 500000 and second["maturity"] == "已有样品"
        assert first["organisation_name"] == "五邑大学" and first["status"] == "published"

    def test_gbk_csv_from_excel_is_detected_and_read(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        content = csv_bytes(OUTPUT_HEADERS, [output_row(1), output_row(2)], encoding="gbk")
        r = upload(catalog, "outputs", "成果.csv", content, wyu)
        assert r.status_code == 200, r.text
        titles = {i["title"] for i in catalog.client.get("/api/v1/outputs").json()["data"]}
        assert titles == {"锂电池回收技术1", "锂电池回收技术2"}

    def test_needs_jsonl_with_english_field_names(self, catalog: Catalog) -> None:
        ent = catalog.user("ent", "enterprise", "新会锂能电池有限公司")
        lines = [
            {"title": "极片涂布缺陷检测", "description": "需要在线视觉检测", "keywords": ["视觉", "涂布"],
             "budget_min_yuan": 100000, "budget_max_yuan": "30万", "deadline": "2027/6/30",
             "confidentiality": "仅经纪人", "cooperation_modes": "委托开发；技术服务", "external_id": "N1"},
            {"title": "电池回收工艺", "region": "新会区", "status": "征集中", "external_id": "N2"},
        ]
        content = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode()
        r = upload(catalog, "needs", "needs.jsonl", content, ent)
        assert r.status_code == 200, r.text
        needs = {n["external_id"]: n for n in catalog.client.get("/api/v1/needs", headers=ent).json()["data"]}
        assert needs["N1"]["confidentiality"] == "brokers_only" and needs["N1"]["deadline"] == "2027-06-30"
        assert float(needs["N1"]["budget_max_yuan"]) == 300000
        assert needs["N1"]["cooperation_modes"] == ["委托开发", "技术服务"]
        assert needs["N2"]["region"] == "新会区" and needs["N2"]["status"] == "open"


class TestBadInput:
    def test_wrong_type_names_row_and_column_in_chinese(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        rows = [output_row(1), output_row(2, **{"价格(元)": "很贵"})]
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, rows), wyu)
        assert r.status_code == 422
        body = r.json()
        assert body["detail"] == [{"row": 3, "column": "价格(元)", "message": "应为数字"}]
        assert "第 3 行" in body["message"] and "价格(元)" in body["message"]
        assert snapshot(catalog) == before

    def test_missing_title_is_reported_under_the_header_the_user_used(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        rows = [output_row(1), output_row(2, **{"标题": ""}), output_row(3)]
        r = upload(catalog, "outputs", "o.csv", csv_bytes(OUTPUT_HEADERS, rows), wyu)
        assert r.status_code == 422
        assert _error(r.json(), 3) == {"row": 3, "column": "标题", "message": "此项必填"}
        assert snapshot(catalog) == before

    def test_unknown_enum_value_lists_the_allowed_ones(self, catalog: Catalog) -> None:
        ent = catalog.user("ent", "enterprise", "甲公司")
        before = snapshot(catalog)
        content = csv_bytes(["需求名称", "保密级别"], [["视觉检测系统", "公开"], ["电池回收工艺", "绝密"]])
        r = upload(catalog, "needs", "n.csv", content, ent)
        assert r.status_code == 422
        error = _error(r.json(), 3)
        assert error["column"] == "保密级别" and error["message"].startswith("不是允许的取值")
        assert snapshot(catalog) == before

    def test_english_messages_for_english_callers(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        content = csv_bytes(["title", "maturity"], [["锂电池回收技术", "mass production"]])
        r = upload(catalog, "outputs", "o.csv", content, {**wyu, "Accept-Language": "en"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["column"] == "maturity"
        assert r.json()["detail"][0]["message"].startswith("Input should be")

    def test_oversized_upload_is_refused_with_413(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        big = csv_bytes(["标题", "摘要"], [[f"标题{i}", "长" * 300] for i in range(1300)])
        assert len(big) > catalog.settings.max_upload_bytes
        r = upload(catalog, "outputs", "big.csv", big, wyu)
        assert r.status_code == 413 and "MB" in r.json()["message"]
        assert snapshot(catalog) == before

    def test_xlsx_that_is_really_text_is_refused(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        r = upload(catalog, "outputs", "o.xlsx", "标题,摘要\n锂电池回收,湿法\n".encode(), wyu)
        assert r.status_code == 415 and "不是 Excel" in r.json()["message"]
        assert snapshot(catalog) == before

    def test_workbook_uploaded_as_csv_is_refused(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        r = upload(catalog, "outputs", "o.csv", xlsx_bytes(OUTPUT_HEADERS, [output_row(1)]), wyu)
        assert r.status_code == 415 and "xlsx" in r.json()["message"]
        assert snapshot(catalog) == before

    def test_undecodable_bytes_are_refused_with_422(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        r = upload(catalog, "outputs", "o.csv", bytes(range(256)) * 20, wyu)
        assert r.status_code == 422 and "编码" in r.json()["message"]
        assert snapshot(catalog) == before

    def test_empty_file_and_header_only_file_are_refused(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        r = upload(catalog, "outputs", "o.csv", b"", wyu)
        assert r.status_code == 422 and "文件为空" in r.json()["message"]
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, []), wyu)
        assert r.status_code == 422 and "没有数据行" in r.json()["message"]
        assert snapshot(catalog) == before

    def test_unsupported_extension_is_415(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        r = upload(catalog, "outputs", "o.pdf", b"%PDF-1.4", wyu)
        assert r.status_code == 415

    def test_duplicate_external_id_in_one_file_is_a_row_error(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        rows = [output_row(1), output_row(2, **{"外部编号": "WYU-0001"})]
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, rows), wyu)
        assert r.status_code == 422
        assert r.json()["detail"] == [{"row": 3, "column": "外部编号", "message": "外部编号与第 2 行重复"}]

    def test_budget_range_error_points_at_the_budget_column(self, catalog: Catalog) -> None:
        ent = catalog.user("ent", "enterprise", "甲公司")
        content = csv_bytes(["需求名称", "预算下限(元)", "预算上限(元)"], [["视觉检测系统", "20万", "10万"]])
        r = upload(catalog, "needs", "n.csv", content, ent)
        assert r.status_code == 422
        assert r.json()["detail"] == [{"row": 2, "column": "预算上限(元)", "message": "预算上限不能低于下限"}]


class TestPartialAndReupload:
    def test_all_or_nothing_by_default_and_partial_writes_the_valid_rows(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        rows = [output_row(1), output_row(2, **{"成熟度": "量产"}), output_row(3)]
        content = xlsx_bytes(OUTPUT_HEADERS, rows)
        before = snapshot(catalog)
        assert upload(catalog, "outputs", "o.xlsx", content, wyu).status_code == 422
        assert snapshot(catalog) == before
        r = upload(catalog, "outputs", "o.xlsx", content, wyu, partial="true")
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["created"], body["failed"], body["valid"], body["total"]) == (2, 1, 2, 3)
        assert [e["row"] for e in body["errors"]] == [3] and body["errors"][0]["column"] == "成熟度"
        assert snapshot(catalog)[0] == 2

    def test_partial_with_no_valid_row_is_still_422(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        content = xlsx_bytes(OUTPUT_HEADERS, [output_row(1, **{"价格(元)": "abc"})])
        assert upload(catalog, "outputs", "o.xlsx", content, wyu, partial="true").status_code == 422

    def test_reupload_updates_by_external_id_and_identical_rows_change_nothing(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        content = xlsx_bytes(OUTPUT_HEADERS, [output_row(1), output_row(2)])
        assert upload(catalog, "outputs", "o.xlsx", content, wyu).json()["created"] == 2
        after_first = snapshot(catalog)
        r = upload(catalog, "outputs", "o.xlsx", content, wyu)
        assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 2)
        assert snapshot(catalog) == after_first
        changed = xlsx_bytes(OUTPUT_HEADERS, [output_row(1), output_row(2, **{"摘要": "改进后的回收工艺"})])
        r = upload(catalog, "outputs", "o.xlsx", changed, wyu)
        assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 1)
        items = {i["external_id"]: i for i in catalog.client.get("/api/v1/outputs").json()["data"]}
        assert items["WYU-0002"]["summary"] == "改进后的回收工艺" and items["WYU-0002"]["version"] == 2
        assert items["WYU-0001"]["version"] == 1
        feed = catalog.client.get("/api/v1/changes", headers=catalog.service_headers()).json()["changes"]
        assert [(c["op"], c["item_id"]) for c in feed][-1] == ("update", items["WYU-0002"]["id"])
        assert len(feed) == 3
        hits = catalog.client.get("/api/v1/outputs", params={"q": "改进后的回收工艺"}).json()["data"]
        assert [h["external_id"] for h in hits] == ["WYU-0002"]

    def test_dry_run_validates_without_writing(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        before = snapshot(catalog)
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, [output_row(1)]), wyu, dry_run="true")
        assert r.status_code == 200 and r.json()["valid"] == 1 and r.json()["written"] is False
        assert snapshot(catalog) == before


class TestPermissions:
    def test_anonymous_gets_401(self, catalog: Catalog) -> None:
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, [output_row(1)]))
        assert r.status_code == 401

    def test_wrong_role_gets_403(self, catalog: Catalog) -> None:
        ent = catalog.user("ent", "enterprise", "甲公司")
        broker = catalog.user("broker", "broker", "服务中心")
        wyu = catalog.user("wyu", "university", "五邑大学")
        content = xlsx_bytes(OUTPUT_HEADERS, [output_row(1)])
        assert upload(catalog, "outputs", "o.xlsx", content, ent).status_code == 403
        assert upload(catalog, "outputs", "o.xlsx", content, broker).status_code == 403
        assert upload(catalog, "needs", "n.csv", csv_bytes(["需求名称"], [["视觉检测"]]), wyu).status_code == 403

    def test_other_organisation_gets_403(self, catalog: Catalog) -> None:
        wyu = catalog.user("wyu", "university", "五邑大学")
        other = catalog.org("江门市新材料研究院", "institute")
        before = snapshot(catalog)
        content = xlsx_bytes(OUTPUT_HEADERS, [output_row(1)])
        assert upload(catalog, "outputs", "o.xlsx", content, wyu, organisation_id=other).status_code == 403
        named = xlsx_bytes([*OUTPUT_HEADERS, "单位"], [[*output_row(1), "五邑大学"], [*output_row(2), "江门市新材料研究院"]])
        r = upload(catalog, "outputs", "o.xlsx", named, wyu)
        assert r.status_code == 403 and r.json()["detail"][0] == {"row": 3, "column": "单位", "message": "只能导入本单位的数据"}
        assert snapshot(catalog) == before

    def test_admin_imports_for_organisations_named_in_the_file_or_query(self, catalog: Catalog) -> None:
        admin = catalog.user("admin", "admin")
        wyu_id = catalog.org("五邑大学", "university")
        catalog.org("江门市新材料研究院", "institute")
        named = xlsx_bytes([*OUTPUT_HEADERS, "单位"], [[*output_row(1), "五邑大学"], [*output_row(2), "江门市新材料研究院"]])
        r = upload(catalog, "outputs", "o.xlsx", named, admin)
        assert r.status_code == 200 and r.json()["created"] == 2
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, [output_row(3)]), admin)
        assert r.status_code == 422 and r.json()["detail"][0]["column"] == "单位"
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes(OUTPUT_HEADERS, [output_row(3)]), admin,
                   organisation_id=wyu_id)
        assert r.status_code == 200
        names = sorted(i["organisation_name"] for i in catalog.client.get("/api/v1/outputs").json()["data"])
        assert names == ["五邑大学", "五邑大学", "江门市新材料研究院"]
        r = upload(catalog, "outputs", "o.xlsx", xlsx_bytes([*OUTPUT_HEADERS, "单位"], [[*output_row(9), "不存在的大学"]]),
                   admin)
        assert r.status_code == 422 and "不存在" in r.json()["detail"][0]["message"]


class TestTemplate:
    def test_template_has_chinese_headers_and_reimports_cleanly_when_filled(self, catalog: Catalog) -> None:
        ent = catalog.user("ent", "enterprise", "甲公司")
        r = catalog.client.get("/api/v1/needs/import/template")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(__import__("io").BytesIO(r.content))
        sheet = book.worksheets[0]
        headers = [c.value for c in sheet[1]]
        assert headers[:2] == ["需求名称", "需求描述"] and "保密级别" in headers and "截止日期" in headers
        values = {"需求名称": "极片缺陷检测", "需求描述": "在线视觉检测", "关键词": "视觉、极片", "产业集群": "新能源电池",
                  "截止日期": "2027-01-31", "保密级别": "仅经纪人", "合作方式": "委托开发", "预算上限(元)": 200000,
                  "外部编号": "T-1"}
        sheet.append([values.get(str(h)) for h in headers])
        buffer = __import__("io").BytesIO()
        book.save(buffer)
        r = catalog.client.post("/api/v1/needs/import", headers={**ZH, **ent},
                                files={"file": ("模板.xlsx", buffer.getvalue(), "application/octet-stream")})
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 1 and r.json()["ignored_columns"] == []
        need = catalog.client.get("/api/v1/needs", headers=ent).json()["data"][0]
        assert need["confidentiality"] == "brokers_only" and need["cluster"] == "新能源电池"
        assert catalog.client.get("/api/v1/outputs/import/template").status_code == 200
