"""The demo dataset holds two published challenges with applications and one awarded with milestones."""

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
