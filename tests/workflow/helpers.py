"""Building blocks for the workflow tests: a need, an output, the people around them, and walking a match."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.conftest import Catalog

API = "/api/v1"


@dataclass
class Pair:
    """A need and an output with the users on both sides and a broker."""

    catalog: Catalog
    need: dict[str, Any]
    output: dict[str, Any]
    enterprise: dict[str, str]
    university: dict[str, str]
    broker: dict[str, str]
    admin: dict[str, str]
    broker_id: int

    def propose(self, score: float = 0.82, **extra: Any) -> dict[str, Any]:
        """Propose this pair as the broker."""
        body = {"need_id": self.need["id"], "output_id": self.output["id"], "score": score,
                "explanation": {"zh": "关键词重合：电池回收", "en": "shared keywords: battery recycling"}, **extra}
        r = self.catalog.client.post(f"{API}/matches", json=body, headers=self.broker)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def move(self, match_id: int, to: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
        """Ask for a transition (as the broker unless told)."""
        return self.catalog.client.post(f"{API}/matches/{match_id}/transitions", json={"to": to, **extra},
                                        headers=headers or self.broker)

    def answer(self, match_id: int, headers: dict[str, str], accept: bool = True, **extra: Any) -> Any:
        """A party answers an introduction."""
        return self.catalog.client.post(f"{API}/matches/{match_id}/response", json={"accept": accept, **extra},
                                        headers=headers)

    def to_negotiating(self) -> dict[str, Any]:
        """Walk a new match up to negotiation."""
        match = self.propose()
        assert self.move(match["id"], "shortlisted").status_code == 200
        assert self.move(match["id"], "introduced").status_code == 200
        assert self.answer(match["id"], self.enterprise).status_code == 200
        assert self.answer(match["id"], self.university).status_code == 200
        r = self.move(match["id"], "negotiating")
        assert r.status_code == 200, r.text
        return dict(r.json())


def user_id(catalog: Catalog, headers: dict[str, str]) -> int:
    """Id of the signed-in user behind these headers."""
    r = catalog.client.get(f"{API}/auth/me", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def make_pair(catalog: Catalog, *, need_extra: dict[str, Any] | None = None, suffix: str = "") -> Pair:
    """Post a need (新会区, 新能源电池) and an output, and sign in the people around them."""
    enterprise = catalog.user(f"ent{suffix}", "enterprise", f"新会锂能{suffix}", region="新会区")
    university = catalog.user(f"uni{suffix}", "university", f"五邑大学{suffix}", region="蓬江区")
    broker = catalog.user(f"broker{suffix}", "broker", f"转化中心{suffix}")
    admin = catalog.user(f"admin{suffix}", "admin")
    need_body = {"title": "退役动力电池镍钴锰回收", "description": "每年500吨废旧三元电池，需要湿法回收工艺",
                 "keywords": ["电池回收", "湿法"], "cluster": "新能源电池", "region": "新会区",
                 "contact": "张经理 13800000000", **(need_extra or {})}
    r = catalog.client.post(f"{API}/needs", json=need_body, headers=enterprise)
    assert r.status_code == 201, r.text
    out_body = {"title": "废旧锂电池正极材料湿法回收技术", "summary": "选择性浸出回收镍钴锰，回收率98%",
                "keywords": ["锂电池", "回收"], "cluster": "新能源电池", "contact": "李教授 0750-3299000"}
    r2 = catalog.client.post(f"{API}/outputs", json=out_body, headers=university)
    assert r2.status_code == 201, r2.text
    return Pair(catalog, r.json(), r2.json(), enterprise, university, broker, admin, user_id(catalog, broker))


def contract_body(pair: Pair, match_id: int | None, **extra: Any) -> dict[str, Any]:
    """A valid contract between the pair's organisations, signed 40 days ago."""
    return {"registration_no": "440703-2026-0001", "contract_type": "技术转让", "amount_yuan": "350000.50",
            "signed_on": (date.today() - timedelta(days=40)).isoformat(),
            "buyer_org_id": pair.need["organisation_id"], "seller_org_id": pair.output["organisation_id"],
            "match_id": match_id, **extra}
