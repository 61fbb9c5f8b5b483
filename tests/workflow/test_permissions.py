"""Who may do what, endpoint by endpoint: brokers and admins run the workflow, parties see and answer their own."""

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Catalog
from tests.workflow.helpers import API, Pair, contract_body, make_pair


@dataclass
class World:
    """An introduced match, a merely proposed one, and outsiders on both sides."""

    pair: Pair
    introduced: dict[str, Any]
    proposed: dict[str, Any]
    other_enterprise: dict[str, str]
    other_university: dict[str, str]


@pytest.fixture
def world(catalog: Catalog) -> World:
    pair = make_pair(catalog)
    introduced = pair.propose()
    assert pair.move(introduced["id"], "shortlisted").status_code == 200
    assert pair.move(introduced["id"], "introduced").status_code == 200
    r = catalog.client.post(f"{API}/outputs", json={"title": "另一项成果", "summary": "x"}, headers=pair.university)
    proposed = pair.catalog.client.post(f"{API}/matches", headers=pair.broker, json={
        "need_id": pair.need["id"], "output_id": r.json()["id"], "score": 0.4}).json()
    return World(pair, introduced, proposed, catalog.user("outsider", "enterprise", "别家公司"),
                 catalog.user("outsideruni", "university", "别家大学"))


def test_only_brokers_and_admins_propose(world: World) -> None:
    p, client = world.pair, world.pair.catalog.client
    out = client.post(f"{API}/outputs", json={"title": "第三项成果"}, headers=p.university).json()
    body = {"need_id": p.need["id"], "output_id": out["id"], "score": 0.5}
    assert client.post(f"{API}/matches", json=body).status_code == 401
    assert client.post(f"{API}/matches", json=body, headers=p.enterprise).status_code == 403
    assert client.post(f"{API}/matches", json=body, headers=p.university).status_code == 403
    assert client.post(f"{API}/matches", json=body, headers=p.admin).status_code == 201
    assert client.post(f"{API}/matches", json=body, headers=p.broker).status_code == 409  # one match per pair


@pytest.mark.parametrize("party", ["enterprise", "university"])
def test_parties_cannot_move_shortlist_assign_or_annotate(world: World, party: str) -> None:
    p, client = world.pair, world.pair.catalog.client
    h = getattr(p, party)
    mid = world.introduced["id"]
    assert client.post(f"{API}/matches/{mid}/transitions", json={"to": "declined", "reason": "价格"},
                       headers=h).status_code == 403
    assert client.post(f"{API}/matches/shortlist", json={"match_ids": [world.proposed["id"]]},
                       headers=h).status_code == 403
    assert client.post(f"{API}/matches/{mid}/assign", json={"broker_id": p.broker_id}, headers=h).status_code == 403
    assert client.post(f"{API}/matches/{mid}/notes", json={"note": "x"}, headers=h).status_code == 403
    assert client.get(f"{API}/matches/{mid}", headers=p.broker).json()["status"] == "introduced"


def test_brokers_and_admins_move_shortlist_assign_and_annotate(world: World) -> None:
    p, client = world.pair, world.pair.catalog.client
    r = client.post(f"{API}/matches/shortlist", json={"match_ids": [world.proposed["id"], world.introduced["id"]]},
                    headers=p.admin)
    assert r.json()["shortlisted"] == [world.proposed["id"]]
    assert [x["match_id"] for x in r.json()["refused"]] == [world.introduced["id"]]
    admin_id = client.get(f"{API}/auth/me", headers=p.admin).json()["id"]
    r = client.post(f"{API}/matches/{world.proposed['id']}/assign", json={"broker_id": admin_id}, headers=p.broker)
    assert r.status_code == 200 and r.json()["broker_id"] == admin_id
    ent_id = client.get(f"{API}/auth/me", headers=p.enterprise).json()["id"]
    r = client.post(f"{API}/matches/{world.proposed['id']}/assign", json={"broker_id": ent_id}, headers=p.broker)
    assert r.status_code == 422  # only brokers and admins can be put in charge
    r = client.post(f"{API}/matches/{world.proposed['id']}/notes", json={"note": "企业预算偏低"}, headers=p.admin)
    assert r.status_code == 201 and r.json()[-1]["note"] == "企业预算偏低"
    r = p.move(world.proposed["id"], "declined", headers=p.admin, reason="价格")
    assert r.status_code == 200 and r.json()["decline_reason"] == "价格"


