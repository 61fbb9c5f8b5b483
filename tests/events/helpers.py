"""Building blocks for the event tests: the people around an event, a valid event, registrations."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.challenges.helpers import Clock
from tests.conftest import Catalog

API = "/api/v1"
ZH = {"Accept-Language": "zh-CN"}


@dataclass
class People:
    """The bureau (admin), a broker, two enterprises, two universities and outsiders."""

    catalog: Catalog
    clock: Clock
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def call(self, who: str, method: str, url: str, **kw: Any) -> Any:
        """A request as `who` ("anon" for nobody)."""
        return self.catalog.client.request(method, API + url, headers=self.headers.get(who, {}), **kw)

    def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        """The JSON of a request that must answer `status`."""
        r = self.call(who, method, url, **kw)
        assert r.status_code == status, (who, method, url, r.status_code, r.text)
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else r

    def both(self, who: str, method: str, url: str, status: int, zh: str, en: str, **kw: Any) -> None:
        """The request answers `status` with `zh` in its Chinese message and `en` in its English one."""
        client = self.catalog.client
        chinese = client.request(method, API + url, headers={**self.headers.get(who, {}), **ZH}, **kw)
        english = client.request(method, API + url, headers=self.headers.get(who, {}), **kw)
        assert chinese.status_code == english.status_code == status, (chinese.text, english.text)
        assert zh in chinese.json()["message"], chinese.json()
        assert en in english.json()["message"], english.json()


def make_people(catalog: Catalog, clock: Clock) -> People:
    """Sign in everyone an event involves."""
    p = People(catalog, clock)
    specs = [("bureau", "admin", "江门市科学技术局", "government"),
             ("broker", "broker", "江门技术转移中心", "broker_agency"),
             ("ent1", "enterprise", "新会锂能", "enterprise"),
             ("ent2", "enterprise", "台山食品", "enterprise"),
             ("uni1", "university", "五邑大学", "university"),
             ("uni2", "university", "江门职业技术学院", "university"),
             ("outsider", "enterprise", "鹤山五金", "enterprise"),
             ("expert", "expert", "中山大学", "university")]
    for login, role, org, kind in specs:
        p.headers[login] = catalog.user(login, role, org, kind=kind)
        p.ids["org:" + login] = catalog.orgs[org]
    p.headers["anon"] = {}
    return p


def event_body(p: People, **extra: Any) -> dict[str, Any]:
    """A valid 对接会 ten days ahead: 3 tables × 8 slots of 20 minutes, 50 places."""
    starts = p.clock.now + timedelta(days=10)
    return {"title": "新能源电池产学研对接会", "kind": "matchmaking", "cluster": "新能源电池", "region": "新会区",
            "starts_at": starts.isoformat(), "slot_minutes": 20, "slot_count": 8, "tables": 3,
            "venue": "江门市科技馆", "capacity": 50,
            "registration_deadline": (starts - timedelta(days=1)).isoformat(), **extra}


def open_event(p: People, **extra: Any) -> dict[str, Any]:
    """Plan an event as the broker and open it for registration."""
    ev = p.ok("broker", "POST", "/events", 201, json=event_body(p, **extra))
    return dict(p.ok("broker", "POST", f"/events/{ev['id']}/transitions", json={"to": "open"}))


def registered(p: People, event_id: int, who: str, slots: list[int] | None = None, **extra: Any) -> dict[str, Any]:
    """Register `who`'s organisation, free in `slots` (every one by default)."""
    body = {"available_slots": list(range(8)) if slots is None else slots, "contact": f"{who}@example.cn", **extra}
    return dict(p.ok(who, "POST", f"/events/{event_id}/registrations", 201, json=body))
