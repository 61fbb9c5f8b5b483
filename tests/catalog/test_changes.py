"""The change feed: service-token only, one row per write in the write's transaction, gap-free under concurrent writers."""

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from services.catalog.accounts.models import User
from services.catalog.core.errors import Conflict, NotFound
from services.catalog.items.kinds import NEEDS
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.schemas import NeedCreate
from services.catalog.items.service import apply_update, create_item, delete_item
from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

API = "/api/v1"


def read_feed(catalog: Catalog, after: int = 0, limit: int = 500) -> dict[str, Any]:
    """One page of the change feed."""
    r = catalog.client.get(f"{API}/changes", params={"after": after, "limit": limit}, headers=catalog.service_headers())
    assert r.status_code == 200, r.text
    return dict(r.json())


def replay(catalog: Catalog, page: int) -> list[dict[str, Any]]:
    """Every change, fetched `page` at a time."""
    events: list[dict[str, Any]] = []
    while True:
        batch = read_feed(catalog, after=events[-1]["seq"] if events else 0, limit=page)["changes"]
        if not batch:
            return events
        events.extend(batch)


def test_feed_refuses_everyone_without_the_service_token(catalog: Catalog) -> None:
    c = catalog.client
    admin = fast_user(catalog, "admin1", "admin")
    assert c.get(f"{API}/changes").status_code == 401
    assert c.get(f"{API}/changes", headers=admin).status_code == 403
    assert c.get(f"{API}/changes", headers={"Authorization": "Bearer not-the-service-token"}).status_code == 403
    assert c.get(f"{API}/changes", headers={"Authorization": "Basic c2VydmljZTp0b2tlbg=="}).status_code == 401
    api_token = c.post(f"{API}/auth/api-tokens", headers=admin).json()["token"]
    assert c.get(f"{API}/changes", headers={"Authorization": f"Bearer {api_token}"}).status_code == 403
    assert c.get(f"{API}/changes", headers=catalog.service_headers()).json() == {"changes": [], "last_seq": 0}


def test_every_write_appends_exactly_one_change_and_refusals_none(catalog: Catalog) -> None:
    c = catalog.client
    ent = fast_user(catalog, "ent_a", "enterprise", "甲公司")
    uni = fast_user(catalog, "uni_a", "university", "甲大学")
    other = fast_user(catalog, "ent_b", "enterprise", "乙公司")
    need = c.post(f"{API}/needs", json={"title": "换热器结垢监测", "region": "台山市"}, headers=ent).json()
    output = c.post(f"{API}/outputs", json={"title": "超声除垢技术", "maturity": "中试"}, headers=uni).json()
    c.patch(f"{API}/needs/{need['id']}", json={"version": 1, "title": "换热器结垢在线监测"}, headers=ent)
    refused = [
        c.patch(f"{API}/needs/{need['id']}", json={"version": 1, "title": "过期版本"}, headers=ent),  # 409
        c.patch(f"{API}/needs/{need['id']}", json={"version": 2, "title": "别人的"}, headers=other),  # 403
        c.patch(f"{API}/needs/{need['id']}", json={"version": 2, "title": None}, headers=ent),  # 422
        c.patch(f"{API}/needs/{need['id']}", json={"version": 2, "title": "换热器结垢在线监测"}, headers=ent),  # no-op
        c.post(f"{API}/outputs", json={"title": "企业不能发成果"}, headers=ent),  # 403
        c.delete(f"{API}/needs/{need['id']}", headers=other),  # 403
        c.delete(f"{API}/needs/99999", headers=ent),  # 404
    ]
    assert [r.status_code for r in refused] == [409, 403, 422, 200, 403, 403, 404]
    c.delete(f"{API}/outputs/{output['id']}", headers=uni)
    page = read_feed(catalog)
    assert page["last_seq"] == 4
    got = [(e["seq"], e["op"], e["kind"], e["item_id"]) for e in page["changes"]]
    assert got == [(1, "create", "need", need["id"]), (2, "create", "output", output["id"]),
                   (3, "update", "need", need["id"]), (4, "delete", "output", output["id"])]
    created, _, updated, deleted = page["changes"]
    assert created["item"]["title"] == "换热器结垢监测" and created["item"]["region"] == "台山市"
    assert page["changes"][1]["item"]["region"] == "蓬江区"  # an output carries its owner's region
    assert page["changes"][1]["item"]["maturity"] == "中试"
    assert updated["item"]["title"] == "换热器结垢在线监测" and deleted["item"] is None


