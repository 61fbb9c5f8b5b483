"""A need's whole journey: posted, proposed, shortlisted, introduced, accepted, negotiated, contracted, counted."""

from datetime import date, timedelta

from tests.conftest import Catalog
from tests.workflow.helpers import API, contract_body, make_pair


def test_need_walks_from_posting_to_signed_contract_and_into_the_statistics(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    client = catalog.client
    need_id = pair.need["id"]

    # The new need waits in the broker queue with no candidates yet.
    queue = client.get(f"{API}/broker/queue", headers=pair.broker).json()
    assert [e["need_id"] for e in queue["data"]] == [need_id] and queue["data"][0]["candidates"] == []

    match = pair.propose(score=0.82)
    assert match["status"] == "proposed" and match["broker_id"] == pair.broker_id
    assert match["explanation"]["zh"].startswith("关键词") and match["contacts"] is None
    queue = client.get(f"{API}/broker/queue", headers=pair.broker).json()
    assert queue["data"][0]["best_score"] == 0.82
    assert [c["id"] for c in queue["data"][0]["candidates"]] == [match["id"]]

    r = client.post(f"{API}/matches/shortlist", json={"match_ids": [match["id"]], "note": "看好"}, headers=pair.broker)
    assert r.json() == {"shortlisted": [match["id"]], "refused": []}

    # Introduced: both sides are told, but nobody's contact details show yet.
    r = pair.move(match["id"], "introduced", note="安排见面")
    assert r.status_code == 200 and r.json()["status"] == "introduced"
    for side in (pair.enterprise, pair.university):
        inbox = client.get(f"{API}/notifications", headers=side).json()
        assert inbox["unread"] == 1 and inbox["data"][0]["kind"] == "introduction"
        assert client.get(f"{API}/matches/{match['id']}", headers=side).json()["contacts"] is None

    assert pair.answer(match["id"], pair.enterprise).json()["contacts"] is None
    both = pair.answer(match["id"], pair.university).json()
    assert both["need_response"] == both["output_response"] == "accepted"
    for side in (pair.enterprise, pair.university):
        contacts = client.get(f"{API}/matches/{match['id']}", headers=side).json()["contacts"]
        assert contacts["need_contact"] == "张经理 13800000000"
        assert contacts["output_contact"] == "李教授 0750-3299000"
        assert contacts["need_organisation"] == "新会锂能" and contacts["output_organisation"] == "五邑大学"

    assert pair.move(match["id"], "negotiating").json()["status"] == "negotiating"

    signed_on = date.today() - timedelta(days=40)
    r = client.post(f"{API}/contracts", json=contract_body(pair, match["id"]), headers=pair.broker)
    assert r.status_code == 201, r.text
    contract = r.json()
    assert contract["region"] == "新会区" and contract["cluster"] == "新能源电池"
    assert contract["buyer_name"] == "新会锂能" and contract["seller_name"] == "五邑大学"

    assert client.get(f"{API}/matches/{match['id']}", headers=pair.broker).json()["status"] == "signed"
    assert client.get(f"{API}/needs/{need_id}", headers=pair.enterprise).json()["status"] == "solved"
    history = client.get(f"{API}/matches/{match['id']}/history", headers=pair.enterprise).json()
    moves = [(e["from_status"], e["to_status"]) for e in history if e["kind"] == "transition"]
    assert moves == [(None, "proposed"), ("proposed", "shortlisted"), ("shortlisted", "introduced"),
                     ("introduced", "negotiating"), ("negotiating", "signed")]
    assert all(e["actor_name"] for e in history)

    stats = client.get(f"{API}/stats", headers=pair.admin).json()
    month = f"{signed_on.year:04d}-{signed_on.month:02d}"
    expected = [{"key": k, "count": 1, "amount_yuan": "350000.50"} for k in (month,)]
    assert stats["contracts"]["by_month"] == expected
    assert stats["contracts"]["by_region"] == [{"key": "新会区", "count": 1, "amount_yuan": "350000.50"}]
    assert stats["contracts"]["by_cluster"] == [{"key": "新能源电池", "count": 1, "amount_yuan": "350000.50"}]
    assert stats["contracts"]["by_type"] == [{"key": "技术转让", "count": 1, "amount_yuan": "350000.50"}]
    assert stats["overview"]["needs"]["solved"] == 1 and stats["overview"]["needs"]["open"] == 0
    assert stats["overview"]["matches_by_status"]["signed"] == 1
    steps = {s["status"]: s for s in stats["funnel"]["steps"]}
    assert steps["proposed"]["reached"] == steps["signed"]["reached"] == 1
    assert steps["proposed"]["conversion"] == 1.0 and steps["negotiating"]["median_days_to_next"] is not None
    assert stats["funnel"]["overall_conversion"] == 1.0
    broker = next(b for b in stats["brokers"] if b["broker_id"] == pair.broker_id)
    assert broker["by_status"]["signed"] == 1 and broker["contracts_registered"] == 1 and broker["actions"] >= 5

    # Filters: another district or a range before the signing shows nothing.
    assert client.get(f"{API}/stats/contracts", params={"region": "台山市"}, headers=pair.broker).json()["count"] == 0
    before = (signed_on - timedelta(days=1)).isoformat()
    r = client.get(f"{API}/stats/contracts", params={"date_to": before}, headers=pair.broker)
    assert r.json()["count"] == 0
