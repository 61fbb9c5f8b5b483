"""Outputs and needs: create, read, update with optimistic concurrency, delete, filters, search, paging, sorting."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

API = "/api/v1"


@pytest.fixture
def ent(catalog: Catalog) -> dict[str, str]:
    return fast_user(catalog, "ent_a", "enterprise", "甲公司")


@pytest.fixture
def uni(catalog: Catalog) -> dict[str, str]:
    return fast_user(catalog, "uni_a", "university", "甲大学")


def _post(catalog: Catalog, kind: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = catalog.client.post(f"{API}/{kind}s", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _ids(catalog: Catalog, kind: str, **params: Any) -> list[int]:
    r = catalog.client.get(f"{API}/{kind}s", params=params)
    assert r.status_code == 200, r.text
    return [d["id"] for d in r.json()["data"]]


def test_need_lifecycle_with_optimistic_concurrency(catalog: Catalog, ent: dict[str, str]) -> None:
    c = catalog.client
    need = _post(catalog, "need", ent, title="污水处理膜材料", description="寻求耐污染的反渗透膜", keywords=["膜", "水处理"],
                 budget_min_yuan="100000.00", budget_max_yuan="500000.50", deadline="2027-06-30",
                 cooperation_modes=["合作开发"], region="江海区")
    assert need["version"] == 1 and need["organisation_name"] == "甲公司" and need["status"] == "open"
    assert need["budget_max_yuan"] == "500000.50" and need["deadline"] == "2027-06-30"
    url = f"{API}/needs/{need['id']}"
    r = c.patch(url, json={"version": 1, "title": "污水处理膜材料（升级）", "budget_max_yuan": 600000}, headers=ent)
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["budget_max_yuan"] == "600000.00"
    # a second editor still holding version 1 is refused and changes nothing
    r = c.patch(url, json={"version": 1, "title": "被覆盖的标题"}, headers=ent)
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert c.get(url).json()["title"] == "污水处理膜材料（升级）"
    # an update that changes nothing keeps the version
    r = c.patch(url, json={"version": 2, "title": "污水处理膜材料（升级）"}, headers=ent)
    assert r.status_code == 200 and r.json()["version"] == 2
    # clearing an optional field with an explicit null works
    r = c.patch(url, json={"version": 2, "deadline": None}, headers=ent)
    assert r.status_code == 200 and r.json()["deadline"] is None and r.json()["version"] == 3
    assert c.delete(url, headers=ent).status_code == 204
    assert c.get(url).status_code == 404
    assert c.delete(url, headers=ent).status_code == 404
    assert c.patch(url, json={"version": 3, "title": "已删除"}, headers=ent).status_code == 404


def test_output_lifecycle_and_price_label(catalog: Catalog, uni: dict[str, str]) -> None:
    c = catalog.client
    out = _post(catalog, "output", uni, title="高镍正极材料制备技术", summary="一种高镍三元正极材料的制备方法",
                maturity="中试", ip_form="发明专利", patent_numbers=["ZL202110000001.2"], price_yuan=None,
                cluster="新能源电池", cooperation_modes=["技术转让", "技术许可"])
    assert out["price_label"] == "面议" and out["region"] == "蓬江区" and out["status"] == "published"
    r = c.patch(f"{API}/outputs/{out['id']}", json={"version": 1, "price_yuan": "1234567.8"}, headers=uni)
    assert r.status_code == 200 and r.json()["price_label"] == "1,234,567.80 元" and r.json()["version"] == 2
    r = c.patch(f"{API}/outputs/{out['id']}", json={"version": 2, "status": "draft"}, headers=uni)
    assert r.status_code == 200
    assert c.get(f"{API}/outputs/{out['id']}").status_code == 404  # drafts are not public
    assert c.get(f"{API}/outputs/{out['id']}", headers=uni).json()["status"] == "draft"


def test_duplicate_external_id_is_a_conflict_not_a_crash(catalog: Catalog, ent: dict[str, str]) -> None:
    first = _post(catalog, "need", ent, title="需求一", external_id="ERP-1")
    other = _post(catalog, "need", ent, title="需求二", external_id="ERP-2")
    r = catalog.client.post(f"{API}/needs", json={"title": "需求三", "external_id": "ERP-1"}, headers=ent)
    assert r.status_code == 409
    r = catalog.client.patch(f"{API}/needs/{other['id']}", json={"version": 1, "external_id": "ERP-1"}, headers=ent)
    assert r.status_code == 409
    assert sorted(_ids(catalog, "need")) == sorted([first["id"], other["id"]])
    # another organisation may reuse the same external id
    ent_b = fast_user(catalog, "ent_b", "enterprise", "乙公司")
    _post(catalog, "need", ent_b, title="乙的需求", external_id="ERP-1")


def test_filters(catalog: Catalog, ent: dict[str, str], uni: dict[str, str]) -> None:
    n1 = _post(catalog, "need", ent, title="激光焊接工艺", field="激光加工", cluster="激光与增材制造", region="新会区",
               cooperation_modes=["委托开发"])
    n2 = _post(catalog, "need", ent, title="电池热管理", field="储能", cluster="新能源电池", region="蓬江区",
               cooperation_modes=["技术转让", "合作开发"], status="in_progress")
    ent_b = fast_user(catalog, "ent_b", "enterprise", "乙公司")
    n3 = _post(catalog, "need", ent_b, title="电池回收", cluster="新能源电池", region="新会区")
    assert _ids(catalog, "need", cluster="新能源电池", sort="id") == [n2["id"], n3["id"]]
    assert _ids(catalog, "need", region="新会区", sort="id") == [n1["id"], n3["id"]]
    assert _ids(catalog, "need", field="储能") == [n2["id"]]
    assert _ids(catalog, "need", status="in_progress") == [n2["id"]]
    assert _ids(catalog, "need", cooperation_mode="合作开发") == [n2["id"]]
    assert _ids(catalog, "need", organisation_id=catalog.orgs["乙公司"]) == [n3["id"]]
    assert _ids(catalog, "need", cluster="新能源电池", region="新会区") == [n3["id"]]

    uni_b = fast_user(catalog, "uni_b", "university", "乙大学", region="江门市")
    o1 = _post(catalog, "output", uni, title="激光熔覆", maturity="中试", cluster="激光与增材制造")
    o2 = _post(catalog, "output", uni_b, title="固态电解质", maturity="实验室", cluster="新能源电池")
    assert _ids(catalog, "output", maturity="中试") == [o1["id"]]
    assert _ids(catalog, "output", region="江门市") == [o2["id"]]  # an output's region is its owner's
    assert _ids(catalog, "output", cluster="新能源电池") == [o2["id"]]


def test_updated_since_respects_time_zones(catalog: Catalog, ent: dict[str, str]) -> None:
    need = _post(catalog, "need", ent, title="时间过滤测试")
    beijing = timezone(timedelta(hours=8))  # SQLite stores UTC wall-clock text, so an offset must be converted
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).astimezone(beijing)
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).astimezone(beijing)
    assert _ids(catalog, "need", updated_since=an_hour_ago.isoformat()) == [need["id"]]
    assert _ids(catalog, "need", updated_since=in_an_hour.isoformat()) == []
    naive_utc = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None)
    assert _ids(catalog, "need", updated_since=naive_utc.isoformat()) == [need["id"]]


SEARCH_CORPUS = [
    "锂电池极片缺陷检测",
    "提供检测和服务",
    "研究生命科学仪器",
    "上海南京路门店数字化",
    "Lithium battery recycling process",
    "Bicycle frame welding",
]


SEARCHES = [
    ("极片检测", ["锂电池极片缺陷检测"]),
    ("检测极片", ["锂电池极片缺陷检测"]),  # word order differs from the text: LIKE '%检测极片%' misses it
    ("缺陷 极片", ["锂电池极片缺陷检测"]),  # several words
    ("电池", ["锂电池极片缺陷检测"]),  # a word inside a longer word
    ("和服", []),  # 'kimono': LIKE finds it across 检测|和|服务
    ("研究生", []),  # 'graduate student': LIKE finds it across 研究|生命
    ("海南", ["上海南京路门店数字化"]),  # jieba's search mode indexes 海南 too; pinned so a change is noticed
    ("recycling LITHIUM", ["Lithium battery recycling process"]),  # case and order do not matter
    ("cycling", []),  # LIKE '%cycling%' would match recycling and Bicycle
    ("welding bicycle", ["Bicycle frame welding"]),
    ("的", []),  # only a stop word: nothing to search for
]


def test_keyword_search_chinese_and_english(catalog: Catalog, ent: dict[str, str]) -> None:
    for title in SEARCH_CORPUS:
        _post(catalog, "need", ent, title=title)
    wrong = []
    for query, expected in SEARCHES:
        r = catalog.client.get(f"{API}/needs", params={"q": query})
        found = sorted(d["title"] for d in r.json()["data"])
        if found != expected or r.json()["count"] != len(expected):
            wrong.append((query, found, r.json()["count"]))
    assert wrong == []


def test_search_sees_updates_and_deletes(catalog: Catalog, ent: dict[str, str]) -> None:
    need = _post(catalog, "need", ent, title="光伏组件清洗机器人")
    assert _ids(catalog, "need", q="清洗机器人") == [need["id"]]
    r = catalog.client.patch(f"{API}/needs/{need['id']}", json={"version": 1, "title": "风电叶片检测无人机"}, headers=ent)
    assert r.status_code == 200
    assert _ids(catalog, "need", q="清洗机器人") == []
    assert _ids(catalog, "need", q="无人机 叶片") == [need["id"]]
    catalog.client.delete(f"{API}/needs/{need['id']}", headers=ent)
    assert _ids(catalog, "need", q="无人机") == []


def test_pagination_with_total_and_sorting(catalog: Catalog, ent: dict[str, str]) -> None:
    titles = ["丙需求", "甲需求", "乙需求", "丁需求", "戊需求"]
    ids = [_post(catalog, "need", ent, title=t, keywords=["分页"])["id"] for t in titles]
    pages = []
    for page in (1, 2, 3):
        r = catalog.client.get(f"{API}/needs", params={"page": page, "page_size": 2, "sort": "id"})
        assert r.json()["count"] == 5
        pages.append([d["id"] for d in r.json()["data"]])
    assert pages == [ids[:2], ids[2:4], ids[4:]]
    assert catalog.client.get(f"{API}/needs", params={"page": 4, "page_size": 2}).json() == {"data": [], "count": 5}
    assert _ids(catalog, "need", sort="-id") == ids[::-1]
    assert _ids(catalog, "need", sort="-created_at") == ids[::-1]
    by_title = [catalog.client.get(f"{API}/needs/{i}").json()["title"] for i in _ids(catalog, "need", sort="title")]
    assert by_title == sorted(titles)
    # the most recently updated comes first by default
    catalog.client.patch(f"{API}/needs/{ids[0]}", json={"version": 1, "description": "更新"}, headers=ent)
    assert _ids(catalog, "need")[0] == ids[0]
    r = catalog.client.get(f"{API}/needs", params={"q": "分页", "page_size": 3, "sort": "relevance"})
    assert r.json()["count"] == 5 and len(r.json()["data"]) == 3


def test_unknown_sort_and_status_are_refused_with_the_choices(catalog: Catalog) -> None:
    r = catalog.client.get(f"{API}/needs", params={"sort": "budget"})
    assert r.status_code == 422 and "updated_at" in r.json()["message"]
    r = catalog.client.get(f"{API}/outputs", params={"status": "open"})  # a need status, not an output one
    assert r.status_code == 422 and "published" in r.json()["message"]
    r = catalog.client.get(f"{API}/needs", params={"cluster": "未知"}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422 and "新能源电池" in r.json()["detail"][0]["message"]
