"""The bureau's statistics: coverage, funnel medians, exports with Chinese headers, no brokers-only need text."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlmodel import Session, select

from services.catalog.workflow.models import Match
from tests.conftest import Catalog
from tests.workflow.helpers import API, make_pair

SECRET = "绝密工艺参数：浸出温度85度"


def test_coverage_lists_needs_without_adequate_supply_and_never_their_text(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    client = catalog.client
    hidden = client.post(f"{API}/needs", headers=pair.enterprise, json={
        "title": "电解液回收", "description": SECRET, "confidentiality": "brokers_only", "cluster": "新能源电池",
        "region": "新会区"}).json()
    pair.propose(score=0.82)
    cov = client.get(f"{API}/stats/coverage", headers=pair.broker).json()
    assert (cov["open_needs"], cov["covered"], cov["share"], cov["unmet_count"]) == (2, 1, 0.5, 1)
    assert [u["need_id"] for u in cov["unmet"]] == [hidden["id"]]
    assert cov["by_cluster"]["新能源电池"] == {"open_needs": 2, "covered": 1, "share": 0.5}
    scoped = client.get(f"{API}/stats/coverage", params={"region": "新会区", "cluster": "新能源电池"},
                        headers=pair.broker).json()
    assert (scoped["open_needs"], scoped["covered"], scoped["unmet_count"]) == (2, 1, 1)
    assert client.get(f"{API}/stats/coverage", params={"region": "台山市"}, headers=pair.broker).json()["open_needs"] == 0
    strict = client.get(f"{API}/stats/coverage", params={"threshold": 0.9}, headers=pair.admin).json()
    assert strict["covered"] == 0 and strict["unmet_count"] == 2

    texts = [client.get(f"{API}{path}", headers=pair.admin).text
             for path in ("/stats", "/stats/overview", "/stats/funnel", "/stats/contracts", "/stats/brokers",
                          "/stats/coverage", "/stats/export?format=csv&report=unmet_needs")]
    assert all(SECRET not in t and "浸出温度" not in t for t in texts)
    assert "电解液回收" in texts[-1]
    book = load_workbook(io.BytesIO(client.get(f"{API}/stats/export", headers=pair.admin).content))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert SECRET not in cells and "电解液回收" in cells
    assert book["概况"]["A1"].value == "指标" and book["无合格供给的需求"]["B1"].value == "需求名称"


def test_funnel_medians_and_conversion_come_from_the_database(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    ids = [pair.propose(score=0.5)["id"]]
    for i in range(3):
        out = catalog.client.post(f"{API}/outputs", json={"title": f"成果{i}号"}, headers=pair.university).json()
        pair.output = out
        ids.append(pair.propose(score=0.6)["id"])
    for mid in ids[:3]:
        assert pair.move(mid, "shortlisted").status_code == 200
    pair.move(ids[3], "declined", reason="价格")
    with Session(catalog.engine) as s:  # shortlisted after 1, 2 and 10 days
        for mid, days in zip(ids[:3], (1, 2, 10), strict=True):
            m = s.exec(select(Match).where(Match.id == mid)).one()
            m.shortlisted_at, m.shortlist_days = m.proposed_at + timedelta(days=days), float(days)
            s.add(m)
        s.commit()
    funnel = catalog.client.get(f"{API}/stats/funnel", headers=pair.broker).json()
    first = funnel["steps"][0]
    assert (first["reached"], first["conversion"], first["declined_here"]) == (4, 0.75, 1)
    assert first["median_days_to_next"] == 2.0
    assert funnel["decline_reasons"] == {"价格": 1} and funnel["overall_conversion"] == 0.0
    with Session(catalog.engine) as s:  # a fourth pair makes the count even: median of 2 and 3
        m = s.exec(select(Match).where(Match.id == ids[3])).one()
        m.status, m.shortlist_days = "shortlisted", 3.0
        s.add(m)
        s.commit()
    first = catalog.client.get(f"{API}/stats/funnel", headers=pair.broker).json()["steps"][0]
    assert first["median_days_to_next"] == 2.5 and first["declined_here"] == 0
    csv_text = catalog.client.get(f"{API}/stats/export", params={"format": "csv", "report": "funnel"},
                                  headers=pair.broker).content.decode("utf-8")
    assert csv_text.startswith("\ufeff环节,到达对数,下一环节,转化率,中位天数,在此环节放弃")
    r = catalog.client.get(f"{API}/stats/export", params={"format": "csv", "report": "nope"}, headers=pair.broker)
    assert r.status_code == 422
