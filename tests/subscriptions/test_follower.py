"""The alert follower's rules beyond the end-to-end path: it waits for a matcher that is down or behind, never
alerts on the subscriber's own items, keeps a saved search's filters, fires for an item edited into a match,
stays silent while paused, writes in the subscriber's language, and runs in the background until stopped."""

import threading
from dataclasses import dataclass, field
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from services.catalog.subscriptions import alerts
from services.catalog.subscriptions.alerts import AlertFollower, BackgroundFollower, PassReport
from services.catalog.subscriptions.models import AlertCursor
from tests.conftest import Catalog
from tests.inprocess_matcher import matcher, sync
from tests.subscriptions.conftest import MailBox, follow, person, send_mail

__all__ = ["matcher"]  # the fixture
API = "/api/v1"
EN = {"Accept-Language": "en"}
TEXT = ("退役动力电池镍钴锰湿法回收", "退役三元锂电池黑粉的湿法冶金回收，选择性浸出镍钴锰锂")


def _cursor(catalog: Catalog) -> int:
    with Session(catalog.engine) as s:
        row = s.get(AlertCursor, "alerts")
        return row.seq if row else 0


def _output(catalog: Catalog, headers: dict[str, str], title: str, summary: str, **extra: object) -> dict:  # type: ignore[type-arg]
    r = catalog.client.post(f"{API}/outputs", headers=headers, json={"title": title, "summary": summary, **extra})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _alerts(catalog: Catalog, headers: dict[str, str], sub: dict) -> list[dict]:  # type: ignore[type-arg]
    return catalog.client.get(f"{API}/subscriptions/{sub['id']}/alerts", headers=headers).json()["data"]  # type: ignore[no-any-return]


def test_it_waits_for_a_matcher_that_is_down_then_catches_up(catalog: Catalog) -> None:
    ent = person(catalog, "battery", "enterprise", "新会锂能")
    uni = person(catalog, "wyu", "university", "五邑大学")
    catalog.client.post(f"{API}/subscriptions", headers=ent, json={"kind": "search", "target": "output", "query": "锂电池"})
    _output(catalog, uni, *TEXT)
    down = catalog.settings.model_copy(update={"matcher_url": "http://127.0.0.1:9"})  # nothing listens there
    report = AlertFollower(engine=catalog.engine, settings=down).run_once()
    assert report.waiting and report.alerts == 0 and _cursor(catalog) == 0


def test_changes_the_matcher_has_not_applied_wait_for_it(catalog: Catalog, matcher: TestClient) -> None:
    ent = person(catalog, "battery", "enterprise", "新会锂能")
    uni = person(catalog, "wyu", "university", "五邑大学")
    sub = catalog.client.post(f"{API}/subscriptions", headers=ent, json={
        "kind": "search", "target": "output", "query": "退役锂电池镍钴锰回收", "threshold": 0.3}).json()
    sync(catalog, matcher)
    _output(catalog, uni, *TEXT)  # not yet applied by the matcher
    report = follow(catalog)
    assert report.alerts == 0 and _alerts(catalog, ent, sub) == []
    sync(catalog, matcher)
    assert follow(catalog).alerts == 1 and len(_alerts(catalog, ent, sub)) == 1


def test_own_items_filters_edits_and_pauses(catalog: Catalog, matcher: TestClient,
                                            mailbox: tuple[MailBox, int]) -> None:
    box, _ = mailbox
    uni = person(catalog, "wyu", "university", "五邑大学")
    other = person(catalog, "nmi", "university", "新材料研究院")
    ent = person(catalog, "battery", "enterprise", "新会锂能")
    food = person(catalog, "food", "enterprise", "台山食品")
    query = {"kind": "search", "target": "output", "query": "退役锂电池镍钴锰湿法回收", "threshold": 0.3}
    own = catalog.client.post(f"{API}/subscriptions", headers=uni, json=query).json()
    battery_only = catalog.client.post(f"{API}/subscriptions", headers=ent, json={**query, "cluster": "新能源电池"}).json()
    english = catalog.client.post(f"{API}/subscriptions", headers={**food, **EN}, json=query).json()
    assert english["language"] == "en"
    paused = catalog.client.post(f"{API}/subscriptions", headers=ent, json=query).json()
    assert catalog.client.patch(f"{API}/subscriptions/{paused['id']}", headers=ent,
                                json={"paused": True}).status_code == 200
    sync(catalog, matcher)
    _output(catalog, uni, *TEXT, cluster="新材料")  # its own: not for wyu; the wrong cluster for the battery search
    edited = _output(catalog, other, "海鲜即食产品低温杀菌保鲜", "水产品低温等离子体杀菌", cluster="新能源电池")
    sync(catalog, matcher)
    assert follow(catalog).alerts == 1  # the English subscriber's, for wyu's output
    assert _alerts(catalog, uni, own) == [] and _alerts(catalog, ent, battery_only) == []
    assert _alerts(catalog, ent, paused) == []

    # the unrelated output is edited into a match: new or edited items both fire, once
    r = catalog.client.patch(f"{API}/outputs/{edited['id']}", headers=other,
                             json={"version": edited["version"], "title": "三元锂电池镍钴锰湿法回收", "summary": TEXT[1]})
    assert r.status_code == 200, r.text
    sync(catalog, matcher)
    assert follow(catalog).alerts == 3  # wyu, the battery search (its cluster), and the English one
    assert [a["item_id"] for a in _alerts(catalog, ent, battery_only)] == [edited["id"]]
    assert _alerts(catalog, ent, paused) == []
    assert send_mail(catalog) == 4
    [first, second] = box.to("food@example.cn")
    assert str(first["Subject"]).startswith("【产学研对接】New match: ") and "Why: " in first.get_content()
    assert "Unsubscribe (one click, no sign-in)" in second.get_content()


@dataclass
class _Passes:
    """Stands for the follower: counts passes and reports each as done."""

    engine: object = None
    settings: object = None
    clock: object = staticmethod(lambda: datetime(2026, 12, 3))
    passes: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def run_once(self) -> PassReport:
        self.passes += 1
        if self.passes == 2:
            self.done.set()
        return PassReport()  # nothing moved: the thread sleeps until the next interval


def test_the_background_thread_passes_until_stopped(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    digests = threading.Event()
    monkeypatch.setattr(alerts, "run_digests", lambda **kw: digests.set() or 0)
    fake = _Passes()
    thread = BackgroundFollower(fake, poll_seconds=0.01).start()  # type: ignore[arg-type]
    try:
        assert fake.done.wait(30) and digests.wait(30)
    finally:
        thread.stop()
    assert not thread._thread.is_alive()
