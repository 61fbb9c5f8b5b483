"""The demo dataset holds a dozen experts, a work station, dispatches and logged visits over the year, seeded once."""

import io

from openpyxl import load_workbook
from sqlmodel import Session

from services.catalog.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import Catalog


def _headers(catalog: Catalog, login: str) -> dict[str, str]:
    token = catalog.client.post("/api/v1/auth/token", data={"username": login, "password": DEMO_PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_demo_experts_dispatches_and_visits_are_seeded_once(catalog: Catalog) -> None:
    with Session(catalog.engine) as session:
        assert seed_demo(session)
    with Session(catalog.engine) as session:
        assert not seed_demo(session)  # idempotent: a catalog with users is left alone
    client = catalog.client
    directory = client.get("/api/v1/experts", params={"page_size": 50}).json()
    assert directory["count"] == 12 and all(e["contact"] is None for e in directory["data"])
    assert len(client.get("/api/v1/stations").json()) == 1
    admin, expert, battery = (_headers(catalog, login) for login in ("admin", "expert", "battery"))
    board = client.get("/api/v1/dispatches", headers=admin).json()
    assert board["count"] == 5 and sorted(d["status"] for d in board["data"]) == ["confirmed", "confirmed",
                                                                                   "confirmed", "pending", "pending"]
    mine = client.get("/api/v1/dispatches", headers=expert).json()["data"]
    assert {d["host_name"] for d in mine} == {"新会锂能电池有限公司", "台山市斗山镇浮石村", "江海区外海街道"}
    hosted = client.get("/api/v1/dispatches", headers=battery).json()["data"]
    [firm] = hosted
    visits = client.get(f"/api/v1/dispatches/{firm['id']}/visits", headers=battery).json()
    assert [v["rating"] for v in visits] == [5, 4, None]
    # the figures of the year of the visit whose problem was confirmed solved (60 days ago)
    year = visits[0]["visit_on"][:4]
    figures = client.get("/api/v1/experts/stats", params={"year": year}, headers=admin).json()
    # the firm's problem confirmed solved, and those the bureau confirmed for the town that year
    assert figures["problems_solved"] >= 1 and figures["experts"] == 12
    assert {"新会区", "江海区"} <= {a["county"] for a in figures["by_county"]}
    book = load_workbook(io.BytesIO(client.get("/api/v1/experts/stats/export", params={"year": year},
                                                headers=admin).content))
    assert book["专家年度考核"].max_row >= 2