def test_a_rolled_back_write_leaves_no_change(catalog: Catalog) -> None:
    fast_user(catalog, "ent_a", "enterprise", "甲公司")
    with Session(catalog.engine) as s:
        user = s.exec(select(User).where(User.login == "ent_a")).one()
        create_item(s, spec=NEEDS, user=user, data=NeedCreate(title="回滚的需求"))
        s.rollback()
    assert read_feed(catalog) == {"changes": [], "last_seq": 0}
    assert catalog.client.get(f"{API}/needs").json()["count"] == 0


def _stale_copy(catalog: Catalog, need_id: int) -> tuple[Session, TechNeed, User]:
    """A session holding the need as read now, its transaction already closed (as a slow editor would)."""
    s = Session(catalog.engine, expire_on_commit=False)
    need, user = s.get(TechNeed, need_id), s.exec(select(User).where(User.login == "ent_a")).one()
    s.commit()
    assert need is not None
    return s, need, user


def test_a_write_from_a_stale_read_is_refused(catalog: Catalog) -> None:
    # The portal and the importer call apply_update on items they read earlier: the version check
    # must use the row as committed now, or a concurrent edit is silently overwritten.
    ent = fast_user(catalog, "ent_a", "enterprise", "甲公司")
    c = catalog.client
    first = c.post(f"{API}/needs", json={"title": "原标题"}, headers=ent).json()["id"]
    second = c.post(f"{API}/needs", json={"title": "另一个"}, headers=ent).json()["id"]
    attempts: list[tuple[int, Callable[[Session, TechNeed, User], object], type[Exception]]] = [
        (first, lambda s, n, u: apply_update(s, item=n, user=u, values={"title": "慢的编辑"}, expected_version=1), Conflict),
        (second, lambda s, n, u: apply_update(s, item=n, user=u, values={"title": "慢的编辑"}, expected_version=1), NotFound),
        (second, lambda s, n, u: delete_item(s, item=n, user=u), NotFound),
    ]
    stale = [_stale_copy(catalog, item_id) for item_id, _, _ in attempts]  # all read before the changes
    assert c.patch(f"{API}/needs/{first}", json={"version": 1, "title": "别人先改了"}, headers=ent).status_code == 200
    assert c.delete(f"{API}/needs/{second}", headers=ent).status_code == 204
    for (slow, need, user), (_, write, refusal) in zip(stale, attempts, strict=True):
        try:
            with pytest.raises(refusal):
                write(slow, need, user)
        finally:
            slow.rollback()
            slow.close()
    assert read_feed(catalog)["last_seq"] == 4  # two creates, the update and the delete; nothing from the stale writes
    assert c.get(f"{API}/needs/{first}").json()["title"] == "别人先改了"


def test_paging_replays_every_change_in_order(catalog: Catalog) -> None:
    ent = fast_user(catalog, "ent_a", "enterprise", "甲公司")
    ids = [catalog.client.post(f"{API}/needs", json={"title": f"需求{i}"}, headers=ent).json()["id"] for i in range(7)]
    for i in ids[:3]:
        catalog.client.patch(f"{API}/needs/{i}", json={"version": 1, "title": "改过的需求"}, headers=ent)
    catalog.client.delete(f"{API}/needs/{ids[0]}", headers=ent)
    full = read_feed(catalog)["changes"]
    assert [e["seq"] for e in full] == list(range(1, 12))
    for size in (1, 3, 5, 11, 50):
        assert replay(catalog, size) == full
    assert read_feed(catalog, after=11)["changes"] == []
    assert read_feed(catalog, after=9, limit=1)["changes"] == full[9:10]
    assert read_feed(catalog, after=100)["last_seq"] == 11
    bad = catalog.client.get(f"{API}/changes", params={"limit": 0}, headers=catalog.service_headers())
    assert bad.status_code == 422


