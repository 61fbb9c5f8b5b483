"""University, broker and bureau pages over HTTP on both databases (the browser suite covers SQLite only)."""

import re

import pytest
from sqlmodel import Session, select

from services.catalog.accounts.models import User
from services.catalog.core.inputs import MAX_PAGE
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.schemas import NeedCreate, OutputCreate
from services.catalog.items.service import create_item
from services.catalog.matching import client as matching_client
from services.catalog.matching import service as matching_service
from services.catalog.workflow import service
from services.catalog.workflow.models import Match
from services.catalog.workflow.notifications import notify
from services.catalog.workflow.vocab import MatchStatus
from shared.schemas import MatcherStatus
from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, finish_imports, portal_client, read_pages, sign_in


def _seed_pair(catalog: Catalog) -> tuple[int, int]:
    """An enterprise need and a university output, proposed as a match by a broker."""
    catalog.user("ent", "enterprise", "甲公司", region="新会区")
    catalog.user("uni", "university", "乙大学")
    catalog.user("bro", "broker", "服务中心")
    with Session(catalog.engine) as s:
        users = {u.login: u for u in s.exec(select(User)).all()}
        need = create_item(s, spec=NEEDS, user=users["ent"], data=NeedCreate(
            title="废旧电池回收工艺", description="需要高回收率的湿法回收工艺", region="新会区"))  # type: ignore[arg-type]
        output = create_item(s, spec=OUTPUTS, user=users["uni"], data=OutputCreate(
            title="湿法回收技术", summary="从废旧电池中回收镍钴锰"))  # type: ignore[arg-type]
        assert isinstance(need, TechNeed) and isinstance(output, ResearchOutput)
        service.propose(s, user=users["bro"], need=need, output=output, score=0.8,
                        explanation={"zh": "共同关键词：回收", "en": "shared: recycling", "matched_terms": ["回收"]},
                        components={"dense": 0.7, "lexical": 0.9}, model="test", broker_id=None, note=None)
        s.commit()
        return need.id or 0, output.id or 0


