"""The broker queue: open needs awaiting review, oldest or best-scored first, each with its top candidates."""

from tests.conftest import Catalog
from tests.workflow.helpers import API, make_pair


def test_queue_orders_waiting_needs_by_age_or_best_score(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    client = catalog.client
    needs = [pair.need] + [client.post(f"{API}/needs", json={"title": f"需求{c}", "cluster": "高端装备"},
                                       headers=pair.enterprise).json() for c in "BCD"]
    outputs = [client.post(f"{API}/outputs", json={"title": f"成果{i}"}, headers=pair.university).json()
               for i in range(5)]

    def propose(need: dict, output: dict, score: float) -> int:
        r = client.post(f"{API}/matches", headers=pair.broker,
                        json={"need_id": need["id"], "output_id": output["id"], "score": score})
        return int(r.json()["id"])

    a, b, c, d = needs
    propose(a, outputs[0], 0.3)
    low = propose(b, outputs[1], 0.5)
    best = propose(b, outputs[2], 0.9)
    pair.move(propose(c, outputs[3], 0.7), "shortlisted")  # being worked on: not waiting
    pair.move(propose(d, outputs[4], 0.8), "declined", reason="已解决")  # nothing live: waiting again

    by_age = client.get(f"{API}/broker/queue", headers=pair.broker).json()
    assert by_age["count"] == 3
    assert [e["need_id"] for e in by_age["data"]] == [a["id"], b["id"], d["id"]]
    entry_b = by_age["data"][1]
    assert [m["id"] for m in entry_b["candidates"]] == [best, low] and entry_b["proposed_count"] == 2
    assert by_age["data"][2]["candidates"] == [] and by_age["data"][2]["best_score"] is None
    by_score = client.get(f"{API}/broker/queue", params={"sort": "score", "top": 1}, headers=pair.broker).json()
    assert [e["need_id"] for e in by_score["data"]] == [b["id"], a["id"], d["id"]]
    assert [m["id"] for m in by_score["data"][0]["candidates"]] == [best]
    r = client.get(f"{API}/broker/queue", params={"cluster": "高端装备"}, headers=pair.broker)
    assert [e["need_id"] for e in r.json()["data"]] == [b["id"], d["id"]]
    colleague = catalog.user("colleague", "broker", "转化中心")
    assert client.get(f"{API}/broker/queue", params={"mine": True}, headers=colleague).json()["count"] == 0
