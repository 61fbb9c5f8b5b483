"""Brokers' notes are internal: the parties see the steps of their match, never the notes brokers wrote."""

from tests.conftest import Catalog
from tests.workflow.helpers import API, make_pair

SECRET = "内部：对方报价偏高，先压价"


def test_parties_see_the_history_without_the_brokers_notes(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    mid = pair.propose(note=SECRET)["id"]
    r = catalog.client.post(f"{API}/matches/{mid}/notes", json={"note": SECRET}, headers=pair.broker)
    assert r.status_code == 201 and SECRET in r.text
    assert pair.move(mid, "shortlisted", note=SECRET).status_code == 200
    assert pair.move(mid, "introduced").status_code == 200
    assert pair.answer(mid, pair.enterprise, note="我方同意接洽").status_code == 200

    staff = catalog.client.get(f"{API}/matches/{mid}/history", headers=pair.broker).json()
    assert [e["note"] for e in staff].count(SECRET) == 3
    for party in (pair.enterprise, pair.university):
        r = catalog.client.get(f"{API}/matches/{mid}/history", headers=party)
        assert r.status_code == 200 and SECRET not in r.text
        events = r.json()
        assert [e["to_status"] for e in events if e["kind"] == "transition"] == ["proposed", "shortlisted", "introduced"]
        assert "note" not in {e["kind"] for e in events}
        assert any("我方同意接洽" in (e["note"] or "") for e in events)  # the parties' own answers stay
