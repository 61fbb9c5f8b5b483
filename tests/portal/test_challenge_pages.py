"""The portal's challenge pages (揭榜挂帅) over HTTP on both databases: the hall, a challenge's page, creating a call
from scratch and from a need, the application form, the reviewer's workspace, the owner's board and the bureau's
dashboard; each page for each role, every form's errors in both languages, and the refusals (drafts invisible,
other applicants' applications invisible, frozen after submission, closed after the deadline)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response

from services.catalog.core import security
from tests.challenges.helpers import INDICATORS, PDF, Clock, People, make_people
from tests.conftest import PASSWORD, Catalog
from tests.portal.helpers import csrf_token, portal_client, sign_in

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_WEIGHTS = [("technical_fit", "技术契合度", 30), ("team_capability", "团队能力", 20),
                   ("plan_feasibility", "方案可行性", 20), ("budget", "预算合理性", 15), ("local_transfer", "本地转化承诺", 15)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    yield


@pytest.fixture
def clock(catalog: Catalog) -> Clock:
    """The app's clock, started 30 days ago and moved by hand."""
    fake = Clock(datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=30))
    catalog.client.app.state.clock = fake  # type: ignore[attr-defined]
    return fake


@dataclass
class Browser:
    """One person's portal session (cookies) and the CSRF token its forms carry."""

    client: TestClient
    token: str = ""

    def get(self, url: str, **kw: Any) -> Response:
        return self._once(self.client.get(url, **kw))

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
        return self._once(self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw))

    def _once(self, response: Response) -> Response:
        """A `?lang=en` request reads that page in English; the next ones stay Chinese (the cookie is dropped)."""
        self.client.cookies.delete("lang")
        return response


def browser(catalog: Catalog, login: str | None) -> Browser:
    client = portal_client(catalog.client.app)
    if login is None:
        return Browser(client, csrf_token(client.get("/login").text))
    sign_in(client, login, PASSWORD)
    return Browser(client, csrf_token(client.get("/challenges").text))


