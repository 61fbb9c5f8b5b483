"""Acceptance 1 of issue 13 on SQLite and PostgreSQL, with the real matcher: the bureau turns an unmet need into a
challenge, the matcher proposes solvers and three are invited, three organisations apply, three experts score
(a fourth refused for a conflict of interest), award, two milestones accepted, a contract and the challenge
figures in the statistics."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.challenges.helpers import INDICATORS, Clock, People, application_body, make_people, scores
from tests.conftest import Catalog
from tests.inprocess_matcher import matcher, sync

__all__ = ["matcher"]  # the fixture

OUTPUTS = {
    "uni1": ("废旧锂电池正极材料湿法回收技术", "选择性浸出回收镍钴锰锂，回收率98%，成本低"),
    "uni2": ("三元电池黑粉萃取分离工艺", "退役动力电池黑粉中镍钴锰的萃取分离与再生"),
    "uni3": ("动力电池梯次利用检测装备", "退役电池快速分选与健康状态评估"),
}


def test_an_unmet_need_becomes_a_challenge_and_runs_to_accepted_milestones(catalog: Catalog, clock: Clock,
                                                                          matcher: TestClient) -> None:
    p: People = make_people(catalog)
    need = p.ok("owner", "POST", "/needs", 201, json={
        "title": "退役动力电池镍钴锰高效回收", "description": "每年500吨废旧三元电池黑粉，需要低成本湿法回收工艺",
        "keywords": ["电池回收", "湿法"], "cluster": "新能源电池", "region": "新会区"})
    outputs = {who: p.ok(who, "POST", "/outputs", 201, json={"title": t, "summary": s, "cluster": "新能源电池",
                                                             "keywords": ["电池", "回收"]})
               for who, (t, s) in OUTPUTS.items()}
    sync(catalog, matcher)

    # The bureau turns the need into a challenge in one step and publishes it.
    deadline = clock.now + timedelta(days=10)
    ch = p.ok("bureau", "POST", f"/challenges/from-need/{need['id']}", 201, json={
        "bounty_yuan": "1000000", "deadline": deadline.isoformat(), "indicators": INDICATORS})
    assert ch["status"] == "draft" and ch["need_ids"] == [need["id"]] and ch["title"] == need["title"]
    assert ch["owner_name"] == "江门市科学技术局" and sum(c["weight"] for c in ch["criteria"]) == 100
    cid = ch["id"]
    assert p.call("anon", "GET", f"/challenges/{cid}").status_code == 404  # a draft is nobody else's business
    p.ok("bureau", "POST", f"/challenges/{cid}/transitions", json={"to": "published", "note": "局务会通过"})
    assert p.ok("anon", "GET", f"/challenges/{cid}")["status"] == "published"

    # The matcher proposes solvers, explained; the bureau invites all three organisations.
    proposed = p.ok("bureau", "GET", f"/challenges/{cid}/solvers")
    found = {s["output_id"]: s for s in proposed["data"]}
    assert {o["id"] for o in outputs.values()} <= set(found)
    best = proposed["data"][0]
    assert best["output_id"] in (outputs["uni1"]["id"], outputs["uni2"]["id"])
    assert 0 <= best["score"] <= 1 and best["explanation"]["zh"] and best["explanation"]["en"]
    assert best["organisation_name"] in ("五邑大学", "江门职业技术学院") and not best["invited"]
    invited = p.ok("bureau", "POST", f"/challenges/{cid}/invitations", 201,
                   json={"output_ids": [o["id"] for o in outputs.values()], "note": "欢迎揭榜"})
    assert len(invited) == 3
    assert all(s["invited"] for s in p.ok("anon", "GET", f"/challenges/{cid}/solvers")["data"]
               if s["output_id"] in {o["id"] for o in outputs.values()})
    for who in OUTPUTS:
        inbox = p.ok(who, "GET", "/notifications")
        assert inbox["data"][0]["kind"] == "challenge_invitation" and "揭榜邀请" in inbox["data"][0]["subject"]

    # Three organisations apply and submit.
    apps = {}
    for n, who in enumerate(OUTPUTS):
        body = application_body(output_ids=[outputs[who]["id"]])
        body["milestones"][1]["amount_yuan"] = str(300000 + 50000 * n)
        app = p.ok(who, "POST", f"/challenges/{cid}/applications", 201, json=body)
        apps[who] = p.ok(who, "POST", f"/challenges/{cid}/applications/{app['id']}/submit",
                         json={"version": app["version"]})
        assert apps[who]["status"] == "submitted"
    assert p.ok("bureau", "GET", f"/challenges/{cid}/applications")["count"] == 3
    assert p.ok("uni1", "GET", f"/challenges/{cid}/applications")["count"] == 1  # its own only

    # The deadline passes; the review starts; one expert is refused for a conflict of interest.
    clock.advance(days=11)
    for to in ("closed", "under_review"):
        p.ok("bureau", "POST", f"/challenges/{cid}/transitions", json={"to": to, "note": "按期截止"})
    for who in ("exp1", "exp2", "exp3"):
        p.ok("bureau", "POST", f"/challenges/{cid}/reviewers", 201, json={"user_id": p.ids[who]})
    refused = p.call("bureau", "POST", f"/challenges/{cid}/reviewers", json={"user_id": p.ids["exp_conflict"]})
    assert refused.status_code == 409 and refused.json()["error"] == "conflict_of_interest"
    assert "五邑大学" in refused.json()["message"]

    marks = {"uni1": (5, 4, 5), "uni2": (3, 4, 2), "uni3": (2, 2, 3)}
    for who, by_expert in marks.items():
        for expert, value in zip(("exp1", "exp2", "exp3"), by_expert, strict=True):
            p.ok(expert, "POST", f"/challenges/{cid}/applications/{apps[who]['id']}/reviews", 201,
                 json={"scores": scores(value), "no_conflict": True})
    rank = p.ok("bureau", "GET", f"/challenges/{cid}/ranking")
    assert [r["lead_org_name"] for r in rank] == ["五邑大学", "江门职业技术学院", "新材料研究院"]
    assert rank[0]["reviews"] == 3 and rank[0]["weighted_mean"] == pytest.approx(14 / 3, abs=1e-3)
    assert rank[0]["min"] == 4 and rank[0]["max"] == 5 and rank[1]["std_dev"] == pytest.approx(0.8165, abs=1e-3)

    # Award: a task agreement with the milestone plan and a registered technology contract.
    agreements = p.ok("bureau", "POST", f"/challenges/{cid}/award",
                      json={"winners": [{"application_id": apps["uni1"]["id"], "reason": "评分第一，方案成熟"}]})
    assert len(agreements) == 1 and agreements[0]["committed_yuan"] == "500000.00"
    assert agreements[0]["released_yuan"] == "0.00" and agreements[0]["contract_id"] is not None
    contract = p.ok("bureau", "GET", f"/contracts/{agreements[0]['contract_id']}")
    assert contract["buyer_name"] == "江门市科学技术局" and contract["seller_name"] == "五邑大学"
    assert contract["amount_yuan"] == "500000.00" and contract["contract_type"] == "技术开发"
    assert p.ok("uni2", "GET", f"/challenges/{cid}/agreements") == []  # a loser sees no agreement
    assert len(p.ok("uni1", "GET", f"/challenges/{cid}/agreements")) == 1

    # Execution: both milestones accepted with evidence, then the challenge itself.
    p.ok("bureau", "POST", f"/challenges/{cid}/transitions", json={"to": "in_execution", "note": "签订任务书"})
    for milestone in agreements[0]["milestones"]:
        decided = p.ok("bureau", "POST", f"/challenges/{cid}/milestones/{milestone['id']}/decision",
                       json={"accept": True, "evidence": "检测报告编号 JM-2027-001"})
        assert decided["status"] == "accepted"
    assert p.ok("bureau", "GET", f"/challenges/{cid}/agreements")[0]["released_yuan"] == "500000.00"
    done = p.ok("bureau", "POST", f"/challenges/{cid}/transitions", json={"to": "accepted", "note": "通过验收"})
    assert done["status"] == "accepted"
    assert p.ok("owner", "GET", f"/needs/{need['id']}")["status"] == "solved"
    moves = [(e["from_status"], e["to_status"]) for e in p.ok("anon", "GET", f"/challenges/{cid}/history")]
    assert moves == [(None, "draft"), ("draft", "published"), ("published", "closed"), ("closed", "under_review"),
                     ("under_review", "awarded"), ("awarded", "in_execution"), ("in_execution", "accepted")]

    # The statistics: the contract, the challenge funnel and the bounty figures.
    stats = p.ok("bureau", "GET", "/stats")
    assert stats["contracts"]["by_type"] == [{"key": "技术开发", "count": 1, "amount_yuan": "500000.00"}]
    figures = p.ok("bureau", "GET", "/stats/challenges")
    assert {s["step"]: s["count"] for s in figures["funnel"]} == {
        "published": 1, "applications": 3, "reviewed": 3, "awarded": 1, "in_execution": 1, "accepted": 1}
    assert figures["bounty"] == {"key": "", "challenges": 1, "offered_yuan": "1000000.00",
                                 "committed_yuan": "500000.00", "released_yuan": "500000.00"}
    assert figures["by_cluster"][0]["key"] == "新能源电池" and figures["by_region"][0]["key"] == "新会区"
    assert p.ok("bureau", "GET", "/stats/challenges", params={"region": "台山市"})["bounty"]["challenges"] == 0
