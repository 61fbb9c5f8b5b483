"""Issue 16, acceptance 3, on SQLite and PostgreSQL with the real matcher in-process and a local SMTP server:
subscribe → a matching output is imported → exactly one inbox notification and one e-mail; nothing for a
brokers-only need to an enterprise; nothing again after a restart or an edit; the e-mail's unsubscribe link works
without signing in and cannot be forged; a daily digest gathers several alerts into one e-mail."""

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from services.catalog.imports.run import Upload, run_import
from services.catalog.imports.service import operator
from services.catalog.items.kinds import OUTPUTS
from services.catalog.main import create_app
from services.catalog.subscriptions.alerts import AlertFollower
from services.catalog.subscriptions.digest import run_digests
from tests.catalog.fixtures_import import OUTPUT_HEADERS, ZH, csv_bytes, output_row
from tests.conftest import Catalog
from tests.inprocess_matcher import matcher, sync
from tests.subscriptions.conftest import PORTAL, MailBox, follow, person, send_mail

__all__ = ["matcher"]  # the fixture
API = "/api/v1"
RECYCLING = ("退役动力电池镍钴锰湿法回收", "退役三元锂电池黑粉的湿法冶金回收，选择性浸出镍钴锰锂，回收率高于98%")
UNRELATED = ("海鲜即食产品低温杀菌保鲜", "水产品低温等离子体杀菌，延长即食海鲜保质期")


def _import_outputs(catalog: Catalog, org: str, rows: list[tuple[str, str]], first: int = 0) -> None:
    """Import outputs of a university through `imports.run.run_import`, the way every upload goes."""
    lines = [output_row(first + i, 标题=title, 摘要=summary, 关键词="", 外部编号=f"U-{first + i}")
             for i, (title, summary) in enumerate(rows)]
    with Session(catalog.engine, expire_on_commit=False) as session:
        outcome = run_import(session=session, engine=catalog.engine, spec=OUTPUTS, user=operator(),
                             upload=Upload(csv_bytes(OUTPUT_HEADERS, lines), "outputs.csv"),
                             requested_org=catalog.org(org, "university"), partial=False, dry_run=False, zh=True,
                             background=False, threshold=1000)
    assert outcome.result is not None and outcome.result.created == len(rows)


def _inbox(catalog: Catalog, headers: dict[str, str]) -> list[dict[str, object]]:
    r = catalog.client.get(f"{API}/notifications", headers=headers)
    assert r.status_code == 200, r.text
    return [n for n in r.json()["data"] if str(n["kind"]).startswith("subscription")]


def test_a_new_matching_output_alerts_once_and_the_link_unsubscribes(catalog: Catalog, matcher: TestClient,
                                                                     mailbox: tuple[MailBox, int]) -> None:
    box, _ = mailbox
    ent = person(catalog, "battery", "enterprise", "新会锂能电池有限公司")
    need = catalog.client.post(f"{API}/needs", headers=ent, json={
        "title": "退役动力电池中镍钴锰的高效回收", "description": "回收退役三元锂电池中的镍、钴、锰和锂，要求湿法回收率高"}).json()
    sub = catalog.client.post(f"{API}/subscriptions", headers={**ent, **ZH},
                              json={"kind": "need", "need_id": need["id"], "threshold": 0.4})
    assert sub.status_code == 201, sub.text
    assert sub.json()["target"] == "output" and sub.json()["subject"] == need["title"]
    sync(catalog, matcher)
    assert follow(catalog).alerts == 0  # the need itself fires nothing

    _import_outputs(catalog, "五邑大学", [RECYCLING, UNRELATED])
    sync(catalog, matcher)
    report = follow(catalog)
    assert report.alerts == 1 and not report.waiting
    assert send_mail(catalog) == 1

    notes = _inbox(catalog, ent)
    assert len(notes) == 1 and RECYCLING[0] in str(notes[0]["subject"])
    [mail] = box.to("battery@example.cn")
    body = mail.get_content()
    assert RECYCLING[0] in body and "理由：" in body and UNRELATED[0] not in body
    alerts = catalog.client.get(f"{API}/subscriptions/{sub.json()['id']}/alerts", headers=ent).json()
    assert alerts["count"] == 1 and alerts["data"][0]["explanation_zh"] in body

    # a restart: a new app and a new follower over the same database; then the output is edited
    with TestClient(create_app(catalog.settings)):
        assert follow(catalog).alerts == 0
    output_id = alerts["data"][0]["item_id"]
    uni = person(catalog, "wyu", "university", "五邑大学")
    version = catalog.client.get(f"{API}/outputs/{output_id}", headers=uni).json()["version"]
    r = catalog.client.patch(f"{API}/outputs/{output_id}", headers=uni,
                             json={"version": version, "summary": RECYCLING[1] + "，已完成中试"})
    assert r.status_code == 200, r.text
    sync(catalog, matcher)
    assert follow(catalog).alerts == 0 and send_mail(catalog) == 0
    assert len(_inbox(catalog, ent)) == 1 and len(box.to("battery@example.cn")) == 1

    # the e-mail's link, anonymously; then the same link again; then forged ones
    link = re.search(rf"{re.escape(PORTAL)}(/unsubscribe\?token=\S+)", body)
    assert link is not None
    token = link.group(1).split("token=")[1]
    forged = [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), f"{int(token.split('.')[0]) + 1}."
              + token.split(".", 1)[1], "1.1.x", "nonsense"]
    for bad in forged:
        r = catalog.client.get(f"{API}/subscriptions/unsubscribe", params={"token": bad}, headers=ZH)
        assert r.status_code == 400 and r.json()["error"] == "invalid_token" and "退订链接无效" in r.json()["message"]
    assert catalog.client.get(f"{API}/subscriptions/{sub.json()['id']}", headers=ent).status_code == 200
    page = catalog.client.get(link.group(1))  # no Authorization header: the portal page, as a mail client opens it
    assert page.status_code == 200 and "您已退订" in page.text
    assert catalog.client.get(f"{API}/subscriptions/{sub.json()['id']}", headers=ent).status_code == 404
    again = catalog.client.get(f"{API}/subscriptions/unsubscribe", params={"token": token})
    assert again.status_code == 200 and again.json() == {"subscription_id": sub.json()["id"], "removed": False}