WRITERS, WRITES = 8, 25


def _writer(catalog: Catalog, n: int, headers: dict[str, str], kind: str, known: dict[int, int],
            lock: threading.Lock, done: list[tuple[str, int]]) -> None:
    """Mix creates, updates and deletes on items other writers also touch; record what succeeded."""
    rnd = random.Random(n)
    c = catalog.client
    for i in range(WRITES):
        with lock:
            pool = list(known.items())
        roll = rnd.random()
        if roll < 0.35 or not pool:
            r = c.post(f"{API}/{kind}s", json={"title": f"并发{kind} {n}-{i}", "keywords": ["并发"]}, headers=headers)
            if r.status_code == 201:
                with lock:
                    known[r.json()["id"]] = 1
        elif roll < 0.85:
            item_id, version = rnd.choice(pool)
            r = c.patch(f"{API}/{kind}s/{item_id}", json={"version": version, "title": f"改 {n}-{i}"}, headers=headers)
            if r.status_code == 200:
                with lock:
                    known[item_id] = max(known.get(item_id, 0), r.json()["version"])
            elif r.status_code == 409:
                # someone else won; learn the current version for next time
                cur = c.get(f"{API}/{kind}s/{item_id}", headers=headers)
                if cur.status_code == 200:
                    with lock:
                        known[item_id] = max(known.get(item_id, 0), cur.json()["version"])
        else:
            item_id, _ = rnd.choice(pool)
            r = c.delete(f"{API}/{kind}s/{item_id}", headers=headers)
            if r.status_code in (204, 404):
                with lock:
                    known.pop(item_id, None)
        assert r.status_code in (200, 201, 204, 404, 409), r.text
        done.append((kind, r.status_code))


def test_feed_is_gap_free_and_replays_the_catalog_under_concurrent_writers(catalog: Catalog) -> None:
    writers = []
    for n in range(WRITERS):
        # two organisations, four writers each: they update and delete one another's items
        role, org, kind = ("enterprise", "甲公司", "need") if n % 2 else ("university", "甲大学", "output")
        writers.append((fast_user(catalog, f"writer{n}", role, org), kind))
    known: dict[str, dict[int, int]] = {"need": {}, "output": {}}
    lock, done = threading.Lock(), list[tuple[str, int]]()
    threads = [threading.Thread(target=_writer, args=(catalog, n, h, kind, known[kind], lock, done))
               for n, (h, kind) in enumerate(writers)]
    for t in threads:
        t.start()
    # Follow the feed with small pages while the writers run, as the matcher does.
    followed: list[dict[str, Any]] = []
    while any(t.is_alive() for t in threads):
        page = read_feed(catalog, after=followed[-1]["seq"] if followed else 0, limit=5)
        followed.extend(page["changes"])
        if not page["changes"]:
            time.sleep(0.01)
    for t in threads:
        t.join()
    assert len(done) == WRITERS * WRITES  # every writer finished without an unexpected status
    followed.extend(replay(catalog, 5)[len(followed):])
    successes = sum(1 for _, status in done if status in (200, 201, 204))
    seqs = [e["seq"] for e in followed]
    assert seqs == list(range(1, successes + 1))  # no gaps, no duplicates, nothing extra
    assert replay(catalog, 7) == followed  # a second reader sees the same history
    ops = [e["op"] for e in followed]
    assert ops.count("update") > 0 and ops.count("delete") > 0

    # Replaying the feed reproduces the final catalog: the same items, titles and versions.
    state: dict[tuple[str, int], tuple[str, int]] = {}
    for e in followed:
        key = (e["kind"], e["item_id"])
        if e["op"] == "create":
            assert key not in state
            state[key] = (e["item"]["title"], 1)
        elif e["op"] == "update":
            state[key] = (e["item"]["title"], state[key][1] + 1)
        else:
            del state[key]
    with Session(catalog.engine) as s:
        stored = {("need", n.id or 0): (n.title, n.version) for n in s.exec(select(TechNeed)).all()}
        stored |= {("output", o.id or 0): (o.title, o.version) for o in s.exec(select(ResearchOutput)).all()}
    assert state == stored