def test_parties_see_only_their_own_introduced_matches(world: World) -> None:
    p, client = world.pair, world.pair.catalog.client
    mid, hidden = world.introduced["id"], world.proposed["id"]
    assert client.get(f"{API}/matches").status_code == 401
    for owner in (p.enterprise, p.university):
        assert [m["id"] for m in client.get(f"{API}/matches", headers=owner).json()["data"]] == [mid]
        assert client.get(f"{API}/matches/{mid}", headers=owner).status_code == 200
        assert client.get(f"{API}/matches/{mid}/history", headers=owner).status_code == 200
        assert client.get(f"{API}/matches/{hidden}", headers=owner).status_code == 404  # not introduced yet
    for outsider in (world.other_enterprise, world.other_university):
        assert client.get(f"{API}/matches", headers=outsider).json() == {"data": [], "count": 0}
        assert client.get(f"{API}/matches/{mid}", headers=outsider).status_code == 404
        assert client.get(f"{API}/matches/{mid}/history", headers=outsider).status_code == 404
    assert client.get(f"{API}/matches", headers=p.broker).json()["count"] == 2


def test_parties_answer_only_for_their_own_side(world: World) -> None:
    p = world.pair
    mid = world.introduced["id"]
    assert p.answer(mid, p.broker).status_code == 403
    assert p.answer(mid, world.other_enterprise).status_code == 404
    assert p.answer(mid, world.other_university).status_code == 404
    r = p.answer(mid, p.enterprise)
    assert (r.json()["need_response"], r.json()["output_response"]) == ("accepted", "pending")
    r = p.answer(mid, p.enterprise)
    assert r.status_code == 409
    r = p.answer(mid, p.university, accept=False, reason="成熟度不足", note="尚在小试")
    assert r.json()["status"] == "declined" and r.json()["decline_reason"] == "成熟度不足"
    assert r.json()["contacts"] is None


STAFF_READS = ["/broker/queue", "/contracts", "/stats", "/stats/overview", "/stats/funnel", "/stats/contracts",
               "/stats/brokers", "/stats/coverage", "/stats/export", "/stats/export?format=csv&report=funnel"]


def test_queue_contracts_and_statistics_are_for_brokers_and_admins(world: World) -> None:
    p, client = world.pair, world.pair.catalog.client
    for path in STAFF_READS:
        assert client.get(API + path).status_code == 401, path
        for h in (p.enterprise, p.university):
            assert client.get(API + path, headers=h).status_code == 403, path
        for h in (p.broker, p.admin):
            assert client.get(API + path, headers=h).status_code == 200, path
    body = contract_body(p, None)
    assert client.post(f"{API}/contracts", json=body).status_code == 401
    assert client.post(f"{API}/contracts", json=body, headers=p.enterprise).status_code == 403
    assert client.post(f"{API}/contracts", json=body, headers=p.university).status_code == 403
    r = client.post(f"{API}/contracts", json=body, headers=p.admin)
    assert r.status_code == 201
    assert client.get(f"{API}/contracts/{r.json()['id']}", headers=p.enterprise).status_code == 403
    assert client.get(f"{API}/contracts/{r.json()['id']}", headers=p.broker).status_code == 200


def test_inbox_is_private(world: World) -> None:
    p, client = world.pair, world.pair.catalog.client
    assert client.get(f"{API}/notifications").status_code == 401
    mine = client.get(f"{API}/notifications", headers=p.enterprise).json()
    assert mine["count"] == 1 and mine["unread"] == 1
    note_id = mine["data"][0]["id"]
    assert client.get(f"{API}/notifications", headers=world.other_enterprise).json()["count"] == 0
    assert client.post(f"{API}/notifications/{note_id}/read", headers=p.university).status_code == 404
    assert client.post(f"{API}/notifications/read-all", headers=p.university).json() == {"marked": 1}
    assert client.get(f"{API}/notifications", headers=p.enterprise).json()["unread"] == 1
    r = client.post(f"{API}/notifications/{note_id}/read", headers=p.enterprise)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert client.get(f"{API}/notifications", headers=p.enterprise, params={"unread": True}).json()["count"] == 0
