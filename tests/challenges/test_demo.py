"""The demo dataset holds two published challenges with applications and one awarded with milestones."""

import io

from openpyxl import load_workbook
from sqlmodel import Session

from services.catalog.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import Catalog


def test_demo_challenges_are_seeded_once(catalog: Catalog) -> None:
    with Session(catalog.engine) as session:
        assert seed_demo(session)
    with Session(catalog.engine) as session:
        assert not seed_demo(session)  # idempotent: a catalog with users is left alone
    client = catalog.client
    hall = client.get("/api/v1/challenges").json()
    assert hall["count"] == 3
    by_status = sorted(c["status"] for c in hall["data"])
    assert by_status == ["in_execution", "published", "published"]
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    published = [c for c in hall["data"] if c["status"] == "published"]
    assert all(client.get(f"/api/v1/challenges/{c['id']}/applications", headers=admin).json()["count"] == 2
               for c in published)
    running = next(c for c in hall["data"] if c["status"] == "in_execution")
    agreement = client.get(f"/api/v1/challenges/{running['id']}/agreements", headers=admin).json()[0]
    assert [m["status"] for m in agreement["milestones"]] == ["accepted", "pending"]
    assert agreement["committed_yuan"] == "500000.00" and agreement["released_yuan"] == "200000.00"
    figures = client.get("/api/v1/stats/challenges", headers=admin).json()
    assert figures["bounty"]["released_yuan"] == "200000.00"
    assert {s["step"]: s["count"] for s in figures["funnel"]}["awarded"] == 1


def test_the_statistics_export_carries_the_challenge_funnel_and_bounty(catalog: Catalog) -> None:
    with Session(catalog.engine) as session:
        assert seed_demo(session)
    client = catalog.client
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    figures = client.get("/api/v1/stats/challenges", headers=admin).json()
    book = load_workbook(io.BytesIO(client.get("/api/v1/stats/export", headers=admin).content))
    funnel = [list(r) for r in book["揭榜挂帅漏斗"].iter_rows(values_only=True)]
    assert funnel == [["环节", "数量"], *[[s["label_zh"], s["count"]] for s in figures["funnel"]]]
    assert funnel[1] == ["已发布榜单", 3] and funnel[4] == ["已定榜", 1]
    bounty = [list(r) for r in book["榜单金额承诺与拨付"].iter_rows(values_only=True)]
    assert bounty[0] == ["范围", "分组", "榜单数", "榜单金额（元）", "已承诺（元）", "已拨付（元）", "拨付比例"]
    total = figures["bounty"]
    assert bounty[1] == ["合计", None, 3, float(total["offered_yuan"]), 500000, 200000, 0.4]
    by_cluster = {r[1]: r for r in bounty if r[0] == "产业集群"}
    assert set(by_cluster) == {b["key"] for b in figures["by_cluster"]}
    assert sum(r[5] for r in by_cluster.values()) == 200000
    assert {r[1] for r in bounty if r[0] == "区县"} == {b["key"] for b in figures["by_region"]}
    csv_text = client.get("/api/v1/stats/export", params={"format": "csv", "report": "challenge_bounty"},
                          headers=admin).content.decode("utf-8-sig")
    assert csv_text.splitlines()[1] == f"合计,,3,{float(total['offered_yuan'])},500000.0,200000.0,0.4"
