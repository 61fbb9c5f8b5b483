"""Contract registration validates amounts, dates, parties and registration numbers."""

from datetime import date, timedelta

from tests.conftest import Catalog
from tests.workflow.helpers import API, contract_body, make_pair


def test_contract_validation(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    post = catalog.client.post

    def status(**extra: object) -> int:
        return post(f"{API}/contracts", json=contract_body(pair, None, **extra), headers=pair.broker).status_code

    assert status(amount_yuan="0") == 422
    assert status(amount_yuan="-5") == 422
    assert status(amount_yuan="100.123") == 422
    assert status(signed_on=(date.today() + timedelta(days=2)).isoformat()) == 422
    assert status(buyer_org_id=999999) == 422
    assert status(seller_org_id=pair.need["organisation_id"]) == 422  # buyer and seller must differ
    assert status(contract_type="技术入股") == 422
    r = post(f"{API}/contracts", json=contract_body(pair, None, signed_on=(date.today() + timedelta(days=2)).isoformat()),
             headers={**pair.broker, "Accept-Language": "zh"})
    assert r.json()["message"] == "签订日期不能晚于今天"
    assert status(need_id=pair.need["id"], mark_need_solved=False) == 201
    r = post(f"{API}/contracts", json=contract_body(pair, None), headers=pair.broker)
    assert r.status_code == 409 and "440703-2026-0001" in r.json()["message"]
    assert catalog.client.get(f"{API}/needs/{pair.need['id']}").json()["status"] == "open"


def test_a_contract_needs_its_match_in_negotiation_and_only_one_per_match(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    early = pair.propose()["id"]
    r = catalog.client.post(f"{API}/contracts", json=contract_body(pair, early), headers=pair.broker)
    assert r.status_code == 409
    assert catalog.client.get(f"{API}/contracts", headers=pair.broker).json()["count"] == 0
    pair.move(early, "declined", reason="其他")
    second = catalog.client.post(f"{API}/outputs", json={"title": "另一项回收技术"}, headers=pair.university).json()
    pair.output = second
    match = pair.to_negotiating()
    r = catalog.client.post(f"{API}/contracts", json=contract_body(pair, match["id"], mark_need_solved=False),
                            headers=pair.broker)
    assert r.status_code == 201 and r.json()["need_id"] == pair.need["id"]
    r = catalog.client.post(f"{API}/contracts", json=contract_body(pair, match["id"], registration_no="X-2"),
                            headers=pair.broker)
    assert r.status_code == 409
    inbox = catalog.client.get(f"{API}/notifications", headers=pair.enterprise).json()
    assert inbox["data"][0]["kind"] == "signed"
