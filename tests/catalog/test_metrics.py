"""The catalog's `GET /metrics` (Prometheus text behind the service token) and its quiet console."""

import logging

from prometheus_client.parser import text_string_to_metric_families

from duijie.logs import QuietPolls
from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog


def _families(text: str) -> dict[str, list]:  # type: ignore[type-arg]
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def test_catalog_metrics(catalog: Catalog) -> None:
    c = catalog.client
    assert c.get("/metrics").status_code == 401
    ent = fast_user(catalog, "ent_m", "enterprise", "甲公司")
    assert c.get("/metrics", headers=ent).status_code == 403
    assert c.post("/api/v1/needs", json={"title": "指标测试需求"}, headers=ent).status_code == 201
    c.get("/api/v1/needs/999999", headers=ent)
    c.get("/no/such/page/12345")
    r = c.get("/metrics", headers=catalog.service_headers())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    families = _families(r.text)
    requests = families["duijie_http_request_duration_seconds"]
    routes = {(s.labels["route"], s.labels["method"], s.labels["status"]) for s in requests if s.name.endswith("_count")}
    assert {("/api/v1/needs", "POST", "201"), ("/api/v1/needs/{item_id}", "GET", "404")} <= routes
    assert not [r for r in routes if "999999" in r[0] or "12345" in r[0]]  # templates, never raw paths
    assert ("unmatched", "GET", "404") in routes
    items = {(s.labels["kind"], s.labels["status"]): s.value for s in families["duijie_catalog_items"]}
    assert items[("need", "open")] == 1
    assert [s.value for s in families["duijie_change_feed_head"]] == [1]
    assert "duijie_import_jobs" in families and "duijie_outbox_emails" in families


def _access(path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                             ("127.0.0.1:5000", "GET", path, "1.1", status), None)


def test_the_console_leaves_out_successful_polls_but_not_their_errors() -> None:
    quiet = QuietPolls()
    assert not quiet.filter(_access("/api/v1/changes?after=10&limit=500", 200))
    assert not quiet.filter(_access("/metrics", 200))
    assert quiet.filter(_access("/api/v1/changes?after=10", 401))
    assert quiet.filter(_access("/api/v1/needs", 200))
