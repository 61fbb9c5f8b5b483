"""`MatchRequest.restrict_to` over HTTP: the matcher scores only the items named (those it holds and may offer),
with the same scores a full search gives them; the catalog's subscription alerts ask this way."""

from fastapi.testclient import TestClient

from services.matcher import build
from services.matcher.main import create_app
from shared.schemas import MatchResponse
from tests.matcher.conftest import OUTPUTS, TOKEN, Feed, need, settings_for

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_restrict_to_scores_only_the_items_named(tmp_path, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(build, "load_embedder", lambda spec: embedder)
    feed = Feed()
    feed.put(*OUTPUTS, need(900, "秘密需求", "", confidentiality="brokers_only"))
    with TestClient(create_app(settings_for(tmp_path))) as client:
        client.app.state.matcher.apply(feed.changes, feed.last_seq)  # type: ignore[attr-defined]
        question = {"target": "output", "text": "机械臂 视觉 分拣", "k": 100}
        full = MatchResponse.model_validate(client.post("/v1/match", json=question, headers=AUTH).json())
        by_id = {r.id: r.score for r in full.results}
        picked = [*(r.id for r in full.results[-2:]), 12345]  # two low-ranked ones and one the index lacks
        some = MatchResponse.model_validate(client.post("/v1/match", json={**question, "restrict_to": picked},
                                                        headers=AUTH).json())
        assert sorted(r.id for r in some.results) == sorted(picked[:2])
        assert all(abs(r.score - by_id[r.id]) < 1e-6 for r in some.results)
        hidden = {"target": "need", "text": "秘密需求", "restrict_to": [900]}
        assert client.post("/v1/match", json=hidden, headers=AUTH).json()["results"] == []
        shown = client.post("/v1/match", json={**hidden, "include_brokers_only": True}, headers=AUTH).json()
        assert [r["id"] for r in shown["results"]] == [900]
        assert client.post("/v1/match", json={**question, "restrict_to": list(range(1, 102))},
                           headers=AUTH).status_code == 422  # at most 100