def local(moment: datetime) -> str:
    """A moment as a datetime-local field value (Beijing time)."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def challenge_form(deadline: datetime, **extra: Any) -> dict[str, Any]:
    """The challenge form filled in: two indicators, the default criteria, a bounty of 1,000,000 yuan."""
    form: dict[str, Any] = {
        "title": "退役动力电池高值化回收关键技术", "problem": "三元电池黑粉中镍钴锰锂的高效选择性回收，降低湿法成本",
        "bounty_yuan": "1,000,000", "deadline": local(deadline), "funding_source": "mixed", "cluster": "新能源电池",
        "field": "湿法冶金", "region": "新会区", "regions": "", "joint_bids": "1",
        "ind_name": [i["name"] for i in INDICATORS] + [""], "ind_target": [i["target"] for i in INDICATORS] + [""],
        "ind_unit": [i["unit"] for i in INDICATORS] + [""],
        "ind_verification": [i["verification"] for i in INDICATORS] + [""],
        "cr_key": [k for k, _, _ in DEFAULT_WEIGHTS] + [""], "cr_name_zh": [n for _, n, _ in DEFAULT_WEIGHTS] + [""],
        "cr_name_en": [k for k, _, _ in DEFAULT_WEIGHTS] + [""], "cr_weight": [str(w) for _, _, w in DEFAULT_WEIGHTS] + [""],
    }
    return form | extra


def application_form(**extra: Any) -> dict[str, Any]:
    """The application form filled in: a team of two, both indicators answered, two milestones worth 600,000."""
    return {"team_name": ["李教授", "王博士", ""], "team_role": ["负责人", "工艺", ""], "team_organisation": ["", "", ""],
            "approach": "选择性浸出 + 萃取分离，先小试后中试", "resp_0": "可达到 98.5%", "resp_1": "约 7500 元/吨",
            "ms_due_on": ["2027-03-31", "2027-09-30", ""], "ms_deliverable": ["小试报告", "中试线验收", ""],
            "ms_amount_yuan": ["200000", "400000", ""], "budget_yuan": "900000", **extra}


def created_id(r: Response) -> int:
    assert r.status_code == 303, r.text
    return int(re.search(r"/challenges/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]


def application_id(r: Response) -> int:
    assert r.status_code == 303, r.text
    return int(re.search(r"/applications/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]


def error_text(html: str) -> str:
    """The form-level error and every field error of a page, as text."""
    found = re.findall(r'role="alert"[^>]*>([^<]+)<', html)
    return " | ".join(found)


def published_by_form(owner: Browser, clock: Clock) -> int:
    challenge_id = created_id(owner.post("/challenges/new", challenge_form(clock.now + timedelta(days=10))))
    r = owner.post(f"/challenges/{challenge_id}/move", {"to": "published", "note": "发布"})
    assert r.status_code == 303, r.text
    return challenge_id


def test_the_hall_shows_published_challenges_to_everyone_and_drafts_to_no_one_else(catalog: Catalog,
                                                                                  clock: Clock) -> None:
    make_people(catalog)
    owner, anon, rival = browser(catalog, "owner"), browser(catalog, None), browser(catalog, "other_ent")
    draft = created_id(owner.post("/challenges/new", challenge_form(clock.now + timedelta(days=10),
                                                                    title="尚未发布的草稿榜单")))
    public = published_by_form(owner, clock)
    # The draft: its owner sees it; nobody else, not even its existence.
    assert "尚未发布的草稿榜单" in owner.get("/challenges").text
    for who in (anon, rival, browser(catalog, "uni1"), browser(catalog, "exp1")):
        assert "尚未发布的草稿榜单" not in who.get("/challenges").text
        assert who.get(f"/challenges/{draft}").status_code == 404
    assert browser(catalog, "bureau").get(f"/challenges/{draft}").status_code == 200  # admins see every one
    # The published one: bounty, countdown, status; filters narrow the hall.
    hall = anon.get("/challenges").text
    assert f'data-id="{public}"' in hall and "1,000,000.00" in hall and "剩余 10 天 0 小时" in hall
    assert 'data-total="1"' in hall and "揭榜中" in hall
    assert f'data-id="{public}"' in anon.get("/challenges", params={"cluster": "新能源电池", "region": "新会区"}).text
    assert f'data-id="{public}"' in anon.get("/challenges", params={"field": "湿法"}).text
    for narrowing in ({"cluster": "生物医药"}, {"region": "台山市"}, {"status": "awarded"}, {"field": "光伏"}):
        assert 'data-total="0"' in anon.get("/challenges", params=narrowing).text, narrowing
    assert 'data-total="1"' in anon.get("/challenges", params={"cluster": "不是集群", "status": "nonsense"}).text
    english = anon.get("/challenges", params={"lang": "en"}).text
    assert "Challenge calls" in english and "10 d 0 h left" in english and "Published" in english
    # The challenge's page: problem, indicators, criteria with weights, eligibility, history, the matcher's note.
    page = anon.get(f"/challenges/{public}").text
    assert all(i["name"] in page and i["verification"] in page for i in INDICATORS)
    assert "技术契合度" in page and "30%" in page and "政企联合" in page and "允许" in page
    assert page.count("<tr><td>") >= 2 and "草稿" in page and "揭榜中" in page  # history: draft → published
    assert "匹配服务暂不可用" in page and 'id="apply"' in page and 'id="board"' not in page
    assert "Matching is unavailable" in anon.get(f"/challenges/{public}?lang=en").text
    assert 'id="board"' in owner.get(f"/challenges/{public}").text
    assert 'class="move-closed' in owner.get(f"/challenges/{public}").text
    # Only its owner (or an admin) moves it; the anonymous are sent to sign in.
    assert rival.post(f"/challenges/{public}/move", {"to": "closed"}).status_code == 403
    assert anon.post(f"/challenges/{public}/move", {"to": "closed"}).status_code == 303
    # Closing before the deadline is refused on the page, in the reader's language.
    r = owner.post(f"/challenges/{public}/move", {"to": "closed"})
    assert r.status_code == 409 and "揭榜截止时间未到" in error_text(r.text)
    r = owner.post(f"/challenges/{public}/move?lang=en", {"to": "closed"})
    assert "deadline has not passed" in error_text(r.text)


def test_the_challenge_form_explains_every_error_in_the_readers_language(catalog: Catalog, clock: Clock) -> None:
    make_people(catalog)
    owner = browser(catalog, "owner")
    assert owner.get("/challenges/new").status_code == 200
    assert browser(catalog, "uni1").get("/challenges/new").status_code == 403  # universities apply, not publish
    assert browser(catalog, None).get("/challenges/new").status_code == 303
    future = clock.now + timedelta(days=10)
    weights = challenge_form(future, cr_weight=["30", "20", "20", "15", "10", ""])
    r = owner.post("/challenges/new", weights)
    assert r.status_code == 422 and "权重之和应为 100%，现为 95%" in error_text(r.text)
    assert "weights must sum to 100 %, not 95 %" in error_text(owner.post("/challenges/new?lang=en", weights).text)
    r = owner.post("/challenges/new", challenge_form(clock.now - timedelta(days=1)))
    assert r.status_code == 422 and "截止时间应晚于现在" in error_text(r.text)
    r = owner.post("/challenges/new", challenge_form(future, bounty_yuan="", title=""))
    assert r.status_code == 422 and 'id="err-bounty_yuan"' in r.text and 'id="err-title"' in r.text
    r = owner.post("/challenges/new", challenge_form(future, ind_target=["", "≤8000", ""]))
    assert r.status_code == 422 and "第 1 行目标值" in error_text(r.text)
    assert "row 1 target" in error_text(owner.post("/challenges/new?lang=en",
                                                   challenge_form(future, ind_target=["", "≤8000", ""])).text)
    # What was typed comes back into the form.
    assert "退役动力电池高值化回收关键技术" in r.text and "≤8000" in r.text
    # Publishing without indicators is refused.
    bare = created_id(owner.post("/challenges/new", challenge_form(future, ind_name=[""], ind_target=[""],
                                                                   ind_unit=[""], ind_verification=[""])))
    r = owner.post(f"/challenges/{bare}/move", {"to": "published"})
    assert r.status_code == 422 and "至少填写一项可考核的技术指标" in error_text(r.text)
    # Forms without the CSRF token are refused.
    r = owner.client.post("/challenges/new", data=challenge_form(future))
    assert r.status_code == 403 and "安全令牌" in r.text


def test_a_need_becomes_a_challenge_in_one_step(catalog: Catalog, clock: Clock) -> None:
    p: People = make_people(catalog)
    need = p.ok("owner", "POST", "/needs", 201, json={
        "title": "退役动力电池镍钴锰高效回收", "description": "每年500吨废旧三元电池黑粉，需要低成本湿法回收工艺",
        "cluster": "新能源电池", "region": "新会区", "budget_max_yuan": "800000"})
    owner, bureau, rival = browser(catalog, "owner"), browser(catalog, "bureau"), browser(catalog, "other_ent")
    assert 'id="to-challenge"' in owner.get(f"/needs/{need['id']}").text
    assert 'id="to-challenge"' in bureau.get(f"/needs/{need['id']}").text
    assert 'id="to-challenge"' not in rival.get(f"/needs/{need['id']}").text
    assert rival.get(f"/needs/{need['id']}/challenge").status_code == 403
    assert browser(catalog, "broker").get(f"/needs/{need['id']}/challenge").status_code == 403
    form = bureau.get(f"/needs/{need['id']}/challenge").text
    assert "退役动力电池镍钴锰高效回收" in form and "800000.00" in form and "每年500吨" in form
    fields = challenge_form(clock.now + timedelta(days=10))
    del fields["problem"], fields["title"]
    r = bureau.post(f"/needs/{need['id']}/challenge", fields | {"bounty_yuan": "0"})
    assert r.status_code == 422 and 'id="err-bounty_yuan"' in r.text
    challenge_id = created_id(bureau.post(f"/needs/{need['id']}/challenge", fields))
    page = bureau.get(f"/challenges/{challenge_id}").text
    assert "退役动力电池镍钴锰高效回收" in page and "每年500吨" in page and "江门市科学技术局" in page
    assert f'href="/needs/{need["id"]}"' in page and "草稿" in page
    assert browser(catalog, None).get(f"/challenges/{challenge_id}").status_code == 404  # a draft until published


def test_applying_editing_submitting_and_the_freeze(catalog: Catalog, clock: Clock) -> None:
    make_people(catalog)
    owner, uni1, uni2 = browser(catalog, "owner"), browser(catalog, "uni1"), browser(catalog, "uni2")
    challenge_id = published_by_form(owner, clock)
    assert 'id="apply"' in uni1.get(f"/challenges/{challenge_id}").text
    form = uni1.get(f"/challenges/{challenge_id}/apply").text
    assert all(i["name"] in form for i in INDICATORS) and 'name="ms_due_on"' in form
    assert owner.get(f"/challenges/{challenge_id}/apply").status_code == 403  # the owner cannot apply to itself
    r = owner.post(f"/challenges/{challenge_id}/apply", application_form())
    assert r.status_code == 403 and "不能揭自己的榜" in error_text(r.text)
    # Milestones over the bounty are refused, with the figures.
    r = uni1.post(f"/challenges/{challenge_id}/apply", application_form(ms_amount_yuan=["600000", "500000", ""]))
    assert r.status_code == 422 and "里程碑金额合计 1100000.00 元超过榜单悬赏" in error_text(r.text)
    r = uni1.post(f"/challenges/{challenge_id}/apply?lang=en", application_form(ms_due_on=["2027-13-01", "", ""]))
    assert r.status_code == 422 and "row 1 date" in error_text(r.text)
    # A draft with one indicator unanswered: saved, but not submitted.
    mine = application_id(uni1.post(f"/challenges/{challenge_id}/apply", application_form(resp_1="")))
    url = f"/challenges/{challenge_id}/applications/{mine}"
    page = uni1.get(url).text
    assert 'id="application-form"' in page and 'data-status="draft"' in page and "选择性浸出" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = uni1.post(url + "/submit", {"version": version})
    assert r.status_code == 422 and "请回应技术指标“处理成本”" in error_text(r.text)
    assert uni1.post(url, application_form(version=version)).status_code == 303
    assert uni1.get(f"/challenges/{challenge_id}/apply").headers["location"] == url  # one per organisation
    # A PDF attaches; anything else is refused by its content.
    r = uni1.post(url + "/attachments", files={"file": ("方案.pdf", b"not a pdf", "application/pdf")})
    assert r.status_code == 415 and "应为 PDF" in error_text(r.text)
    r = uni1.post(url + "/attachments", files={"file": ("方案.pdf", PDF, "application/pdf")})
    assert r.status_code == 303 and "方案.pdf" in uni1.get(url).text
    # Other applicants never see it; the owner sees it only once submitted.
    assert uni2.get(url).status_code == 404
    assert owner.get(url).status_code == 404 and 'id="kpi-applications">0<' in owner.get(f"/challenges/{challenge_id}/board").text
    assert 'id="my-application"' not in uni2.get(f"/challenges/{challenge_id}").text
    page = uni1.get(url).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    assert uni1.post(url + "/submit", {"version": version}).status_code == 303
    page = uni1.get(url).text
    assert 'data-status="submitted"' in page and 'id="application-form"' not in page and "已冻结" not in page
    assert "已提交的申请不能再修改" in page and 'id="withdraw-application"' in page
    r = uni1.post(url, application_form(version=str(int(version) + 1), approach="改过的方案"))
    assert r.status_code == 409 and "已提交，内容已冻结" in error_text(r.text)
    assert owner.get(url).status_code == 200 and "选择性浸出" in owner.get(url).text
    assert uni2.get(url).status_code == 404
    board = owner.get(f"/challenges/{challenge_id}/board").text
    assert 'id="kpi-applications">1<' in board and "五邑大学" in board
    assert uni1.get(f"/challenges/{challenge_id}/board").status_code == 403
    # A second organisation's draft stays its own; after the deadline nothing can be started or changed.
    other = application_id(uni2.post(f"/challenges/{challenge_id}/apply", application_form()))
    assert uni1.get(f"/challenges/{challenge_id}/applications/{other}").status_code == 404
    assert owner.get(f"/challenges/{challenge_id}/applications/{other}").status_code == 404
    clock.advance(days=11)
    assert "已截止" in uni2.get(f"/challenges/{challenge_id}/applications/{other}").text
    r = uni2.post(f"/challenges/{challenge_id}/applications/{other}", application_form(version="1"))
    assert r.status_code == 409 and "揭榜已截止" in error_text(r.text)
    r = browser(catalog, "uni3").post(f"/challenges/{challenge_id}/apply", application_form())
    assert r.status_code == 409 and "揭榜已截止" in error_text(r.text)
    assert 'id="apply"' not in browser(catalog, "uni3").get(f"/challenges/{challenge_id}").text


def _submit_as(who: Browser, challenge_id: int) -> int:
    mine = application_id(who.post(f"/challenges/{challenge_id}/apply", application_form()))
    assert who.post(f"/challenges/{challenge_id}/applications/{mine}/submit", {"version": "1"}).status_code == 303
    return mine


def _scores(value: int, **extra: str) -> dict[str, str]:
    return {**{f"score_{k}": str(value) for k, _, _ in DEFAULT_WEIGHTS},
            **{f"comment_{k}": "意见" for k, _, _ in DEFAULT_WEIGHTS}, "no_conflict": "1", **extra}


def test_review_award_milestones_and_the_dashboard(catalog: Catalog, clock: Clock) -> None:
    p = make_people(catalog)
    owner = browser(catalog, "owner")
    challenge_id = published_by_form(owner, clock)
    first, second = _submit_as(browser(catalog, "uni1"), challenge_id), _submit_as(browser(catalog, "uni2"), challenge_id)
    clock.advance(days=11)
    assert owner.post(f"/challenges/{challenge_id}/move", {"to": "closed", "note": "截止"}).status_code == 303
    # Reviewers: the owner assigns experts; one from an applicant's organisation is refused.
    board = owner.get(f"/challenges/{challenge_id}/board").text
    assert 'id="assign-reviewer"' in board
    for expert in ("exp1", "exp2"):
        assert owner.post(f"/challenges/{challenge_id}/board/reviewers", {"user_id": p.ids[expert]}).status_code == 303
    r = owner.post(f"/challenges/{challenge_id}/board/reviewers", {"user_id": p.ids["exp_conflict"]})
    assert r.status_code == 409 and "利益冲突" in error_text(r.text)
    assert owner.post(f"/challenges/{challenge_id}/move", {"to": "under_review"}).status_code == 303
    # The workspace lists only what an expert is assigned.
    exp1, exp2, exp3 = browser(catalog, "exp1"), browser(catalog, "exp2"), browser(catalog, "exp3")
    work = exp1.get("/review").text
    assert f'data-id="{challenge_id}"' in work and work.count('class="to-review"') == 2 and "待评分" in work
    assert f'data-id="{challenge_id}"' not in exp3.get("/review").text
    url = f"/review/challenges/{challenge_id}/applications/{first}"
    assert exp3.get(url).status_code == 403 and browser(catalog, "uni1").get("/review").status_code == 403
    # Scoring: every criterion, 1–5, with the conflict-of-interest declaration.
    r = exp1.post(url, _scores(4, score_budget=""))
    assert r.status_code == 422 and "预算合理性" in error_text(r.text)
    r = exp1.post(url, _scores(7))
    assert r.status_code == 422 and "1 到 5" in error_text(r.text)
    r = exp1.post(url + "?lang=en", _scores(4, no_conflict=""))
    assert r.status_code == 422 and "conflict of interest" in error_text(r.text)
    assert exp2.post(url, _scores(2)).status_code == 303
    # Others' scores stay hidden until one's own are in.
    page = exp1.get(url).text
    assert 'id="review-form"' in page and 'id="all-reviews"' not in page and 'data-reviewer' not in page
    assert exp1.post(url, _scores(5)).status_code == 303
    page = exp1.get(url).text
    assert page.count('class="card review"') == 2 and 'id="review-form"' not in page
    assert "已评分" in exp1.get("/review").text
    assert exp1.post(f"/review/challenges/{challenge_id}/applications/{second}", _scores(3)).status_code == 303
    # The board: weighted mean and spread; award with reason; milestones accepted with evidence.
    board = owner.get(f"/challenges/{challenge_id}/board").text
    rows = re.findall(r'data-application="(\d+)">.*?class="num weighted">([^<]+)<.*?class="num spread">([^<]+)<',
                      board, re.S)
    assert rows == [(str(first), "3.50", "1.50"), (str(second), "3.00", "0.00")]
    r = owner.post(f"/challenges/{challenge_id}/board/award", {"winner": str(first), f"reason_{first}": ""})
    assert r.status_code == 422 and 'role="alert"' in r.text
    assert owner.post(f"/challenges/{challenge_id}/board/award", {}).status_code == 422
    r = owner.post(f"/challenges/{challenge_id}/board/award", {"winner": str(first), f"reason_{first}": "技术路线最优"})
    assert r.status_code == 303
    board = owner.get(f"/challenges/{challenge_id}/board").text
    assert "技术路线最优" in board and 'id="kpi-committed">600,000.00<' in board and "技术合同已登记" in board
    assert owner.post(f"/challenges/{challenge_id}/move", {"to": "in_execution", "note": "签订任务书"}).status_code == 303
    board = owner.get(f"/challenges/{challenge_id}/board").text
    milestones = re.findall(r'class="milestone" data-id="(\d+)" data-status="pending"', board)
    assert len(milestones) == 2
    r = owner.post(f"/challenges/{challenge_id}/board/milestones/{milestones[0]}", {"decision": "accept"})
    assert r.status_code == 422 and 'role="alert"' in r.text  # evidence is required
    assert browser(catalog, "uni1").post(f"/challenges/{challenge_id}/board/milestones/{milestones[0]}",
                                         {"decision": "accept", "evidence": "x"}).status_code == 403
    assert owner.post(f"/challenges/{challenge_id}/board/milestones/{milestones[0]}",
                      {"decision": "accept", "evidence": "小试报告及第三方检测"}).status_code == 303
    board = owner.get(f"/challenges/{challenge_id}/board").text
    assert 'id="kpi-released">200,000.00<' in board and "小试报告及第三方检测" in board
    # The winner sees its agreement on the challenge page; the other applicant does not.
    assert "200,000.00" in browser(catalog, "uni1").get(f"/challenges/{challenge_id}").text.split('id="agreements"')[1]
    assert 'id="agreements"' not in browser(catalog, "uni2").get(f"/challenges/{challenge_id}").text
    # The bureau's dashboard: the challenge funnel and the bounty committed vs released, by cluster and county.
    dash = browser(catalog, "bureau").get("/bureau").text
    assert 'id="kpi-bounty-committed">600,000.00<' in dash and 'id="kpi-bounty-released">200,000.00<' in dash
    funnel = dict(re.findall(r'<tr data-step="(\w+)"><td>[^<]+</td><td class="num">(\d+)</td>', dash))
    assert funnel == {"published": "1", "applications": "2", "reviewed": "2", "awarded": "1", "in_execution": "1",
                      "accepted": "0"}
    assert 'data-key="新能源电池"' in dash and 'data-key="新会区"' in dash
    assert "<svg" in dash.split('id="chart-challenge-funnel"')[1][:200]
    english = browser(catalog, "bureau").get("/bureau?lang=en").text
    assert "Challenge funnel" in english and "challenges awarded" in english
    assert browser(catalog, "owner").get("/bureau").status_code == 403


def test_contacts_entered_on_the_forms_reach_the_other_party_only_after_the_award(catalog: Catalog,
                                                                                  clock: Clock) -> None:
    p: People = make_people(catalog)
    owner, team, anon = browser(catalog, "owner"), browser(catalog, "uni1"), browser(catalog, None)
    challenge_id = created_id(owner.post("/challenges/new", challenge_form(clock.now + timedelta(days=10),
                                                                           contact="张经理 0750-1234567")))
    owner.post(f"/challenges/{challenge_id}/move", {"to": "published", "note": "发布"})
    assert "张经理 0750-1234567" in owner.get(f"/challenges/{challenge_id}").text
    assert "张经理" not in team.get(f"/challenges/{challenge_id}").text and "张经理" not in anon.get(
        f"/challenges/{challenge_id}").text
    app_id = application_id(team.post(f"/challenges/{challenge_id}/apply", application_form(contact="李教授 13800000000")))
    assert "李教授 13800000000" in team.get(f"/challenges/{challenge_id}/applications/{app_id}").text
    application = p.ok("uni1", "GET", f"/challenges/{challenge_id}/applications/{app_id}")
    assert application["contact"] == "李教授 13800000000"
    p.ok("uni1", "POST", f"/challenges/{challenge_id}/applications/{app_id}/submit",
         json={"version": application["version"]})
    assert p.ok("owner", "GET", f"/challenges/{challenge_id}/applications/{app_id}")["contact"] is None
    clock.advance(days=11)
    for to in ("closed", "under_review"):
        p.ok("owner", "POST", f"/challenges/{challenge_id}/transitions", json={"to": to})
    p.ok("owner", "POST", f"/challenges/{challenge_id}/award",
         json={"winners": [{"application_id": app_id, "reason": "唯一申请"}]})
    assert "张经理 0750-1234567" in team.get(f"/challenges/{challenge_id}").text
    assert "李教授 13800000000" in owner.get(f"/challenges/{challenge_id}/applications/{app_id}").text
