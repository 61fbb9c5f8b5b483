"""The workflow refuses illegal moves with a clear message, keeps history, and turns decisions into feedback."""

import json
from pathlib import Path

from typer.testing import CliRunner

from duijie.cli import app as cli
from tests.conftest import Catalog
from tests.workflow.helpers import API, make_pair


def test_illegal_transitions_are_refused_with_a_message_in_both_languages(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    mid = pair.propose()["id"]
    r = pair.move(mid, "introduced", headers={**pair.broker, "Accept-Language": "zh-CN"})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert r.json()["message"] == f"对接 {mid} 当前为“已推荐”，不能改为“已引荐”；可改为：已入围、已放弃"
    r = catalog.client.post(f"{API}/matches/{mid}/transitions", json={"to": "introduced"},
                            headers={**pair.broker, "Accept-Language": "en"})
    assert r.json()["message"] == f"Match {mid} is proposed and cannot move to introduced; allowed: shortlisted, declined"
    assert pair.move(mid, "declined").status_code == 422  # a reason is required
    assert pair.move(mid, "declined", reason="太贵了").status_code == 422  # only the fixed list
    assert pair.move(mid, "shortlisted").status_code == 200
    assert pair.move(mid, "shortlisted", version=1).status_code == 409  # stale version
    assert pair.move(mid, "introduced").status_code == 200
    r = pair.move(mid, "negotiating", headers={**pair.broker, "Accept-Language": "zh"})
    assert r.status_code == 409 and "双方都接受" in r.json()["message"]
    pair.answer(mid, pair.enterprise)
    pair.answer(mid, pair.university)
    assert pair.move(mid, "negotiating").status_code == 200
    r = pair.move(mid, "signed")
    assert r.status_code == 409 and "Register the technology contract" in r.json()["message"]
    r = pair.move(mid, "declined", reason="价格", note="报价谈不拢")
    assert r.status_code == 200 and r.json()["declined_at"] is not None
    r = pair.move(mid, "shortlisted")
    assert r.status_code == 409 and "allowed: none (finished)" in r.json()["message"]
    history = catalog.client.get(f"{API}/matches/{mid}/history", headers=pair.broker).json()
    last = history[-1]
    assert (last["from_status"], last["to_status"], last["reason"], last["note"]) == (
        "negotiating", "declined", "价格", "报价谈不拢")


def test_a_party_declining_tells_the_broker_and_closes_the_match(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    mid = pair.propose()["id"]
    pair.move(mid, "shortlisted")
    pair.move(mid, "introduced")
    r = pair.answer(mid, pair.enterprise, accept=False, reason="效益不明确")
    assert r.json()["status"] == "declined"
    inbox = catalog.client.get(f"{API}/notifications", headers=pair.broker).json()
    assert inbox["data"][0]["kind"] == "declined" and "效益不明确" in inbox["data"][0]["body"]
    assert pair.answer(mid, pair.university).status_code == 409


def test_accepted_and_declined_pairs_are_exported_as_labelled_examples(catalog: Catalog, tmp_path: Path) -> None:
    pair = make_pair(catalog)
    kept = pair.propose()["id"]
    other = catalog.client.post(f"{API}/outputs", json={"title": "水产品等离子体杀菌", "summary": "杀菌保鲜"},
                                headers=pair.university).json()
    dropped = catalog.client.post(f"{API}/matches", headers=pair.broker, json={
        "need_id": pair.need["id"], "output_id": other["id"], "score": 0.2}).json()["id"]
    pair.move(kept, "shortlisted")
    pair.move(dropped, "declined", reason="描述不清", note="领域不符")
    out = tmp_path / "feedback.jsonl"
    result = CliRunner().invoke(cli, ["export-feedback", "--out", str(out),
                                      "--database-url", catalog.settings.db_url, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = {(r["output_id"], r["label"]): r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert set(rows) == {(pair.output["id"], 1), (other["id"], 0)}
    negative = rows[(other["id"], 0)]
    assert negative["reason"] == "描述不清" and negative["reason_en"] == "description unclear"
    assert negative["stage"] == "proposed" and negative["note"] == "领域不符"
    assert "退役动力电池镍钴锰回收" in negative["need_text"] and "水产品等离子体杀菌" in negative["output_text"]
    assert rows[(pair.output["id"], 1)]["stage"] == "shortlisted"


def test_proposing_without_a_score_asks_the_matcher_and_says_so_when_it_is_down(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    catalog.settings.matcher_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    body = {"need_id": pair.need["id"], "output_id": pair.output["id"]}
    r = catalog.client.post(f"{API}/matches", json=body, headers=pair.broker)
    assert r.status_code == 503 and r.json()["message"].startswith("The matcher is unavailable")
    assert catalog.client.get(f"{API}/matches", headers=pair.broker).json()["count"] == 0