def test_university_uploads_csv_and_sees_the_bad_row(catalog: Catalog) -> None:
    catalog.user("uni2", "university", "丙大学")
    client = portal_client(catalog.client.app)
    sign_in(client, "uni2", PASSWORD)
    token = csrf_token(client.get("/upload").text)
    body = "标题,成熟度,外部编号\n电机控制算法,小试,A-1\n传感器标定方法,很成熟,A-2\n".encode()
    r = client.post("/upload", data={"csrf_token": token, "partial": "true"},
                    files={"file": ("成果.csv", body, "text/csv")})
    assert r.status_code == 303 and r.headers["location"].startswith("/upload/jobs/")
    job_url = r.headers["location"]
    finish_imports()
    page = client.get(job_url).text
    assert 'data-finished="true"' in page
    assert re.findall(r'<tr data-row="(\d+)"', page) == ["3"]
    csv_text = client.get(job_url + "/errors.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("3,")
    mine = client.get("/my/outputs").text
    assert 'data-total="1"' in mine and "电机控制算法" in mine
    # Uploading is for output owners only.
    catalog.user("ent9", "enterprise", "丁公司")
    other = portal_client(catalog.client.app)
    sign_in(other, "ent9", PASSWORD)
    assert other.get("/upload").status_code == 403


def test_my_outputs_comes_a_page_at_a_time(catalog: Catalog) -> None:
    catalog.user("uni7", "university", "庚大学")
    catalog.user("uni8", "university", "辛大学")
    with Session(catalog.engine) as s:
        users = {u.login: u for u in s.exec(select(User)).all()}
        for i in range(23):
            create_item(s, spec=OUTPUTS, user=users["uni7"], data=OutputCreate(
                title=f"第{i:02d}项成果：陶瓷基板切割", summary="激光切割陶瓷基板", status="draft" if i % 2 else "published"))  # type: ignore[arg-type]
        create_item(s, spec=OUTPUTS, user=users["uni8"], data=OutputCreate(title="别校成果", summary="不计入"))  # type: ignore[arg-type]
        s.commit()
    client = portal_client(catalog.client.app)
    sign_in(client, "uni7", PASSWORD)
    pages, ids = read_pages(client, "/my/outputs", r'<tr data-id="(\d+)"')
    assert len(ids[2]) == 3 and all('data-total="23"' in page for page in pages) and "别校成果" not in "".join(pages)
    assert "第22项成果" in pages[0] and "第00项成果" in pages[2]  # newest first
    beyond = client.get("/my/outputs", params={"page": MAX_PAGE})
    assert beyond.status_code == 200 and 'data-total="23"' in beyond.text and "<tr data-id=" not in beyond.text
    for bad in ("0", str(MAX_PAGE + 1), "x"):
        assert client.get("/my/outputs", params={"page": bad}).status_code == 400


def test_upload_job_lists_its_bad_rows_a_page_at_a_time(catalog: Catalog) -> None:
    catalog.user("uni9", "university", "壬大学")
    client = portal_client(catalog.client.app)
    sign_in(client, "uni9", PASSWORD)
    token = csrf_token(client.get("/upload").text)
    lines = [f"成果{i:02d},{'很成熟' if i < 23 else '小试'},B-{i}" for i in range(25)]  # 23 bad rows, 2 good
    body = "\n".join(["标题,成熟度,外部编号", *lines, ""]).encode()
    r = client.post("/upload", data={"csrf_token": token, "partial": "true"},
                    files={"file": ("成果.csv", body, "text/csv")})
    assert r.status_code == 303
    job_url = r.headers["location"]
    finish_imports()
    assert 'data-finished="true"' in client.get(job_url).text
    pages = [client.get(job_url, params={"page": n}).text for n in (1, 2, 3)]
    rows = [re.findall(r'<tr data-row="(\d+)"', page) for page in pages]
    assert [len(x) for x in rows] == [10, 10, 3]
    assert sorted(int(n) for x in rows for n in x) == list(range(2, 25))  # the header is row 1
    assert all('data-total="23"' in page for page in pages) and 'rel="next"' in pages[0] and 'rel="next"' not in pages[2]
    csv_rows = client.get(job_url + "/errors.csv").content.decode("utf-8-sig").splitlines()[1:]
    assert len(csv_rows) == 23  # the download keeps every bad row
    beyond = client.get(job_url, params={"page": MAX_PAGE})
    assert beyond.status_code == 200 and 'data-total="23"' in beyond.text and "<tr data-row=" not in beyond.text
    for bad in ("0", str(MAX_PAGE + 1), "x"):
        assert client.get(job_url, params={"page": bad}).status_code == 400


def test_inbox_comes_a_page_at_a_time(catalog: Catalog) -> None:
    _seed_pair(catalog)
    with Session(catalog.engine) as s:
        users = {u.login: u for u in s.exec(select(User)).all()}
        match = s.exec(select(Match)).one()
        for to in (MatchStatus.shortlisted, MatchStatus.introduced):  # the introduction is the oldest notification
            service.transition(s, match=match, user=users["bro"], to=to)
        for i in range(22):
            notify(s, users=[users["ent"]], kind="test", subject=f"第{i:02d}条通知", body="正文 body")
        notify(s, users=[users["uni"]], kind="test", subject="别人的通知", body="不计入")
        s.commit()
        match_id = match.id
    client = portal_client(catalog.client.app)
    sign_in(client, "ent", PASSWORD)
    pages, ids = read_pages(client, "/inbox", r'<article class="card notification[^"]*" data-id="(\d+)"')
    assert len(ids[2]) == 3 and all('data-total="23"' in page for page in pages) and "别人的通知" not in "".join(pages)
    assert "第21条通知" in pages[0] and "第00条通知" in pages[2] and "对接引荐" in pages[2]  # newest first
    assert all(f'data-match="{match_id}"' in page and "23 条未读" in page for page in pages)  # the introduction waits on every page
    # Marking all read, or answering the introduction, comes back to the page the form was sent from.
    token = csrf_token(pages[1])
    r = client.post("/inbox/read-all?page=2", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/inbox?page=2"
    again = client.get(r.headers["location"]).text
    assert "条未读" not in again and re.findall(r'<article class="card notification[^"]*" data-id="(\d+)"', again) == ids[1]
    assert f'action="/inbox/matches/{match_id}/respond?page=3"' in pages[2]
    r = client.post(f"/inbox/matches/{match_id}/respond?page=3", data={"csrf_token": token, "answer": "accept"})
    assert r.status_code == 303 and r.headers["location"] == "/inbox?answered=accepted&page=3"
    assert "已接受引荐" in client.get(r.headers["location"]).text
    beyond = client.get("/inbox", params={"page": MAX_PAGE})
    assert beyond.status_code == 200 and 'data-total="23"' in beyond.text and 'class="card notification' not in beyond.text
    for bad in ("0", str(MAX_PAGE + 1), "x"):
        assert client.get("/inbox", params={"page": bad}).status_code == 400
        assert client.post("/inbox/read-all", params={"page": bad}, data={"csrf_token": token}).status_code == 400


def test_university_edits_its_output_with_field_errors(catalog: Catalog) -> None:
    _, output_id = _seed_pair(catalog)
    client = portal_client(catalog.client.app)
    sign_in(client, "uni", PASSWORD)
    form = client.get(f"/my/outputs/{output_id}/edit").text
    data = {"title": "湿法回收技术（第二版）", "summary": "新摘要", "price_yuan": "-5", "status": "published",
            "version": "1", "csrf_token": csrf_token(form)}
    r = client.post(f"/my/outputs/{output_id}/edit", data=data)
    assert r.status_code == 422 and 'id="err-price_yuan"' in r.text
    r = client.post(f"/my/outputs/{output_id}/edit", data={**data, "price_yuan": "300000"})
    assert r.status_code == 303
    assert "湿法回收技术（第二版）" in client.get(f"/outputs/{output_id}").text


def test_broker_reviews_queue_and_declines_with_reason(catalog: Catalog) -> None:
    need_id, output_id = _seed_pair(catalog)
    broker = portal_client(catalog.client.app)
    sign_in(broker, "bro", PASSWORD)
    assert "废旧电池回收工艺" in broker.get("/broker").text
    page = broker.get(f"/broker/needs/{need_id}").text
    assert f'id="output-{output_id}"' in page and 'data-status="proposed"' in page
    assert "匹配服务暂不可用" in page  # no matcher in this test: existing matches still show
    r = broker.post(f"/broker/needs/{need_id}/outputs/{output_id}",
                    data={"action": "decline", "reason": "价格", "csrf_token": csrf_token(page)})
    assert r.status_code == 303
    with Session(catalog.engine) as s:
        match = s.exec(select(Match).where(Match.need_id == need_id)).one()
        assert match.status == "declined" and match.decline_reason == "价格"
    board = broker.get("/broker/pipeline").text
    assert 'data-status="proposed"' in board
    # Enterprises and universities may not open broker pages.
    ent = portal_client(catalog.client.app)
    sign_in(ent, "ent", PASSWORD)
    assert ent.get(f"/broker/needs/{need_id}").status_code == 403
    assert ent.get("/bureau").status_code == 403


def test_contract_form_checks_fields_and_dashboard_counts_it(catalog: Catalog) -> None:
    need_id, output_id = _seed_pair(catalog)
    catalog.user("admin1", "admin")
    broker = portal_client(catalog.client.app)
    sign_in(broker, "bro", PASSWORD)
    form = broker.get("/broker/contracts/new").text
    with Session(catalog.engine) as s:
        need = s.get(TechNeed, need_id)
        output = s.get(ResearchOutput, output_id)
        assert need is not None and output is not None
        buyer, seller = need.organisation_id, output.organisation_id
    data = {"registration_no": "x", "contract_type": "技术转让", "amount_yuan": "0", "signed_on": "2026-11-01",
            "buyer_org_id": str(buyer), "seller_org_id": str(seller), "csrf_token": csrf_token(form)}
    r = broker.post("/broker/contracts/new", data=data)
    assert r.status_code == 422 and 'id="err-registration_no"' in r.text and 'id="err-amount_yuan"' in r.text
    r = broker.post("/broker/contracts/new", data={**data, "registration_no": "2026-0001", "amount_yuan": "350000"})
    assert r.status_code == 303
    admin = portal_client(catalog.client.app)
    sign_in(admin, "admin1", PASSWORD)
    dashboard = admin.get("/bureau").text
    assert "350,000.00" in dashboard and "<svg" in dashboard and "<script" not in dashboard.split("</head>")[1]


def test_the_broker_is_told_while_matching_catches_up(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed_pair(catalog)
    lag = [1234]

    def status(*, settings: object) -> MatcherStatus:
        return MatcherStatus(items={"output": 1, "need": 1}, cursor=10, catalog_seq=10 + lag[0], lag=lag[0],
                             model="usem3", dimension=512, index_type="flat")

    monkeypatch.setattr(matching_client, "get_status", status)
    monkeypatch.setattr(matching_service, "_pending", {})
    client = portal_client(catalog.client.app)
    sign_in(client, "bro", PASSWORD)
    page = client.get("/broker").text
    assert 'data-pending="1234"' in page and "匹配正在追赶最新数据（还有 1234 条变更待处理）" in page
    lag[0] = 0
    monkeypatch.setattr(matching_service, "_pending", {})  # past the two seconds a reading is kept
    assert "catching-up" not in client.get("/broker").text
