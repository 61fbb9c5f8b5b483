"""Bad input to challenges gets a clear 4xx in Chinese and in English: weights not summing to 100 %, scores
outside 1–5, applying after the deadline or twice, milestones over the bounty, attachments not PDF or too large."""

from datetime import timedelta
from typing import Any

import pytest

from tests.challenges.helpers import (
    PDF,
    Clock,
    People,
    application_body,
    challenge_body,
    make_people,
    published,
    scores,
    submitted,
)
from tests.conftest import Catalog

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def people(catalog: Catalog) -> People:
    return make_people(catalog)


def _both(p: People, who: str, method: str, url: str, status: int, zh: str, en: str, **kw: Any) -> None:
    """The request answers `status` with `zh` in its Chinese message and `en` in its English one."""
    chinese = p.catalog.client.request(method, "/api/v1" + url, headers={**p.headers[who], **ZH}, **kw)
    english = p.catalog.client.request(method, "/api/v1" + url, headers=p.headers[who], **kw)
    assert chinese.status_code == english.status_code == status, (chinese.text, english.text)
    assert zh in chinese.json()["message"], chinese.json()
    assert en in english.json()["message"], english.json()


def test_criteria_weights_must_sum_to_100(people: People, clock: Clock) -> None:
    criteria = [{"key": "fit", "name_zh": "契合", "name_en": "fit", "weight": 60},
                {"key": "team", "name_zh": "团队", "name_en": "team", "weight": 30}]
    body = challenge_body(clock.now + timedelta(days=5), criteria=criteria)
    _both(people, "owner", "POST", "/challenges", 422, "权重之和应为 100%，现为 90%", "must sum to 100 %, not 90 %",
          json=body)


def test_a_deadline_in_the_past_and_publishing_without_indicators_are_refused(people: People, clock: Clock) -> None:
    p = people
    _both(p, "owner", "POST", "/challenges", 422, "截止时间应晚于现在", "deadline must be in the future",
          json=challenge_body(clock.now - timedelta(hours=1)))
    draft = p.ok("owner", "POST", "/challenges", 201, json=challenge_body(clock.now + timedelta(days=5), indicators=[]))
    _both(p, "owner", "POST", f"/challenges/{draft['id']}/transitions", 422, "至少填写一项可考核的技术指标",
          "at least one measurable indicator", json={"to": "published"})
    _both(p, "owner", "POST", f"/challenges/{draft['id']}/transitions", 409, "不能改为", "cannot move to",
          json={"to": "awarded"})


def test_applying_twice_after_the_deadline_or_over_the_bounty_is_refused(people: People, clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5), bounty_yuan="500000")
    url = f"/challenges/{ch['id']}/applications"
    _both(p, "uni1", "POST", url, 422, "里程碑金额合计 600000.00 元超过榜单悬赏 500000.00 元",
          "total 600000.00 yuan, more than the bounty of 500000.00 yuan", json=application_body())
    body = application_body()
    body["milestones"][1]["amount_yuan"] = "100000"
    p.ok("uni1", "POST", url, 201, json=body)
    _both(p, "uni1", "POST", url, 409, "每个单位只能申请一次", "one application per organisation", json=body)
    clock.advance(days=5)
    _both(p, "uni2", "POST", url, 409, "揭榜已截止", "deadline has passed", json=body)


