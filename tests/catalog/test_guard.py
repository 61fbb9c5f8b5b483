"""Every page and answer carries security headers; a request body past the limit is a 413 before it is parsed."""

from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog


def test_pages_carry_a_content_security_policy_and_every_answer_nosniff(catalog: Catalog) -> None:
    page = catalog.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    for r in (page, catalog.client.get("/api/v1/outputs"), catalog.client.get("/api/v1/no-such-thing")):
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


def test_a_json_body_past_the_limit_is_refused_with_413(catalog: Catalog) -> None:
    ent = fast_user(catalog, "ent", "enterprise", "甲公司")
    catalog.settings.max_json_mb = 2.0
    huge = b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    headers = {**ent, "Content-Type": "application/json", "Accept-Language": "zh-CN"}
    r = catalog.client.post("/api/v1/needs", content=huge, headers=headers)
    assert r.status_code == 413 and r.json() == {"error": "too_large", "message": "请求内容超过 2 MB 的上限",
                                                 "detail": []}

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(3):
            yield b" " * (1024 * 1024)
        yield b'{"title": "x"}'

    r = catalog.client.post("/api/v1/needs", content=chunks(), headers={**ent, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["message"] == "The request body exceeds the 2 MB limit"
    small = catalog.client.post("/api/v1/needs", json={"title": "陶瓷基板切割"}, headers=ent)
    assert small.status_code == 201
