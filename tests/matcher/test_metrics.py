"""The matcher's `GET /metrics`: Prometheus text behind the service token, lag, index and throughput series."""

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.matcher.conftest import OUTPUTS, TOKEN, Feed


def _families(text: str) -> dict[str, list]:  # type: ignore[type-arg]
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def test_matcher_metrics(matcher_client: TestClient) -> None:
    assert matcher_client.get("/metrics").status_code == 401
    feed = Feed()
    feed.put(*OUTPUTS)
    matcher_client.app.state.matcher.apply(feed.changes, feed.last_seq)  # type: ignore[attr-defined]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert matcher_client.post("/v1/match", json={"text": "锂电池隔膜", "target": "output"}, headers=auth).status_code == 200
    families = _families(matcher_client.get("/metrics", headers=auth).text)
    assert {s.labels["kind"]: s.value for s in families["duijie_matcher_index_items"]} == {"output": 8, "need": 0, "expert": 0}
    assert [s.value for s in families["duijie_matcher_lag_changes"]] == [0]
    assert [s.value for s in families["duijie_matcher_catalog_head"]] == [feed.last_seq]
    assert [s.value for s in families["duijie_matcher_items_encoded"] if s.name.endswith("_total")] == [8]
    assert "duijie_matcher_index_changes_per_second" in families
    routes = {s.labels["route"] for s in families["duijie_http_request_duration_seconds"] if s.name.endswith("_count")}
    assert "/v1/match" in routes
