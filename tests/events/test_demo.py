"""The demo dataset holds a matchmaking event held and reported (a schedule, check-ins, a meeting become a match), a
roadshow of seven months ago and one open for registration."""

from sqlmodel import Session

from services.catalog.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import Catalog


def test_demo_events_are_seeded_once(catalog: Catalog) -> None:
    with Session(catalog.engine) as session:
        assert seed_demo(session)
    with Session(catalog.engine) as session:
        assert not seed_demo(session)  # idempotent: a catalog with users is left alone
    client = catalog.client
    listed = client.get("/api/v1/events").json()
    assert listed["count"] == 3
    assert sorted(e["status"] for e in listed["data"]) == ["open", "reported", "reported"]
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    past = next(e for e in listed["data"] if e["status"] == "reported" and e["kind"] == "matchmaking")
    report = client.get(f"/api/v1/events/{past['id']}/report", headers=admin).json()
    assert (report["participants"], report["checked_in"], report["matches_proposed"]) == (4, 4, 1)
    assert report["meetings_held"] == report["meetings_scheduled"] == 3
    roadshow = next(e for e in listed["data"] if e["kind"] == "roadshow")
    shown = client.get(f"/api/v1/events/{roadshow['id']}/report", headers=admin).json()
    assert (shown["participants"], shown["checked_in"]) == (5, 5)
    stats = {(r["region"], r["cluster"]): r for r in client.get("/api/v1/stats/events", headers=admin).json()}
    assert stats["新会区", "新能源电池"]["events"] == 2 and stats["新会区", "新能源电池"]["matches_proposed"] == 1
    assert stats["江海区", "高端装备"]["events"] == 1 and stats["江海区", "高端装备"]["participants"] == 5
