"""The catalog's match routes: the real matcher behind them, the caller's permissions applied."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.catalog.matching import client as matcher_client
from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog
from tests.inprocess_matcher import matcher, sync

__all__ = ["matcher"]  # the fixture
API = "/api/v1"


@pytest.fixture
def matcher_api(matcher: TestClient) -> TestClient:
    """A matcher app, fed from the catalog's change feed, that the catalog's client reaches in-process."""
    return matcher


def _sync(catalog: Catalog, matcher_api: TestClient) -> None:
    sync(catalog, matcher_api)


def _post(catalog: Catalog, kind: str, headers: dict[str, str], **body: Any) -> int:
    r = catalog.client.post(f"{API}/{kind}s", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_matches_respect_permissions(catalog: Catalog, matcher_api: TestClient) -> None:
    ent = fast_user(catalog, "ent_m", "enterprise", "甲公司")
    uni = fast_user(catalog, "uni_m", "university", "甲大学")
    broker = fast_user(catalog, "broker_m", "broker", "对接中心")
    battery = _post(catalog, "output", uni, title="锂电池陶瓷涂覆隔膜", summary="耐高温隔膜，防止锂电池热失控。")
    _post(catalog, "output", uni, title="秸秆生物质颗粒燃料", summary="农作物秸秆压制成燃料。")
    _post(catalog, "output", uni, title="未发布的锂电池成果", summary="锂电池隔膜。", status="draft")
    public = _post(catalog, "need", ent, title="锂电池防爆", description="需要防止锂电池热失控的隔膜技术。")
    secret = _post(catalog, "need", ent, title="锂电池隔膜国产替代", description="保密：替代进口隔膜。",
                   confidentiality="brokers_only")
    _sync(catalog, matcher_api)

    r = catalog.client.get(f"{API}/needs/{public}/matches", params={"k": 5})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["id"] == battery and "隔膜" in results[0]["explanation"]["matched_terms"]
    assert all(x["title"] != "未发布的锂电池成果" for x in results)

    anonymous = catalog.client.get(f"{API}/outputs/{battery}/matches").json()["results"]
    assert secret not in [x["id"] for x in anonymous] and public in [x["id"] for x in anonymous]
    as_broker = catalog.client.get(f"{API}/outputs/{battery}/matches", headers=broker).json()["results"]
    assert secret in [x["id"] for x in as_broker]
    assert catalog.client.get(f"{API}/needs/{secret}/matches").status_code == 404

    found = catalog.client.get(f"{API}/search/outputs", params={"q": "秸秆 燃料"}).json()["results"]
    assert found[0]["title"] == "秸秆生物质颗粒燃料"


def test_matcher_down_is_a_503(catalog: Catalog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(*args: Any, **kwargs: Any) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    class Down:
        post = staticmethod(refuse)

    monkeypatch.setattr(matcher_client, "_client", lambda base_url, token: Down())
    r = catalog.client.get(f"{API}/search/outputs", params={"q": "锂电池"})
    assert r.status_code == 503 and r.json()["error"] == "matcher_unavailable"


def test_a_query_the_matcher_refuses_is_the_callers_422_not_a_503(catalog: Catalog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    class Refusing:
        @staticmethod
        def post(*args: Any, **kwargs: Any) -> httpx.Response:
            asked.append("asked")
            request = httpx.Request("POST", "http://matcher/v1/match")
            return httpx.Response(422, json={"error": "validation_error", "message": "no", "detail": []},
                                  request=request)

    monkeypatch.setattr(matcher_client, "_client", lambda base_url, token: Refusing())
    r = catalog.client.get(f"{API}/search/outputs", params={"q": "锂电池"}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422 and r.json()["error"] == "validation_error" and asked == ["asked"]
    for q in ("   ", "\x01\x02", "\u200b\t"):
        r = catalog.client.get(f"{API}/search/outputs", params={"q": q})
        assert r.status_code == 422 and r.json()["detail"][0]["column"] == "q", (q, r.text)
    assert asked == ["asked"]  # blank and control-only text never reach the matcher