def test_incomplete_submitted_and_late_changes_are_refused(people: People, clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    url = f"/challenges/{ch['id']}/applications"
    empty = p.ok("uni1", "POST", url, 201, json={})
    _both(p, "uni1", "POST", f"{url}/{empty['id']}/submit", 422, "请回应技术指标“镍钴锰回收率”",
          "respond to the indicator '镍钴锰回收率'", json={"version": empty["version"]})
    app = submitted(p, ch["id"], "uni2")
    _both(p, "uni2", "PATCH", f"{url}/{app['id']}", 409, "已提交，内容已冻结", "only drafts can be changed",
          json={"version": app["version"], "approach": "换个思路"})
    _both(p, "uni1", "PATCH", f"{url}/{empty['id']}", 409, "已被他人修改", "changed meanwhile",
          json={"version": 99, "approach": "换个思路"})
    clock.advance(days=5, seconds=1)
    _both(p, "uni2", "POST", f"{url}/{app['id']}/withdraw", 409, "揭榜已截止", "deadline has passed",
          json={"version": app["version"]})


def test_attachments_must_be_pdfs_under_the_size_cap(people: People, clock: Clock, catalog: Catalog) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    app = p.ok("uni1", "POST", f"/challenges/{ch['id']}/applications", 201, json=application_body())
    url = f"/challenges/{ch['id']}/applications/{app['id']}/attachments"
    _both(p, "uni1", "POST", url, 415, "附件应为 PDF 文件", "must be a PDF",
          files={"file": ("plan.pdf", b"PK\x03\x04 not a pdf", "application/pdf")})
    catalog.settings.challenge_attachment_max_mb = 0.001  # about 1 kB
    _both(p, "uni1", "POST", url, 413, "附件超过", "exceeds the",
          files={"file": ("big.pdf", PDF + b"0" * 2000, "application/pdf")})
    stored = p.ok("uni1", "POST", url, 201, files={"file": ("方案.pdf", PDF, "application/pdf")})
    assert stored["filename"] == "方案.pdf" and stored["size_bytes"] == len(PDF)
    files = list((catalog.settings.data_dir / "challenge_attachments").rglob("*.pdf"))
    assert len(files) == 1 and files[0].read_bytes() == PDF


def test_scores_outside_1_to_5_missing_criteria_conflicts_and_double_reviews_are_refused(people: People,
                                                                                          clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5))
    app = submitted(p, ch["id"], "uni1")
    clock.advance(days=6)
    for to in ("closed", "under_review"):
        p.ok("owner", "POST", f"/challenges/{ch['id']}/transitions", json={"to": to})
    _both(p, "owner", "POST", f"/challenges/{ch['id']}/reviewers", 409, "利益冲突", "Conflict of interest",
          json={"user_id": p.ids["exp_conflict"]})
    _both(p, "owner", "POST", f"/challenges/{ch['id']}/reviewers", 422, "不是在职的评审专家", "is not an active expert",
          json={"user_id": p.ids["broker"]})
    p.ok("owner", "POST", f"/challenges/{ch['id']}/reviewers", 201, json={"user_id": p.ids["exp1"]})
    url = f"/challenges/{ch['id']}/applications/{app['id']}/reviews"
    _both(p, "exp1", "POST", url, 422, "评分应为 1 到 5 的整数，收到 6", "a score is a whole number from 1 to 5, got 6",
          json={"scores": scores(4, budget=6), "no_conflict": True})
    _both(p, "exp1", "POST", url, 422, "收到 0", "got 0", json={"scores": scores(0), "no_conflict": True})
    _both(p, "exp1", "POST", url, 422, "缺少：local_transfer", "missing: local_transfer",
          json={"scores": scores(4)[:4], "no_conflict": True})
    _both(p, "exp1", "POST", url, 422, "有利益冲突的评审专家不能评分", "conflict of interest may not score",
          json={"scores": scores(4), "no_conflict": False})
    p.ok("exp1", "POST", url, 201, json={"scores": scores(4), "no_conflict": True})
    _both(p, "exp1", "POST", url, 409, "已在本轮评审中为该申请评过分", "already scored", json={"scores": scores(3),
                                                                                  "no_conflict": True})


def test_winners_over_the_bounty_and_deciding_before_execution_are_refused(people: People, clock: Clock) -> None:
    p = people
    ch = published(p, clock.now + timedelta(days=5), bounty_yuan="1000000")
    a1, a2 = submitted(p, ch["id"], "uni1"), submitted(p, ch["id"], "uni2")
    clock.advance(days=6)
    for to in ("closed", "under_review"):
        p.ok("owner", "POST", f"/challenges/{ch['id']}/transitions", json={"to": to})
    both = {"winners": [{"application_id": a1["id"], "reason": "好"}, {"application_id": a2["id"], "reason": "也好"}]}
    _both(p, "owner", "POST", f"/challenges/{ch['id']}/award", 422, "合计 1200000.00 元超过悬赏 1000000.00 元",
          "total 1200000.00 yuan, more than the bounty of 1000000.00 yuan", json=both)
    agreements = p.ok("owner", "POST", f"/challenges/{ch['id']}/award",
                      json={"winners": [{"application_id": a1["id"], "reason": "好"}]})
    milestone = agreements[0]["milestones"][0]
    _both(p, "owner", "POST", f"/challenges/{ch['id']}/milestones/{milestone['id']}/decision", 409, "攻关中才能验收",
          "decided while in execution", json={"accept": True, "evidence": "报告"})
    p.ok("owner", "POST", f"/challenges/{ch['id']}/transitions", json={"to": "in_execution"})
    _both(p, "owner", "POST", f"/challenges/{ch['id']}/transitions", 409, "还有未验收通过的里程碑",
          "Every milestone must be accepted", json={"to": "accepted"})
    _both(p, "owner", "POST", f"/challenges/{ch['id']}/transitions", 422, "写明原因", "Say why",
          json={"to": "failed"})