def test_a_brokers_only_need_never_reaches_an_enterprise_or_a_university(catalog: Catalog,
                                                                         matcher: TestClient) -> None:
    search = {"kind": "search", "target": "need", "query": "电池极片涂布缺陷的机器视觉在线检测", "threshold": 0.3}
    food = person(catalog, "food", "enterprise", "台山海味食品有限公司")
    broker = person(catalog, "broker", "broker", "江门市科技成果转化服务中心")
    uni = person(catalog, "wyu", "university", "五邑大学")
    output = catalog.client.post(f"{API}/outputs", headers=uni, json={
        "title": "基于机器视觉的电池极片表面缺陷在线检测系统", "summary": "深度学习检测锂电池极片涂布缺陷", "status": "published"})
    assert output.status_code == 201, output.text
    for who in (food, broker):
        assert catalog.client.post(f"{API}/subscriptions", headers=who, json=search).status_code == 201
    assert catalog.client.post(f"{API}/subscriptions", headers=uni,
                               json={"kind": "output", "output_id": output.json()["id"], "threshold": 0.3}
                               ).status_code == 201
    battery = person(catalog, "battery", "enterprise", "新会锂能电池有限公司")
    secret = catalog.client.post(f"{API}/needs", headers=battery, json={
        "title": "极片涂布缺陷自动检测", "description": "锂电池极片涂布缺陷的机器视觉在线检测", "confidentiality": "brokers_only"})
    assert secret.status_code == 201, secret.text
    sync(catalog, matcher)
    assert follow(catalog).alerts == 1  # the broker's alone
    assert _inbox(catalog, food) == [] and _inbox(catalog, uni) == []
    [note] = _inbox(catalog, broker)
    assert "极片涂布缺陷自动检测" in str(note["subject"])


def test_a_daily_digest_gathers_the_days_alerts_into_one_email(catalog: Catalog, matcher: TestClient,
                                                               mailbox: tuple[MailBox, int]) -> None:
    box, _ = mailbox
    ent = person(catalog, "battery", "enterprise", "新会锂能电池有限公司")
    need = catalog.client.post(f"{API}/needs", headers=ent, json={
        "title": "退役动力电池中镍钴锰的高效回收", "description": "回收退役三元锂电池中的镍、钴、锰和锂"}).json()
    r = catalog.client.post(f"{API}/subscriptions", headers=ent,  # asked in English: the digest comes in English
                            json={"kind": "need", "need_id": need["id"], "threshold": 0.3, "frequency": "daily"})
    assert r.status_code == 201, r.text
    _import_outputs(catalog, "五邑大学", [RECYCLING, ("废旧锂电池正极材料湿法回收镍钴锰", "湿法浸出回收废旧锂离子电池正极中的镍钴锰"),
                                      UNRELATED])
    sync(catalog, matcher)
    morning = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    follower = AlertFollower(engine=catalog.engine, settings=catalog.settings, clock=lambda: morning)
    assert follower.run_once().alerts == 2
    assert send_mail(catalog) == 0 and _inbox(catalog, ent) == []  # waiting for the digest

    assert run_digests(engine=catalog.engine, settings=catalog.settings, now=morning + timedelta(hours=21)) == 0
    next_day = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    assert run_digests(engine=catalog.engine, settings=catalog.settings, now=next_day) == 1
    assert run_digests(engine=catalog.engine, settings=catalog.settings, now=next_day + timedelta(days=1)) == 0
    assert send_mail(catalog) == 1
    [mail] = box.to("battery@example.cn")
    assert "daily digest: 2 new matches" in str(mail["Subject"])
    body = mail.get_content()
    assert RECYCLING[0] in body and "废旧锂电池正极材料湿法回收镍钴锰" in body and UNRELATED[0] not in body
    assert body.count("Unsubscribe (one click, no sign-in): http://portal.test/unsubscribe?token=") == 1
    [note] = _inbox(catalog, ent)
    assert note["kind"] == "subscription_digest"
